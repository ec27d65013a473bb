import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import { resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan } from '../src/app/synthesize';
import { parseTree, runChecks, type Finding } from '../src/checks';
import { factsOf, RULES } from '../src/app/rule-set';
import type { OutputFile } from '../src/core/output-file';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { parseVaultObjects, vaultParameters } from '../src/delivery/csi/parameters';
import type { CsiDeliveryPlan } from '../src/delivery/csi/plan';
import { find, manifests, problemsOf } from './helpers';
import { root, spawnCli } from './support/cli';

/**
 * Delivery method `csi` (Secrets Store CSI driver, Vault provider): the SecretProviderClass and its
 * parameters (YAML inside strings, parsed back), the pod's volume and mount, the synced Secret and its
 * trap (it exists only while a pod mounts the volume), the config it refuses and its checks.
 */

const EXAMPLE = join(root, 'examples', 'csi-vault.yaml');
const exampleText = readFileSync(EXAMPLE, 'utf8');
const example = (): AragoraSecretsConfig => parse(exampleText) as AragoraSecretsConfig;
const files = synthesizePlan(resolvePlan(parseConfigFile(EXAMPLE)));
const STAGING_SPC = 'staging/manifests/20-SecretProviderClass.aragora-secrets.k8s.yaml';
const STAGING_DEPLOYMENT = 'staging/manifests/40-Deployment.aragora.k8s.yaml';

function file(all: readonly OutputFile[], path: string): string {
  const found = all.find((f) => f.path === path);
  if (!found) throw new Error(`no file ${path}`);
  return found.content;
}

function edit(all: readonly OutputFile[], path: string, change: (object: any) => void): OutputFile[] {
  return all.map((f) => {
    if (f.path !== path) return f;
    const object = parse(f.content);
    change(object);
    return { path, content: stringify(object) };
  });
}

function ruleFindings(all: readonly OutputFile[], rule: string, config = example()): Finding[] {
  return runChecks(RULES, { tree: parseTree(all), facts: factsOf(resolvePlan(validateConfig(config, 'test'))) }).filter((f) => f.rule === rule);
}

function synthOf(config: AragoraSecretsConfig): OutputFile[] {
  return synthesizePlan(resolvePlan(validateConfig(config, 'test')));
}

