import { randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { stringify } from 'yaml';
import type { AwsConfig } from '../src/cloud/aws/schema';
import { DEFAULT_CONFIG } from '../src/config/default';
import { encodingsOf, LeakError } from '../src/output/leak-guard';
import type { OutputFile } from '../src/core/output-file';
import { synthesizeProject } from '../src/synth';
import { ACCOUNT, awsFiles, configWithAws, FULL_AWS, synthAws, templateFile } from './aws-helpers';
import { synth } from './helpers';
import { requireCurrentBuild, spawnApp } from './support/cli';
import { startFakeAwsEndpoint } from './support/fake-aws-endpoint';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

const root = resolve(__dirname, '..');

/** Realistic-looking values (shapes of the real providers' keys), planted where a developer keeps them. */
const PLANTED: Record<string, string> = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-Zq4xB7nK2mP9wR5tY8uL3cF6hJ1dS0aG-vE4iO7pQ2zX5bN8mK1jH4gF7dS0aQ3wE6rT9yU2iO5pA8sD1fG4hJ7kL0zX3cV6bN9mQ-4rT7yAA',
  OPENAI_API_KEY: 'sk-proj-Hq3Wn8Xk2Lm5Pz9Rt4Vy7Bc1Df6Gj0Km3Np8Qs2Tw5Xz9Ab4Ce7Fh1Ij6Lo0Mr3Pu8Sx2Vz5Yb9Dc4Fg7',
  OPENROUTER_API_KEY: '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',
  SUPABASE_KEY: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJzZXJ2aWNlX3JvbGUifQ.Kq9mX2pL7vN4rT8wY1zB5cF3hJ6dS0aG',
  STRIPE_SECRET_KEY: 'sk_live_51HqXk2Lm5Pz9Rt4Vy7Bc1Df6Gj0Km3Np8Qs2Tw5',
  STRIPE_WEBHOOK_SECRET: 'whsec_Lm5Pz9Rt4Vy7Bc1Df6Gj0Km3Np8Qs2Tw5Xz9A',
  ARAGORA_JWT_SECRET: 'c0rR3ct-h0rse-b4ttery-st4ple-jwt-s1gning-k3y-2024',
  ARAGORA_SSO_CLIENT_SECRET: 'sso-client-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
};

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('no secret value reaches dist/<env>/aws', () => {
  test('values in the environment and in .env appear in no output file, in any encoding', () => {
    // GIVEN a project with every catalog value in .env and in the process environment, and every AWS option on
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-aws-leak-'));
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), stringify(configWithAws(FULL_AWS)));
    writeFileSync(join(cwd, '.env'), Object.entries(PLANTED).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    // WHEN synth runs through the real entry (config → plan → files → leak guard)
    const { files } = synthesizeProject({ cwd, env: { ...PLANTED, PATH: process.env.PATH } });
    // THEN the AWS files exist and hold none of the values
    expect(awsFiles(files, 'prod').length).toBe(4);
    for (const file of files) {
      for (const value of Object.values(PLANTED)) {
        for (const form of encodingsOf(value)) expect({ file: file.path, found: file.content.includes(form.text) }).toEqual({ file: file.path, found: false });
      }
    }
  });

  test('the leak guard scans the AWS files: a value that got into the stack stops synth', () => {
    // GIVEN a config that (wrongly) puts a value of the environment into a tag of the stack (a value of
    // no credential shape: a shaped one is refused in the config text before synth)
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-aws-leak-'));
    const value = `rotated by ops ${randomBytes(8).toString('hex').replace(/[0-9]/g, 'x')}`;
    const config = configWithAws({ ...FULL_AWS, tags: { note: value } });
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), stringify(config));
    // THEN synth refuses, naming the template
    let error: unknown;
    try {
      synthesizeProject({ cwd, env: { STRIPE_WEBHOOK_SECRET: value } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeakError);
    expect((error as LeakError).leaks.map((l) => l.file)).toContain('prod/aws/aragora-prod-secrets.template.json');
    expect((error as Error).message).not.toContain(value);
  });
});

