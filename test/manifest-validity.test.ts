import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan } from '../src/app/synthesize';
import { crdsAvailable, validateManifest, validateManifests } from './support/manifest-validation';

function synthesize(config: AragoraSecretsConfig): OutputFile[] {
  return synthesizePlan(resolvePlan(validateConfig(config, 'test')));
}

/** Parses every document, so that a file holding more than one object is validated whole. */
function objectsOf(file: OutputFile): any[] {
  return parseAllDocuments(file.content).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file.path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

const manifestFiles = (files: OutputFile[]) => files.filter((f) => f.path.endsWith('.k8s.yaml'));
const itWithCrds = crdsAvailable ? it : it.skip;

describe('the embedded default', () => {
  const files = manifestFiles(synthesize(DEFAULT_CONFIG));

  it('produces the objects every environment needs', () => {
    // Guards against a vacuous pass: validating nothing would also give no problems.
    const kinds = new Set(files.flatMap(objectsOf).map((o) => o.kind));
    // No Role or RoleBinding: the kubelet reads the Secrets (the other config below reads through the API).
    expect([...kinds].sort()).toEqual(['ClusterSecretStore', 'Deployment', 'ExternalSecret', 'Namespace', 'NetworkPolicy', 'Password', 'SealedSecret', 'ServiceAccount']);
  });

  it.each(files.map((f) => [f.path, f] as const))('%s would be accepted by the API server', (_, file) => {
    expect(validateManifests(objectsOf(file))).toEqual([]);
  });
});

describe('a config using the other code paths', () => {
  const { dev, staging, prod } = DEFAULT_CONFIG.environments;
  const config: AragoraSecretsConfig = {
    ...DEFAULT_CONFIG,
    environments: {
      dev,
      // A Deployment managed elsewhere: only a patch is written for it.
      staging: { ...staging, workload: { ...staging.workload, enabled: false } },
      prod: {
        ...prod,
        delivery: 'plain',
        // The application reads its Secret through the API: the Role, the RoleBinding and the token.
        workload: { ...prod.workload, command: undefined, injection: 'envFrom', readsSecretsThroughApi: true },
        rotation: { reloader: 'none' },
        network: {
          backends: [
            { name: 'vault', cidr: '10.20.0.0/16', except: ['10.20.99.0/24'], ports: [8200] },
            { name: 'redis', namespace: 'data', podLabels: { 'app.kubernetes.io/name': 'redis' }, ports: [6379] },
          ],
        },
      },
    },
  };
  const all = synthesize(config);
  const objects = manifestFiles(all).flatMap(objectsOf);
  const find = (env: string, kind: string) => objects.filter((o) => o.metadata.namespace === `aragora-${env}` && o.kind === kind);

  it('exercises what it claims to', () => {
    // Each variation must change the output, or validating it proves nothing new.
    expect(find('staging', 'Deployment')).toEqual([]);
    expect(all.map((f) => f.path)).toContain('staging/patches/workload.patch.yaml');

    expect(find('prod', 'Role')).toHaveLength(1);
    expect(find('prod', 'RoleBinding')).toHaveLength(1);
    const [deployment] = find('prod', 'Deployment');
    expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([{ secretRef: { name: 'aragora-secrets' } }]);
    // reloader none: only the plain delivery's note that the Secret is created at deploy time.
    expect(deployment.metadata.annotations).toEqual({ 'aragora-secrets/created-at-deploy-time': 'aragora-secrets' });

    const peers = find('prod', 'NetworkPolicy')[0].spec.egress.flatMap((rule: any) => rule.to);
    expect(peers).toContainEqual({ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.99.0/24'] } });
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
    });
  });

  it('produces only objects the API server would accept', () => {
    expect(validateManifests(objects)).toEqual([]);
  });
});

describe('the validator', () => {
  // Valid fixtures, each broken in one way below: a failure then comes from that change alone.
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      replicas: 2 as unknown,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } as Record<string, string> }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  });
  const role = () => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'reader', namespace: 'apps', labels: { app: 'web' } as Record<string, string> },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-secrets'], verbs: ['get'] }],
  });
  const roleBinding = () => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'reader', namespace: 'apps' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'apps' }],
  });
  const namespace = () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } as Record<string, unknown> });
  const networkPolicy = () => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'egress', namespace: 'apps' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] }],
    },
  });
  const externalSecret = () => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'web-secrets', namespace: 'apps' },
    spec: {
      refreshInterval: '1h' as unknown,
      secretStoreRef: { kind: 'SecretStore', name: 'aws' },
      target: { name: 'web-secrets' },
      data: [{ secretKey: 'ANTHROPIC_API_KEY', remoteRef: { key: 'aragora/api-keys', property: 'anthropic' } }],
    } as Record<string, unknown>,
  });

  it.each([
    ['Deployment', deployment],
    ['Role', role],
    ['RoleBinding', roleBinding],
    ['Namespace', namespace],
    ['NetworkPolicy', networkPolicy],
  ])('accepts the valid %s fixture', (_, build) => {
    expect(validateManifest(build())).toEqual([]);
  });

  itWithCrds('accepts a minimal valid ExternalSecret', () => {
    expect(validateManifest(externalSecret())).toEqual([]);
  });

  // [what is wrong, the object, a problem that must be reported]
  const broken: [string, () => unknown, RegExp][] = [
    ['a Deployment with replicas "three"', () => ({ ...deployment(), spec: { ...deployment().spec, replicas: 'three' } }), /^spec\.replicas: must be integer/],
    ['a Role with the label key "-bad"', () => ({ ...role(), metadata: { ...role().metadata, labels: { '-bad': 'x' } } }), /metadata\.labels: "-bad" is not a valid label key/],
    ['a label value of 64 characters', () => ({ ...role(), metadata: { ...role().metadata, labels: { app: 'a'.repeat(64) } } }), /is not a valid label value/],
    ['a Namespace with a namespace', () => ({ ...namespace(), metadata: { name: 'apps', namespace: 'default' } }), /Namespace is cluster-scoped and must not have a namespace/],
    ['a Role without a namespace', () => ({ ...role(), metadata: { name: 'reader' } }), /metadata\.namespace: missing/],
    ['a RoleBinding named with capitals', () => ({ ...roleBinding(), metadata: { ...roleBinding().metadata, name: 'Aragora-Reader' } }), /metadata\.name: "Aragora-Reader" is not a DNS-1123 subdomain/],
    ['a Namespace name longer than a label', () => ({ ...namespace(), metadata: { name: 'a'.repeat(64) } }), /is not a DNS-1123 label/],
    [
      'a pod template label that is invalid',
      () => {
        const d = deployment();
        d.spec.template.metadata.labels['bad key'] = 'x';
        return d;
      },
      /spec\.template\.metadata\.labels: "bad key" is not a valid label key/,
    ],
    [
      'a selector that does not match the template',
      () => {
        const d = deployment();
        d.spec.template.metadata.labels = { app: 'other' };
        return d;
      },
      /selector does not match the pods/,
    ],
    [
      'an ipBlock except outside its cidr',
      () => {
        const p = networkPolicy();
        p.spec.egress[0].to[0].ipBlock.except = ['192.168.0.0/16'];
        return p;
      },
      /except\[0\]: "192\.168\.0\.0\/16" is not a strict subset of cidr "10\.0\.0\.0\/8"/,
    ],
    [
      'annotations over 256 KiB',
      () => ({ ...role(), metadata: { ...role().metadata, annotations: { big: 'x'.repeat(256 * 1024) } } }),
      /metadata\.annotations: \d+ bytes in total/,
    ],
    ['a kind with no schema', () => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' } }), /no schema for example\.com\/v1 Widget/],
  ];

  it.each(broken)('rejects %s', (_, build, expected) => {
    expect(validateManifest(build())).toContainEqual(expect.stringMatching(expected));
  });

  const brokenCustomResources: [string, () => unknown, RegExp][] = [
    ['an ExternalSecret with a numeric refreshInterval', () => ({ ...externalSecret(), spec: { ...externalSecret().spec, refreshInterval: 5 } }), /^spec\.refreshInterval: must be string/],
    ['an ExternalSecret with an unknown spec field', () => ({ ...externalSecret(), spec: { ...externalSecret().spec, refreshIntervl: '1h' } }), /^spec: unknown field "refreshIntervl"/],
    ['an ExternalSecret in the unserved v1beta1', () => ({ ...externalSecret(), apiVersion: 'external-secrets.io/v1beta1' }), /v1beta1 is not served/],
    ['a kind its CRD group does not define', () => ({ ...externalSecret(), kind: 'ExternalSecrets' }), /no CRD .* defines kind ExternalSecrets/],
    ['an ExternalSecret with a non-string label', () => ({ ...externalSecret(), metadata: { ...externalSecret().metadata, labels: { tier: 3 } } }), /metadata\.labels\.tier: must be string/],
  ];

  (crdsAvailable ? it.each(brokenCustomResources) : it.skip.each(brokenCustomResources))('rejects %s', (_, build, expected) => {
    expect(validateManifest(build())).toContainEqual(expect.stringMatching(expected));
  });

  it('prefixes problems with the kind and name of the object', () => {
    const bad = { ...roleBinding(), metadata: { ...roleBinding().metadata, name: 'Bad' } };
    expect(validateManifests([role(), bad])).toEqual([expect.stringMatching(/^RoleBinding\/Bad: metadata\.name:/)]);
  });
});