describe('csi: what it writes', () => {
  test('the parameters hold YAML that parses back to one object per variable, from its KV path and field', () => {
    const spc = find(manifests(files, 'staging'), 'SecretProviderClass');
    expect(spc.spec.provider).toBe('vault');
    expect(parse(spc.spec.parameters.objects)).toEqual([
      { objectName: 'ANTHROPIC_API_KEY', secretPath: 'secret/data/aragora/api-keys', secretKey: 'anthropic' },
      { objectName: 'OPENAI_API_KEY', secretPath: 'secret/data/aragora/api-keys', secretKey: 'openai' },
      { objectName: 'SUPABASE_KEY', secretPath: 'secret/data/aragora/api-keys', secretKey: 'supabase' },
    ]);
    expect(spc.spec.parameters).toMatchObject({ roleName: 'aragora-staging', vaultAddress: 'https://vault.vault.svc:8200', vaultKubernetesMountPath: 'kubernetes', audience: 'vault' });
    expect(Object.values(spc.spec.parameters).every((v) => typeof v === 'string')).toBe(true);
    expect(spc.spec.secretObjects).toEqual([expect.objectContaining({ secretName: 'aragora-secrets', type: 'Opaque', data: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY'].map((k) => ({ objectName: k, key: k })) })]);
    const prod = find(manifests(files, 'prod'), 'SecretProviderClass');
    expect(prod.spec.secretObjects).toBeUndefined();
    expect(prod.spec.parameters).toMatchObject({ vaultNamespace: 'admin/aragora', vaultCACertPath: '/vault/tls/ca.crt', vaultTLSServerName: 'vault.example.com', vaultKubernetesMountPath: 'k8s-prod', roleName: 'aragora-prod-csi' });
  });

  test('names that YAML would read otherwise (quotes, colons, a leading dash, newlines) survive the string and parse back as they were', () => {
    const hostile = ['a: b', '- x', '"quoted"', "it's", 'line\nbreak', '#comment', '{ flow }', 'yes', '007'];
    const plan = {
      method: 'csi',
      provider: 'vault',
      className: 'x',
      mountPath: '/m',
      objects: hostile.map((h, i) => ({ env: `V${i}`, secretPath: `kv/data/${h}`, secretKey: h, required: false })),
      vault: { address: 'https://v:8200', role: 'r: x', policyName: 'p', authMount: 'k', tokenTtl: '1h', audience: 'vault' },
    } as CsiDeliveryPlan;
    const parameters = vaultParameters(plan);
    const parsed = parseVaultObjects(parameters.objects);
    expect(parsed).toEqual({ objects: hostile.map((h, i) => ({ objectName: `V${i}`, secretPath: `kv/data/${h}`, secretKey: h })) });
    expect(parameters.roleName).toBe('r: x');
  });

  test('the pod mounts the class read-only and reads the synced Secret; without sync it reads the files only', () => {
    const deployment = find(manifests(files, 'staging'), 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'aragora-secrets' } } }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'secrets-store', mountPath: '/mnt/secrets-store', readOnly: true }]);
    // The values from the synced Secret; the application's mode (ARAGORA_ENV...) as literals after them.
    expect(pod.containers[0].env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual(['aragora-secrets', 'aragora-secrets', 'aragora-secrets']);
    expect(deployment.metadata.annotations?.['secret.reloader.stakater.com/reload']).toBe('aragora-secrets');
    const prod = find(manifests(files, 'prod'), 'Deployment');
    // Files only: no value as an environment variable, only the application's mode.
    expect(prod.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom)).toEqual([]);
    expect(prod.spec.template.spec.containers[0].env).toContainEqual({ name: 'ARAGORA_ENV', value: 'production' });
    expect(prod.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'secrets-store', mountPath: '/run/secrets/aragora', readOnly: true }]);
    expect(prod.metadata.annotations).toBeUndefined();
  });

  test('workload.enabled: false puts the volume, the mount and the Secret reference into the patch; check warns that the Secret needs a mount elsewhere', () => {
    const config = example();
    delete (config.environments.dev.delivery as any).sync;
    delete config.environments.dev.rotation;
    const out = synthOf(config);
    const patch = parse(file(out, 'dev/patches/workload.patch.yaml'));
    const pod = patch.spec.template.spec;
    expect(pod.volumes[0].csi).toEqual({ driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'aragora-secrets' } });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'secrets-store', mountPath: '/mnt/secrets-store', readOnly: true }]);
    expect(pod.containers[0].env.filter((e: any) => e.valueFrom)).toHaveLength(3);
    expect(file(out, 'dev/patches/workload.patch.yaml')).toContain('the driver writes it only while a pod mounts the volume');
    expect(ruleFindings(out, 'csi-sync-without-mount', config)).toEqual([expect.objectContaining({ severity: 'warning', environment: 'dev', location: 'spec.secretObjects' })]);
  });

  test('the review report says who reads (the pods\' ServiceAccount through the provider) and the #298 trap; helm values mount the volume', () => {
    const report = file(files, 'staging/SECRETS.md');
    expect(report).toContain('Vault CSI provider: logs into `auth/kubernetes` with role `aragora-staging` as the pods\' ServiceAccount `aragora-staging/aragora`');
    expect(report).toContain('exists only while a pod mounts the volume (secrets-store-csi-driver #298)');
    expect(report).toContain('--enable-secret-rotation');
    expect(file(files, 'staging/vault/policy.hcl').match(/^path .*$/gm)).toEqual(['path "secret/data/aragora/api-keys" {']);
    expect(file(files, 'staging/vault/setup.sh')).toMatch(/bound_service_account_names=aragora \\\n\s+bound_service_account_namespaces=aragora-staging \\\n\s+audience=vault/);
    const values = parse(file(files, 'staging/helm/values.yaml'));
    expect(values.secrets.existingSecret).toBe('aragora-secrets');
    expect(values.volumes[0].csi.volumeAttributes.secretProviderClass).toBe('aragora-secrets');
    expect(values.volumeMounts[0].mountPath).toBe('/mnt/secrets-store');
    expect(parse(file(files, 'prod/helm/values.yaml')).secrets).toBeUndefined();
  });

  test('the example passes every rule', () => {
    expect(runChecks(RULES, { tree: parseTree(files), facts: factsOf(resolvePlan(parseConfigFile(EXAMPLE))) })).toEqual([]);
  });
});

