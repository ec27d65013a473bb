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
import { integration } from './support/tiers';

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
      vault: { address: 'https://v:8200', kvVersion: 2, role: 'r: x', policyName: 'p', authMount: 'k', tokenTtl: '1h', audience: 'vault' },
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
    expect(messages(staging((d) => (d.provider = 'gcp')))).toEqual(expect.arrayContaining([expect.stringMatching(/^environments\.staging\.delivery: provider gcp needs the project and the Google service account/)]));
    expect(messages(staging((d) => (d.mountPath = '../etc')))).toEqual([expect.stringContaining('environments.staging.delivery.mountPath')]);
  });

  test('one Vault role bound by two environments is refused across methods too: an agent environment and a CSI one on the same Vault and mount', () => {
    const config = example();
    // staging reads through the CSI provider as role aragora-staging at https://vault.vault.svc:8200, mount kubernetes.
    (config.environments as any).agent = {
      namespace: 'aragora-agent',
      tier: 'development',
      delivery: { method: 'vault', role: 'aragora-staging', authPath: 'auth/kubernetes', server: { address: 'https://vault.vault.svc:8200', namespace: 'vault' } },
      workload: { command: ['aragora', 'serve'] },
    };
    expect(messages(config)).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.vault\.role: Vault role "aragora-staging" is also the role of environment "agent" on the same Vault and auth mount/)]);
    // Another mount, or another role, is another binding.
    (config.environments as any).agent.delivery.authPath = 'auth/k8s-agent';
    expect(() => validateConfig(config, 'test')).not.toThrow();
  });

  test('hostile fields: a property that would break out of the objects list, credentials in the address', () => {
    const breakout = example();
    breakout.secrets.OPENAI_API_KEY.remote = { property: 'x }, { objectName: STOLEN' };
    expect(messages(breakout).filter((m) => m.startsWith('secrets.OPENAI_API_KEY.remote.property'))).toEqual(
      ['dev', 'prod', 'staging'].map((env) => expect.stringContaining(`cannot be a field the Vault CSI provider reads for environment ${env}`)),
    );
    expect(messages(staging((d) => (d.vault.address = 'https://root:hunter2@vault:8200'))).join('\n')).not.toContain('hunter2');
  });

  integration.test('through the CLI: exit 1 naming the path and line, no stack trace, nothing written', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-csi-'));
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), exampleText.replace('vault: { address: https://vault.vault.svc:8200 }', 'vault: { address: https://vault.vault.svc:8200, skipVerify: true }'));
    const run = spawnCli(cwd, ['synth']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.staging\.delivery\.vault\.skipVerify \(line \d+\): skipping TLS verification is refused/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(() => readFileSync(join(cwd, 'dist', 'staging', 'SECRETS.md'))).toThrow();
  });

  integration.test('check --env says that the synced Secret exists only while a pod mounts the volume; not without sync', () => {
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

  test('a class that syncs several Secrets makes each of them, not only the first', () => {
    // The Deployment's Secret synced second, after another one: still made by the class.
    const second = edit(files, STAGING_SPC, (o) => o.spec.secretObjects.unshift({ secretName: 'other-synced', type: 'Opaque', data: [{ objectName: o.spec.secretObjects[0].data[0].objectName, key: 'x' }] }));
    expect(parse(file(second, STAGING_SPC)).spec.secretObjects.map((x: any) => x.secretName)).toEqual(['other-synced', 'aragora-secrets']);
    expect(ruleFindings(second, 'workload-secrets-consistent')).toEqual([]);
  });
});

