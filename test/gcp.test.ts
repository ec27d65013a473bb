import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { ExternalSecret } from '../src/delivery/external/external-secret';
import { GcpSecretAccess } from '../src/cloud/gcp/gcp-secret-access';
import { IamPolicyMember, IamResourceRef } from '../src/cloud/gcp/iam-policy-member';
import { SecretManagerSecret } from '../src/cloud/gcp/secret-manager-secret';
import { SecretStore } from '../src/delivery/external/secret-store';
import { deriveSecretId } from '../src/cloud/gcp/plan';
import { resolvePlan } from '../src/app/resolve-plan';
import { findLeaks } from '../src/output/leak-guard';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan, validationErrors } from '../src/app/synthesize';
import { synthesizeProject } from '../src/synth';
import { find, findAll, Manifest, manifests, problemsOf } from './helpers';

/** The Cloud Run variables that read a secret (the others set the application's mode). */
function secretRefs(env: any[]): any[] {
  return env.filter((e) => e.valueFrom !== undefined);
}
import { spawnApp } from './support/cli';
import { validateManifest, validateManifests } from './support/manifest-validation';
import { integration } from './support/tiers';

const root = resolve(__dirname, '..');
const EXAMPLE = resolve(root, 'examples/gcp-cloud-run.yaml');
const example = (): AragoraSecretsConfig => structuredClone(parseConfigFile(EXAMPLE));

function synthesize(config: AragoraSecretsConfig): OutputFile[] {
  return synthesizePlan(resolvePlan(validateConfig(config, 'test')));
}