integration.describe('every template is valid CloudFormation', () => {
  // The CloudFormation validation engine aws-cdk-lib ships (resource provider schemas, cfn-lint rules).
  // Synth turns it off because it takes seconds; here it checks every template the suite can produce.
  // One instance: starting the engine is the slow part.
  let validator: CloudFormationValidatePlugin;
  beforeAll(() => {
    validator = new CloudFormationValidatePlugin();
  });
  test('no schema or rule violation, in the default and with every option on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-cfn-'));
    const variants: [string, string, OutputFile[]][] = [
      ['default', 'us-east-1', synth()],
      ['full', 'us-east-1', synthAws(FULL_AWS)],
      ['no-key', 'eu-central-1', synthAws({ ...FULL_AWS, region: 'eu-central-1', kms: undefined, secretsManager: {}, parameterStore: undefined, cloudTrail: {} })],
      ['gov', 'us-gov-west-1', synthAws({ ...FULL_AWS, region: 'us-gov-west-1', secretsManager: {}, eso: undefined, cloudTrail: { multiRegion: false } })],
    ];
    const stackTemplates = variants.map(([name, region, files]) => {
      const templatePath = join(dir, `${name}.template.json`);
      writeFileSync(templatePath, templateFile(files, 'prod').content);
      return { stackConstructPath: name, templatePath, accountId: ACCOUNT, region };
    });
    const report = validator.validate({ templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates, appConstruct: new App() });
    expect(report.violations.map((v) => `${v.ruleName} ${v.severity}: ${v.description} (${v.violatingResources.map((r) => `${r.templatePath}#${r.resourceLogicalId}`).join(', ')})`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('the validator does catch a broken template (the check above is not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-cfn-'));
    const json = JSON.parse(templateFile(synth(), 'prod').content);
    json.Resources.SecretAragoraApiKeys.Properties.GenerateSecretString.PasswordLength = 'sixty-four';
    json.Resources.AuditTrail.Properties.IsLoging = true;
    const templatePath = join(dir, 'broken.template.json');
    writeFileSync(templatePath, JSON.stringify(json));
    const report = validator.validate({ templatePaths: [templatePath], stackTemplates: [{ stackConstructPath: 'broken', templatePath, accountId: ACCOUNT, region: 'us-east-1' }], appConstruct: new App() });
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.violatingResources[0].resourceLogicalId).sort()).toEqual(['AuditTrail', 'SecretAragoraApiKeys']);
  });
});

test('an environment that only keeps parameters gets the script and no (empty, invalid) template', () => {
  const files = awsFiles(synthAws({ account: ACCOUNT, region: 'eu-central-1', parameterStore: {} }), 'prod');
  expect(files.map((f) => f.path)).toEqual(['prod/aws/README.md', 'prod/aws/put-secret-values.sh']);
  expect(files[0].content).toMatch(/Nothing to deploy: this environment only keeps SecureString parameters/);
  expect(files[1].content).toContain('parameter_exists /aragora/supabase-key');
});

const tools = ['bash', 'jq', 'openssl'].every((tool) => onPath(tool));
const describeScripts = tools ? integration.describe : integration.describe.skip;

