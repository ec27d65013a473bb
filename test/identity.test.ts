import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../src/core/errors';
import { parseConfigFile } from '../src/config/load';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import type { OutputFile } from '../src/core/output-file';
import { synthesizeProject } from '../src/synth';
import { configWith, find, findAll, Manifest, manifests, synth } from './helpers';
import { validateManifests } from './support/manifest-validation';
import { spawnCli } from './support/cli';
import { integration } from './support/tiers';

// A deprecated aws-cdk-lib API fails every AWS synth of the suite.
process.env.JSII_DEPRECATED = 'fail';

const EXAMPLES = resolve(__dirname, '..', 'examples');

function example(name: string): AragoraSecretsConfig {
  return parseConfigFile(join(EXAMPLES, name));
}

/** Synth as `cdk8s synth` runs it, with the config in $ARAGORA_SECRETS_CONFIG: leak guard and pitfall rules included. */
function synthFile(path: string) {
  return synthesizeProject({ cwd: mkdtempSync(join(tmpdir(), 'aragora-examples-')), env: { ARAGORA_SECRETS_CONFIG: path } });
}

function synthConfig(config: AragoraSecretsConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-identity-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  return synthesizeProject({ cwd: dir, env: {} });
}

function problemsOf(config: AragoraSecretsConfig): { path: string; message: string; fix?: string }[] {
  try {
    validateConfig(config, 't');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(({ path, message, fix }) => ({ path, message, fix }));
    throw e;
  }
}

function template(files: readonly OutputFile[], env = 'prod'): any {
  return JSON.parse(files.find((f) => f.path.startsWith(`${env}/aws/`) && f.path.endsWith('.template.json'))!.content);
}

describe('examples/: every example synthesizes as `cdk8s synth` would, clean', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

  test('the AWS and GCP identity examples are there', () => {
    expect(files).toEqual(expect.arrayContaining(['aws-eso.yaml', 'gcp-eso.yaml']));
  });

  test.each(files)('%s: no value reaches the output, even with every value in the environment', (file) => {
    // The identity files (ServiceAccount, gcloud script) carry names and ARNs only; the leak guard proves it.
    const values = {
      ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'Q'.repeat(40) + 'x7_Zk2-' + 'w'.repeat(40),
      OPENAI_API_KEY: 'sk-proj-' + 'R4nd0mL00k1ng'.repeat(4),
      SUPABASE_KEY: 'sb-secret-Zq3xL0p9Vb7nM2kR8tW4yH6j',
      ARAGORA_JWT_SECRET: 'c0rR3ct-h0rse-b4ttery-st4ple-jwt-s1gning-k3y-2024',
    };
    const result = synthesizeProject({ cwd: mkdtempSync(join(tmpdir(), 'aragora-examples-')), env: { ARAGORA_SECRETS_CONFIG: join(EXAMPLES, file), ...values } });
    const all = result.files.map((f) => f.content).join('\n');
    for (const value of Object.values(values)) expect(all).not.toContain(value);
  });

  test.each(files)('%s: no warning, no pitfall, every manifest valid, deterministic', (file) => {
    const result = synthFile(join(EXAMPLES, file));
    expect(result.warnings).toEqual([]);
    const envs = [...new Set(result.files.map((f) => f.path.split('/')[0]))];
    const objects = envs.flatMap((env) => manifests(result.files, env));
    expect(objects.length).toBeGreaterThan(0);
    expect(validateManifests(objects)).toEqual([]);
    expect(synthFile(join(EXAMPLES, file)).files).toEqual(result.files);
  });
});