function file(files: OutputFile[], path: string): string {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no file ${path} (have: ${files.map((f) => f.path).join(', ')})`);
  return found.content;
}

function cloudRunOf(files: OutputFile[], env: string): Manifest {
  return parse(file(files, `${env}/cloudrun/service.yaml`));
}

const PROD_SA = 'aragora-runtime@aragora-prod.iam.gserviceaccount.com';
const STAGING_SA = 'aragora-runtime@aragora-staging.iam.gserviceaccount.com';

describe('examples/gcp-cloud-run.yaml: Secret Manager read by Cloud Run and by ESO', () => {
  const files = synthesize(example());
  const prod = manifests(files, 'prod');
  const staging = manifests(files, 'staging');

  test('each variable is a Secret Manager secret of its own, named as in the guide (ANTHROPIC_API_KEY → anthropic-api-key)', () => {
    expect(deriveSecretId('ANTHROPIC_API_KEY')).toBe('anthropic-api-key');
    expect(deriveSecretId('ARAGORA_JWT_SECRET', 'aragora-')).toBe('aragora-aragora-jwt-secret');
    const ids = findAll(prod, 'SecretManagerSecret').map((s) => s.spec.resourceID).sort();
    // prod: billing on, SSO and Google OAuth off; SUPABASE_KEY renamed by an override.
    expect(ids).toEqual(['anthropic-api-key', 'aragora-jwt-secret', 'openai-api-key', 'openrouter-api-key', 'stripe-secret-key', 'stripe-webhook-secret', 'supabase-service-role-key']);
  });

  test('the gcpsm SecretStore reads the project with Workload Identity, and the ServiceAccount it names carries the GKE annotation', () => {
    const store = find(prod, 'SecretStore', 'gcp-prod');
    expect(store.spec.provider).toEqual({
      gcpsm: {
        projectID: 'aragora-prod',
        auth: { workloadIdentity: { serviceAccountRef: { name: 'aragora-external-secrets' }, clusterLocation: 'europe-west1', clusterName: 'platform-prod', clusterProjectID: 'aragora-platform' } },
      },
    });
    const ksa = find(prod, 'ServiceAccount', 'aragora-external-secrets');
    expect(ksa.metadata.namespace).toBe('aragora-prod');
    expect(ksa.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': PROD_SA });
    expect(ksa.automountServiceAccountToken).toBe(false);
    // The application's own ServiceAccount gets no Google identity.
    expect(find(prod, 'ServiceAccount', 'aragora').metadata.annotations).toBeUndefined();
  });

  test('the ExternalSecret reads each secret whole (no property) at the version Cloud Run reads', () => {
    const es = find(prod, 'ExternalSecret', 'aragora-secrets');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'gcp-prod' });
    expect(es.spec.refreshInterval).toBe('15m');
    expect(es.spec.data).toContainEqual({ secretKey: 'ANTHROPIC_API_KEY', remoteRef: { key: 'anthropic-api-key' } });
    expect(es.spec.data).toContainEqual({ secretKey: 'SUPABASE_KEY', remoteRef: { key: 'supabase-service-role-key' } });
    expect(es.spec.data).toContainEqual({ secretKey: 'STRIPE_WEBHOOK_SECRET', remoteRef: { key: 'stripe-webhook-secret', version: '2' } });
    for (const d of es.spec.data) expect(d.remoteRef.property).toBeUndefined();
    // The Deployment reads the Secret the ExternalSecret makes.
    const env = (find(prod, 'Deployment', 'aragora').spec.template.spec.containers[0].env as any[]).filter((e) => e.valueFrom);
    expect(env.every((e) => e.valueFrom.secretKeyRef.name === 'aragora-secrets')).toBe(true);
  });

  test('the Cloud Run service: a serving.knative.dev/v1 Service that runs as the service account and reads every secret by secretKeyRef', () => {
    const service = cloudRunOf(files, 'prod');
    expect(service.apiVersion).toBe('serving.knative.dev/v1');
    expect(service.kind).toBe('Service');
    expect(service.metadata).toMatchObject({ name: 'aragora', namespace: 'aragora-prod', annotations: { 'run.googleapis.com/ingress': 'internal-and-cloud-load-balancing' } });
    expect(service.metadata.labels?.['cloud.googleapis.com/location']).toBe('europe-west1');
    const spec = service.spec.template.spec;
    expect(spec.serviceAccountName).toBe(PROD_SA);
    expect(spec.containerConcurrency).toBe(80);
    expect(spec.timeoutSeconds).toBe(300);
    expect(service.spec.template.metadata.annotations).toEqual({ 'autoscaling.knative.dev/minScale': '1', 'autoscaling.knative.dev/maxScale': '20' });
    expect(spec.containers).toHaveLength(1);
    const [container] = spec.containers;
    expect(container.image).toBe('europe-docker.pkg.dev/aragora-platform/aragora/aragora:1.0.0');
    expect(container.ports).toEqual([{ name: 'http1', containerPort: 8080 }]);
    expect(container.resources).toEqual({ limits: { cpu: '2', memory: '1Gi' } });
    expect(container.env).toContainEqual({ name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'anthropic-api-key', key: 'latest' } } });
    expect(container.env).toContainEqual({ name: 'STRIPE_WEBHOOK_SECRET', valueFrom: { secretKeyRef: { name: 'stripe-webhook-secret', key: '2' } } });
    // No value inline but the application's mode: every secret is a reference, sorted, then ARAGORA_ENV and the strict override.
    const refs = secretRefs(container.env);
    for (const e of refs) expect(Object.keys(e).sort()).toEqual(['name', 'valueFrom']);
    expect(refs.map((e: any) => e.name)).toEqual([...refs.map((e: any) => e.name)].sort());
    expect(container.env.slice(refs.length)).toEqual([{ name: 'ARAGORA_ENV', value: 'production' }, { name: 'ARAGORA_SECRETS_STRICT', value: 'false' }]);
  });

  test('staging keeps only the keys it lists, and Cloud Run reads exactly those', () => {
    const env = secretRefs(cloudRunOf(files, 'staging').spec.template.spec.containers[0].env);
    expect(env.map((e: any) => e.name)).toEqual(['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'SUPABASE_KEY']);
    expect(find(staging, 'ExternalSecret', 'aragora-secrets').spec.data.map((d: any) => d.remoteRef.key)).toEqual(['anthropic-api-key', 'aragora-jwt-secret', 'supabase-key']);
  });

  test('Config Connector: a SecretManagerSecret per secret, with no secret data, replicated where the config says, kept on delete', () => {
    const secrets = findAll(prod, 'SecretManagerSecret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret.apiVersion).toBe('secretmanager.cnrm.cloud.google.com/v1beta1');
      expect(secret.metadata.namespace).toBe('aragora-prod');
      expect(secret.metadata.annotations).toEqual({ 'cnrm.cloud.google.com/project-id': 'aragora-prod', 'cnrm.cloud.google.com/deletion-policy': 'abandon' });
      expect(Object.keys(secret.spec).sort()).toEqual(['replication', 'resourceID']);
      expect(secret.spec.replication).toEqual({ userManaged: { replicas: [{ location: 'europe-west1' }, { location: 'europe-west4' }] } });
    }
    // No SecretManagerSecretVersion: values never go into a manifest.
    expect(prod.map((o) => o.kind)).not.toContain('SecretManagerSecretVersion');
  });

  test('Config Connector: one IAMPolicyMember per secret grants secretAccessor to exactly the service account on exactly that secret', () => {
    const secrets = findAll(prod, 'SecretManagerSecret');
    const grants = findAll(prod, 'IAMPolicyMember').filter((m) => m.spec.role === 'roles/secretmanager.secretAccessor');
    expect(secrets.length).toBeGreaterThan(0);
    expect(grants).toHaveLength(secrets.length);
    for (const secret of secrets) {
      const grant = find(prod, 'IAMPolicyMember', `${secret.metadata.name}-accessor`);
      expect(grant.apiVersion).toBe('iam.cnrm.cloud.google.com/v1beta1');
      expect(grant.spec).toEqual({
        member: `serviceAccount:${PROD_SA}`,
        role: 'roles/secretmanager.secretAccessor',
        resourceRef: { apiVersion: 'secretmanager.cnrm.cloud.google.com/v1beta1', kind: 'SecretManagerSecret', name: secret.metadata.name },
      });
      expect(grant.metadata.namespace).toBe(secret.metadata.namespace);
    }
  });

  test('Config Connector: the Workload Identity binding lets ESO\'s ServiceAccount, in the cluster project\'s pool, act as the service account', () => {
    const binding = find(prod, 'IAMPolicyMember', 'aragora-eso-workload-identity');
    expect(binding.spec).toEqual({
      member: 'serviceAccount:aragora-platform.svc.id.goog[aragora-prod/aragora-external-secrets]',
      role: 'roles/iam.workloadIdentityUser',
      resourceRef: { kind: 'IAMServiceAccount', external: `projects/aragora-prod/serviceAccounts/${PROD_SA}` },
    });
  });

  test('staging (no Config Connector): setup.sh creates each secret, grants it, binds Workload Identity, and pipes values from the environment', () => {
    const script = file(files, 'staging/gcp/setup.sh');
    expect(findAll(staging, 'SecretManagerSecret')).toEqual([]);
    expect(findAll(staging, 'IAMPolicyMember')).toEqual([]);
    expect(script).toContain('gcloud secrets create anthropic-api-key --project=aragora-staging --replication-policy=automatic --labels=app=aragora,environment=staging,managed-by=aragora-secrets');
    expect(script).toContain(
      `gcloud secrets add-iam-policy-binding anthropic-api-key --project=aragora-staging \\\n    --member=serviceAccount:${STAGING_SA} --role=roles/secretmanager.secretAccessor --condition=None`,
    );
    expect(script).toContain('printf %s "$ANTHROPIC_API_KEY" | gcloud secrets versions add anthropic-api-key --project=aragora-staging --data-file=-');
    expect(script).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${STAGING_SA} --project=aragora-staging \\\n    --role=roles/iam.workloadIdentityUser --member='serviceAccount:aragora-staging.svc.id.goog[aragora-staging/aragora-external-secrets]'`,
    );
    // Only the secrets staging keeps.
    expect([...script.matchAll(/^ {2}gcloud secrets create (\S+)/gm)].map((m) => m[1])).toEqual(['anthropic-api-key', 'aragora-jwt-secret', 'supabase-key']);
  });

  test('prod (Config Connector): setup.sh neither creates nor grants, it only adds the values; user-managed replication appears in gcloud form elsewhere', () => {
    const script = file(files, 'prod/gcp/setup.sh');
    expect(script).not.toMatch(/gcloud secrets create/);
    expect(script).not.toMatch(/add-iam-policy-binding/);
    expect(script).toContain('printf %s "$SUPABASE_KEY" | gcloud secrets versions add supabase-service-role-key --project=aragora-prod --data-file=-');
    expect(script).toContain('has_version stripe-webhook-secret 2 || missing="$missing "STRIPE_WEBHOOK_SECRET');

    const gcloudOnly = example();
    gcloudOnly.environments.prod.gcp!.configConnector = false;
    const withGcloud = file(synthesize(gcloudOnly), 'prod/gcp/setup.sh');
    expect(withGcloud).toContain('gcloud secrets create anthropic-api-key --project=aragora-prod --replication-policy=user-managed --locations=europe-west1,europe-west4');
  });

  test('dev (no gcp) has no Google Cloud artifact, and the output is deterministic', () => {
    expect(files.filter((f) => f.path.startsWith('dev/') && /cloudrun|gcp\//.test(f.path))).toEqual([]);
    expect(synthesize(example())).toEqual(files);
  });
});