describeScripts('put-secret-values.sh (run against a fake AWS CLI)', () => {
  /** Parameter Store holds a generated secret and an optional one; Secrets Manager the rest. */
  const aws: AwsConfig = { ...FULL_AWS, parameterStore: { prefix: '/aragora/prod', secrets: ['ARAGORA_JWT_SECRET', 'OPENROUTER_API_KEY', 'SUPABASE_KEY'] } };
  const files = synthAws(aws);
  const script = awsFiles(files, 'prod').find((f) => f.path.endsWith('put-secret-values.sh'))!.content;

  function setup(secretVersions: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-fake-aws-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(root, 'test/support/fake-aws.js'), join(dir, 'bin/aws'));
    chmodSync(join(dir, 'bin/aws'), 0o755);
    writeFileSync(join(dir, 'put-secret-values.sh'), script);
    // The stack has been deployed: the secret exists, empty unless versions are given.
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ account: ACCOUNT, secrets: { 'aragora/api-keys': { versions: secretVersions } }, parameters: {} }));
    const run = (env: Record<string, string>) =>
      spawnSync('bash', [join(dir, 'put-secret-values.sh')], {
        encoding: 'utf8',
        env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, FAKE_AWS_STATE: join(dir, 'state.json'), FAKE_AWS_LOG: join(dir, 'calls.log'), ...env },
      });
    const state = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    const calls = (): string[][] => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
    return { dir, run, state, calls };
  }

  test('bash accepts the generated scripts', () => {
    for (const file of awsFiles(synth(), 'prod').concat(awsFiles(files, 'prod')).filter((f) => f.path.endsWith('.sh'))) {
      const result = spawnSync('bash', ['-n'], { input: file.content, encoding: 'utf8' });
      expect({ file: file.path, stderr: result.stderr, status: result.status }).toEqual({ file: file.path, stderr: '', status: 0 });
    }
  });

  test('puts every value through stdin: none on a command line, the generated key kept, absent optional keys empty', () => {
    // GIVEN a freshly deployed stack: the secret holds only its generated key
    const { run, state, calls } = setup(['{"jwt_secret":"generated-by-cloudformation-0123456789"}']);
    const values = { ...PLANTED };
    delete (values as Record<string, string>).ARAGORA_JWT_SECRET;
    delete (values as Record<string, string>).OPENAI_API_KEY;
    // WHEN the script runs with the values in its environment
    const result = run(values);
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const secret = JSON.parse(state().secrets['aragora/api-keys'].versions.at(-1));
    expect(secret).toEqual({
      anthropic: PLANTED.ANTHROPIC_API_KEY,
      jwt_secret: 'generated-by-cloudformation-0123456789',
      openai: '',
      sso_client_secret: PLANTED.ARAGORA_SSO_CLIENT_SECRET,
      stripe_secret: PLANTED.STRIPE_SECRET_KEY,
      stripe_webhook: PLANTED.STRIPE_WEBHOOK_SECRET,
    });
    const parameters = state().parameters;
    expect(Object.keys(parameters).sort()).toEqual(['/aragora/prod/aragora-jwt-secret', '/aragora/prod/openrouter-api-key', '/aragora/prod/supabase-key']);
    expect(parameters['/aragora/prod/supabase-key']).toMatchObject({ value: PLANTED.SUPABASE_KEY, type: 'SecureString', keyId: 'alias/aragora-prod-secrets', description: 'Database access' });
    expect(parameters['/aragora/prod/supabase-key'].tags).toContainEqual({ Key: 'environment', Value: 'prod' });
    // The generated parameter: random, base64, long.
    expect(parameters['/aragora/prod/aragora-jwt-secret'].value).toMatch(/^[A-Za-z0-9+/]{64}$/);
    for (const argv of calls()) for (const value of Object.values(PLANTED)) expect(argv.join(' ')).not.toContain(value);
    expect(result.stdout).toMatch(/Secrets Manager aragora\/api-keys: new version; set: ANTHROPIC_API_KEY ARAGORA_SSO_CLIENT_SECRET STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET/);
    expect(result.stdout).not.toContain(PLANTED.ANTHROPIC_API_KEY);

    // AND a second run without values changes nothing and creates no new version
    const again = run({});
    expect(again.status).toBe(0);
    expect(state().secrets['aragora/api-keys'].versions).toHaveLength(2);
    expect(again.stdout).toMatch(/aragora\/api-keys: unchanged/);
    expect(again.stdout).toMatch(/\/aragora\/prod\/aragora-jwt-secret: unchanged/);
  });

  test('refuses before writing anything when a required value is missing', () => {
    const { run, state, calls } = setup();
    const values: Record<string, string> = { ...PLANTED };
    delete values.SUPABASE_KEY;
    delete values.STRIPE_SECRET_KEY;
    delete values.ANTHROPIC_API_KEY;
    delete values.OPENAI_API_KEY;
    const result = run(values);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('STRIPE_SECRET_KEY (required in prod)');
    expect(result.stderr).toContain('SUPABASE_KEY (required in prod)');
    expect(result.stderr).toContain('one of ANTHROPIC_API_KEY, OPENAI_API_KEY (group llm-provider)');
    expect(result.stderr).toContain('nothing was written');
    expect(state().secrets['aragora/api-keys'].versions).toEqual([]);
    expect(state().parameters).toEqual({});
    expect(calls().filter((argv) => argv[1].startsWith('put-'))).toEqual([]);
  });

  test('an optional secret kept in Parameter Store must have a value (a parameter cannot be empty)', () => {
    const { run } = setup();
    const values: Record<string, string> = { ...PLANTED };
    delete values.OPENROUTER_API_KEY;
    const result = run(values);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OPENROUTER_API_KEY (kept in Parameter Store as /aragora/prod/openrouter-api-key, which cannot be empty)');
  });

  test('refuses credentials of another account', () => {
    const { run, state, dir } = setup();
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...state(), account: '210987654321' }));
    const result = run(PLANTED);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('these credentials are for account 210987654321, not 123456789012');
  });
});