describe('csi: config it refuses', () => {
  const messages = (config: AragoraSecretsConfig) => problemsOf(config).map((p) => `${p.path}: ${p.message}`);
  const staging = (change: (d: any, c: AragoraSecretsConfig) => void) => {
    const config = example();
    change(config.environments.staging.delivery, config);
    return config;
  };

  test('skip-verify, Reloader without a Secret, no vault block, the short form, a provider that is none, a provider without its block', () => {
    expect(messages(staging((d) => (d.vault.skipVerify = true)))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.vault\.skipVerify: skipping TLS verification is refused/)]);
    expect(messages(staging((d, c) => ((d.sync = false), (c.environments.staging.rotation = { reloader: 'targeted' }))))).toEqual([expect.stringMatching(/^environments\.staging\.rotation\.reloader: Reloader \(targeted\) restarts pods when a Kubernetes Secret changes; without sync/)]);
    expect(messages(staging((d) => delete d.vault))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.vault: provider vault needs the vault block/)]);
    const short = example();
    short.environments.staging.delivery = 'csi';
    expect(messages(short)).toEqual([expect.stringMatching(/^environments\.staging\.delivery: csi needs a provider/)]);
    expect(messages(staging((d) => (d.provider = 'azure')))).toEqual([expect.stringContaining('environments.staging.delivery.provider')]);
    expect(messages(staging((d) => (d.provider = 'gcp')))).toEqual(expect.arrayContaining([expect.stringMatching(/^environments\.staging\.delivery\.gcp: provider gcp needs the gcp block/)]));
    expect(messages(staging((d) => (d.mountPath = '../etc')))).toEqual([expect.stringContaining('environments.staging.delivery.mountPath')]);
  });

  test('hostile fields: a property that would break out of the objects list, credentials in the address', () => {
    const breakout = example();
    breakout.secrets.OPENAI_API_KEY.remote = { property: 'x }, { objectName: STOLEN' };
    expect(messages(breakout).filter((m) => m.startsWith('secrets.OPENAI_API_KEY.remote.property'))).toEqual(
      ['dev', 'prod', 'staging'].map((env) => expect.stringContaining(`cannot be a field the Vault CSI provider reads for environment ${env}`)),
    );
    expect(messages(staging((d) => (d.vault.address = 'https://root:hunter2@vault:8200'))).join('\n')).not.toContain('hunter2');
  });

  test('through the CLI: exit 1 naming the path and line, no stack trace, nothing written', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-csi-'));
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), exampleText.replace('vault: { address: https://vault.vault.svc:8200 }', 'vault: { address: https://vault.vault.svc:8200, skipVerify: true }'));
    const run = spawnCli(cwd, ['synth']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.staging\.delivery\.vault\.skipVerify \(line \d+\): skipping TLS verification is refused/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(() => readFileSync(join(cwd, 'dist', 'staging', 'SECRETS.md'))).toThrow();
  });

  test('check --env says that the synced Secret exists only while a pod mounts the volume; not without sync', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-csi-'));
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), exampleText);
    const staging = spawnCli(cwd, ['check', '--env', 'staging']);
    expect(staging.status).toBe(0);
    expect(staging.stdout).toContain('note: Secret aragora-secrets is synced by the Secrets Store CSI driver and exists only while a pod mounts the CSI volume');
    const prod = spawnCli(cwd, ['check', '--env', 'prod']);
    expect(prod.status).toBe(0);
    expect(prod.stdout).not.toContain('note:');
  });
});

describe('csi: checks over objects edited by hand', () => {
  test('csi-sync-without-mount: a Deployment that reads the synced Secret without mounting the class', () => {
    const unmounted = edit(files, STAGING_DEPLOYMENT, (d) => {
      delete d.spec.template.spec.volumes;
      delete d.spec.template.spec.containers[0].volumeMounts;
    });
    const found = ruleFindings(unmounted, 'csi-sync-without-mount');
    expect(found.map((f) => [f.severity, f.resource])).toEqual([
      ['error', 'Deployment aragora-staging/aragora'],
      ['warning', 'SecretProviderClass aragora-staging/aragora-secrets'],
    ]);
    expect(found[0].message).toContain('its pods mount none: they wait for the Secret forever');
  });

  test('csi-volume-class: not read-only, or a class that does not exist', () => {
    const writable = edit(files, STAGING_DEPLOYMENT, (d) => (d.spec.template.spec.volumes[0].csi.readOnly = false));
    expect(ruleFindings(writable, 'csi-volume-class').map((f) => f.location)).toEqual(['spec.template.spec.volumes[0].csi.readOnly']);
    const other = edit(files, STAGING_DEPLOYMENT, (d) => (d.spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass = 'nope'));
    expect(ruleFindings(other, 'csi-volume-class').map((f) => f.location)).toEqual(['spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass']);
  });

  test('csi-provider-parameters: objects that are not a YAML list, a synced object not mounted, skip-verify, no role', () => {
    const broken = edit(files, STAGING_SPC, (o) => (o.spec.parameters.objects = '- objectName: [unclosed'));
    expect(ruleFindings(broken, 'csi-provider-parameters').map((f) => f.message)).toEqual([expect.stringContaining('it is not valid YAML')]);
    const mapping = edit(files, STAGING_SPC, (o) => (o.spec.parameters.objects = 'objectName: A'));
    expect(ruleFindings(mapping, 'csi-provider-parameters').map((f) => f.message)).toEqual([expect.stringContaining('it is not a YAML list')]);
    const unknown = edit(files, STAGING_SPC, (o) => o.spec.secretObjects[0].data.push({ objectName: 'GHOST', key: 'GHOST' }));
    expect(ruleFindings(unknown, 'csi-provider-parameters').map((f) => f.location)).toEqual(['spec.secretObjects[0].data[3].objectName']);
    const skip = edit(files, STAGING_SPC, (o) => Object.assign(o.spec.parameters, { vaultSkipTLSVerify: 'true', roleName: '' }));
    expect(ruleFindings(skip, 'csi-provider-parameters').map((f) => f.location).sort()).toEqual(['spec.parameters.roleName', 'spec.parameters.vaultSkipTLSVerify']);
  });

  test('the SecretProviderClass makes the synced Secret: without it, the Deployment reads a Secret nobody makes', () => {
    const without = files.filter((f) => f.path !== STAGING_SPC);
    expect(ruleFindings(without, 'workload-secrets-consistent').map((f) => f.message)).toEqual([expect.stringContaining('SecretProviderClass in this folder makes')]);
  });
});