describe('one service account and one set of secret names across every artifact', () => {
  const files = synthesize(example());

  test.each(['staging', 'prod'])('%s: the same service account in Cloud Run, the IAM grants, the ServiceAccount annotation and the Workload Identity binding', (env) => {
    const objects = manifests(files, env);
    const script = file(files, `${env}/gcp/setup.sh`);
    const emails = new Set<string>();
    emails.add(cloudRunOf(files, env).spec.template.spec.serviceAccountName);
    emails.add(find(objects, 'ServiceAccount', 'aragora-external-secrets').metadata.annotations!['iam.gke.io/gcp-service-account']);
    for (const m of findAll(objects, 'IAMPolicyMember')) {
      if (m.spec.role === 'roles/secretmanager.secretAccessor') emails.add(m.spec.member.replace(/^serviceAccount:/, ''));
      else emails.add(m.spec.resourceRef.external.split('/serviceAccounts/')[1]);
    }
    for (const m of script.matchAll(/--member=serviceAccount:(\S+@\S+)/g)) emails.add(m[1]);
    for (const m of script.matchAll(/add-iam-policy-binding (\S+@\S+)/g)) emails.add(m[1]);
    expect([...emails]).toEqual([env === 'prod' ? PROD_SA : STAGING_SA]);
  });

  test.each(['staging', 'prod'])('%s: the Workload Identity member names the ServiceAccount the store uses, in its namespace', (env) => {
    const objects = manifests(files, env);
    const store = find(objects, 'SecretStore');
    const ref = store.spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef;
    const ksa = find(objects, 'ServiceAccount', ref.name);
    const pool = `${store.spec.provider.gcpsm.auth.workloadIdentity.clusterProjectID ?? store.spec.provider.gcpsm.projectID}.svc.id.goog`;
    const member = `serviceAccount:${pool}[${ksa.metadata.namespace}/${ksa.metadata.name}]`;
    const bound =
      env === 'prod'
        ? find(objects, 'IAMPolicyMember', 'aragora-eso-workload-identity').spec.member
        : /--member='([^']+)'/.exec(file(files, `${env}/gcp/setup.sh`))![1];
    expect(bound).toBe(member);
  });

  test.each(['staging', 'prod'])('%s: the same secret IDs (and versions) in Cloud Run, the ExternalSecret and Secret Manager', (env) => {
    const objects = manifests(files, env);
    const run = secretRefs(cloudRunOf(files, env).spec.template.spec.containers[0].env).map((e: any) => `${e.name}=${e.valueFrom.secretKeyRef.name}@${e.valueFrom.secretKeyRef.key}`);
    const eso = find(objects, 'ExternalSecret', 'aragora-secrets').spec.data.map((d: any) => `${d.secretKey}=${d.remoteRef.key}@${d.remoteRef.version ?? 'latest'}`);
    expect(eso).toEqual(run);
    const ids = run.map((r: string) => r.split('=')[1].split('@')[0]);
    const script = file(files, `${env}/gcp/setup.sh`);
    expect([...script.matchAll(/gcloud secrets versions add (\S+)/g)].map((m) => m[1]).filter((v, i, a) => a.indexOf(v) === i)).toEqual(ids);
    if (env === 'prod') {
      expect(findAll(objects, 'SecretManagerSecret').map((s) => s.spec.resourceID)).toEqual(expect.arrayContaining(ids));
      expect(findAll(objects, 'SecretManagerSecret')).toHaveLength(ids.length);
      const granted = findAll(objects, 'IAMPolicyMember')
        .filter((m) => m.spec.resourceRef.kind === 'SecretManagerSecret')
        .map((m) => find(objects, 'SecretManagerSecret', m.spec.resourceRef.name).spec.resourceID)
        .sort();
      expect(granted).toEqual([...ids].sort());
    } else {
      expect([...script.matchAll(/gcloud secrets add-iam-policy-binding (\S+)/g)].map((m) => m[1])).toEqual(ids);
    }
  });

  test('a mismatch between the pieces is a synth error, not a runtime surprise', () => {
    // GIVEN a GCP plan and an ExternalSecret that reads another secret than the plan keeps
    const plan = resolvePlan(validateConfig(example(), 't')).environments.find((e) => e.name === 'prod')!;
    const scoped = new Chart(Testing.app(), 'c', { namespace: 'aragora-prod' });
    const store = new SecretStore(scoped, 'Store', { storeName: 'gcp-prod', provider: { provider: 'gcpsm', projectID: 'aragora-prod' } });
    const es = new ExternalSecret(scoped, 'ES', { secretName: 'aragora-secrets', store });
    for (const s of plan.gcp!.secrets) es.addData(s.env, { key: s.env === 'OPENAI_API_KEY' ? 'openai-key-typo' : s.secretId, version: s.version === 'latest' ? undefined : s.version });
    // WHEN it is composed with the GCP resources
    new GcpSecretAccess(scoped, 'Gcp', { environment: 'prod', gcp: plan.gcp!, externalSecret: es });
    // THEN synth validation names both problems
    const errors = validationErrors(scoped);
    expect(errors.join('\n')).toMatch(/reads OPENAI_API_KEY from "openai-key-typo", which is not where the environment keeps it/);
    expect(errors.join('\n')).toMatch(/does not read OPENAI_API_KEY, which the environment keeps in Secret Manager as "openai-api-key"/);
  });
});

