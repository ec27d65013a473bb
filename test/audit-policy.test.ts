import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { StoreConfig } from '../src/delivery/external/schema';
import { parseConfigFile } from '../src/config/load';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import type { OutputFile } from '../src/core/output-file';
import { configWith, manifests, synth } from './helpers';

const EXAMPLES = join(__dirname, '..', 'examples');

/** `namespace/name` of every ServiceAccount the audit policy of `env` logs token requests for. */
function audited(files: readonly OutputFile[], env: string): { tokens: string[]; secrets: string[] } {
  const rules: any[] = parse(files.find((f) => f.path === `${env}/audit-policy.yaml`)!.content).rules;
  const named = (resource: string) =>
    rules.flatMap((rule) =>
      rule.resources.filter((r: any) => r.resources.includes(resource) && r.resourceNames).flatMap((r: any) => rule.namespaces.flatMap((ns: string) => r.resourceNames.map((n: string) => `${ns}/${n}`))),
    );
  return { tokens: named('serviceaccounts/token').sort(), secrets: named('secrets').sort() };
}

/**
 * Every identity the output of `env` names, read from the objects themselves (not from the plan the
 * audit policy is made from): ServiceAccount objects, the pods' serviceAccountName, and each store's
 * serviceAccountRef; and every credentials Secret a store names.
 */
function identitiesIn(files: readonly OutputFile[], env: string): { tokens: string[]; credentials: string[] } {
  const objects = manifests(files as OutputFile[], env);
  const namespace = objects.find((o) => o.kind === 'Namespace')?.metadata.name ?? objects.find((o) => o.metadata.namespace)!.metadata.namespace!;
  const tokens = new Set<string>();
  const credentials = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? namespace;
    if (o.kind === 'ServiceAccount') tokens.add(`${ns}/${o.metadata.name}`);
    const pod = o.spec?.template?.spec;
    if (pod) tokens.add(`${ns}/${pod.serviceAccountName ?? 'default'}`);
    if (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore') {
      // A SecretStore's references are in its own namespace; a ClusterSecretStore's name theirs (or the ExternalSecret's).
      const resolve = (ref: { name: string; namespace?: string }) => `${o.kind === 'SecretStore' ? ns : (ref.namespace ?? namespace)}/${ref.name}`;
      const walk = (value: unknown, key = ''): void => {
        if (Array.isArray(value)) value.forEach((v) => walk(v));
        else if (value && typeof value === 'object') {
          const record = value as Record<string, any>;
          if (key === 'serviceAccountRef') tokens.add(resolve(record as any));
          else if (key.endsWith('SecretRef') && typeof record.name === 'string') credentials.add(resolve(record as any));
          else for (const [k, v] of Object.entries(record)) walk(v, k);
        }
      };
      walk(o.spec.provider);
    }
  }
  return { tokens: [...tokens].sort(), credentials: [...credentials].sort() };
}

const AWS_STATIC: StoreConfig = {
  provider: 'aws',
  kind: 'ClusterSecretStore',
  service: 'SecretsManager',
  region: 'us-east-1',
  auth: {
    secretRef: {
      accessKeyIDSecretRef: { name: 'aws-credentials', key: 'id', namespace: 'external-secrets' },
      secretAccessKeySecretRef: { name: 'aws-credentials', key: 'secret', namespace: 'external-secrets' },
    },
  },
};

const CASES: [string, AragoraSecretsConfig][] = [
  ['the embedded default', configWith()],
  ['examples/aws-eso.yaml (IRSA, SecretStore)', parseConfigFile(join(EXAMPLES, 'aws-eso.yaml'))],
  ['examples/gcp-eso.yaml (Workload Identity)', parseConfigFile(join(EXAMPLES, 'gcp-eso.yaml'))],
  [
    'IRSA with a ClusterSecretStore whose ServiceAccount lives in ESO\'s namespace',
    (() => {
      const c = parseConfigFile(join(EXAMPLES, 'aws-eso.yaml'));
      c.stores!['aws-secrets'].kind = 'ClusterSecretStore';
      c.environments.prod.aws!.eso!.serviceAccount = { namespace: 'external-secrets', name: 'aragora-prod-eso', create: true };
      return c;
    })(),
  ],
  [
    'static AWS credentials in a Secret of ESO\'s namespace; an application reading through the API',
    configWith((c) => {
      c.stores = { ...c.stores, 'aws-static': AWS_STATIC };
      c.environments.staging.delivery = { method: 'external', store: 'aws-static' };
      c.environments.dev.workload = { ...c.environments.dev.workload, readsSecretsThroughApi: true };
    }),
  ],
];

describe('the audit policy logs token requests for every identity of the output, and access to every credentials Secret', () => {
  test.each(CASES)('%s', (_name, config) => {
    const files = synth(config);
    const environments = Object.keys(config.environments);
    let identities = 0;
    for (const env of environments) {
      const found = identitiesIn(files, env);
      const logged = audited(files, env);
      expect({ env, tokens: logged.tokens }).toEqual({ env, tokens: found.tokens });
      expect(logged.secrets).toEqual(expect.arrayContaining(found.credentials));
      identities += found.tokens.length;
    }
    expect(identities).toBeGreaterThan(environments.length - 1);
  });

  test('the ESO ServiceAccount of the default\'s staging store is among them (it reads every secret of the store)', () => {
    expect(audited(synth(), 'staging').tokens).toEqual(['aragora-staging/aragora', 'external-secrets/external-secrets']);
  });

  test('a store\'s static credentials: the Secret is named in its namespace, and collection requests there are logged', () => {
    const files = synth(CASES[4][1]);
    const content = files.find((f) => f.path === 'staging/audit-policy.yaml')!.content;
    const rules: any[] = parse(content).rules;
    expect(rules).toContainEqual({ level: 'Metadata', namespaces: ['external-secrets'], resources: [{ group: '', resources: ['secrets'], resourceNames: ['aws-credentials'] }] });
    expect(rules.find((r) => r.verbs?.includes('list')).namespaces).toEqual(['aragora-staging', 'external-secrets']);
    expect(content).toContain('# Secret external-secrets/aws-credentials: the credentials of store aws-static.');
  });

  test('the policy is written as the yaml library writes it (YAML 1.2, no folding), in every example', () => {
    const outputs = [synth(), ...CASES.map(([, config]) => synth(config))];
    for (const file of outputs.flat().filter((f) => f.path.endsWith('/audit-policy.yaml'))) {
      const body = file.content.replace(/^(#.*\n)+/, '');
      expect({ path: file.path, body }).toEqual({ path: file.path, body: stringify(parse(body), { lineWidth: 0 }) });
    }
  });
});
