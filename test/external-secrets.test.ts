import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { parse, stringify } from 'yaml';
import type { StoreConfig } from '../src/delivery/external/schema';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { AppSecret } from '../src/k8s/app-secret';
import { AppWorkload } from '../src/k8s/app-workload';
import { ExternalSecret } from '../src/delivery/external/external-secret';
import { PasswordGenerator } from '../src/delivery/external/password-generator';
import { SecretReader } from '../src/k8s/secret-reader';
import { SecretStore } from '../src/delivery/external/secret-store';
import type { StoreProviderPlan } from '../src/delivery/external/plan';
import { resolvePlan } from '../src/app/resolve-plan';
import { findLeaks } from '../src/output/leak-guard';
import { buildCharts, validationErrors } from '../src/app/synthesize';
import { synthesizeProject } from '../src/synth';
import { configWith, find, findAll, Manifest, manifests, synth, problemsOf } from './helpers';

const VAULT: StoreConfig = {
  provider: 'vault',
  server: 'https://vault.example.com:8200',
  auth: { kubernetes: { role: 'aragora' } },
};

/**
 * The default with `stores` replaced and prod delivering through `delivery`. Without prod's ESO role:
 * these tests are about the stores as written, and an `aws` store of an environment with one
 * authenticates as its ServiceAccount (test/identity.test.ts).
 */
function prodWith(stores: Record<string, StoreConfig>, delivery: object): AragoraSecretsConfig {
  return configWith((c) => {
    delete c.environments.prod.aws!.eso;
    c.stores = { ...c.stores, ...stores };
    c.environments.prod.delivery = { method: 'external', ...delivery } as never;
  });
}

const ESO_KINDS = ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'Password'];

