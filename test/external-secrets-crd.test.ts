import type { ValidateFunction } from 'ajv';
import type { StoreConfig } from '../src/delivery/external/schema';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { isDnsSubdomain } from '../src/core/names';
import { configWith, Manifest, manifests, synth } from './helpers';
import { compiledValidator, CRD_DIR, crdsAvailable, crdVersionSchema } from './support/manifest-validation';

/**
 * Every ESO object we emit, validated against the openAPIV3Schema of the upstream CRDs (ESO v2.9,
 * in ../shared/crds, never committed here), per API version: v1 and v1beta1 (`served: false` in
 * these CRDs, but its schema is there). Unknown fields are refused, as `kubectl apply` does with
 * strict field validation. The CRDs carry CEL rules (x-kubernetes-validations) only on fields we do
 * not emit (aws.customSessionTags and other providers), so the JSON Schema is the whole contract.
 */
/** The kinds of these CRDs we emit (the parsed CRDs and compiled validators are cached by test/support/manifest-validation.ts). */
const CRD_KINDS = [
  'external-secrets.io/ExternalSecret',
  'external-secrets.io/SecretStore',
  'external-secrets.io/ClusterSecretStore',
  'generators.external-secrets.io/Password',
];
const ESO_GROUPS = ['external-secrets.io', 'generators.external-secrets.io'];

const describeWithCrds = crdsAvailable ? describe : describe.skip;

/** Objects with declared properties accept no others (the API server prunes or, with strict validation, refuses them). */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  const [group, version] = apiVersion.split('/');
  const id = `${apiVersion}/${kind}`;
  if (!validators.has(id)) {
    if (!CRD_KINDS.includes(`${group}/${kind}`)) throw new Error(`no CRD for ${group}/${kind}`);
    const schema = crdVersionSchema(group, kind, version);
    if (!schema) throw new Error(`the ${kind} CRD in ${CRD_DIR} has no version ${version}`);
    validators.set(id, compiledValidator(strict(schema)));
  }
  return validators.get(id)!;
}