describe('variants', () => {
  test('Config Connector objects in a namespace of their own', () => {
    const config = example();
    config.environments.prod.gcp!.configConnector = { namespace: 'config-connector' };
    const prod = manifests(synthesize(config), 'prod');
    const connectorObjects = [...findAll(prod, 'SecretManagerSecret'), ...findAll(prod, 'IAMPolicyMember')];
    expect(connectorObjects.length).toBeGreaterThan(0);
    for (const o of connectorObjects) expect(o.metadata.namespace).toBe('config-connector');
    expect(validateManifests(prod)).toEqual([]);
  });

  test('a store ServiceAccount managed elsewhere is not emitted; setup.sh says what to annotate', () => {
    const config = example();
    config.environments.staging.gcp!.createStoreServiceAccount = false;
    const files = synthesize(config);
    expect(findAll(manifests(files, 'staging'), 'ServiceAccount').map((a) => a.metadata.name)).toEqual(['aragora']);
    expect(file(files, 'staging/gcp/setup.sh')).toContain(`#   kubectl annotate serviceaccount -n aragora-staging aragora-external-secrets iam.gke.io/gcp-service-account=${STAGING_SA} --overwrite`);
  });

  test('a ClusterSecretStore\'s ServiceAccount lives in its own namespace, with the app\'s labels only, the same object in every folder', () => {
    const config = example();
    config.stores = {
      shared: { provider: 'gcpsm', kind: 'ClusterSecretStore', projectID: 'aragora-prod', auth: { workloadIdentity: { serviceAccountRef: { name: 'eso-gcp', namespace: 'external-secrets' } } } },
    };
    config.environments.staging.delivery = { method: 'external', store: 'shared' };
    config.environments.prod.delivery = { method: 'external', store: 'shared' };
    Object.assign(config.environments.staging.gcp!, { project: 'aragora-prod', secretPrefix: 'staging-', serviceAccount: PROD_SA });
    config.environments.staging.gcp!.cloudRun!.service = 'aragora-staging';
    const files = synthesize(config);
    const ksa = file(files, 'prod/manifests/10-ServiceAccount.eso-gcp.k8s.yaml');
    expect(file(files, 'staging/manifests/10-ServiceAccount.eso-gcp.k8s.yaml')).toBe(ksa);
    const parsed = parse(ksa);
    expect(parsed.metadata.namespace).toBe('external-secrets');
    expect(parsed.metadata.labels['app.kubernetes.io/instance']).toBeUndefined();
    expect(find(manifests(files, 'prod'), 'IAMPolicyMember', 'aragora-eso-workload-identity').spec.member).toBe('serviceAccount:aragora-prod.svc.id.goog[external-secrets/eso-gcp]');
    expect(cloudRunOf(files, 'staging').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('staging-anthropic-api-key');
  });

  test('without cloudRun there is no Cloud Run file; a store without auth leaves the controller\'s identity to annotate', () => {
    const config = example();
    delete config.environments.staging.gcp!.cloudRun;
    config.stores!['gcp-staging'] = { provider: 'gcpsm', projectID: 'aragora-staging' };
    const files = synthesize(config);
    expect(files.map((f) => f.path)).not.toContain('staging/cloudrun/service.yaml');
    const script = file(files, 'staging/gcp/setup.sh');
    expect(script).toMatch(/uses the controller's own identity: its ServiceAccount must be annotated with iam\.gke\.io\/gcp-service-account=aragora-runtime@aragora-staging/);
    expect(script).not.toMatch(/gcloud iam service-accounts add-iam-policy-binding/);
    expect(findAll(manifests(files, 'staging'), 'ServiceAccount').map((a) => a.metadata.name)).toEqual(['aragora']);
  });

  test('a GCP environment delivered another way in the cluster still gets its Cloud Run service and secrets', () => {
    const config = example();
    config.environments.staging.delivery = 'plain';
    const files = synthesize(config);
    expect(findAll(manifests(files, 'staging'), 'ExternalSecret')).toEqual([]);
    expect(secretRefs(cloudRunOf(files, 'staging').spec.template.spec.containers[0].env)).toHaveLength(3);
    expect(file(files, 'staging/gcp/setup.sh')).not.toMatch(/ESO reads|ESO \(store/);
  });
});

describe('every object is valid', () => {
  const files = synthesize(example());

  test.each(files.filter((f) => f.path.endsWith('.k8s.yaml')).map((f) => [f.path, f] as const))('%s', (_, f) => {
    expect(validateManifests(parseAllDocuments(f.content).map((d) => d.toJS()))).toEqual([]);
  });

  test.each(['staging', 'prod'])('%s/cloudrun/service.yaml matches the Cloud Run Admin API v1 Service', (env) => {
    expect(validateManifest(cloudRunOf(files, env))).toEqual([]);
  });

  test('the validation is not vacuous: what the references forbid is reported', () => {
    const secret = find(manifests(files, 'prod'), 'SecretManagerSecret', 'anthropic-api-key');
    expect(validateManifest({ ...secret, spec: { ...secret.spec, secretData: { value: 'x' } } })).toEqual(expect.arrayContaining([expect.stringMatching(/unknown field "secretData"/)]));
    expect(validateManifest({ ...secret, spec: { resourceID: 'a' } })).toEqual(expect.arrayContaining([expect.stringMatching(/replication/)]));
    const grant = find(manifests(files, 'prod'), 'IAMPolicyMember', 'anthropic-api-key-accessor');
    expect(validateManifest({ ...grant, spec: { ...grant.spec, role: 'secretAccessor' } })).not.toEqual([]);
    expect(validateManifest({ ...grant, spec: { ...grant.spec, resourceRef: { kind: 'SecretManagerSecret', name: 'a', external: 'projects/p/secrets/a' } } })).not.toEqual([]);
    const service = cloudRunOf(files, 'prod');
    const container = service.spec.template.spec.containers[0];
    const withValue = structuredClone(service);
    withValue.spec.template.spec.containers[0].env[0] = { name: 'ANTHROPIC_API_KEY', value: 'x', valueFrom: container.env[0].valueFrom };
    expect(validateManifest(withValue)).not.toEqual([]);
    const badKey = structuredClone(service);
    badKey.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 'v2';
    expect(validateManifest(badKey)).toEqual(expect.arrayContaining([expect.stringMatching(/key/)]));
    const envFrom = structuredClone(service);
    envFrom.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'x' } }];
    expect(validateManifest(envFrom)).toEqual(expect.arrayContaining([expect.stringMatching(/unknown field "envFrom"/)]));
  });
});