describe('the embedded default: staging delivers through ESO from the guide\'s ClusterSecretStore', () => {
  const files = synth();
  const staging = manifests(files, 'staging');

  test('an external-secrets.io/v1 ExternalSecret targets the Secret the workload reads, from vault-backend', () => {
    const es = find(staging, 'ExternalSecret', 'aragora-secrets');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.namespace).toBe('aragora-staging');
    expect(es.spec.refreshInterval).toBe('1h');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-backend' });
    expect(es.spec.target).toMatchObject({ name: 'aragora-secrets', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
    expect(es.spec.target.template.type).toBe('Opaque');
    expect(es.spec.target.template.metadata.labels).toEqual(es.metadata.labels);
  });

  test('one data entry per secret delivered in staging, at the key and property of the plan (the guide: aragora/api-keys, anthropic)', () => {
    const es = find(staging, 'ExternalSecret', 'aragora-secrets');
    const plan = resolvePlan(validateConfig(configWith(), 't')).environments.find((e) => e.name === 'staging')!;
    const fromStore = plan.secrets.filter((s) => !s.generated);
    expect(es.spec.data).toEqual(fromStore.map((s) => ({ secretKey: s.name, remoteRef: { key: s.remote.key, property: s.remote.property } })));
    expect(es.spec.data).toContainEqual({ secretKey: 'ANTHROPIC_API_KEY', remoteRef: { key: 'aragora/api-keys', property: 'anthropic' } });
    expect(es.spec.data).toContainEqual({ secretKey: 'OPENAI_API_KEY', remoteRef: { key: 'aragora/api-keys', property: 'openai' } });
    // billing is on in staging, Google OAuth and SSO are off.
    const keys = es.spec.data.map((d: any) => d.secretKey);
    expect(keys).toEqual(expect.arrayContaining(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']));
    expect(keys).not.toContain('GOOGLE_OAUTH_CLIENT_SECRET');
    expect(keys).not.toContain('ARAGORA_SSO_CLIENT_SECRET');
    expect(keys).not.toContain('ARAGORA_JWT_SECRET');
  });

  test('the store it uses is defined in the same folder: a cluster-scoped Vault ClusterSecretStore with Kubernetes auth', () => {
    const store = find(staging, 'ClusterSecretStore', 'vault-backend');
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.metadata.namespace).toBeUndefined();
    expect(store.spec.provider).toEqual({
      vault: {
        server: 'https://vault.vault.svc:8200',
        path: 'secret',
        version: 'v2',
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'aragora-external-secrets', serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
      },
    });
    // Only the namespaces of the environments that use it may.
    expect(store.spec.conditions).toEqual([{ namespaces: ['aragora-staging'] }]);
  });

  test('the JWT secret comes from a Password generator, into a Secret of its own that is made once', () => {
    const generator = find(staging, 'Password', 'aragora-secret-generator');
    expect(generator.apiVersion).toBe('generators.external-secrets.io/v1alpha1');
    expect(generator.spec).toEqual({ length: 44, symbols: 0, allowRepeat: true, noUpper: false });
    const es = find(staging, 'ExternalSecret', 'aragora-secrets-generated');
    expect(es.spec.secretStoreRef).toBeUndefined();
    expect(es.spec.dataFrom).toEqual([
      {
        sourceRef: { generatorRef: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'aragora-secret-generator' } },
        rewrite: [{ regexp: { source: '^password$', target: 'ARAGORA_JWT_SECRET' } }],
      },
    ]);
    // A generator makes a new value at every run: this one runs once, and the Secret cannot be changed.
    expect(es.spec.refreshPolicy).toBe('CreatedOnce');
    expect(es.spec.refreshInterval).toBe('0s');
    expect(es.spec.target).toMatchObject({ name: 'aragora-secrets-generated', creationPolicy: 'Owner', deletionPolicy: 'Retain', immutable: true });
  });

  test('the workload, Reloader and (for an API reader) the Role use exactly the Secrets the ExternalSecrets make', () => {
    const targets = findAll(staging, 'ExternalSecret').map((es) => es.spec.target.name).sort();
    // The kubelet reads secretKeyRef: no Role unless the application reads through the API.
    expect(findAll(staging, 'Role')).toEqual([]);
    const apiReader = manifests(synth(configWith((c) => (c.environments.staging.workload = { ...c.environments.staging.workload, readsSecretsThroughApi: true }))), 'staging');
    expect(find(apiReader, 'Role').rules[0].resourceNames).toEqual(targets);
    const deployment = find(staging, 'Deployment', 'aragora');
    // The values from Secrets (the literal entries are the application's mode).
    const env = (deployment.spec.template.spec.containers[0].env as any[]).filter((e) => e.valueFrom);
    expect(env.find((e) => e.name === 'ARAGORA_JWT_SECRET').valueFrom.secretKeyRef.name).toBe('aragora-secrets-generated');
    expect(env.filter((e) => e.name !== 'ARAGORA_JWT_SECRET').every((e) => e.valueFrom.secretKeyRef.name === 'aragora-secrets')).toBe(true);
    expect(new Set(env.map((e) => e.valueFrom.secretKeyRef.name))).toEqual(new Set(targets));
    expect(deployment.metadata.annotations).toEqual({ 'secret.reloader.stakater.com/reload': targets.join(',') });
    // ESO authenticates to Vault, not the pod: no token in the pods.
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('dev and prod are untouched: no ESO object there', () => {
    for (const env of ['dev', 'prod']) {
      expect(manifests(files, env).filter((o) => ESO_KINDS.includes(o.kind))).toEqual([]);
    }
  });
});

describe('providers', () => {
  const storeOf = (files: ReturnType<typeof synth>, kind = 'SecretStore', name?: string) => find(manifests(files, 'prod'), kind, name);

  test('vault: server, KV mount and version, Vault namespace, CA bundle, Kubernetes auth', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk\n-----END CERTIFICATE-----\n';
    const files = synth(
      prodWith(
        {
          v: {
            ...VAULT,
            path: 'kv/aragora',
            version: 'v1',
            vaultNamespace: 'platform/aragora',
            caBundle: pem,
            auth: { kubernetes: { mountPath: 'k8s-prod', role: 'aragora-prod', serviceAccountRef: { name: 'aragora-eso', audiences: ['vault'] } } },
          } as StoreConfig,
        },
        { store: 'v' },
      ),
    );
    const store = storeOf(files, 'SecretStore', 'v');
    expect(store.metadata.namespace).toBe('aragora-prod');
    expect(store.spec.conditions).toBeUndefined();
    expect(store.spec.provider.vault).toEqual({
      server: 'https://vault.example.com:8200',
      path: 'kv/aragora',
      version: 'v1',
      namespace: 'platform/aragora',
      caBundle: Buffer.from(pem).toString('base64'),
      auth: { kubernetes: { mountPath: 'k8s-prod', role: 'aragora-prod', serviceAccountRef: { name: 'aragora-eso', audiences: ['vault'] } } },
    });
  });

  test('vault: defaults are the usual mount "secret", KV v2 and auth mount "kubernetes"; a CA may come from a ConfigMap', () => {
    const files = synth(
      prodWith({ v: { ...VAULT, kind: 'ClusterSecretStore', caProvider: { type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt', namespace: 'vault' } } as StoreConfig }, { store: 'v' }),
    );
    const vault = storeOf(files, 'ClusterSecretStore', 'v').spec.provider.vault;
    expect(vault).toMatchObject({ path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'aragora' } } });
    expect(vault.caProvider).toEqual({ type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt', namespace: 'vault' });
    expect(vault.auth.kubernetes.serviceAccountRef).toBeUndefined();
  });

  test('aws: Secrets Manager with IRSA (jwt.serviceAccountRef), an assumed role and a prefix', () => {
    const files = synth(
      prodWith(
        {
          aws: {
            provider: 'aws',
            service: 'SecretsManager',
            region: 'eu-west-1',
            role: 'arn:aws:iam::123456789012:role/aragora-prod-secrets',
            prefix: 'prod/',
            auth: { jwt: { serviceAccountRef: { name: 'aragora-eso' } } },
          },
        },
        { store: 'aws' },
      ),
    );
    expect(storeOf(files).spec.provider).toEqual({
      aws: {
        service: 'SecretsManager',
        region: 'eu-west-1',
        role: 'arn:aws:iam::123456789012:role/aragora-prod-secrets',
        prefix: 'prod/',
        auth: { jwt: { serviceAccountRef: { name: 'aragora-eso' } } },
      },
    });
    const es = find(manifests(files, 'prod'), 'ExternalSecret', 'aragora-secrets');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'aws' });
  });

  test('aws: Parameter Store with a credentials Secret (references only)', () => {
    const files = synth(
      configWith((c) => {
        c.remoteKey = '/aragora/prod/api-keys';
        c.stores = {
          ssm: {
            provider: 'aws',
            service: 'ParameterStore',
            region: 'us-east-1',
            auth: {
              secretRef: {
                accessKeyIDSecretRef: { name: 'aws-credentials', key: 'access-key-id' },
                secretAccessKeySecretRef: { name: 'aws-credentials', key: 'secret-access-key' },
              },
            },
          },
        };
        c.environments.staging.delivery = 'plain';
        c.environments.prod.delivery = 'external';
        delete c.environments.prod.aws!.eso;
      }),
    );
    const provider = storeOf(files).spec.provider.aws;
    expect(provider.service).toBe('ParameterStore');
    expect(provider.auth).toEqual({
      secretRef: {
        accessKeyIDSecretRef: { name: 'aws-credentials', key: 'access-key-id' },
        secretAccessKeySecretRef: { name: 'aws-credentials', key: 'secret-access-key' },
      },
    });
    const es = find(manifests(files, 'prod'), 'ExternalSecret', 'aragora-secrets');
    expect(es.spec.data[0].remoteRef.key).toBe('/aragora/prod/api-keys');
  });

  test('gcpsm: projectID and Workload Identity, as a ClusterSecretStore', () => {
    const files = synth(
      configWith((c) => {
        c.remoteKey = 'aragora-api-keys';
        c.stores!.gcp = {
          provider: 'gcpsm',
          kind: 'ClusterSecretStore',
          projectID: 'aragora-prod',
          location: 'europe-west1',
          auth: {
            workloadIdentity: {
              serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' },
              clusterLocation: 'europe-west1',
              clusterName: 'prod',
              clusterProjectID: 'aragora-platform',
            },
          },
        };
        c.environments.prod.delivery = { method: 'external', store: 'gcp' };
      }),
    );
    const store = storeOf(files, 'ClusterSecretStore', 'gcp');
    expect(store.metadata.namespace).toBeUndefined();
    expect(store.spec.provider).toEqual({
      gcpsm: {
        projectID: 'aragora-prod',
        location: 'europe-west1',
        auth: {
          workloadIdentity: {
            serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' },
            clusterLocation: 'europe-west1',
            clusterName: 'prod',
            clusterProjectID: 'aragora-platform',
          },
        },
      },
    });
  });

  test('gcpsm: a service account key Secret; no auth means the controller\'s own identity', () => {
    const withKey = synth(
      configWith((c) => {
        c.remoteKey = 'aragora-api-keys';
        c.stores = { gcp: { provider: 'gcpsm', projectID: 'aragora-prod', auth: { secretRef: { secretAccessKeySecretRef: { name: 'gcp-sa', key: 'key.json' } } } } };
        c.environments.staging.delivery = 'plain';
        c.environments.prod.delivery = 'external';
        delete c.environments.prod.aws!.eso;
      }),
    );
    expect(storeOf(withKey).spec.provider.gcpsm.auth).toEqual({ secretRef: { secretAccessKeySecretRef: { name: 'gcp-sa', key: 'key.json' } } });
    const ambient = synth(
      configWith((c) => {
        c.remoteKey = 'aragora-api-keys';
        c.stores!.gcp = { provider: 'gcpsm', projectID: 'aragora-prod' };
        c.environments.prod.delivery = { method: 'external', store: 'gcp' };
      }),
    );
    expect(storeOf(ambient).spec.provider).toEqual({ gcpsm: { projectID: 'aragora-prod' } });
  });
});

describe('API versions', () => {
  const v1beta1 = synth(
    configWith((c) => {
      c.stores!.aws = { provider: 'aws', service: 'SecretsManager', region: 'us-east-1' };
      c.environments.staging.delivery = { method: 'external', store: 'vault-backend', apiVersion: 'v1beta1', generated: 'generator' };
      c.environments.prod.delivery = { method: 'external', store: 'aws', apiVersion: 'v1beta1' };
    }),
  );

  test('v1beta1 (ESO < 0.17): ExternalSecret, SecretStore and ClusterSecretStore all use it', () => {
    const staging = manifests(v1beta1, 'staging');
    const prod = manifests(v1beta1, 'prod');
    expect(find(staging, 'ExternalSecret', 'aragora-secrets').apiVersion).toBe('external-secrets.io/v1beta1');
    expect(find(staging, 'ClusterSecretStore', 'vault-backend').apiVersion).toBe('external-secrets.io/v1beta1');
    expect(find(prod, 'ExternalSecret', 'aragora-secrets').apiVersion).toBe('external-secrets.io/v1beta1');
    expect(find(prod, 'SecretStore', 'aws').apiVersion).toBe('external-secrets.io/v1beta1');
    // The generator API is the same on every ESO version that has generators.
    expect(find(staging, 'Password').apiVersion).toBe('generators.external-secrets.io/v1alpha1');
  });

  test('v1beta1: the generated ExternalSecret relies on refreshInterval 0s and an immutable target (older ESO has no refreshPolicy)', () => {
    const es = find(manifests(v1beta1, 'staging'), 'ExternalSecret', 'aragora-secrets-generated');
    expect(es.spec.refreshPolicy).toBeUndefined();
    expect(es.spec.refreshInterval).toBe('0s');
    expect(es.spec.target.immutable).toBe(true);
  });

  test('v1 is the default; the same ExternalSecret spec is emitted under either version', () => {
    const v1 = manifests(synth(), 'staging');
    const a = find(v1, 'ExternalSecret', 'aragora-secrets');
    const b = find(manifests(v1beta1, 'staging'), 'ExternalSecret', 'aragora-secrets');
    expect(a.apiVersion).toBe('external-secrets.io/v1');
    expect(b.spec).toEqual(a.spec);
  });
});

describe('which keys, and how they are fetched', () => {
  test('keys narrows the data entries to what the store holds; the workload still wires the others as optional', () => {
    const files = synth(prodWith({}, { store: 'vault-backend', keys: ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'ARAGORA_SSO_CLIENT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_KEY'] }));
    const prod = manifests(files, 'prod');
    const data = find(prod, 'ExternalSecret', 'aragora-secrets').spec.data.map((d: any) => d.secretKey);
    expect(data).toEqual(['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'ARAGORA_SSO_CLIENT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_KEY']);
    const env = find(prod, 'Deployment').spec.template.spec.containers[0].env as any[];
    expect(env.find((e) => e.name === 'OPENAI_API_KEY').valueFrom.secretKeyRef.optional).toBe(true);
    expect(env.find((e) => e.name === 'OPENROUTER_API_KEY').valueFrom.secretKeyRef.optional).toBe(true);
  });

  test('fetch: extract reads each remote key whole and renames its properties to the variable names', () => {
    const files = synth(
      configWith((c) => {
        c.secrets.SUPABASE_KEY.remote = { key: 'aragora/supabase', property: 'service_role' };
        // The AWS guide stores the variables under their own names: no rename needed for that one.
        c.secrets.OPENAI_API_KEY.remote = { property: 'OPENAI_API_KEY' };
        c.environments.staging.delivery = { method: 'external', store: 'vault-backend', fetch: 'extract' };
      }),
    );
    const es = find(manifests(files, 'staging'), 'ExternalSecret', 'aragora-secrets');
    expect(es.spec.data).toBeUndefined();
    expect(es.spec.dataFrom).toEqual([
      {
        extract: { key: 'aragora/api-keys' },
        rewrite: [
          { regexp: { source: '^anthropic$', target: 'ANTHROPIC_API_KEY' } },
          { regexp: { source: '^jwt_secret$', target: 'ARAGORA_JWT_SECRET' } },
          { regexp: { source: '^openrouter$', target: 'OPENROUTER_API_KEY' } },
          { regexp: { source: '^stripe_secret$', target: 'STRIPE_SECRET_KEY' } },
          { regexp: { source: '^stripe_webhook$', target: 'STRIPE_WEBHOOK_SECRET' } },
        ],
      },
      { extract: { key: 'aragora/supabase' }, rewrite: [{ regexp: { source: '^service_role$', target: 'SUPABASE_KEY' } }] },
    ]);
  });

  test('properties with regular-expression characters are matched literally', () => {
    const es = new ExternalSecret(Testing.chart(), 'ES', { secretName: 's', store: SecretStore.fromStoreName(Testing.chart(), 'S', 'x') });
    es.addExtract('k', [{ property: 'api.key+1', secretKey: 'API_KEY' }]);
    const json = (es as any).apiObject.toJson();
    expect(json.spec.dataFrom[0].rewrite[0].regexp.source).toBe('^api\\.key\\+1$');
  });

  test('generated: store (the default) reads generated secrets from the store like the others', () => {
    const files = synth(prodWith({}, { store: 'vault-backend' }));
    const prod = manifests(files, 'prod');
    expect(find(prod, 'ExternalSecret', 'aragora-secrets').spec.data).toContainEqual({ secretKey: 'ARAGORA_JWT_SECRET', remoteRef: { key: 'aragora/api-keys', property: 'jwt_secret' } });
    expect(findAll(prod, 'Password')).toEqual([]);
    expect(findAll(prod, 'ExternalSecret')).toHaveLength(1);
  });

  test('generated: generator with a required generated secret keeps it required, from the generated Secret', () => {
    const files = synth(prodWith({}, { store: 'vault-backend', generated: 'generator' }));
    const env = find(manifests(files, 'prod'), 'Deployment').spec.template.spec.containers[0].env as any[];
    expect(env.find((e) => e.name === 'ARAGORA_JWT_SECRET').valueFrom.secretKeyRef).toEqual({ name: 'aragora-secrets-generated', key: 'ARAGORA_JWT_SECRET' });
  });

  test('envFrom injection reads both Secrets', () => {
    const files = synth(configWith((c) => (c.environments.staging.workload = { ...c.environments.staging.workload, injection: 'envFrom' })));
    const container = find(manifests(files, 'staging'), 'Deployment').spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: 'aragora-secrets' } }, { secretRef: { name: 'aragora-secrets-generated' } }]);
  });

  test('the patch for a workload managed elsewhere carries the same wiring', () => {
    const files = synth(configWith((c) => (c.environments.staging.workload = { ...c.environments.staging.workload, enabled: false })));
    const patch = files.find((f) => f.path === 'staging/patches/workload.patch.yaml')!.content;
    expect(patch).toContain('name: aragora-secrets-generated');
    expect(patch).toContain('secret.reloader.stakater.com/reload: aragora-secrets,aragora-secrets-generated');
  });
});

describe('a ClusterSecretStore shared by several environments', () => {
  const files = synth(configWith((c) => (c.environments.prod.delivery = { method: 'external', store: 'vault-backend' })));

  test('is emitted identically in each folder that uses it, allowing exactly those namespaces', () => {
    const inStaging = files.find((f) => f.path === 'staging/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml');
    const inProd = files.find((f) => f.path === 'prod/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml');
    expect(inStaging).toBeDefined();
    expect(inProd!.content).toBe(inStaging!.content);
    const store = find(manifests(files, 'prod'), 'ClusterSecretStore');
    expect(store.spec.conditions).toEqual([{ namespaces: ['aragora-prod', 'aragora-staging'] }]);
    expect(store.metadata.labels).toEqual({ app: 'aragora', 'app.kubernetes.io/managed-by': 'aragora-secrets', 'app.kubernetes.io/part-of': 'aragora' });
    expect(files.some((f) => f.path === 'dev/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml')).toBe(false);
  });

  test('a namespaced SecretStore is one per environment, in its namespace', () => {
    const shared = synth(
      configWith((c) => {
        c.stores!.ns = { ...VAULT };
        c.environments.staging.delivery = { method: 'external', store: 'ns' };
        c.environments.prod.delivery = { method: 'external', store: 'ns' };
      }),
    );
    expect(find(manifests(shared, 'staging'), 'SecretStore', 'ns').metadata.namespace).toBe('aragora-staging');
    expect(find(manifests(shared, 'prod'), 'SecretStore', 'ns').metadata.namespace).toBe('aragora-prod');
  });
});

describe('consistency between artifacts is checked at synth', () => {
  const vault: StoreProviderPlan = { provider: 'vault', server: 'https://v:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'r' } } };
  const chart = (namespace = 'app') => new Chart(Testing.app(), 'c', { namespace });

  test('an ExternalSecret whose store is not defined in the output', () => {
    const c = chart();
    const es = new ExternalSecret(c, 'ES', { secretName: 's', store: SecretStore.fromStoreName(c, 'Store', 'vault-backend', 'ClusterSecretStore') });
    es.addData('A', { key: 'k', property: 'a' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/uses ClusterSecretStore "vault-backend", which is not defined in this output/)]);
  });

  test('a store defined in another environment\'s chart does not count', () => {
    const app = Testing.app();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const store = new SecretStore(other, 'Store', { storeName: 'v', kind: 'ClusterSecretStore', provider: vault });
    const c = new Chart(app, 'c', { namespace: 'app' });
    new ExternalSecret(c, 'ES', { secretName: 's', store }).addData('A', { key: 'k' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/not defined in this output/)]);
  });

  test('an ExternalSecret and its store of different API versions', () => {
    const c = chart();
    const store = new SecretStore(c, 'Store', { storeName: 'v', provider: vault, apiVersion: 'v1beta1' });
    new ExternalSecret(c, 'ES', { secretName: 's', store, apiVersion: 'v1' }).addData('A', { key: 'k' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/external-secrets.io\/v1 but SecretStore "v" is external-secrets.io\/v1beta1/)]);
  });

  test('a ClusterSecretStore whose conditions leave out the ExternalSecret\'s namespace', () => {
    const c = chart('app');
    const store = new SecretStore(c, 'Store', { storeName: 'v', kind: 'ClusterSecretStore', provider: vault, namespaces: ['other'] });
    new ExternalSecret(c, 'ES', { secretName: 's', store }).addData('A', { key: 'k' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/whose conditions allow only other: ESO would refuse it/)]);
    store.allowNamespace('app');
    expect(validationErrors(c)).toEqual([]);
  });

  test('a SecretStore of another namespace', () => {
    const c = chart('app');
    const nested = new Chart(c, 'nested', { namespace: 'elsewhere' });
    const store = new SecretStore(nested, 'Store', { storeName: 'v', provider: vault });
    new ExternalSecret(c, 'ES', { secretName: 's', store }).addData('A', { key: 'k' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/uses SecretStore "v" of another namespace/)]);
  });

  test('a generator that is not defined in the output', () => {
    const c = chart();
    const elsewhere = new PasswordGenerator(new Chart(Testing.app(), 'x', { namespace: 'x' }), 'G', { generatorName: 'g' });
    new ExternalSecret(c, 'ES', { secretName: 's', createOnce: true }).addGenerated('JWT', elsewhere);
    expect(validationErrors(c)).toEqual([expect.stringMatching(/Password generator "g", which is not defined in this output/)]);
  });

  test('a generator in an ExternalSecret that refreshes', () => {
    const c = chart();
    const generator = new PasswordGenerator(c, 'G', { generatorName: 'g' });
    new ExternalSecret(c, 'ES', { secretName: 's' }).addGenerated('JWT', generator);
    expect(validationErrors(c)).toEqual([expect.stringMatching(/the generator would replace them each time/)]);
  });

  test('two ExternalSecrets that target the same Secret', () => {
    const c = chart();
    const store = new SecretStore(c, 'Store', { storeName: 'v', provider: vault });
    new ExternalSecret(c, 'A', { secretName: 's', store }).addData('A', { key: 'k' });
    new ExternalSecret(c, 'B', { secretName: 's', store }).addData('B', { key: 'k' });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/another ExternalSecret in the namespace targets the same Secret/), expect.stringMatching(/targets the same Secret/)]);
  });

  test('an ExternalSecret that reads nothing, or writes a key twice', () => {
    const c = chart();
    const store = new SecretStore(c, 'Store', { storeName: 'v', provider: vault });
    new ExternalSecret(c, 'Empty', { secretName: 'empty', store });
    const twice = new ExternalSecret(c, 'Twice', { secretName: 'twice', store });
    twice.addData('A', { key: 'k', property: 'a' });
    twice.addExtract('k', [{ property: 'b', secretKey: 'A' }]);
    expect(validationErrors(c)).toEqual([expect.stringMatching(/"empty" reads nothing/), expect.stringMatching(/"twice" writes key "A" twice/)]);
  });

  test('a workload reading through the API a generated Secret its reader was not granted', () => {
    const c = chart();
    const reader = new SecretReader(c, 'Reader', { serviceAccountName: 'sa', roleName: 'r' });
    const main = AppSecret.fromSecretName(c, 'Main', 'main');
    main.grantRead(reader);
    const generated = AppSecret.fromSecretName(c, 'Generated', 'main-generated');
    const plan = resolvePlan(validateConfig(configWith(), 't')).environments.find((e) => e.name === 'staging')!;
    new AppWorkload(c, 'W', { workload: plan.workload, secret: main, secrets: plan.secrets, reader, additionalSecrets: [{ secret: generated, keys: ['ARAGORA_JWT_SECRET'] }] });
    expect(validationErrors(c)).toEqual([expect.stringMatching(/reads Secret "main-generated" through the API, but its ServiceAccount "sa" was not granted it/)]);
  });

  test('store references that ESO would reject', () => {
    const c = chart();
    new SecretStore(c, 'Ns', { storeName: 'ns', provider: { ...vault, auth: { kubernetes: { mountPath: 'kubernetes', role: 'r', serviceAccountRef: { name: 'sa', namespace: 'other' } } } } });
    new SecretStore(c, 'Ca', { storeName: 'ca', kind: 'ClusterSecretStore', provider: { ...vault, caProvider: { type: 'ConfigMap', name: 'ca', key: 'ca.crt' } } });
    new SecretStore(c, 'None', { storeName: 'none', kind: 'ClusterSecretStore', provider: vault, namespaces: [] });
    expect(validationErrors(c)).toEqual([
      expect.stringMatching(/SecretStore "ns": auth.kubernetes.serviceAccountRef names a namespace/),
      expect.stringMatching(/ClusterSecretStore "ca": caProvider needs a namespace/),
      expect.stringMatching(/ClusterSecretStore "none" allows no namespace/),
    ]);
  });

  test('conflicting props are refused at construction', () => {
    expect(() => new ExternalSecret(chart(), 'ES', { secretName: 's' }).addData('A', { key: 'k' })).toThrow(/`store` is not set/);
    expect(() => new ExternalSecret(chart(), 'ES', { secretName: 's', createOnce: true, refreshInterval: '1h' })).toThrow(/conflicts with `createOnce`/);
    expect(() => new SecretStore(chart(), 'S', { storeName: 's', provider: vault, namespaces: ['a'] })).toThrow(/only applies to a ClusterSecretStore/);
    expect(() => new SecretStore(Testing.chart(), 'S', { storeName: 's', provider: vault })).toThrow(/namespaced/);
    expect(() => new PasswordGenerator(chart(), 'G', { generatorName: 'g', length: 8 })).toThrow(/at least 16/);
  });

  test('the environment chart passes its own checks (the same constructs, wired from the plan)', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'aragora-eso-')) });
    buildCharts(app, resolvePlan(validateConfig(configWith(), 't')));
    expect(validationErrors(app)).toEqual([]);
  });
});

