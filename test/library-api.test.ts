import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AppSecret,
  ClusterSecretStore,
  ExternalSecret,
  type IAppSecret,
  PasswordGenerator,
  readSealingKey,
  SealedSecret,
  sealValue,
  SecretReader,
  SecretsEgressPolicy,
  SecretStore,
  vaultInjectorAnnotations,
} from '../src';
import { validationErrors } from '../src/core/synth-error';

// The constructs as another team uses them: from the public index, mixed with cdk8s-plus.

const NAMESPACE = 'shop';
const publicKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey;
const sealingKey = readSealingKey(publicKeyPem, 'test key');

function chart(): Chart {
  return Testing.chart();
}

function namespacedChart(): Chart {
  return new Chart(Testing.app(), 'Shop', { namespace: NAMESPACE, disableResourceNameHashes: true });
}

type Manifest = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [key: string]: any };

function objectsOf(c: Chart): Manifest[] {
  return Testing.synth(c) as Manifest[];
}

function findObject(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

function sealedSecret(scope: Chart, secretName = 'shop-secrets', props: Partial<ConstructorParameters<typeof SealedSecret>[2]> = {}): SealedSecret {
  return new SealedSecret(scope, `Sealed-${secretName}`, {
    secretName,
    encryptedData: { DATABASE_URL: sealValue(sealingKey.publicKey, { name: secretName, namespace: NAMESPACE, scope: 'strict' }, 'postgres://shop') },
    ...props,
  });
}

function externalSecret(scope: Chart, secretName = 'shop-external'): ExternalSecret {
  const store = new SecretStore(scope, 'Store', {
    storeName: 'vault',
    provider: { provider: 'vault', server: 'https://vault.example:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'shop' } } },
  });
  const secret = new ExternalSecret(scope, 'External', { secretName, store });
  secret.addData('DATABASE_URL', { key: 'shop', property: 'database_url' });
  return secret;
}

/** A kplus Deployment that takes DATABASE_URL from `secret` by key and everything else by envFrom. */
function deploymentReading(scope: Chart, secret: IAppSecret): kplus.Deployment {
  const deployment = new kplus.Deployment(scope, 'Web', { metadata: { name: 'web' }, containers: [{ name: 'web', image: 'shop:1', portNumber: 8080 }] });
  deployment.containers[0].env.addVariable('DATABASE_URL', kplus.EnvValue.fromSecretValue({ secret, key: 'DATABASE_URL' }));
  deployment.containers[0].env.addVariable('DATABASE_URL_AGAIN', secret.envValue('DATABASE_URL', { optional: true }));
  deployment.containers[0].env.copyFrom(kplus.Env.fromSecret(secret));
  return deployment;
}

describe('cdk8s-plus interop: our Secrets are kplus.ISecret', () => {
  const cases: [string, (c: Chart) => IAppSecret][] = [
    ['SealedSecret', (c) => sealedSecret(c)],
    ['ExternalSecret', (c) => externalSecret(c, 'shop-secrets')],
    ['AppSecret', (c) => new AppSecret(c, 'Plain', { secretName: 'shop-secrets', values: {} })],
    ['AppSecret.fromSecretName', (c) => AppSecret.fromSecretName(c, 'Existing', 'shop-secrets')],
  ];

  test.each(cases)('%s: a kplus.Deployment reads it by secretKeyRef and envFrom, naming the Secret the pods read', (_, make) => {
    // GIVEN our Secret and a Deployment of cdk8s-plus
    const c = namespacedChart();
    const secret = make(c);
    // WHEN the Deployment reads it
    deploymentReading(c, secret);
    // THEN the container names our Secret (not the SealedSecret or ExternalSecret object)
    const container = findObject(objectsOf(c), 'Deployment', 'web').spec.template.spec.containers[0];
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'shop-secrets', key: 'DATABASE_URL' } } },
        { name: 'DATABASE_URL_AGAIN', valueFrom: { secretKeyRef: { name: 'shop-secrets', key: 'DATABASE_URL', optional: true } } },
      ]),
    );
    expect(container.envFrom).toEqual([{ secretRef: { name: 'shop-secrets' } }]);
  });

  test.each(cases)('%s: kplus.Role.allowRead grants read on the one core Secret by name', (_, make) => {
    const c = namespacedChart();
    const secret = make(c);
    const role = new kplus.Role(c, 'Role', { metadata: { name: 'reads-shop-secrets' } });
    role.allowRead(secret);
    expect(findObject(objectsOf(c), 'Role', 'reads-shop-secrets').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['shop-secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('the ISecret side describes the target Secret: core v1 Secret, resource "secrets", named after secretName', () => {
    const c = namespacedChart();
    for (const secret of [sealedSecret(c, 'a'), externalSecret(c, 'b')]) {
      expect({ name: secret.name, apiVersion: secret.apiVersion, kind: secret.kind, apiGroup: secret.apiGroup, resourceType: secret.resourceType, resourceName: secret.resourceName }).toEqual({
        name: secret.secretName,
        apiVersion: 'v1',
        kind: 'Secret',
        apiGroup: '',
        resourceType: 'secrets',
        resourceName: secret.secretName,
      });
    }
  });

  test("SecretReader's ServiceAccount is a kplus.ServiceAccount a kplus.Deployment runs as, and secret.grantRead gives its Role get on that name", () => {
    // GIVEN a reader granted our SealedSecret
    const c = namespacedChart();
    const secret = sealedSecret(c);
    const reader = new SecretReader(c, 'Reader', { serviceAccountName: 'web', roleName: 'web-secrets' });
    secret.grantRead(reader);
    // WHEN a kplus Deployment runs as its ServiceAccount
    new kplus.Deployment(c, 'Web', { metadata: { name: 'web' }, serviceAccount: reader.serviceAccount, automountServiceAccountToken: true, containers: [{ image: 'shop:1', portNumber: 8080 }] });
    // THEN the pods run as it, and its Role gets exactly that Secret
    const objects = objectsOf(c);
    expect(findObject(objects, 'Deployment', 'web').spec.template.spec.serviceAccountName).toBe('web');
    expect(findObject(objects, 'ServiceAccount', 'web').automountServiceAccountToken).toBe(true);
    expect(findObject(objects, 'Role', 'web-secrets').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['shop-secrets'], verbs: ['get'] }]);
    expect(findObject(objects, 'RoleBinding', 'web-secrets').subjects).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: NAMESPACE }]);
  });
});