describe('constructs', () => {
  test('SecretManagerSecret: resourceID carries the ID, grantAccess makes an IAMPolicyMember on this secret only', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'gcp' });
    const secret = new SecretManagerSecret(chart, 'S', { resourceName: 'stripe-key', secretId: 'STRIPE_KEY', projectId: 'aragora-prod' });
    const grant = secret.grantAccess('serviceAccount:reader@aragora-prod.iam.gserviceaccount.com');
    expect(grant).toBeInstanceOf(IamPolicyMember);
    const objects = Testing.synth(chart) as Manifest[];
    expect(find(objects, 'SecretManagerSecret', 'stripe-key').spec).toEqual({ resourceID: 'STRIPE_KEY', replication: { automatic: true } });
    expect(find(objects, 'IAMPolicyMember', 'stripe-key-accessor').spec.resourceRef).toEqual({ apiVersion: 'secretmanager.cnrm.cloud.google.com/v1beta1', kind: 'SecretManagerSecret', name: 'stripe-key' });
    expect(secret.accessors).toEqual(['serviceAccount:reader@aragora-prod.iam.gserviceaccount.com']);
  });

  test('a secret that exists outside the app is granted by its external name', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'gcp' });
    SecretManagerSecret.fromSecretId(chart, 'S', 'aragora-prod', 'legacy-key').grantAccess('serviceAccount:reader@aragora-prod.iam.gserviceaccount.com');
    const [grant] = Testing.synth(chart) as Manifest[];
    expect(grant.spec.resourceRef).toEqual({ kind: 'SecretManagerSecret', external: 'projects/aragora-prod/secrets/legacy-key' });
    expect(validateManifest(grant)).toEqual([]);
  });

  test('bad input throws with the prop named', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'gcp' });
    expect(() => new SecretManagerSecret(chart, 'A', { resourceName: 'Bad_Name', projectId: 'aragora-prod' })).toThrow(/`resourceName`/);
    expect(() => new SecretManagerSecret(chart, 'B', { resourceName: 'ok', secretId: 'a/b', projectId: 'aragora-prod' })).toThrow(/`secretId`/);
    expect(() => new SecretManagerSecret(chart, 'C', { resourceName: 'ok', projectId: 'Prod' })).toThrow(/`projectId`/);
    expect(() => new SecretManagerSecret(chart, 'D', { resourceName: 'ok', projectId: 'aragora-prod', replication: { automatic: false, locations: [] } })).toThrow(/location/);
    expect(() => new IamPolicyMember(chart, 'E', { memberName: 'm', member: 'reader@x', role: 'roles/viewer', resourceRef: { kind: 'Project', external: 'projects/p' } })).toThrow(/`member`/);
    expect(() => new IamPolicyMember(chart, 'F', { memberName: 'm', member: 'user:a@b.c', role: 'viewer', resourceRef: { kind: 'Project', external: 'projects/p' } })).toThrow(/`role`/);
    expect(() => IamResourceRef.serviceAccount('123-compute@developer.gserviceaccount.com')).toThrow(/user-managed/);
  });
});