describe('csi with the AWS provider', () => {
  const AWS_EXAMPLE = join(root, 'examples', 'csi-aws.yaml');
  const awsText = readFileSync(AWS_EXAMPLE, 'utf8');
  const awsConfig = (): AragoraSecretsConfig => parse(awsText) as AragoraSecretsConfig;
  const awsFiles = synthesizePlan(resolvePlan(parseConfigFile(AWS_EXAMPLE)));
  const messages = (config: AragoraSecretsConfig) => problemsOf(config).map((p) => `${p.path}: ${p.message}`);

  test('objects parse back: the secret once, each JSON key a file through jmesPath (quoted when not an identifier)', () => {
    const spc = find(manifests(awsFiles, 'staging'), 'SecretProviderClass');
    expect(spc.spec.provider).toBe('aws');
    expect(parse(spc.spec.parameters.objects)).toEqual([
      {
        objectName: 'aragora/api-keys',
        objectType: 'secretsmanager',
        jmesPath: [
          { path: 'anthropic', objectAlias: 'ANTHROPIC_API_KEY' },
          { path: 'openai', objectAlias: 'OPENAI_API_KEY' },
          { path: '"stripe-secret"', objectAlias: 'STRIPE_SECRET_KEY' },
        ],
      },
    ]);
    expect(spc.spec.parameters.region).toBe('us-east-1');
    expect(spc.spec.parameters.usePodIdentity).toBeUndefined();
    expect(find(manifests(awsFiles, 'prod'), 'SecretProviderClass').spec.parameters.usePodIdentity).toBe('true');
  });

  test('IRSA: the pods\' ServiceAccount carries the role ARN; Pod Identity: no annotation; no Vault files', () => {
    expect(find(manifests(awsFiles, 'staging'), 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/aragora-staging-secrets' });
    expect(find(manifests(awsFiles, 'prod'), 'ServiceAccount').metadata.annotations).toBeUndefined();
    expect(awsFiles.filter((f) => f.path.includes('/vault/'))).toEqual([]);
    expect(file(awsFiles, 'staging/SECRETS.md')).toContain('AWS CSI provider: reads `aragora/api-keys` as the pods\' ServiceAccount `aragora-staging/aragora`, IAM role `arn:aws:iam::123456789012:role/aragora-staging-secrets` (IRSA)');
    expect(runChecks(RULES, { tree: parseTree(awsFiles), facts: factsOf(resolvePlan(parseConfigFile(AWS_EXAMPLE))) })).toEqual([]);
  });

  test('config it refuses: IRSA without a role, a role with Pod Identity, the other provider\'s block, a secret name Secrets Manager refuses', () => {
    const change = (mutate: (d: any, c: AragoraSecretsConfig) => void) => {
      const c = awsConfig();
      mutate(c.environments.staging.delivery, c);
      return messages(c);
    };
    expect(change((d) => delete d.aws.roleArn)).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.roleArn: with IRSA the pods' ServiceAccount must carry the IAM role/)]);
    expect(change((d) => (d.aws.identity = 'podIdentity'))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.roleArn: with EKS Pod Identity the role comes from the association/)]);
    expect(change((d) => (d.vault = { address: 'https://v:8200' }))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.vault: the vault block does nothing with provider aws/)]);
    expect(change((d) => (d.aws.roleArn = 'arn:aws:iam::123:role/x'))).toEqual([expect.stringContaining('environments.staging.delivery.aws.roleArn')]);
    expect(change((_d, c) => (c.secrets.OPENAI_API_KEY.remote = { key: 'aragora/api keys', property: 'openai' }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^secrets\.OPENAI_API_KEY\.remote\.key: .*cannot be a Secrets Manager secret name/)]),
    );
  });

  test('csi-provider-parameters reads the AWS shape: a jmesPath entry without objectAlias, a synced object it does not mount', () => {
    const path = 'staging/manifests/20-SecretProviderClass.aragora-secrets.k8s.yaml';
    const noAlias = edit(awsFiles, path, (o) => (o.spec.parameters.objects = stringify([{ objectName: 'aragora/api-keys', objectType: 'secretsmanager', jmesPath: [{ path: 'openai' }] }])));
    expect(ruleFindings(noAlias, 'csi-provider-parameters', awsConfig()).map((f) => f.message)).toEqual([expect.stringContaining('has a jmesPath entry without path and objectAlias')]);
    const ghost = edit(awsFiles, path, (o) => o.spec.secretObjects[0].data.push({ objectName: 'GHOST', key: 'GHOST' }));
    expect(ruleFindings(ghost, 'csi-provider-parameters', awsConfig()).map((f) => f.location)).toEqual(['spec.secretObjects[0].data[3].objectName']);
  });
});