describe('defaults (@default) are what the constructs write', () => {
  test('SealedSecret: strict scope (no scope annotation), type Opaque, no managed mark', () => {
    const c = namespacedChart();
    const secret = sealedSecret(c);
    const sealed = findObject(objectsOf(c), 'SealedSecret', 'shop-secrets');
    expect(secret.scope).toBe('strict');
    expect(sealed.metadata.annotations).toBeUndefined();
    expect(sealed.spec.template).toEqual({ metadata: { name: 'shop-secrets' }, type: 'Opaque' });
  });

  test('SealedSecret: a scope other than strict is annotated on the object and its template; manageExisting marks the template', () => {
    const c = namespacedChart();
    new SealedSecret(c, 'Wide', {
      secretName: 'wide',
      scope: 'namespace-wide',
      manageExisting: true,
      encryptedData: { KEY: sealValue(sealingKey.publicKey, { name: 'wide', namespace: NAMESPACE, scope: 'namespace-wide' }, 'v') },
    });
    const sealed = findObject(objectsOf(c), 'SealedSecret', 'wide');
    expect(sealed.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    expect(sealed.spec.template.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/managed': 'true', 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
  });

  test('ExternalSecret: external-secrets.io/v1, refreshed every hour, no refreshPolicy written, owner creation, retained on deletion', () => {
    const c = namespacedChart();
    const secret = externalSecret(c);
    const object = findObject(objectsOf(c), 'ExternalSecret', 'shop-external');
    expect(object.apiVersion).toBe('external-secrets.io/v1');
    expect(secret.esoApiVersion).toBe('v1');
    expect(object.spec.refreshInterval).toBe('1h');
    expect(object.spec.refreshPolicy).toBeUndefined();
    expect(object.spec.target).toEqual({ name: 'shop-external', creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { type: 'Opaque' } });
    expect(object.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
  });

  test('SecretStore: kind SecretStore, external-secrets.io/v1, no conditions; ClusterSecretStore drops the namespace', () => {
    const c = namespacedChart();
    const store = new SecretStore(c, 'Store', { storeName: 'aws', provider: { provider: 'aws', service: 'SecretsManager', region: 'eu-west-1' } });
    new ClusterSecretStore(c, 'Cluster', { storeName: 'gcp', provider: { provider: 'gcpsm', projectID: 'shop-prod' }, namespaces: [NAMESPACE] });
    const objects = objectsOf(c);
    expect(store.kind).toBe('SecretStore');
    const namespaced = findObject(objects, 'SecretStore', 'aws');
    expect(namespaced.apiVersion).toBe('external-secrets.io/v1');
    expect(namespaced.metadata).toEqual({ name: 'aws', namespace: NAMESPACE });
    expect(namespaced.spec.conditions).toBeUndefined();
    const cluster = findObject(objects, 'ClusterSecretStore', 'gcp');
    expect(cluster.metadata.namespace).toBeUndefined();
    expect(cluster.spec.conditions).toEqual([{ namespaces: [NAMESPACE] }]);
  });

  test('PasswordGenerator: 44 characters, no symbols, repeats allowed, upper case allowed, digits left to ESO', () => {
    const c = chart();
    new PasswordGenerator(c, 'Generator', { generatorName: 'jwt' });
    expect(findObject(objectsOf(c), 'Password', 'jwt').spec).toEqual({ length: 44, symbols: 0, allowRepeat: true, noUpper: false });
  });

  test('SecretReader: the RoleBinding is named after the Role; the token is mounted exactly when the Role exists', () => {
    const c = namespacedChart();
    const reading = new SecretReader(c, 'Reading', { serviceAccountName: 'api', roleName: 'api-reader' });
    AppSecret.fromSecretName(c, 'S', 'api-secrets').grantRead(reading);
    const envOnly = new SecretReader(c, 'EnvOnly', { serviceAccountName: 'worker', roleName: 'unused', secretAccess: false });
    const objects = objectsOf(c);
    expect(reading.roleBindingName).toBe('api-reader');
    expect(findObject(objects, 'RoleBinding', 'api-reader').roleRef.name).toBe('api-reader');
    expect(findObject(objects, 'ServiceAccount', 'api').automountServiceAccountToken).toBe(true);
    expect(envOnly.automountToken).toBe(false);
    expect(findObject(objects, 'ServiceAccount', 'worker').automountServiceAccountToken).toBe(false);
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['api-reader']);
  });

  test('vaultInjectorAnnotations: KV v2 and file "env" by default; unset options write no annotation', () => {
    const annotations = vaultInjectorAnnotations({
      role: 'shop',
      containerName: 'web',
      sources: [{ path: 'secret/data/shop', fields: [{ env: 'DATABASE_URL', field: 'database_url', required: true }] }],
    });
    expect(Object.keys(annotations).sort()).toEqual([
      'vault.hashicorp.com/agent-inject',
      'vault.hashicorp.com/agent-inject-containers',
      'vault.hashicorp.com/agent-inject-secret-env',
      'vault.hashicorp.com/agent-inject-template-env',
      'vault.hashicorp.com/agent-service-account-token-volume-name',
      'vault.hashicorp.com/error-on-missing-key-env',
      'vault.hashicorp.com/role',
    ]);
    expect(annotations['vault.hashicorp.com/agent-inject-template-env']).toContain('.Data.data.database_url');
  });
});

describe('bad props: a clear error naming the construct and the fix', () => {
  test('a Secret name Kubernetes refuses is a synth-time error naming it', () => {
    const c = namespacedChart();
    sealedSecret(c, 'Shop_Secrets');
    expect(validationErrors(c)).toEqual([expect.stringMatching(/Secret name "Shop_Secrets" is not a Kubernetes name: use lowercase letters/)]);
  });

  test('ExternalSecret: a refreshInterval that is not a Go duration', () => {
    const c = namespacedChart();
    const store = new SecretStore(c, 'Store', { storeName: 'aws', provider: { provider: 'aws', service: 'SecretsManager', region: 'eu-west-1' } });
    const secret = new ExternalSecret(c, 'External', { secretName: 'shop', store, refreshInterval: 'hourly' });
    secret.addData('A', { key: 'a' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/ExternalSecret "shop": refreshInterval "hourly" is not a Go duration: write it like "1h"/)]);
  });

  test('ExternalSecret: conflicting props throw in the constructor, naming them', () => {
    const c = namespacedChart();
    expect(() => new ExternalSecret(c, 'A', { secretName: 'a', createOnce: true, refreshInterval: '1h' })).toThrow(/`refreshInterval` conflicts with `createOnce`/);
    expect(() => new ExternalSecret(c, 'B', { secretName: 'b', apiVersion: 'v1beta1', refreshPolicy: 'OnChange' })).toThrow(/`refreshPolicy` needs apiVersion v1/);
  });

  test('SealedSecret: a value that is not ciphertext is refused, without quoting it', () => {
    const c = namespacedChart();
    expect(() => new SealedSecret(c, 'S', { secretName: 's', encryptedData: { TOKEN: Buffer.from('hunter2-plaintext').toString('base64') } })).toThrow(
      /encryptedData.TOKEN is not Sealed Secrets ciphertext .*seal the value with kubeseal or aragora-secrets seal/,
    );
    let message = '';
    try {
      new SealedSecret(c, 'T', { secretName: 't', encryptedData: { TOKEN: 'hunter2' } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/encryptedData.TOKEN is not Sealed Secrets ciphertext/);
    expect(message).not.toContain('hunter2');
  });

  test('SecretsEgressPolicy: an address without a prefix length gets a "did you mean"', () => {
    const c = namespacedChart();
    new SecretsEgressPolicy(c, 'Egress', {
      policyName: 'shop-egress',
      podLabels: { app: 'shop' },
      egress: [
        { purpose: 'DNS', peers: [{ kind: 'pods', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }], ports: [{ port: 53, protocol: 'UDP' }] },
        { purpose: 'database', peers: [{ kind: 'cidr', cidr: '10.0.0.5', except: [] }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ],
    });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/NetworkPolicy "shop-egress", database: "10.0.0.5" is not a CIDR block .*Did you mean "10.0.0.5\/32"\?/)]);
  });

  test('PasswordGenerator: too short, or more symbols and digits than characters', () => {
    const c = chart();
    expect(() => new PasswordGenerator(c, 'A', { generatorName: 'a', length: 8 })).toThrow(/`length` must be an integer of at least 16/);
    expect(() => new PasswordGenerator(c, 'B', { generatorName: 'b', length: 16, symbols: 10, digits: 10 })).toThrow(/`symbols` and `digits` together exceed `length`/);
  });
});

describe("the public API's shape", () => {
  // The modules whose constructs src/index.ts makes public (vault-agent maps the plan onto its options, so it is left out).
  const constructModules = [
    'src/k8s/app-secret.ts',
    'src/k8s/secret-reader.ts',
    'src/k8s/egress-policy.ts',
    'src/delivery/sealed/sealed-secret.ts',
    'src/delivery/external/external-secret.ts',
    'src/delivery/external/secret-store.ts',
    'src/delivery/external/password-generator.ts',
    'src/cloud/aws/managed-secret.ts',
    'src/cloud/aws/secure-parameter.ts',
    'src/cloud/aws/secret-reader-role.ts',
  ];
  const read = (file: string) => readFileSync(join(__dirname, '..', file), 'utf8');

  test('src/index.ts lists what is public by name: no `export *`', () => {
    expect(read('src/index.ts')).not.toMatch(/export \*/);
  });

  test('constructs take props of their own: no public construct module imports a plan or config schema type', () => {
    const offenders = constructModules.filter((file) => /from '[./]*(plan|schema|plan\/plan|config-kit\/schema)'/.test(read(file)) || /from '[./]*\/(plan|schema)'/.test(read(file)));
    expect(offenders).toEqual([]);
  });

  test('every optional prop of a public props or options type documents its @default (members of the type itself, not of nested literals)', () => {
    const missing: string[] = [];
    for (const file of [...constructModules, 'src/delivery/vault/vault-agent.ts']) {
      const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node, owner: string) => {
        if (ts.isInterfaceDeclaration(node)) owner = node.name.text;
        if (ts.isPropertySignature(node) && node.questionToken && ts.isInterfaceDeclaration(node.parent) && /(Props|Options|Provider|Selector)$/.test(owner)) {
          const docs = ts.getJSDocTags(node).map((tag) => tag.tagName.text);
          if (!docs.includes('default')) missing.push(`${file}: ${owner}.${node.name.getText(source)}`);
        }
        ts.forEachChild(node, (child) => visit(child, owner));
      };
      visit(source, '');
    }
    expect(missing).toEqual([]);
  });
});
