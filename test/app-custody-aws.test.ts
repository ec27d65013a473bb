import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { configWithAws, FULL_AWS, resourcesOf, synthAws, templateOf } from './aws-helpers';
import { find, manifests, synth } from './helpers';
import { validateConfig } from '../src/config/validate';
import { spawnCli, STACK_LINE } from './support/cli';
import { stubWorld } from './support/stub-clis';
import { integration } from './support/tiers';

/**
 * What the Aragora server's loader does with a Secrets Manager value (aragora/config/secrets.py @ 02e677af,
 * `_load_from_aws`), written from its rules for this test: the SecretString must be text holding a JSON object whose
 * every key and value is a string; anything else voids the whole secret ({}). Keys are read by variable name.
 */
function appReads(secretString: unknown): Record<string, string> {
  if (typeof secretString !== 'string') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const entries = Object.entries(parsed);
  return entries.every(([, v]) => typeof v === 'string') ? Object.fromEntries(entries as [string, string][]) : {};
}

const prodAws = structuredClone(DEFAULT_CONFIG.environments.prod.aws!);
const withAppCustody = { ...prodAws, appCustody: {} };

describe("the application's own Secrets Manager read (aws.appCustody)", () => {
  const files = synthAws(withAppCustody);
  const { json } = templateOf(files);

  test('the reader applies the rules: one value that is not a string voids the secret', () => {
    expect(appReads('{"A":"x","B":"y"}')).toEqual({ A: 'x', B: 'y' });
    expect(appReads('{"A":"x","B":1}')).toEqual({});
    expect(appReads('{"A":{"nested":"x"}}')).toEqual({});
    expect(appReads('["x"]')).toEqual({});
    expect(appReads('not json')).toEqual({});
  });

  test('one secret named as the application expects, keyed by variable name, replicated to its fallback region', () => {
    const secrets = Object.values(resourcesOf(json, 'AWS::SecretsManager::Secret'));
    expect(secrets.map((s: any) => s.Properties.Name)).toEqual(['aragora/production']);
    const secret: any = secrets[0];
    // Stack in us-east-1: the application falls back to us-east-2, then us-east-1 itself.
    expect(secret.Properties.ReplicaRegions).toEqual([expect.objectContaining({ Region: 'us-east-2' })]);
    expect(secret.Properties.GenerateSecretString.GenerateStringKey).toBe('ARAGORA_JWT_SECRET');
  });

  test('the ECS task: the task role reads exactly that secret (and its replica), the critical values are not passed as env', () => {
    const task: any = Object.values(resourcesOf(json, 'AWS::ECS::TaskDefinition'))[0];
    const container = task.Properties.ContainerDefinitions[0];
    const environment = Object.fromEntries(container.Environment.map((e: any) => [e.Name, e.Value]));
    expect(environment).toEqual({
      ARAGORA_ENV: 'production',
      ARAGORA_SECRETS_STRICT: 'false',
      ARAGORA_SECRET_NAME: 'aragora/production',
      ARAGORA_SECRET_REGIONS: 'us-east-2',
      ARAGORA_USE_SECRETS_MANAGER: 'true',
      AWS_REGION: 'us-east-1',
    });
    expect(container.Secrets.map((s: any) => s.Name)).toEqual(['ARAGORA_SSO_CLIENT_SECRET', 'SUPABASE_KEY']);
    const roles: any[] = Object.values(resourcesOf(json, 'AWS::IAM::Role'));
    const taskRole = roles.find((r) => r.Properties.RoleName === 'aragora-prod-ecs-task');
    const statements = taskRole.Properties.Policies[0].PolicyDocument.Statement;
    const read = statements.find((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect([read.Resource].flat()).toHaveLength(2);
    expect(JSON.stringify(read.Resource)).toContain('us-east-2');
    expect(statements.flatMap((s: any) => [s.Action].flat())).not.toContain('ssm:GetParameters');
  });

  integration.test('put-secret-values.sh writes what the application reads, by variable name', () => {
    const script = files.find((f) => f.path === 'prod/aws/put-secret-values.sh')!.content;
    const world = stubWorld();
    world.setAwsState({ account: '123456789012', secrets: { 'aragora/production': { versions: [] } }, parameters: {} });
    const values = {
      ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + 'Q'.repeat(40),
      ARAGORA_SSO_CLIENT_SECRET: 'sso "quoted" \\ ' + 'S'.repeat(10),
      STRIPE_SECRET_KEY: 'sk_live_' + 'K'.repeat(30),
      STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30),
      SUPABASE_KEY: 'eyJ' + 'J'.repeat(60),
    };
    const result = runScript(world, script, values);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const stored = world.awsState().secrets['aragora/production'].versions.at(-1);
    const read = appReads(stored);
    expect(read.ANTHROPIC_API_KEY).toBe(values.ANTHROPIC_API_KEY);
    expect(read.ARAGORA_SSO_CLIENT_SECRET).toBe(values.ARAGORA_SSO_CLIENT_SECRET);
    expect(read.STRIPE_WEBHOOK_SECRET).toBe(values.STRIPE_WEBHOOK_SECRET);
    expect(Object.keys(read)).not.toContain('anthropic');
  });

  integration.test('put-secret-values.sh refuses to write next to a value that would void the secret for the application', () => {
    const script = files.find((f) => f.path === 'prod/aws/put-secret-values.sh')!.content;
    const world = stubWorld();
    world.setAwsState({ account: '123456789012', secrets: { 'aragora/production': { versions: ['{"OPENAI_API_KEY":"x","RETRIES":3}'] } }, parameters: {} });
    const result = runScript(world, script, { ANTHROPIC_API_KEY: 'sk-ant-' + 'Z'.repeat(40), STRIPE_SECRET_KEY: 'k', STRIPE_WEBHOOK_SECRET: 'w', SUPABASE_KEY: 's', ARAGORA_SSO_CLIENT_SECRET: 'o' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('holds a value that is not a string, so the application would ignore the whole secret');
    expect(world.awsState().secrets['aragora/production'].versions).toHaveLength(1);
  });

  test('an External Secrets aws store in the same environment must read the same secret, by variable name', () => {
    // GIVEN prod reading through an ESO aws store while the application reads its own secret
    const config = configWithAws({ ...FULL_AWS, appCustody: {} });
    expect(() => validateConfig(config, 'test')).toThrow(/secrets\.ANTHROPIC_API_KEY\.remote[^\n]*key "aragora\/api-keys", property "anthropic", but [^\n]*key "aragora\/production", property "ANTHROPIC_API_KEY"/);
    // WHEN the catalog points at the application's layout, THEN both read the one secret
    for (const [name, secret] of Object.entries(config.secrets)) secret.remote = { key: 'aragora/production', property: name };
    expect(() => validateConfig(config, 'test')).not.toThrow();
  });

  integration.test.each([
    ['without secretsManager', (aws: any) => delete aws.secretsManager, /environments\.prod\.aws\.appCustody[^\n]*keeps nothing there/],
    ['a critical secret in Parameter Store', (aws: any) => (aws.parameterStore = { secrets: ['SUPABASE_KEY', 'STRIPE_SECRET_KEY'] }), /environments\.prod\.aws\.parameterStore\.secrets\[1\][^\n]*STRIPE_SECRET_KEY is critical/],
    ['a hostile secret name', (aws: any) => (aws.appCustody = { secretName: 'aragora/prod$(id)' }), /environments\.prod\.aws\.appCustody\.secretName/],
  ])('a config error (%s) names the path, exit 1, no stack trace (through the CLI)', (_what, mutate, message) => {
    const config = structuredClone(DEFAULT_CONFIG) as any;
    config.environments = { prod: config.environments.prod };
    config.environments.prod.aws = structuredClone(withAppCustody);
    mutate(config.environments.prod.aws);
    const dir = mkdtempSync(join(tmpdir(), 'aragora-app-custody-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const run = spawnCli(dir, ['check']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

function runScript(world: ReturnType<typeof stubWorld>, script: string, values: Record<string, string>) {
  const dir = join(world.dir, 'run');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'put-secret-values.sh'), script);
  return spawnSync('bash', [join(dir, 'put-secret-values.sh')], { cwd: world.dir, env: { ...world.env, HOME: world.dir, ...values }, encoding: 'utf8' });
}

describe('the Kubernetes workload reads the same secret through IRSA (aws.appCustody.oidcProvider)', () => {
  const OIDC = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
  /** prod in strict mode (no override): its critical values now come from the application's own read of Secrets Manager. */
  const strictProd = () => {
    const config = structuredClone(DEFAULT_CONFIG) as any;
    config.environments = { prod: config.environments.prod };
    delete config.environments.prod.workload.strictMode;
    config.environments.prod.aws.appCustody = { oidcProvider: OIDC };
    return config;
  };

  integration.test('check passes with prod strict: the critical secrets reach the app from Secrets Manager, the mode is printed (through the CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-irsa-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(strictProd()));
    const run = spawnCli(dir, ['check']);
    expect(run.stderr).not.toMatch(/app-strict-mode-env-secret/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('prod (production): the application runs strict (ARAGORA_ENV=production)');
  });

  test('the ServiceAccount assumes a role that reads exactly that secret; the workload is told where to read', () => {
    const files = synth(strictProd());
    const objects = manifests(files, 'prod');
    expect(find(objects, 'ServiceAccount', 'aragora').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/aragora-prod-app' });
    const env = find(objects, 'Deployment', 'aragora').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'ARAGORA_ENV', value: 'production' },
      { name: 'ARAGORA_SECRET_NAME', value: 'aragora/production' },
      { name: 'ARAGORA_SECRET_REGIONS', value: 'us-east-2' },
      { name: 'ARAGORA_USE_SECRETS_MANAGER', value: 'true' },
      { name: 'AWS_REGION', value: 'us-east-1' },
    ]);
    const { json } = templateOf(files);
    const role: any = Object.values(resourcesOf(json, 'AWS::IAM::Role')).find((r: any) => r.Properties.RoleName === 'aragora-prod-app');
    const trust = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(JSON.stringify(trust.Condition)).toContain('oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub":"system:serviceaccount:aragora-prod:aragora"');
    const actions = role.Properties.Policies[0].PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    // The stack's customer managed key, through Secrets Manager only.
    expect(actions.sort()).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    const report = files.find((f) => f.path === 'prod/SECRETS.md')!.content;
    expect(report).toContain('| application mode | strict (ARAGORA_ENV=production) |');
    expect(report).toMatch(/\| `ANTHROPIC_API_KEY` \|[^\n]*\| Secrets Manager, read by the app; critical \|/);
    // Not kept in Secrets Manager (Parameter Store): still from the environment, which strict mode allows for it.
    expect(report).toMatch(/\| `SUPABASE_KEY` \|[^\n]*\| environment variable \|/);
  });
});