// The real AWS CLI, pointed at a local endpoint: checks what the fake CLI above cannot (the --query
// expressions, `file:///dev/stdin`, the --tags JSON), and what actually goes over the wire.
const realCli = tools && onPath('aws');
(realCli ? integration.describe : integration.describe.skip)('put-secret-values.sh with the real AWS CLI', () => {
  test('the values reach the APIs in the request bodies, exactly, and the second run writes nothing', async () => {
    const script = awsFiles(synth(), 'prod').find((f) => f.path.endsWith('put-secret-values.sh'))!.content;
    const dir = mkdtempSync(join(tmpdir(), 'aragora-real-cli-'));
    writeFileSync(join(dir, 'put-secret-values.sh'), script);
    // The secret starts without a version (DescribeSecret has no VersionIdsToStages); the second run sees one.
    const endpoint = await startFakeAwsEndpoint(ACCOUNT, { 'aragora/api-keys': [] });
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(
          'bash',
          [join(dir, 'put-secret-values.sh')],
          {
            env: {
              PATH: process.env.PATH,
              HOME: dir,
              AWS_ENDPOINT_URL: endpoint.url,
              AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
              AWS_SECRET_ACCESS_KEY: 'not-a-real-key',
              AWS_EC2_METADATA_DISABLED: 'true',
              ...env,
            },
          },
          (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    try {
      const values = { ANTHROPIC_API_KEY: PLANTED.ANTHROPIC_API_KEY, SUPABASE_KEY: PLANTED.SUPABASE_KEY, STRIPE_SECRET_KEY: PLANTED.STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: PLANTED.STRIPE_WEBHOOK_SECRET, ARAGORA_SSO_CLIENT_SECRET: PLANTED.ARAGORA_SSO_CLIENT_SECRET };
      const first = await run(values);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(JSON.parse(endpoint.secrets['aragora/api-keys'].at(-1)!)).toEqual({
        anthropic: PLANTED.ANTHROPIC_API_KEY,
        openai: '',
        openrouter: '',
        sso_client_secret: PLANTED.ARAGORA_SSO_CLIENT_SECRET,
        stripe_secret: PLANTED.STRIPE_SECRET_KEY,
        stripe_webhook: PLANTED.STRIPE_WEBHOOK_SECRET,
      });
      expect(endpoint.parameters['/aragora/supabase-key']).toEqual({
        Value: PLANTED.SUPABASE_KEY,
        Type: 'SecureString',
        KeyId: 'alias/aragora-prod-secrets',
        Tags: [
          { Key: 'app', Value: 'aragora' },
          { Key: 'environment', Value: 'prod' },
          { Key: 'managed-by', Value: 'aragora-secrets' },
        ],
      });
      const second = await run({});
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('Secrets Manager aragora/api-keys: unchanged');
      // Everything read and the key checked before the first write; Parameter Store before Secrets Manager.
      const actions = endpoint.requests.map((r) => r.action);
      expect(actions.filter((a) => a.startsWith('Put'))).toEqual(['PutParameter', 'PutSecretValue']);
      expect(actions.indexOf('DescribeKey')).toBeLessThan(actions.indexOf('PutParameter'));
    } finally {
      await endpoint.close();
    }
  }, 60000);
});

describe('aws-cdk-lib is loaded only when some environment enables AWS', () => {
  integration.test('a config without aws: blocks synthesizes without loading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-lazy-'));
    const config = structuredClone(DEFAULT_CONFIG);
    delete config.environments.prod.aws;
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    // The compiled build (what the package runs; `npm test` has just made it): no TypeScript loader in the way.
    requireCurrentBuild();
    const probe = `
      const { synthesizeProject } = require(${JSON.stringify(join(root, 'lib/src/synth.js'))});
      const { files } = synthesizeProject({ cwd: ${JSON.stringify(dir)}, env: {} });
      const loaded = Object.keys(require.cache).filter((m) => m.includes('/node_modules/aws-cdk-lib/'));
      process.stdout.write(JSON.stringify({ files: files.length, loaded: loaded.length }));
    `;
    const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: root, env: { PATH: process.env.PATH } });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ files: expect.any(Number), loaded: 0 });
    expect(JSON.parse(result.stdout).files).toBeGreaterThan(20);
    rmSync(dir, { recursive: true, force: true });
  });

  integration.test('the real entry point writes the AWS files of the default and prints nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-entry-'));
    const result = spawnApp(dir, { CDK8S_OUTDIR: join(dir, 'dist') });
    // Only the default's reviewer warnings (qa ships with placeholders), nothing from aws-cdk-lib.
    for (const line of result.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^warning: environment qa: /);
    expect(result.status).toBe(0);
    expect(listFiles(join(dir, 'dist/prod/aws')).map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'dist/prod/aws/README.md',
      'dist/prod/aws/aragora-prod-secrets.template.json',
      'dist/prod/aws/deploy.sh',
      'dist/prod/aws/put-secret-values.sh',
    ]);
  });
});