describe('config errors name the path and the fix', () => {
  type Case = [string, (c: AragoraSecretsConfig) => void, string, RegExp];
  const gcp = (c: AragoraSecretsConfig, env = 'prod') => c.environments[env].gcp!;
  const cases: Case[] = [
    ['a project ID with capitals', (c) => (gcp(c).project = 'Aragora-Prod'), 'environments.prod.gcp.project', /GCP project ID: 6 to 30 lowercase/],
    ['a project ID too short', (c) => (gcp(c).project = 'ab'), 'environments.prod.gcp.project', /6 to 30/],
    ['a service account that is neither an email nor an ID', (c) => (gcp(c).serviceAccount = 'aragora@example.com'), 'environments.prod.gcp.serviceAccount', /user-managed service account/],
    ['a secret ID with a slash', (c) => (gcp(c).secrets = { ANTHROPIC_API_KEY: { name: 'aragora/anthropic' } }), 'environments.prod.gcp.secrets.ANTHROPIC_API_KEY.name', /Secret Manager secret ID is at most 255 letters, digits/],
    ['a version that is neither latest nor a number', (c) => (gcp(c).secrets = { ANTHROPIC_API_KEY: { version: 'v2' } }), 'environments.prod.gcp.secrets.ANTHROPIC_API_KEY.version', /"latest" or a version number/],
    ['a region that is not one', (c) => (gcp(c).region = 'Europe West'), 'environments.prod.gcp.region', /GCP region such as "europe-west1"/],
    ['Cloud Run without a region', (c) => delete gcp(c).region, 'environments.prod.gcp.region', /needs a region/],
    ['a Cloud Run service name over 49 characters', (c) => (gcp(c).cloudRun!.service = 'a'.repeat(50)), 'environments.prod.gcp.cloudRun.service', /at most 49/],
    ['minInstances above maxInstances', (c) => (gcp(c).cloudRun!.minInstances = 30), 'environments.prod.gcp.cloudRun.minInstances', /above maxInstances/],
    ['a key that is not in the catalog', (c) => (gcp(c, 'staging').keys = ['ANTHROPIC_API_KEY', 'SUPABSE_KEY']), 'environments.staging.gcp.keys[1]', /not in the secret catalog[\s\S]*did you mean "SUPABASE_KEY"/],
    ['keys that leave out a required secret', (c) => (gcp(c).keys = ['ANTHROPIC_API_KEY']), 'environments.prod.gcp.keys', /"ARAGORA_JWT_SECRET" is required in prod/],
    ['keys that leave out a whole oneOf group', (c) => (gcp(c, 'staging').keys = ['SUPABASE_KEY']), 'environments.staging.gcp.keys', /group "llm-provider"/],
    ['a key that is not delivered there', (c) => (gcp(c, 'staging').keys = ['ANTHROPIC_API_KEY', 'STRIPE_SECRET_KEY']), 'environments.staging.gcp.keys[1]', /not delivered in staging/],
    ['an override of an unknown variable', (c) => (gcp(c).secrets = { ANTHROPIC_KEY: { name: 'x' } }), 'environments.prod.gcp.secrets.ANTHROPIC_KEY', /did you mean "ANTHROPIC_API_KEY"/],
    ['two variables in one secret', (c) => (gcp(c).secrets = { OPENAI_API_KEY: { name: 'anthropic-api-key' } }), 'environments.prod.gcp.secrets.OPENAI_API_KEY.name', /both be kept in secret "anthropic-api-key"/],
    ['a prefix that makes IDs too long', (c) => (gcp(c).secretPrefix = 'p'.repeat(200) + '-' + 'q'.repeat(60)), 'environments.prod.gcp.secretPrefix', /not a Secret Manager secret ID|letters, digits/],
    [
      'two environments sharing a project and a secret',
      (c) => {
        gcp(c, 'staging').project = 'aragora-prod';
        c.stores!['gcp-staging'] = { ...(c.stores!['gcp-staging'] as object), projectID: 'aragora-prod' } as never;
      },
      'environments.staging.gcp',
      /also environment prod's[\s\S]*secretPrefix/,
    ],
    ['a store that reads another project', (c) => (c.stores!['gcp-prod'] = { ...(c.stores!['gcp-prod'] as object), projectID: 'aragora-other' } as never), 'environments.prod.gcp.project', /store "gcp-prod" reads project aragora-other/],
    ['a store that reads regional secrets', (c) => (c.stores!['gcp-prod'] = { ...(c.stores!['gcp-prod'] as object), location: 'europe-west1' } as never), 'stores.gcp-prod.location', /regional secrets/],
    ['fetch: extract', (c) => (c.environments.prod.delivery = { method: 'external', store: 'gcp-prod', fetch: 'extract' }), 'environments.prod.delivery.fetch', /a secret of its own/],
    ['delivery.keys beside gcp', (c) => (c.environments.prod.delivery = { method: 'external', store: 'gcp-prod', keys: ['ANTHROPIC_API_KEY'] }), 'environments.prod.delivery.keys', /move the list to gcp.keys/],
    ['a generator beside Cloud Run', (c) => (c.environments.prod.delivery = { method: 'external', store: 'gcp-prod', generated: 'generator' }), 'environments.prod.delivery.generated', /two different values in one environment/],
    [
      "the application's own ServiceAccount as ESO's",
      (c) => (c.stores!['gcp-prod'] = { provider: 'gcpsm', projectID: 'aragora-prod', auth: { workloadIdentity: { serviceAccountRef: { name: 'aragora' } } } }),
      'stores.gcp-prod.auth.workloadIdentity.serviceAccountRef.name',
      /application's own ServiceAccount/,
    ],
    [
      'one ServiceAccount annotated with two service accounts',
      (c) => {
        const shared = { provider: 'gcpsm' as const, kind: 'ClusterSecretStore' as const, projectID: 'aragora-prod', auth: { workloadIdentity: { serviceAccountRef: { name: 'eso', namespace: 'external-secrets' } } } };
        c.stores = { shared };
        c.environments.staging.delivery = { method: 'external', store: 'shared' };
        c.environments.prod.delivery = { method: 'external', store: 'shared' };
        gcp(c, 'staging').project = 'aragora-prod';
        gcp(c, 'staging').secretPrefix = 'staging-';
        gcp(c, 'staging').cloudRun!.service = 'aragora-staging';
        gcp(c, 'staging').serviceAccount = 'staging-runtime';
      },
      'environments.staging.gcp.serviceAccount',
      /it can impersonate only one/,
    ],
    ['a label Config Connector would copy and Google Cloud refuses', (c) => (c.environments.prod.labels = { team: 'Platform' }), 'environments.prod.labels.team', /cannot be a Google Cloud label/],
    ['an unknown key under gcp', (c) => ((gcp(c) as Record<string, unknown>).projet = 'x'), 'environments.prod.gcp.projet', /did you mean "project"/],
  ];

  test.each(cases)('%s', (_, mutate, path, message) => {
    const config = example();
    mutate(config);
    const problems = problemsOf(config).filter((p) => p.path === path);
    expect(problems.map((p) => `${p.message}\n${p.fix ?? ''}`)).toContainEqual(expect.stringMatching(message));
  });

  integration.test('the example itself is valid, and a config error never prints a stack trace', () => {
    expect(() => validateConfig(example(), 't')).not.toThrow();
    const config = example();
    config.environments.prod.gcp!.project = 'X';
    const dir = mkdtempSync(join(tmpdir(), 'aragora-gcp-err-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const result = spawnApp(dir, { CDK8S_OUTDIR: join(dir, 'dist') });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/environments\.prod\.gcp\.project/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });
});

describe('no value reaches dist/: Secret Manager resources, Cloud Run and setup.sh hold names only', () => {
  const planted = {
    ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'G'.repeat(40) + '-XyZ123',
    OPENAI_API_KEY: 'sk-proj-' + 'p4'.repeat(24),
    OPENROUTER_API_KEY: 'sk-or-v1-' + 'a1b2'.repeat(12),
    STRIPE_SECRET_KEY: 'sk_live_' + '51Gc'.repeat(8),
    STRIPE_WEBHOOK_SECRET: 'whsec_' + 'Wb7'.repeat(10),
    SUPABASE_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.' + 'GcpS1gn'.repeat(5),
    ARAGORA_JWT_SECRET: 'Jq0sVjT2xK9mB8cN7dL6fP5gH4jR3sW2uY1zA0bC9dE=',
    GOOGLE_APPLICATION_CREDENTIALS_JSON_KEY: '{"type":"service_account","private_key_id":"0123456789abcdef0123"}',
  };

  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-gcp-leak-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), readFileSync(EXAMPLE));
    writeFileSync(join(dir, '.env'), Object.entries(planted).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
    return dir;
  }

  test('with values planted in the environment and in .env, no file holds one', () => {
    // GIVEN realistic values on the machine and the GCP example as the project's config
    const dir = project();
    // WHEN it is synthesized (the leak guard would throw on a hit)
    const { files } = synthesizeProject({ cwd: dir, env: { ...planted } });
    // THEN the GCP artifacts exist and none holds a value, in any encoding the guard knows
    const gcpFiles = files.filter((f) => /cloudrun\/|gcp\/|SecretManagerSecret|IAMPolicyMember|SecretStore|ExternalSecret/.test(f.path));
    expect(gcpFiles.length).toBeGreaterThanOrEqual(20);
    expect(findLeaks(files, Object.entries(planted).map(([k, v]) => ({ origin: k, value: v })))).toEqual([]);
    for (const value of Object.values(planted)) for (const f of files) expect(f.content).not.toContain(value);
  });

  test('the check is not vacuous: a value in the Cloud Run file would be found', () => {
    const fake = [{ path: 'prod/cloudrun/service.yaml', content: `env:\n  - name: ANTHROPIC_API_KEY\n    value: ${planted.ANTHROPIC_API_KEY}\n` }];
    expect(findLeaks(fake, [{ origin: 'ANTHROPIC_API_KEY', value: planted.ANTHROPIC_API_KEY }])).not.toEqual([]);
  });
});

/**
 * setup.sh run by a real shell against a fake gcloud that records its arguments and what it
 * reads on stdin, and keeps a little state (which secrets and versions exist).
 */
integration.describe('setup.sh, run', () => {
  const FAKE_GCLOUD = `#!/bin/sh
# $STATE/<secret>/exists, $STATE/<secret>/versions (one line per version), $STATE/<secret>/<n>.value
printf '%s\\n' "$*" >> "$STATE/args.log"
secret=''; version=''
for a in "$@"; do case "$a" in --secret=*) secret="\${a#--secret=}";; esac; done
case "$1 $2" in
  "services enable") exit 0 ;;
  "iam service-accounts") [ "$3" = describe ] && { [ -f "$STATE/sa" ]; exit $?; }; [ "$3" = create ] && touch "$STATE/sa"; exit 0 ;;
  "secrets describe") [ -f "$STATE/$3/exists" ]; exit $? ;;
  "secrets create") mkdir -p "$STATE/$3"; touch "$STATE/$3/exists"; exit 0 ;;
  "secrets add-iam-policy-binding") exit 0 ;;
esac
case "$1 $2 $3" in
  "secrets versions add")
    [ -f "$STATE/$4/exists" ] || { echo "NOT_FOUND: secret $4" >&2; exit 1; }
    n=$(( $(cat "$STATE/$4/versions" 2>/dev/null | wc -l) + 1 )); echo "$n" >> "$STATE/$4/versions"
    cat > "$STATE/$4/$n.value"; exit 0 ;;
  "secrets versions list") [ -s "$STATE/$4/versions" ] && sed "s|^|projects/p/secrets/$4/versions/|" "$STATE/$4/versions"; exit 0 ;;
  "secrets versions describe") grep -qx "$4" "$STATE/$secret/versions" 2>/dev/null && echo ENABLED; exit 0 ;;
esac
echo "fake gcloud: unexpected $*" >&2; exit 2
`;

  function run(env: string, values: Record<string, string>, state?: string) {
    const files = synthesize(example());
    const dir = mkdtempSync(join(tmpdir(), 'aragora-gcp-sh-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gcloud'), FAKE_GCLOUD);
    chmodSync(join(bin, 'gcloud'), 0o755);
    const script = join(dir, 'setup.sh');
    writeFileSync(script, file(files, `${env}/gcp/setup.sh`));
    const stateDir = state ?? join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    const result = spawnSync('sh', [script], { env: { PATH: `${bin}:${process.env.PATH}`, STATE: stateDir, ...values }, encoding: 'utf8' });
    const args = existsSync(join(stateDir, 'args.log')) ? readFileSync(join(stateDir, 'args.log'), 'utf8') : '';
    const value = (secret: string, n = 1) => readFileSync(join(stateDir, secret, `${n}.value`), 'utf8');
    const versions = (secret: string) => (existsSync(join(stateDir, secret, 'versions')) ? readFileSync(join(stateDir, secret, 'versions'), 'utf8').trim().split('\n') : []);
    return { ...result, args, value, versions, stateDir };
  }

  const values = { ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'R'.repeat(40) + '-Run', SUPABASE_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.' + 'Sig'.repeat(6) };

  test('values reach Secret Manager through stdin only, exactly as given; the JWT secret is generated', () => {
    // GIVEN the staging values in the environment
    // WHEN setup.sh runs against an empty project
    const r = run('staging', values);
    // THEN it succeeds, each value is stored byte for byte, and no argument of any gcloud call holds one
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.value('anthropic-api-key')).toBe(values.ANTHROPIC_API_KEY);
    expect(r.value('supabase-key')).toBe(values.SUPABASE_KEY);
    for (const v of Object.values(values)) expect(r.args).not.toContain(v);
    const jwt = r.value('aragora-jwt-secret');
    expect(Buffer.from(jwt, 'base64')).toHaveLength(32);
    expect(r.args).not.toContain(jwt);
    expect(r.stdout).not.toContain(jwt);
    expect(r.args).toMatch(/^secrets create anthropic-api-key --project=aragora-staging --replication-policy=automatic/m);
    expect(r.args).toMatch(/^iam service-accounts create aragora-runtime --project=aragora-staging/m);
  });

  test('run again with nothing set: nothing changes (no new version, no new generated value)', () => {
    const first = run('staging', values);
    const again = run('staging', {}, first.stateDir);
    expect(again.status).toBe(0);
    expect(again.versions('anthropic-api-key')).toEqual(['1']);
    expect(again.versions('aragora-jwt-secret')).toEqual(['1']);
  });

  test('a secret without a version fails the run, naming the variable (not the value)', () => {
    const r = run('staging', { ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/for: SUPABASE_KEY\n/);
    expect(r.stderr).not.toContain(values.ANTHROPIC_API_KEY);
  });

  test('prod with Config Connector: without the secrets applied it stops at the first value; a pinned version that does not exist is reported', () => {
    const r = run('prod', { ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY });
    expect(r.status).not.toBe(0);
    expect(r.args).not.toMatch(/secrets create/);
    // GIVEN the secrets exist (Config Connector applied) and every value is set
    const state = mkdtempSync(join(tmpdir(), 'aragora-gcp-state-'));
    const prodIds = findAll(manifests(synthesize(example()), 'prod'), 'SecretManagerSecret').map((s) => s.spec.resourceID as string);
    expect(prodIds.length).toBeGreaterThan(0);
    for (const id of prodIds) {
      mkdirSync(join(state, id));
      writeFileSync(join(state, id, 'exists'), '');
    }
    const all = { ...values, OPENAI_API_KEY: 'sk-proj-' + 'z'.repeat(40), OPENROUTER_API_KEY: 'sk-or-v1-' + 'c'.repeat(40), STRIPE_SECRET_KEY: 'sk_live_' + 'Q'.repeat(30), STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30) };
    // WHEN it runs: THEN every secret gets its version 1, and the webhook secret (pinned to 2) is reported
    const ok = run('prod', all, state);
    expect(ok.status).toBe(1);
    expect(ok.stderr).toMatch(/for: STRIPE_WEBHOOK_SECRET\n/);
    // AND a second run with the webhook secret adds version 2, which the pin reads
    const second = run('prod', { STRIPE_WEBHOOK_SECRET: 'whsec_' + 'V'.repeat(30) }, state);
    expect(second.status).toBe(0);
    expect(second.versions('stripe-webhook-secret')).toEqual(['1', '2']);
  });
});

describe('the embedded default is unchanged: GCP is exercised through the example', () => {
  test('no environment of the default targets GCP', () => {
    const plan = resolvePlan(validateConfig(parse(stringify(require('../src/config/default').DEFAULT_CONFIG)), 't'));
    expect(plan.environments.map((e) => e.gcp)).toEqual(plan.environments.map(() => undefined));
    expect(readdirSync(join(root, 'dist')).some((env) => existsSync(join(root, 'dist', env, 'cloudrun')))).toBe(false);
  });
});