function schemaErrors(object: Manifest): string[] {
  const validate = validatorFor(object.apiVersion, object.kind);
  // The validator applies schema defaults to what it checks, as the API server does: to a copy.
  const errors = validate(structuredClone(object)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  if (!isDnsSubdomain(object.metadata.name)) errors.push(`metadata.name "${object.metadata.name}" is not a DNS-1123 subdomain`);
  return errors.map((e) => `${object.apiVersion} ${object.kind} ${object.metadata.name}: ${e}`);
}

function esoObjects(config: AragoraSecretsConfig): Manifest[] {
  const files = synth(config);
  const envs = [...new Set(files.map((f) => f.path.split('/')[0]))];
  return envs.flatMap((env) => manifests(files, env)).filter((o) => ESO_GROUPS.includes(o.apiVersion.split('/')[0]));
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQkNvbmZpZ0NBMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAw\n-----END CERTIFICATE-----\n';

/** Configs that together emit every provider option, both store kinds, both fetch modes and the generator. */
function variants(apiVersion: 'v1' | 'v1beta1'): [string, AragoraSecretsConfig][] {
  const stores: Record<string, StoreConfig> = {
    'vault-backend': {
      provider: 'vault',
      kind: 'ClusterSecretStore',
      server: 'https://vault.vault.svc:8200',
      path: 'kv',
      version: 'v1',
      vaultNamespace: 'platform',
      caProvider: { type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt', namespace: 'vault' },
      auth: { kubernetes: { mountPath: 'k8s', role: 'aragora', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets', audiences: ['vault'] } } },
    },
    'vault-ns': { provider: 'vault', server: 'https://vault.example.com', caBundle: PEM, auth: { kubernetes: { role: 'aragora', serviceAccountRef: { name: 'aragora-eso' } } } },
    'aws-sm': {
      provider: 'aws',
      service: 'SecretsManager',
      region: 'eu-west-1',
      role: 'arn:aws:iam::123456789012:role/aragora',
      prefix: 'prod/',
      auth: { jwt: { serviceAccountRef: { name: 'aragora-eso', audiences: ['sts.amazonaws.com'] } } },
    },
    'aws-ps': {
      provider: 'aws',
      kind: 'ClusterSecretStore',
      service: 'ParameterStore',
      region: 'us-east-1',
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'aws', key: 'id', namespace: 'external-secrets' },
          secretAccessKeySecretRef: { name: 'aws', key: 'secret', namespace: 'external-secrets' },
          sessionTokenSecretRef: { name: 'aws', key: 'token', namespace: 'external-secrets' },
        },
      },
    },
    'gcp-wi': {
      provider: 'gcpsm',
      kind: 'ClusterSecretStore',
      projectID: 'aragora-prod',
      location: 'europe-west1',
      auth: { workloadIdentity: { serviceAccountRef: { name: 'eso', namespace: 'external-secrets' }, clusterLocation: 'europe-west1', clusterName: 'c', clusterProjectID: 'aragora-platform' } },
    },
    'gcp-key': { provider: 'gcpsm', projectID: 'aragora-prod', auth: { secretRef: { secretAccessKeySecretRef: { name: 'gcp', key: 'key.json' } } } },
    'gcp-ambient': { provider: 'gcpsm', projectID: 'aragora-prod' },
  };
  const config = (assign: Record<string, string>, fetch: 'properties' | 'extract', remoteKey: string) =>
    configWith((c) => {
      c.remoteKey = remoteKey;
      c.stores = stores;
      // Store shapes only: prod's IRSA role would make its aws store authenticate as the role's ServiceAccount (test/identity.test.ts).
      delete c.environments.prod.aws!.eso;
      c.environments.staging.delivery = 'plain';
      for (const [env, store] of Object.entries(assign)) {
        c.environments[env].delivery = { method: 'external', store, apiVersion, fetch, generated: 'generator', refreshInterval: '15m' };
      }
    });
  return [
    ['default', configWith((c) => ((c.environments.staging.delivery as any).apiVersion = apiVersion))],
    ['vault, properties', config({ dev: 'vault-ns', staging: 'vault-backend', prod: 'vault-backend' }, 'properties', 'aragora/api-keys')],
    ['vault, extract', config({ dev: 'vault-ns', staging: 'vault-backend' }, 'extract', 'aragora/api-keys')],
    ['aws', config({ dev: 'aws-sm', prod: 'aws-ps' }, 'properties', '/aragora/api-keys')],
    ['aws, extract', config({ dev: 'aws-sm', prod: 'aws-ps' }, 'extract', '/aragora/api-keys')],
    ['gcp', config({ dev: 'gcp-key', staging: 'gcp-ambient', prod: 'gcp-wi' }, 'properties', 'aragora-api-keys')],
  ];
}

describeWithCrds(`ESO objects are valid against the upstream CRDs (${CRD_DIR})`, () => {
  describe.each(['v1', 'v1beta1'] as const)('%s', (apiVersion) => {
    test.each(variants(apiVersion))('%s', (_name, config) => {
      const objects = esoObjects(config);
      expect(objects.length).toBeGreaterThan(0);
      expect(new Set(objects.filter((o) => o.apiVersion.startsWith('external-secrets.io/')).map((o) => o.apiVersion))).toEqual(new Set([`external-secrets.io/${apiVersion}`]));
      expect(objects.flatMap(schemaErrors)).toEqual([]);
    });
  });

  test('every kind and provider was exercised', () => {
    const all = [...variants('v1'), ...variants('v1beta1')].flatMap(([, c]) => esoObjects(c));
    const seen = new Set(all.map((o) => `${o.apiVersion} ${o.kind}`));
    for (const v of ['v1', 'v1beta1']) {
      for (const kind of ['ExternalSecret', 'SecretStore', 'ClusterSecretStore']) expect(seen).toContain(`external-secrets.io/${v} ${kind}`);
    }
    expect(seen).toContain('generators.external-secrets.io/v1alpha1 Password');
    const providers = new Set(all.filter((o) => o.spec.provider).map((o) => Object.keys(o.spec.provider)[0]));
    expect(providers).toEqual(new Set(['vault', 'aws', 'gcpsm']));
  });

  test('the validation is not vacuous: a wrong enum, an unknown field and a missing field are caught', () => {
    const [es] = esoObjects(configWith()).filter((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'aragora-secrets');
    const bad = (mutate: (o: any) => void) => {
      const copy = structuredClone(es);
      mutate(copy);
      return schemaErrors(copy);
    };
    expect(bad((o) => (o.spec.target.creationPolicy = 'Owned'))).toEqual([expect.stringMatching(/creationPolicy must be equal to one of the allowed values/)]);
    expect(bad((o) => (o.spec.data[0].remoteRef.propery = 'x'))).toEqual([expect.stringMatching(/must NOT have additional properties.*propery/)]);
    expect(bad((o) => delete o.spec.data[0].remoteRef.key)).toEqual([expect.stringMatching(/must have required property 'key'/)]);
    const store = esoObjects(configWith()).find((o) => o.kind === 'ClusterSecretStore')!;
    const v1beta1Store: Manifest = { ...structuredClone(store), apiVersion: 'external-secrets.io/v1beta1' };
    v1beta1Store.spec.provider = { aws: { service: 'CertificateManager', region: 'us-east-1' } };
    // CertificateManager exists in v1 only: the versions are checked against their own schemas.
    expect(schemaErrors(v1beta1Store)).toEqual([expect.stringMatching(/service must be equal to one of the allowed values/)]);
  });
});