describe('one identity chain (examples/aws-eso.yaml): role, ServiceAccount and store name the same identity', () => {
  const config = example('aws-eso.yaml');
  const { files } = synthFile(join(EXAMPLES, 'aws-eso.yaml'));
  const objects = manifests(files, 'prod');
  const cfn = template(files);
  const role = cfn.Resources.ExternalSecretsRole;
  const serviceAccount = find(objects, 'ServiceAccount', 'aragora-external-secrets');
  const store = find(objects, 'SecretStore', 'aws-secrets');
  const externalSecret = find(objects, 'ExternalSecret', 'aragora-secrets');
  const oidcProvider = config.environments.prod.aws!.eso!.oidcProvider;
  const issuer = oidcProvider.slice(oidcProvider.indexOf(':oidc-provider/') + ':oidc-provider/'.length);

  test('the trust policy admits exactly that ServiceAccount\'s tokens, for STS, from the cluster\'s OIDC provider', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProvider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${serviceAccount.metadata.namespace}:${serviceAccount.metadata.name}`,
            [`${issuer}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ]);
  });

  test('the ServiceAccount carries that role\'s ARN and mounts no token (ESO requests one)', () => {
    expect(serviceAccount.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${config.environments.prod.aws!.account}:role/${role.Properties.RoleName}` });
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(serviceAccount.metadata.labels?.['app.kubernetes.io/instance']).toBe('aragora-prod');
  });

  test('the store authenticates as that ServiceAccount, in the stack\'s region, and the ExternalSecret reads through it', () => {
    expect(store.spec.provider.aws.auth).toEqual({ jwt: { serviceAccountRef: { name: serviceAccount.metadata.name } } });
    // A SecretStore's ServiceAccount is in the store's namespace.
    expect(store.metadata.namespace).toBe(serviceAccount.metadata.namespace);
    expect(store.spec.provider.aws.region).toBe(config.environments.prod.aws!.region);
    expect(externalSecret.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: store.metadata.name });
  });

  test('the role may read exactly the Secrets Manager secret the ExternalSecret reads', () => {
    const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    const granted = statements.flatMap((s: any) => s.Resource).map((r: any) => cfn.Resources[r.Ref].Properties.Name);
    expect([...new Set(externalSecret.spec.data.map((d: any) => d.remoteRef.key))]).toEqual(granted);
  });

  test('derived once: the plan hands the same role object to the AWS stack and to the identity', () => {
    const prod = resolvePlan(config).environments.find((e) => e.name === 'prod')!;
    expect(prod.esoIdentity?.aws?.role).toBe(prod.aws?.eso);
    expect(prod.esoIdentity?.aws?.serviceAccount).toMatchObject({ name: 'aragora-external-secrets', namespace: 'aragora-prod', create: true });
  });

  test('the same chain as a ClusterSecretStore, with the ServiceAccount in ESO\'s namespace', () => {
    const cluster = structuredClone(config);
    cluster.stores!['aws-secrets'].kind = 'ClusterSecretStore';
    cluster.environments.prod.aws!.eso!.serviceAccount = { namespace: 'external-secrets', name: 'aragora-prod-eso', create: true };
    const out = synthConfig(cluster);
    const objs = manifests(out.files, 'prod');
    const sa = find(objs, 'ServiceAccount', 'aragora-prod-eso');
    expect(sa.metadata.namespace).toBe('external-secrets');
    // Outside the environment's namespace: the app's labels only, like the ClusterSecretStore.
    expect(sa.metadata.labels?.['app.kubernetes.io/instance']).toBeUndefined();
    expect(find(objs, 'ClusterSecretStore', 'aws-secrets').spec.provider.aws.auth).toEqual({ jwt: { serviceAccountRef: { name: 'aragora-prod-eso', namespace: 'external-secrets' } } });
    const trust = template(out.files).Resources.ExternalSecretsRole.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Condition.StringEquals[`${issuer}:sub`]).toBe('system:serviceaccount:external-secrets:aragora-prod-eso');
    expect(validateManifests(objs)).toEqual([]);
  });

  test('an auth written by hand that names the same ServiceAccount is accepted and changes nothing', () => {
    const explicit = structuredClone(config);
    (explicit.stores!['aws-secrets'] as any).auth = { jwt: { serviceAccountRef: { name: 'aragora-external-secrets' } } };
    expect(synthConfig(explicit).files).toEqual(files);
  });

  test('without `create`, the ServiceAccount is left to the user; the store still names it', () => {
    const existing = structuredClone(config);
    delete existing.environments.prod.aws!.eso!.serviceAccount;
    const objs = manifests(synthConfig(existing).files, 'prod');
    expect(findAll(objs, 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['aragora']);
    expect(find(objs, 'SecretStore', 'aws-secrets').spec.provider.aws.auth.jwt.serviceAccountRef).toEqual({ name: 'aragora-external-secrets' });
  });
});

describe('a mismatch between the links is a config error naming both paths', () => {
  const base = example('aws-eso.yaml');
  const variant = (mutate: (c: AragoraSecretsConfig, store: any) => void) => {
    const c = structuredClone(base);
    mutate(c, c.stores!['aws-secrets']);
    return problemsOf(c);
  };

  test.each<[string, (c: AragoraSecretsConfig, store: any) => void, string, RegExp, RegExp]>([
    [
      'the store names another ServiceAccount',
      (_c, s) => (s.auth = { jwt: { serviceAccountRef: { name: 'eso' } } }),
      'stores.aws-secrets.auth.jwt.serviceAccountRef',
      /names ServiceAccount aragora-prod\/eso, but the IRSA role of environments\.prod\.aws\.eso trusts ServiceAccount aragora-prod\/aragora-external-secrets \(environments\.prod\.aws\.eso\.serviceAccount\)/,
      /remove stores\.aws-secrets\.auth \(it is derived from environments\.prod\.aws\.eso\)/,
    ],
    [
      'the store uses static credentials',
      (_c, s) => (s.auth = { secretRef: { accessKeyIDSecretRef: { name: 'aws', key: 'id' }, secretAccessKeySecretRef: { name: 'aws', key: 'secret' } } }),
      'stores.aws-secrets.auth.secretRef',
      /authenticates with static credentials, but the IRSA role of environments\.prod\.aws\.eso trusts/,
      /or remove environments\.prod\.aws\.eso/,
    ],
    ['the store is in another region', (_c, s) => (s.region = 'eu-west-1'), 'stores.aws-secrets.region', /"eu-west-1", but environments\.prod\.aws\.region .* is "us-east-1"/, /use us-east-1 in both/],
    [
      'the store assumes the IRSA role again',
      (_c, s) => (s.role = 'arn:aws:iam::123456789012:role/aragora-prod-external-secrets'),
      'stores.aws-secrets.role',
      /is the IRSA role itself/,
      /remove stores\.aws-secrets\.role/,
    ],
    [
      'a SecretStore with a ServiceAccount of another namespace',
      (c) => (c.environments.prod.aws!.eso!.serviceAccount = { namespace: 'external-secrets' }),
      'environments.prod.aws.eso.serviceAccount.namespace',
      /store "aws-secrets" is a SecretStore: it can only authenticate as a ServiceAccount of its own namespace \(aragora-prod\)/,
      /make stores\.aws-secrets kind: ClusterSecretStore/,
    ],
    [
      'the application\'s own ServiceAccount',
      (c) => (c.environments.prod.aws!.eso!.serviceAccount = { name: 'aragora' }),
      'environments.prod.aws.eso.serviceAccount.name',
      /"aragora" is the application's ServiceAccount: its pods would obtain the ESO role/,
      /give ESO its own ServiceAccount/,
    ],
    [
      'a ClusterSecretStore whose ServiceAccount has no namespace',
      (_c, s) => Object.assign(s, { kind: 'ClusterSecretStore', auth: { jwt: { serviceAccountRef: { name: 'aragora-external-secrets' } } } }),
      'stores.aws-secrets.auth.jwt.serviceAccountRef.namespace',
      /a ClusterSecretStore must name the namespace of its ServiceAccount/,
      /add "namespace"/,
    ],
  ])('%s', (_name, mutate, path, message, fix) => {
    const problems = variant(mutate);
    expect(problems.map((p) => p.path)).toContain(path);
    const problem = problems.find((p) => p.path === path)!;
    expect(problem.message).toMatch(message);
    expect(problem.fix).toMatch(fix);
  });

  test('a shared ClusterSecretStore without auth would come out differently per environment', () => {
    const problems = variant((c, s) => {
      s.kind = 'ClusterSecretStore';
      c.environments.staging = { namespace: 'aragora-staging', tier: 'staging', delivery: { method: 'external', store: 'aws-secrets' }, workload: { strictMode: { enabled: false, reason: 'values as env' } } };
      c.environments.prod.aws!.eso!.serviceAccount = { namespace: 'external-secrets', name: 'eso' };
    });
    expect(problems).toContainEqual({
      path: 'stores.aws-secrets.auth',
      message: 'ClusterSecretStore "aws-secrets" would authenticate differently per environment (prod: ServiceAccount external-secrets/eso; staging: the controller\'s own credentials), but it is one object in the cluster',
      fix: 'give each environment its own store (one store shared by environments reads all of their secrets, which the guard rail environment-isolation refuses)',
    });
  });

  test('one ServiceAccount created by two environments for two roles', () => {
    const problems = variant((c) => {
      c.environments.staging = structuredClone(c.environments.prod);
      c.environments.staging.namespace = 'aragora-staging';
      c.environments.staging.tier = 'staging';
      c.environments.staging.aws!.account = '210987654321';
      c.environments.staging.aws!.eso!.oidcProvider = c.environments.prod.aws!.eso!.oidcProvider.replace('123456789012', '210987654321');
      c.stores!['aws-secrets'].kind = 'ClusterSecretStore';
      for (const env of ['prod', 'staging']) c.environments[env].aws!.eso!.serviceAccount = { namespace: 'external-secrets', name: 'eso', create: true };
      c.stores!['aws-secrets'] = { ...c.stores!['aws-secrets'], auth: { jwt: { serviceAccountRef: { name: 'eso', namespace: 'external-secrets' } } } } as any;
    });
    expect(problems.map((p) => p.path)).toContain('environments.staging.aws.eso.serviceAccount.create');
    expect(problems.find((p) => p.path === 'environments.staging.aws.eso.serviceAccount.create')!.message).toMatch(
      /ServiceAccount external-secrets\/eso would be emitted twice with different meanings \(also by environments\.prod\.aws\.eso\.serviceAccount\.create: eks\.amazonaws\.com\/role-arn=arn:aws:iam::123456789012:role\/aragora-prod-external-secrets\)/,
    );
  });
});

describe('a reader identity is emitted only when something in the output uses it', () => {
  test('the embedded default: prod (delivered by Vault) has no ESO identity, no IRSA role and no ServiceAccount for one', () => {
    const plan = resolvePlan(validateConfig(configWith(), 'default'));
    for (const env of plan.environments) expect(env.esoIdentity).toBeUndefined();
    expect(plan.environments.find((e) => e.name === 'prod')!.aws?.eso).toBeUndefined();
    const files = synth();
    expect(findAll(manifests(files, 'prod'), 'ServiceAccount').map((o: Manifest) => o.metadata.name)).toEqual(['aragora']);
    expect(Object.keys(template(files).Resources).filter((id) => template(files).Resources[id].Type === 'AWS::IAM::Role').sort()).toEqual(['EcsExecutionRole', 'EcsTaskRole']);
  });

  integration.test('an ESO role in an environment whose delivery reads no aws store is refused through the CLI, with the fix; nothing written', () => {
    // GIVEN the default with an IRSA role for prod, which Vault delivers: the role would read every prod secret, unused
    const config = configWith((c) => {
      c.environments.prod.aws!.eso = { oidcProvider: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE' };
      c.environments.staging.aws = { account: '123456789012', region: 'us-east-1', secretsManager: {}, eso: { oidcProvider: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE' } };
    });
    const dir = mkdtempSync(join(tmpdir(), 'aragora-identity-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    // WHEN synth runs
    const run = spawnCli(dir, ['synth']);
    // THEN both environments are named, with what uses the role (nothing) and how to fix it
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.prod\.aws\.eso .*no store of environment prod authenticates as this IRSA role \(its delivery is vault\): the role could read every secret of the stack while nothing in the output uses it/);
    expect(run.stderr).toMatch(/fix: remove environments\.prod\.aws\.eso, or deliver through an aws store/);
    expect(run.stderr).toMatch(/environments\.staging\.aws\.eso .*\(its external delivery reads store "vault-backend" \(provider vault\)\)/);
    expect(readdirSync(dir)).toEqual(['aragora-secrets.yaml']);
  });
});

describe('GKE Workload Identity (examples/gcp-eso.yaml): store, ServiceAccount and binding name the same identity', () => {
  const config = example('gcp-eso.yaml');
  const { files } = synthFile(join(EXAMPLES, 'gcp-eso.yaml'));
  const objects = manifests(files, 'prod');
  const serviceAccount = find(objects, 'ServiceAccount', 'aragora-external-secrets');
  const store = find(objects, 'SecretStore', 'gcp-secrets');
  const script = files.find((f) => f.path === 'prod/gcp/eso-workload-identity.sh')!.content;
  const wi = (config.stores!['gcp-secrets'] as any).auth.workloadIdentity;

  test('the store\'s ServiceAccount is emitted, annotated with the Google service account', () => {
    expect(store.spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef).toEqual({ name: serviceAccount.metadata.name });
    expect(store.metadata.namespace).toBe(serviceAccount.metadata.namespace);
    expect(serviceAccount.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': wi.gcpServiceAccount });
    // The ESO CRD has no field for it: only the annotation carries the Google service account.
    expect(JSON.stringify(store)).not.toContain('gcpServiceAccount');
  });

  integration.test('the binding grants workloadIdentityUser to exactly that ServiceAccount, and read access to exactly the secrets read', () => {
    const member = `serviceAccount:${wi.clusterProjectID}.svc.id.goog[${serviceAccount.metadata.namespace}/${serviceAccount.metadata.name}]`;
    expect(script).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${wi.gcpServiceAccount} \\\n  --project=aragora-secrets-prod --role=roles/iam.workloadIdentityUser \\\n  --member='${member}' --condition=None`,
    );
    const es = find(objects, 'ExternalSecret', 'aragora-secrets');
    const read = [...new Set(es.spec.data.map((d: any) => d.remoteRef.key))];
    const granted = [...script.matchAll(/gcloud secrets add-iam-policy-binding (\S+) \\\n {2}--project=aragora-secrets-prod --role=roles\/secretmanager\.secretAccessor \\\n {2}--member=serviceAccount:eso-reader@aragora-secrets-prod\.iam\.gserviceaccount\.com --condition=None/g)].map((m) => m[1]);
    expect(granted).toEqual(read);
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
  });

  test('without clusterProjectID the pool is the store\'s project; without create, the script says how to annotate', () => {
    const c = structuredClone(config);
    const w = (c.stores!['gcp-secrets'] as any).auth.workloadIdentity;
    delete w.clusterProjectID;
    delete w.createServiceAccount;
    const out = synthConfig(c);
    const s = out.files.find((f) => f.path === 'prod/gcp/eso-workload-identity.sh')!.content;
    expect(s).toContain("--member='serviceAccount:aragora-secrets-prod.svc.id.goog[aragora-prod/aragora-external-secrets]'");
    expect(s).toContain('kubectl -n aragora-prod annotate serviceaccount aragora-external-secrets iam.gke.io/gcp-service-account=eso-reader@aragora-secrets-prod.iam.gserviceaccount.com');
    expect(findAll(manifests(out.files, 'prod'), 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['aragora']);
  });

  test('creating the ServiceAccount without a Google service account is a config error', () => {
    const c = structuredClone(config);
    delete (c.stores!['gcp-secrets'] as any).auth.workloadIdentity.gcpServiceAccount;
    expect(problemsOf(c)).toContainEqual(expect.objectContaining({ path: 'stores.gcp-secrets.auth.workloadIdentity.createServiceAccount' }));
  });
});