describe('csi with the AWS provider', () => {
  const AWS_EXAMPLE = join(root, 'examples', 'csi-aws.yaml');
  const awsText = readFileSync(AWS_EXAMPLE, 'utf8');
  const awsConfig = (): AragoraSecretsConfig => parse(awsText) as AragoraSecretsConfig;
  const awsFiles = synthesizePlan(resolvePlan(parseConfigFile(AWS_EXAMPLE)));
  const messages = (config: AragoraSecretsConfig) => problemsOf(config).map((p) => `${p.path}: ${p.message}`);
  const template = (all: readonly OutputFile[], env: string) => JSON.parse(file(all, `${env}/aws/aragora-${env}-secrets.template.json`));
  const resourcesOf = (t: any, type: string) => Object.entries<any>(t.Resources).filter(([, r]) => r.Type === type);
  const podRole = (t: any) => {
    const roles = resourcesOf(t, 'AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName.endsWith('-pods'));
    expect(roles).toHaveLength(1);
    return roles[0][1].Properties;
  };

  test('objects parse back: the secret once, each JSON key a file through jmesPath (quoted when not an identifier), in the stack\'s region', () => {
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

  test('IRSA through the stack: the role trusts the pods\' ServiceAccount only and reads exactly the stack\'s secret; the ServiceAccount carries it', () => {
    const role = podRole(template(awsFiles, 'staging'));
    expect(role.RoleName).toBe('aragora-staging-pods');
    const issuer = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::210987654321:oidc-provider/${issuer}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuer}:sub`]: 'system:serviceaccount:aragora-staging:aragora', [`${issuer}:aud`]: 'sts.amazonaws.com' } },
      },
    ]);
    expect(role.Policies).toEqual([
      {
        PolicyName: 'read-secrets',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'ReadSecretsManagerSecrets', Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: [{ Ref: 'SecretAragoraApiKeys' }] }],
        },
      },
    ]);
    expect(resourcesOf(template(awsFiles, 'staging'), 'AWS::EKS::PodIdentityAssociation')).toEqual([]);
    expect(find(manifests(awsFiles, 'staging'), 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::210987654321:role/aragora-staging-pods' });
    const report = file(awsFiles, 'staging/SECRETS.md');
    expect(report).toContain("AWS CSI provider: reads `aragora/api-keys` as the pods' ServiceAccount `aragora-staging/aragora`, IAM role arn:aws:iam::210987654321:role/aragora-staging-pods (IRSA); that role may read exactly these");
    expect(report).toContain('written in stack aragora-staging-secrets (aws/aragora-staging-secrets.template.json)');
    expect(report).toContain('AWS: IAM role `aragora-staging-pods` (stack `aragora-staging-secrets`), which ServiceAccount `aragora-staging/aragora` through IRSA');
    expect(runChecks(RULES, { tree: parseTree(awsFiles), facts: factsOf(resolvePlan(parseConfigFile(AWS_EXAMPLE))) })).toEqual([]);
  });

  test('EKS Pod Identity through the stack: the role trusts that cluster\'s pods of the one ServiceAccount (session tags), and the stack makes the association', () => {
    const t = template(awsFiles, 'prod');
    const role = podRole(t);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'aragora-prod', 'aws:RequestTag/kubernetes-namespace': 'aragora-prod', 'aws:RequestTag/kubernetes-service-account': 'aragora' } },
      },
    ]);
    const associations = resourcesOf(t, 'AWS::EKS::PodIdentityAssociation');
    expect(associations).toHaveLength(1);
    expect(associations[0][1].Properties).toMatchObject({ ClusterName: 'aragora-prod', Namespace: 'aragora-prod', ServiceAccount: 'aragora', RoleArn: { 'Fn::GetAtt': ['PodReaderRole', 'Arn'] } });
    expect(find(manifests(awsFiles, 'prod'), 'ServiceAccount').metadata.annotations).toBeUndefined();
    expect(file(awsFiles, 'prod/SECRETS.md')).toContain('ServiceAccount `aragora-prod/aragora` of EKS cluster `aragora-prod` through EKS Pod Identity');
    expect(awsFiles.filter((f) => f.path.includes('/vault/'))).toEqual([]);
  });

  test('a secret kept in Parameter Store is mounted whole as an ssmparameter object, and the role reads that parameter with ssm:GetParameters', () => {
    const c = awsConfig();
    (c.environments.staging as any).aws.parameterStore = { secrets: ['STRIPE_SECRET_KEY'] };
    const all = synthOf(c);
    const spc = find(manifests(all, 'staging'), 'SecretProviderClass');
    expect(parse(spc.spec.parameters.objects)).toEqual([
      { objectName: 'aragora/api-keys', objectType: 'secretsmanager', jmesPath: [{ path: 'anthropic', objectAlias: 'ANTHROPIC_API_KEY' }, { path: 'openai', objectAlias: 'OPENAI_API_KEY' }] },
      { objectName: '/aragora/stripe-secret-key', objectType: 'ssmparameter', objectAlias: 'STRIPE_SECRET_KEY' },
    ]);
    const statements = podRole(template(all, 'staging')).Policies[0].PolicyDocument.Statement;
    expect(statements.map((st: any) => [st.Sid, st.Action])).toEqual([
      ['ReadSecretsManagerSecrets', ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']],
      ['ReadParameters', ['ssm:GetParameters']],
    ]);
    expect(JSON.stringify(statements[1].Resource)).toContain('parameter/aragora/stripe-secret-key');
  });

  test('a role made elsewhere (roleArn): the ServiceAccount carries it, the stack makes none, the report says nothing grants it here', () => {
    const c = awsConfig();
    const staging = c.environments.staging as any;
    staging.delivery.aws = { identity: 'irsa', roleArn: 'arn:aws:iam::210987654321:role/made-elsewhere' };
    delete staging.aws;
    const all = synthOf(c);
    expect(find(manifests(all, 'staging'), 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::210987654321:role/made-elsewhere' });
    expect(all.filter((f) => f.path.startsWith('staging/aws/'))).toEqual([]);
    expect(find(manifests(all, 'staging'), 'SecretProviderClass').spec.parameters.region).toBeUndefined();
    expect(file(all, 'staging/SECRETS.md')).toContain('IAM role `arn:aws:iam::210987654321:role/made-elsewhere` (IRSA); that role must allow secretsmanager:GetSecretValue on exactly these secrets (it is not written here)');
  });

  test('config it refuses: no role at all, a role twice, the other identity\'s fields, the stack missing, a provider of another account, two roles on one ServiceAccount, a secret the stack does not keep', () => {
    const change = (mutate: (d: any, c: any) => void) => {
      const c = awsConfig();
      mutate(c.environments.staging.delivery, c);
      return messages(c);
    };
    expect(change((d) => delete d.aws.oidcProvider)).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws: with IRSA the pods' ServiceAccount must carry an IAM role/)]);
    expect(change((d) => (d.aws.roleArn = 'arn:aws:iam::210987654321:role/x'))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.oidcProvider: roleArn names a role made elsewhere and oidcProvider asks/)]);
    expect(change((_d, c) => delete c.environments.staging.aws)).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.oidcProvider: the role is made by the environment's AWS stack, and environments\.staging\.aws is missing/)]);
    expect(change((d) => (d.aws.clusterName = 'x'))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.clusterName: clusterName names the cluster of an EKS Pod Identity association; with IRSA/)]);
    expect(change((d) => (d.aws.oidcProvider = d.aws.oidcProvider.replace('210987654321', '123456789012')))).toEqual([
      expect.stringMatching(/^environments\.staging\.delivery\.aws\.oidcProvider: the OIDC provider is in account 123456789012, the stack's role in 210987654321/),
    ]);
    expect(change((d) => (d.aws.region = 'eu-west-1'))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.aws\.region: the environment's AWS stack keeps the secrets in us-east-1/)]);
    expect(change((d, c) => (c.environments.staging.aws.appCustody = { oidcProvider: d.aws.oidcProvider }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^environments\.staging\.delivery\.aws\.oidcProvider: the application's ServiceAccount already assumes the role of environments\.staging\.aws\.appCustody/)]),
    );
    expect(change((_d, c) => (c.environments.staging.aws = { ...c.environments.staging.aws, secretsManager: { secrets: ['OPENAI_API_KEY'] } }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^environments\.staging\.aws: ANTHROPIC_API_KEY is mounted by the AWS CSI provider, but the environment's AWS stack keeps it in no store/)]),
    );
    const prod = (mutate: (d: any, c: any) => void) => {
      const c = awsConfig();
      mutate(c.environments.prod.delivery, c);
      return messages(c);
    };
    expect(prod((d) => delete d.aws.clusterName)).toEqual([expect.stringMatching(/^environments\.prod\.delivery\.aws: the environment's AWS stack keeps the secrets: it makes the pods' role and their EKS Pod Identity association once it knows the cluster/)]);
    expect(prod((_d, c) => delete c.environments.prod.aws)).toEqual([expect.stringMatching(/^environments\.prod\.delivery\.aws\.clusterName: the role and the association are made by the environment's AWS stack/)]);
    expect(prod((d) => (d.aws.roleArn = 'arn:aws:iam::123456789012:role/x'))).toEqual([expect.stringMatching(/^environments\.prod\.delivery\.aws\.roleArn: with EKS Pod Identity the role comes from the association/)]);
    expect(prod((d) => (d.aws.oidcProvider = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X'))).toEqual([expect.stringMatching(/^environments\.prod\.delivery\.aws\.oidcProvider: with EKS Pod Identity no OIDC provider is involved/)]);
    expect(change((d) => (d.vault = { address: 'https://v:8200' }))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.vault: the vault block does nothing with provider aws/)]);
    expect(change((_d, c) => (c.secrets.OPENAI_API_KEY.remote = { key: 'aragora/api keys', property: 'openai' }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^secrets\.OPENAI_API_KEY\.remote\.key: .*cannot be a Secrets Manager secret name/)]),
    );
  });

  test('hostile identity fields: a cluster name or provider ARN that would reach the template or a shell is refused by the schema', () => {
    const paths = (mutate: (d: any) => void) => {
      const c = awsConfig();
      mutate(c.environments.prod.delivery);
      return problemsOf(c).map((p) => p.path);
    };
    expect(paths((d) => (d.aws.clusterName = 'prod; aws iam delete-role'))).toEqual(['environments.prod.delivery.aws.clusterName']);
    expect(paths((d) => (d.aws.clusterName = '${AWS::AccountId}'))).toEqual(['environments.prod.delivery.aws.clusterName']);
    const staging = awsConfig();
    (staging.environments.staging.delivery as any).aws.oidcProvider = 'arn:aws:iam::210987654321:oidc-provider/evil"}, "Principal": "*';
    expect(problemsOf(staging).map((p) => p.path)).toEqual(['environments.staging.delivery.aws.oidcProvider']);
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
  const RUNTIME = 'aragora-secrets@aragora-prod.iam.gserviceaccount.com';

  test('secrets parse back: the environment\'s secret IDs and versions, a file named after each variable; Workload Identity on the pods\' ServiceAccount', () => {
    const spc = find(manifests(gcpFiles, 'prod'), 'SecretProviderClass');
    expect(spc.spec.provider).toBe('gcp');
    expect(parse(spc.spec.parameters.secrets)).toEqual(
      ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY'].map((env) => ({ resourceName: `projects/aragora-prod/secrets/app-${env.toLowerCase().replace(/_/g, '-')}/versions/latest`, fileName: env })),
    );
    expect(find(manifests(gcpFiles, 'prod'), 'ServiceAccount').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': RUNTIME });
    expect(file(gcpFiles, 'prod/SECRETS.md')).toContain(`which acts as \`${RUNTIME}\` (Workload Identity); that Google service account has roles/secretmanager.secretAccessor on exactly these secrets and the pods' ServiceAccount roles/iam.workloadIdentityUser on it (gcp/setup.sh)`);
    expect(runChecks(RULES, { tree: parseTree(gcpFiles), facts: factsOf(resolvePlan(parseConfigFile(GCP_EXAMPLE))) })).toEqual([]);
  });

  test('setup.sh grants the runtime service account each secret and binds the pods\' ServiceAccount to it (the cluster project\'s pool)', () => {
    const script = file(gcpFiles, 'prod/gcp/setup.sh');
    for (const id of ['app-anthropic-api-key', 'app-openai-api-key', 'app-supabase-key']) {
      expect(script).toContain(`gcloud secrets add-iam-policy-binding ${id} --project=aragora-prod \\\n    --member=serviceAccount:${RUNTIME} --role=roles/secretmanager.secretAccessor`);
    }
    expect(script).toContain(`gcloud iam service-accounts add-iam-policy-binding ${RUNTIME} --project=aragora-prod \\\n    --role=roles/iam.workloadIdentityUser --member='serviceAccount:aragora-prod.svc.id.goog[aragora-prod/aragora]' --condition=None`);
    const c = gcpConfig();
    (c.environments.prod.delivery as any).gcp = { clusterProject: 'aragora-gke' };
    expect(file(synthOf(c), 'prod/gcp/setup.sh')).toContain("--member='serviceAccount:aragora-gke.svc.id.goog[aragora-prod/aragora]'");
  });

  test('with Config Connector the binding is an IAMPolicyMember on the runtime service account', () => {
    const c = gcpConfig();
    (c.environments.prod as any).gcp.configConnector = true;
    const members = manifests(synthOf(c), 'prod').filter((o: any) => o.kind === 'IAMPolicyMember' && o.spec.role === 'roles/iam.workloadIdentityUser');
    expect(members.map((m: any) => [m.metadata.name, m.spec.member, m.spec.resourceRef.kind, m.spec.resourceRef.external])).toEqual([
      ['aragora-pods-workload-identity', 'serviceAccount:aragora-prod.svc.id.goog[aragora-prod/aragora]', 'IAMServiceAccount', `projects/aragora-prod/serviceAccounts/${RUNTIME}`],
    ]);
  });

  test('without the environment\'s gcp block the options name the project and service account, and the report says the grants are not written here', () => {
    const c = gcpConfig();
    delete (c.environments.prod as any).gcp;
    (c.environments.prod.delivery as any).gcp = { project: 'aragora-other', serviceAccount: 'reader@aragora-other.iam.gserviceaccount.com', secretPrefix: 'x-', version: '3' };
    const all = synthOf(c);
    expect(parse(find(manifests(all, 'prod'), 'SecretProviderClass').spec.parameters.secrets)[0]).toEqual({ resourceName: 'projects/aragora-other/secrets/x-anthropic-api-key/versions/3', fileName: 'ANTHROPIC_API_KEY' });
    expect(find(manifests(all, 'prod'), 'ServiceAccount').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'reader@aragora-other.iam.gserviceaccount.com' });
    expect(all.filter((f) => f.path.startsWith('prod/gcp/'))).toEqual([]);
    expect(file(all, 'prod/SECRETS.md')).toContain('(not written here)');
  });

  test('config it refuses: nothing names the reader, a reader or project other than the environment\'s, the secrets named twice, values that are none', () => {
    const change = (mutate: (d: any, c: any) => void) => {
      const c = gcpConfig();
      mutate(c.environments.prod.delivery, c);
      return problemsOf(c).map((p) => p.path);
    };
    expect(change((_d, c) => delete c.environments.prod.gcp)).toEqual(['environments.prod.delivery']);
    expect(change((d) => (d.gcp = { serviceAccount: 'other@aragora-prod.iam.gserviceaccount.com' }))).toEqual(['environments.prod.delivery.gcp.serviceAccount']);
    expect(change((d) => (d.gcp = { project: 'aragora-other' }))).toEqual(['environments.prod.delivery.gcp.project']);
    expect(change((d) => (d.gcp = { secretPrefix: 'x-', version: '2' }))).toEqual(['environments.prod.delivery.gcp.secretPrefix', 'environments.prod.delivery.gcp.version']);
    expect(change((d, c) => ((d.gcp = { clusterProject: 'aragora-gke', project: 'aragora-prod', serviceAccount: RUNTIME }), delete c.environments.prod.gcp))).toEqual(['environments.prod.delivery.gcp.clusterProject']);
    expect(change((d) => (d.gcp = { project: 'Aragora Prod' }))).toEqual(['environments.prod.delivery.gcp.project']);
    expect(change((d) => (d.gcp = { serviceAccount: 'someone@gmail.com' }))).toEqual(['environments.prod.delivery.gcp.serviceAccount']);
    expect(change((d) => (d.gcp = { clusterProject: "x'; gcloud projects delete" }))).toEqual(['environments.prod.delivery.gcp.clusterProject']);
  });

  test('csi-provider-parameters reads the Google shape: a resource name that is not a secret version', () => {
    const bad = edit(gcpFiles, SPC, (o) => (o.spec.parameters.secrets = stringify([{ resourceName: 'projects/aragora-prod/secrets/x', fileName: 'ANTHROPIC_API_KEY' }])));
    expect(ruleFindings(bad, 'csi-provider-parameters', gcpConfig()).map((f) => [f.location, f.message])).toEqual([
      ['spec.parameters.secrets', expect.stringContaining("item 0's resourceName is not projects/<project>/secrets/<secret>/versions/<version>")],
    ]);
  });
});