describe('csi with the Google Cloud provider', () => {
  const GCP_EXAMPLE = join(root, 'examples', 'csi-gcp.yaml');
  const gcpText = readFileSync(GCP_EXAMPLE, 'utf8');
  const gcpConfig = (): AragoraSecretsConfig => parse(gcpText) as AragoraSecretsConfig;
  const gcpFiles = synthesizePlan(resolvePlan(parseConfigFile(GCP_EXAMPLE)));
  const SPC = 'prod/manifests/20-SecretProviderClass.aragora-secrets.k8s.yaml';

  test('secrets parse back: one secret version per variable, a file named after it; Workload Identity on the pods\' ServiceAccount', () => {
    const spc = find(manifests(gcpFiles, 'prod'), 'SecretProviderClass');
    expect(spc.spec.provider).toBe('gcp');
    expect(parse(spc.spec.parameters.secrets)).toEqual(
      ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY'].map((env) => ({ resourceName: `projects/aragora-prod/secrets/app-${env.toLowerCase().replace(/_/g, '-')}/versions/latest`, fileName: env })),
    );
    expect(find(manifests(gcpFiles, 'prod'), 'ServiceAccount').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'aragora-secrets@aragora-prod.iam.gserviceaccount.com' });
    expect(file(gcpFiles, 'prod/SECRETS.md')).toContain('which acts as `aragora-secrets@aragora-prod.iam.gserviceaccount.com` (Workload Identity)');
    expect(runChecks(RULES, { tree: parseTree(gcpFiles), facts: factsOf(resolvePlan(parseConfigFile(GCP_EXAMPLE))) })).toEqual([]);
  });

  test('config it refuses: no gcp block, a project or service account that is none, a version that is none', () => {
    const change = (mutate: (d: any) => void) => {
      const c = gcpConfig();
      mutate(c.environments.prod.delivery);
      return problemsOf(c).map((p) => p.path);
    };
    expect(change((d) => delete d.gcp)).toEqual(['environments.prod.delivery.gcp']);
    expect(change((d) => (d.gcp.project = 'Aragora Prod'))).toEqual(['environments.prod.delivery.gcp.project']);
    expect(change((d) => (d.gcp.serviceAccount = 'someone@gmail.com'))).toEqual(['environments.prod.delivery.gcp.serviceAccount']);
    expect(change((d) => (d.gcp.version = '../1'))).toEqual(['environments.prod.delivery.gcp.version']);
  });

  test('csi-provider-parameters reads the Google shape: a resource name that is not a secret version', () => {
    const bad = edit(gcpFiles, SPC, (o) => (o.spec.parameters.secrets = stringify([{ resourceName: 'projects/aragora-prod/secrets/x', fileName: 'ANTHROPIC_API_KEY' }])));
    expect(ruleFindings(bad, 'csi-provider-parameters', gcpConfig()).map((f) => [f.location, f.message])).toEqual([
      ['spec.parameters.secrets', expect.stringContaining("item 0's resourceName is not projects/<project>/secrets/<secret>/versions/<version>")],
    ]);
  });
});