describe('config errors', () => {
  test('an unknown store, with a did-you-mean', () => {
    expect(problemsOf(prodWith({}, { store: 'vault-backnd' }))).toEqual([
      expect.objectContaining({ path: 'environments.prod.delivery.store', message: 'unknown store "vault-backnd"', fix: 'did you mean "vault-backend"?' }),
    ]);
  });

  test('no store named while several exist, or none defined', () => {
    const several = problemsOf(
      configWith((c) => {
        c.stores!.other = { ...VAULT };
        c.environments.prod.delivery = 'external';
      }),
    );
    expect(several).toEqual([expect.objectContaining({ path: 'environments.prod.delivery', message: expect.stringMatching(/does not say which store/), fix: expect.stringMatching(/vault-backend, other/) })]);
    const none = problemsOf(
      configWith((c) => {
        delete c.stores;
        c.environments.staging.delivery = 'plain';
        c.environments.prod.delivery = 'external';
        delete c.environments.prod.aws!.eso;
      }),
    );
    expect(none).toEqual([expect.objectContaining({ path: 'environments.prod.delivery', message: expect.stringMatching(/needs a store, and none is defined/) })]);
  });

  test('the short form uses the only store', () => {
    const files = synth(configWith((c) => (c.environments.prod.delivery = 'external')));
    expect(find(manifests(files, 'prod'), 'ExternalSecret').spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-backend' });
  });

  test.each([
    ['1 hour', '1h'],
    ['30 minutes', '30m'],
    ['1h 30m', '1h30m'],
    ['hourly', undefined],
  ])('a refresh interval of "%s" is refused', (value, suggestion) => {
    const problems = problemsOf(prodWith({}, { store: 'vault-backend', refreshInterval: value }));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'environments.prod.delivery.refreshInterval', message: expect.stringMatching(/a Go duration/), fix: suggestion && `for example "${suggestion}"` }),
    ]);
  });

  test.each([
    ['a typo in a store option', { v: { ...VAULT, sever: 'x' } }, 'stores.v.sever', /did you mean "server"/],
    ['a Vault address without scheme', { v: { ...VAULT, server: 'vault:8200' } }, 'stores.v.server', /a URL with scheme/],
    ['a Vault KV version that does not exist', { v: { ...VAULT, version: 'v3' } }, 'stores.v.version', /"v1", "v2"/],
    ['Vault auth without a role', { v: { ...VAULT, auth: { kubernetes: {} } } }, 'stores.v.auth.kubernetes.role', /missing required key/],
    ['a CA bundle that is not PEM', { v: { ...VAULT, caBundle: 'not a certificate' } }, 'stores.v.caBundle', /PEM/],
    ['an unknown provider', { v: { provider: 'azurekv' } }, 'stores.v.provider', /did you mean|use one of "vault", "aws", "gcpsm"/],
    ['an AWS service ESO cannot read from here', { a: { provider: 'aws', service: 'KMS', region: 'us-east-1' } }, 'stores.a.service', /"SecretsManager", "ParameterStore"/],
    ['a bad AWS region', { a: { provider: 'aws', service: 'SecretsManager', region: 'Frankfurt' } }, 'stores.a.region', /an AWS region/],
    ['a role that is not an ARN', { a: { provider: 'aws', service: 'SecretsManager', region: 'us-east-1', role: 'aragora' } }, 'stores.a.role', /IAM role ARN/],
    ['a bad GCP project ID', { g: { provider: 'gcpsm', projectID: 'My Project' } }, 'stores.g.projectID', /GCP project ID/],
    ['a store kind that does not exist', { v: { ...VAULT, kind: 'NamespacedSecretStore' } }, 'stores.v.kind', /"SecretStore", "ClusterSecretStore"/],
  ])('%s', (_name, stores, path, fix) => {
    const problems = problemsOf(configWith((c) => (c.stores = { ...c.stores, ...(stores as any) })));
    expect(problems).toContainEqual(expect.objectContaining({ path }));
    const problem = problems.find((p) => p.path === path)!;
    expect(`${problem.message} ${problem.fix ?? ''}`).toMatch(fix);
  });

  test('incoherent provider options', () => {
    const problems = problemsOf(
      configWith((c) => {
        c.stores = {
          ...c.stores,
          v: { ...VAULT, caBundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', caProvider: { type: 'ConfigMap', name: 'ca', key: 'ca.crt' } },
          a: { provider: 'aws', service: 'SecretsManager', region: 'us-east-1', auth: { jwt: { serviceAccountRef: { name: 'sa' } }, secretRef: { accessKeyIDSecretRef: { name: 'c', key: 'id' }, secretAccessKeySecretRef: { name: 'c', key: 'key' } } } },
          g: { provider: 'gcpsm', projectID: 'aragora-prod', auth: {} },
          n: { ...VAULT, auth: { kubernetes: { role: 'r', serviceAccountRef: { name: 'sa', namespace: 'elsewhere' } } } },
          c: { ...VAULT, kind: 'ClusterSecretStore', caProvider: { type: 'Secret', name: 'ca', key: 'ca.crt' } },
        };
      }),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['stores.a.auth', 'both "jwt" and "secretRef" are set'],
      ['stores.c.caProvider', 'a ClusterSecretStore needs the namespace of its CA Secret/ConfigMap'],
      ['stores.g.auth', '"auth" is empty'],
      ['stores.n.auth.kubernetes.serviceAccountRef.namespace', 'a SecretStore reads from its own namespace only'],
      ['stores.v.caProvider', 'both "caBundle" and "caProvider" are set'],
    ]);
  });

  test('keys must agree with the catalog and its rules', () => {
    const problems = problemsOf(
      prodWith({}, { store: 'vault-backend', generated: 'generator', keys: ['ANTROPIC_API_KEY', 'GOOGLE_OAUTH_CLIENT_SECRET', 'ARAGORA_JWT_SECRET', 'OPENROUTER_API_KEY', 'OPENROUTER_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_KEY'] }),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['environments.prod.delivery.keys', expect.stringMatching(/^"ARAGORA_SSO_CLIENT_SECRET" is required in prod \(feature sso is enabled\) but not listed/)],
      ['environments.prod.delivery.keys', 'no secret of group "llm-provider" is listed: at least one of ANTHROPIC_API_KEY, OPENAI_API_KEY is required'],
      ['environments.prod.delivery.keys[0]', '"ANTROPIC_API_KEY" is not in the secret catalog'],
      ['environments.prod.delivery.keys[1]', '"GOOGLE_OAUTH_CLIENT_SECRET" is not delivered in prod (feature googleOAuth is disabled)'],
      ['environments.prod.delivery.keys[2]', '"ARAGORA_JWT_SECRET" is generated in the cluster here (generated: generator), not read from the store'],
      ['environments.prod.delivery.keys[4]', '"OPENROUTER_API_KEY" is listed twice'],
    ]);
    expect(problems[2].fix).toBe('did you mean "ANTHROPIC_API_KEY"?');
  });

  test('keys does not combine with fetch: extract', () => {
    expect(problemsOf(prodWith({}, { store: 'vault-backend', fetch: 'extract', keys: ['ANTHROPIC_API_KEY'] }))).toEqual([
      expect.objectContaining({ path: 'environments.prod.delivery.keys', message: expect.stringMatching(/only applies to fetch: properties/) }),
    ]);
  });

  test('fetch: extract refuses properties whose renames would collide', () => {
    const problems = problemsOf(
      configWith((c) => {
        c.secrets.OPENAI_API_KEY.remote = { property: 'anthropic' };
        c.environments.staging.delivery = { method: 'external', store: 'vault-backend', fetch: 'extract' };
      }),
    );
    // The AWS stack of prod refuses the same collision in its Secrets Manager secret.
    expect(problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'secrets.OPENAI_API_KEY.remote.property', message: expect.stringMatching(/read the same property "anthropic"/) })]),
    );
  });

  test('environments sharing a ClusterSecretStore must agree on its API version', () => {
    expect(problemsOf(prodWith({}, { store: 'vault-backend', apiVersion: 'v1beta1' }))).toEqual([
      expect.objectContaining({ path: 'environments.staging.delivery.apiVersion', message: expect.stringMatching(/used with apiVersion v1beta1 by prod and v1 here/) }),
    ]);
  });

  test.each([
    ['GCP secret IDs have no "/"', { g: { provider: 'gcpsm', projectID: 'aragora-prod' } }, 'g', /not a GCP Secret Manager secret ID[\s\S]*"aragora-api-keys"/],
    ['SSM hierarchical names start with "/"', { p: { provider: 'aws', service: 'ParameterStore', region: 'us-east-1' } }, 'p', /without the leading "\/"[\s\S]*"\/aragora\/api-keys"/],
    ['Secrets Manager names have no spaces', { s: { provider: 'aws', service: 'SecretsManager', region: 'us-east-1' } }, 's', /not a Secrets Manager secret name/],
  ])('remote keys the provider would reject: %s', (_name, stores, store, pattern) => {
    const config = prodWith(stores as any, { store });
    if (store === 's') config.secrets.SUPABASE_KEY.remote = { key: 'aragora supabase' };
    const problems = problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(store === 's' ? 'secrets.SUPABASE_KEY.remote.key' : 'remoteKey');
    expect(`${problems[0].message}\n${problems[0].fix}`).toMatch(pattern);
  });
});

describe('no value reaches the output: ESO objects hold references only', () => {
  const planted = {
    ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'Q'.repeat(40) + '-AbCdEf',
    OPENAI_API_KEY: 'sk-proj-' + 'x7'.repeat(24),
    STRIPE_SECRET_KEY: 'sk_live_' + '51Hx'.repeat(8),
    STRIPE_WEBHOOK_SECRET: 'whsec_' + 'Zq9'.repeat(10),
    SUPABASE_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.' + 'S1gnatur3'.repeat(4),
    ARAGORA_JWT_SECRET: 'q0sVjT2xK9mB8cN7dL6fP5gH4jR3sW2uY1zA0bC9dE8=',
    VAULT_TOKEN: 'hvs.CAESIJ' + 'k'.repeat(30),
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };

  function projectWith(config: AragoraSecretsConfig): string {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-eso-leak-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    writeFileSync(join(dir, '.env'), Object.entries(planted).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    return dir;
  }

  const everyProvider = configWith((c) => {
    c.remoteKey = 'aragora-api-keys';
    c.stores = {
      ...c.stores,
      'vault-backend': { ...(c.stores!['vault-backend'] as object), caBundle: '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk\n-----END CERTIFICATE-----\n' } as StoreConfig,
      aws: { provider: 'aws', service: 'SecretsManager', region: 'us-east-1', auth: { secretRef: { accessKeyIDSecretRef: { name: 'aws', key: 'id' }, secretAccessKeySecretRef: { name: 'aws', key: 'key' } } } },
      gcp: { provider: 'gcpsm', projectID: 'aragora-prod', auth: { workloadIdentity: { serviceAccountRef: { name: 'eso' } } } },
    };
    c.environments.dev.delivery = { method: 'external', store: 'aws', apiVersion: 'v1beta1', fetch: 'extract' };
    c.environments.prod.delivery = { method: 'external', store: 'gcp', generated: 'generator' };
  });

  test('with values planted in the environment and in .env, synth writes none of them', () => {
    // GIVEN realistic values on the machine, and a config that uses every provider
    const dir = projectWith(everyProvider);
    // WHEN the project is synthesized (the leak guard would throw on a hit)
    const { files } = synthesizeProject({ cwd: dir, env: { ...planted } });
    // THEN no file holds a value, in any encoding the guard knows
    const eso = files.filter((f) => ESO_KINDS.some((k) => f.path.includes(`-${k}.`)));
    expect(eso.length).toBeGreaterThanOrEqual(8);
    expect(findLeaks(files, Object.entries(planted).map(([k, v]) => ({ origin: k, value: v })))).toEqual([]);
    for (const value of Object.values(planted)) {
      for (const f of files) expect(f.content).not.toContain(value);
    }
  });

  test('the check is not vacuous: the same values in an ESO object would be found', () => {
    const fake = [{ path: 'prod/manifests/30-ExternalSecret.x.k8s.yaml', content: `spec:\n  data:\n    - remoteRef:\n        key: ${planted.ANTHROPIC_API_KEY}\n` }];
    expect(findLeaks(fake, [{ origin: 'ANTHROPIC_API_KEY', value: planted.ANTHROPIC_API_KEY }])).not.toEqual([]);
  });

  test('ExternalSecrets carry no data of their own: no Secret, no stringData, no template data', () => {
    const files = synth(everyProvider);
    for (const env of ['dev', 'staging', 'prod']) {
      const objects = manifests(files, env);
      expect(findAll(objects, 'Secret')).toEqual([]);
      for (const es of findAll(objects, 'ExternalSecret') as Manifest[]) {
        expect(JSON.stringify(es)).not.toMatch(/stringData/);
        expect(es.spec.target.template.data).toBeUndefined();
        for (const d of es.spec.data ?? []) expect(Object.keys(d.remoteRef).sort()).toEqual(['key', 'property']);
      }
    }
  });
});

describe('the examples of docs/delivery/external.md', () => {
  const section = readFileSync(join(__dirname, '..', 'docs', 'delivery', 'external.md'), 'utf8');
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]));

  test('the method example is a valid config', () => {
    const [example] = blocks;
    const config = configWith((c) => {
      c.stores = example.stores;
      c.environments.staging = example.environments.staging;
    });
    expect(() => validateConfig(config, 'README')).not.toThrow();
    expect(find(manifests(synth(config), 'staging'), 'ExternalSecret', 'aragora-secrets').spec.secretStoreRef.name).toBe('vault-backend');
  });

  test.each(['vault-prod', 'aws-sm', 'aws-ssm', 'gcp-sm'])('the provider example %s is a valid store', (name) => {
    const store = blocks[1].stores[name];
    const remoteKey = store.provider === 'gcpsm' ? 'aragora-api-keys' : store.service === 'ParameterStore' ? '/aragora/api-keys' : 'aragora/api-keys';
    const config = configWith((c) => {
      c.remoteKey = remoteKey;
      c.stores = { [name]: store };
      c.environments.staging.delivery = 'plain';
      c.environments.prod.delivery = { method: 'external', store: name };
      delete c.environments.prod.aws!.eso;
    });
    expect(() => validateConfig(config, 'README')).not.toThrow();
    expect(find(manifests(synth(config), 'prod'), 'ExternalSecret').spec.secretStoreRef.name).toBe(name);
  });
});
