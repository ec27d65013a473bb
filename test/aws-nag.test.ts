import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { parse as parseYaml, stringify } from 'yaml';
import { violationMessage } from '../src/cloud/aws/compliance';
import { buildAwsStacks } from '../src/app/synthesize-aws';
import type { AwsConfig } from '../src/cloud/aws/schema';
import { DEFAULT_CONFIG } from '../src/config/default';
import { parseConfigFile } from '../src/config/load';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import type { Plan } from '../src/plan/plan';
import { FULL_AWS, configWithAws } from './aws-helpers';
import { synth } from './helpers';
import { root, spawnCli } from './support/cli';
import { integration } from './support/tiers';

/**
 * cdk-nag 3.0.2 over the real stacks: the packs run as aws-cdk-lib validation plugins in every AWS
 * synth; the default, every example with `aws:` and the config with every AWS option on pass all
 * four packs, each exception is acknowledged on its resource with a reason, and the review report
 * lists every rule that applies.
 */

const ALL_PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
const examplesWithAws = readdirSync(join(root, 'examples'))
  .filter((f) => /\.ya?ml$/.test(f))
  // An environment's `aws:` cloud block, not a delivery's options of the same name (the csi method's AWS provider).
  .filter((f) => Object.values((parseYaml(readFileSync(join(root, 'examples', f), 'utf8')) as { environments?: Record<string, object> }).environments ?? {}).some((env) => 'aws' in env))
  .sort();
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Builds the stacks of `plan`, synthesizes them (which runs the packs) and returns what the packs found. */
function runPacks(plan: Plan, plant?: (stack: Stack) => void) {
  const { app, stacks, nag } = buildAwsStacks(plan, tempDir('aragora-nag-'));
  if (plant) plant(stacks[0]);
  app.synth();
  return { app, stacks, ...nag() };
}

const planOf = (config: AragoraSecretsConfig) => resolvePlan(validateConfig(config, 'test'));

const cases: [string, () => Plan][] = [
  ['the default config', () => planOf(DEFAULT_CONFIG)],
  ['every AWS option on', () => planOf(configWithAws(FULL_AWS))],
  ['no customer managed key, a trail', () => planOf(configWithAws({ ...FULL_AWS, kms: undefined }))],
  ...examplesWithAws.map((name): [string, () => Plan] => [`examples/${name}`, () => resolvePlan(parseConfigFile(join(root, 'examples', name)))]),
];

test('the examples with aws: are covered', () => {
  expect(examplesWithAws).toContain('aws-eso.yaml');
});

describe.each(cases)('cdk-nag, all four packs, over %s', (_name, plan) => {
  const result = runPacks(plan());

  test('no unacknowledged error', () => {
    expect(result.violations.map(violationMessage)).toEqual([]);
  });

  test('every pack looked at every stack, and every rule that applies is listed', () => {
    for (const stack of result.stacks) {
      const controls = result.controls[stack.node.id] ?? [];
      expect([...new Set(controls.map((c) => c.pack))].sort()).toEqual(ALL_PACKS);
      for (const c of controls) {
        expect(c.rule.startsWith(`${c.pack}-`)).toBe(true);
        expect(c.resources.length).toBeGreaterThan(0);
        if (c.pack !== 'AwsSolutions') expect(c.controls.length).toBeGreaterThan(0);
      }
    }
  });

  test('every acknowledgement sits on a resource (never a stack or the app) and gives a reason', () => {
    const acknowledged = acknowledgements(result.app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { node, reason } of acknowledged) {
      expect(Stack.isStack(node) || node instanceof App).toBe(false);
      expect(CfnResource.isCfnResource(node) || CfnResource.isCfnResource(node.node.defaultChild)).toBe(true);
      expect(reason.length).toBeGreaterThan(40);
    }
    for (const c of Object.values(result.controls).flat().filter((c) => c.status === 'acknowledged')) {
      expect(acknowledged.map((a) => a.reason)).toContain(c.reason);
    }
  });
});

test('the acknowledged rules of the default prod stack: a reviewed list (a new exception shows up here)', () => {
  const { controls } = runPacks(planOf(DEFAULT_CONFIG));
  const acknowledged = controls.prod.filter((c) => c.status === 'acknowledged').map((c) => `${c.rule} on ${c.resources.join(', ')}`);
  expect(acknowledged).toEqual([
    // The task's plain environment: ARAGORA_ENV and ARAGORA_SECRETS_STRICT, no value (issue 20).
    'AwsSolutions-ECS2 on Ecs/TaskDefinition',
    'AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:/ecs/aragora-prod:log-stream:*] on Ecs/ExecutionRole',
    'AwsSolutions-SMG4 on SecretAragoraApiKeys',
    'HIPAA.Security-CloudTrailCloudWatchLogsEnabled on Audit/Trail',
    'HIPAA.Security-IAMNoInlinePolicy on Ecs/ExecutionRole',
    'HIPAA.Security-S3BucketReplicationEnabled on Audit/AccessLogs, Audit/Bucket',
    'HIPAA.Security-S3DefaultEncryptionKMS on Audit/AccessLogs',
    'HIPAA.Security-SecretsManagerRotationEnabled on SecretAragoraApiKeys',
    'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled on Audit/Trail',
    'NIST.800.53.R5-IAMNoInlinePolicy on Ecs/ExecutionRole',
    'NIST.800.53.R5-S3BucketReplicationEnabled on Audit/AccessLogs, Audit/Bucket',
    'NIST.800.53.R5-S3DefaultEncryptionKMS on Audit/AccessLogs',
    'NIST.800.53.R5-SecretsManagerRotationEnabled on SecretAragoraApiKeys',
    'PCI.DSS.321-CloudTrailCloudWatchLogsEnabled on Audit/Trail',
    'PCI.DSS.321-IAMNoInlinePolicy on Ecs/ExecutionRole',
    'PCI.DSS.321-S3BucketReplicationEnabled on Audit/AccessLogs, Audit/Bucket',
    'PCI.DSS.321-S3DefaultEncryptionKMS on Audit/AccessLogs',
  ]);
  // What the issue found broken now passes.
  const passed = (rule: string, resource: string) => controls.prod.some((c) => c.rule === rule && c.status === 'passed' && c.resources.includes(resource));
  for (const pack of ['NIST.800.53.R5', 'PCI.DSS.321', 'HIPAA.Security']) {
    expect(passed(`${pack}-CloudTrailEncryptionEnabled`, 'Audit/Trail')).toBe(true);
    expect(passed(`${pack}-S3DefaultEncryptionKMS`, 'Audit/Bucket')).toBe(true);
    expect(passed(`${pack}-S3BucketLoggingEnabled`, 'Audit/Bucket')).toBe(true);
    expect(passed(`${pack}-S3BucketLoggingEnabled`, 'Audit/AccessLogs')).toBe(true);
  }
  expect(passed('AwsSolutions-S1', 'Audit/Bucket')).toBe(true);
  expect(passed('AwsSolutions-ECS7', 'Ecs/TaskDefinition')).toBe(true);
});

test('with a rotation function and CloudWatch Logs for the trail, neither rotation nor the trail needs an exception', () => {
  const { controls } = runPacks(planOf(configWithAws(FULL_AWS)));
  const statusOf = (rule: string) => controls.prod.filter((c) => c.rule === rule).map((c) => c.status);
  expect(statusOf('AwsSolutions-SMG4')).toEqual(['passed']);
  for (const pack of ['NIST.800.53.R5', 'PCI.DSS.321', 'HIPAA.Security']) expect(statusOf(`${pack}-CloudTrailCloudWatchLogsEnabled`)).toEqual(['passed']);
});

test('an unacknowledged error fails with the rule, the resource and the fix', () => {
  // GIVEN a bucket planted in the prod stack with none of the audit bucket's protections
  const { violations } = runPacks(planOf(DEFAULT_CONFIG), (stack) => new s3.CfnBucket(stack, 'Planted'));
  // THEN every pack reports it, and the message says what, where and how to fix it
  const s1 = violations.find((v) => v.rule === 'AwsSolutions-S1');
  expect(s1).toEqual(expect.objectContaining({ environment: 'prod', resource: 'Planted' }));
  expect(violationMessage(s1!)).toMatch(/^\[prod\/Planted\] cdk-nag AwsSolutions-S1: The S3 Bucket has server access logs disabled\. Fix: .*server access logging.* acknowledge it where the resource is made/);
  expect(violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['NIST.800.53.R5-S3BucketLoggingEnabled', 'PCI.DSS.321-S3DefaultEncryptionKMS', 'HIPAA.Security-S3BucketVersioningEnabled']));
  const pci = violations.find((v) => v.rule === 'PCI.DSS.321-S3DefaultEncryptionKMS')!;
  expect(violationMessage(pci)).toMatch(/^\[prod\/Planted\] cdk-nag PCI\.DSS\.321-S3DefaultEncryptionKMS: The S3 Bucket is not encrypted with a KMS Key by default \(controls 3\.4, 8\.2\.1, 10\.5\)\. Fix: /);
});

describe('packs per environment (aws.nagPacks; AwsSolutions always)', () => {
  test.each<[string, string[] | undefined, string[]]>([
    ['default: all four', undefined, ALL_PACKS],
    ['none listed: AwsSolutions alone', [], ['AwsSolutions']],
    ['HIPAA only', ['HIPAA.Security'], ['AwsSolutions', 'HIPAA.Security']],
  ])('%s', (_name, packs, expected) => {
    const { controls } = runPacks(planOf(configWithAws({ ...FULL_AWS, nagPacks: packs as AwsConfig['nagPacks'] })));
    expect([...new Set(controls.prod.map((c) => c.pack))].sort()).toEqual(expected);
  });

  test('a pack left out of one environment still runs over another', () => {
    const config = configWithAws({ ...FULL_AWS, nagPacks: [] }, (c) => {
      c.environments.staging.aws = { account: '210987654321', region: 'us-east-1', secretsManager: {}, kms: {} };
    });
    const { controls } = runPacks(planOf(config));
    expect([...new Set(controls.prod.map((c) => c.pack))]).toEqual(['AwsSolutions']);
    expect([...new Set(controls.staging.map((c) => c.pack))].sort()).toEqual(ALL_PACKS);
  });
});

describe('SECRETS.md: one Controls section, Kubernetes and AWS', () => {
  const files = synth();
  const report = (env: string) => files.find((f) => f.path === `${env}/SECRETS.md`)!.content;
  const { controls } = runPacks(planOf(DEFAULT_CONFIG));

  test('prod: what the manifests enforce, then every cdk-nag rule with its result and control IDs', () => {
    const text = report('prod');
    const section = text.slice(text.indexOf('## Controls'));
    expect(section).toMatch(/### Kubernetes manifests/);
    expect(section).toMatch(/\| Pod Security Standard \| namespace `aragora-prod` enforces `restricted`/);
    expect(section).toMatch(/\| RBAC scope \|/);
    expect(section).toMatch(/\| egress \| NetworkPolicy `[^`]+`: egress denied but for /);
    expect(section).toMatch(/\| audit policy \| `audit-policy.yaml`/);
    expect(section).toMatch(/### AWS stack `aragora-prod-secrets` \(cdk-nag 3\.0\.2\)/);
    for (const c of controls.prod) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${c.rule}\` |`) && line.includes(c.resources.map((r) => `\`${r}\``).join(', ')) && line.includes(c.status));
      expect(row).toBeDefined();
      if (c.reason) expect(row).toContain(`acknowledged: ${c.reason.replace(/\|/g, '\\|')}`);
      if (c.controls.length > 0) expect(row).toContain(c.controls.join(', '));
    }
  });

  test('the rotation exception links the runbook; the trail row names the HIPAA, NIST and PCI controls', () => {
    const text = report('prod');
    expect(text).toMatch(/\| `AwsSolutions-SMG4` \|.*acknowledged: Provider API keys are issued and rotated by each provider.*docs\/guides\/rotation\.md/);
    expect(text).toMatch(/\| `NIST\.800\.53\.R5-CloudTrailEncryptionEnabled` \|.*\| passed \| AU-9\(3\), /);
    expect(text).toMatch(/\| `PCI\.DSS\.321-CloudTrailEncryptionEnabled` \|.*\| passed \| 2\.2, 3\.4, 10\.5 \|/);
    expect(text).toMatch(/\| `HIPAA\.Security-CloudTrailEncryptionEnabled` \|.*\| passed \| 164\.312\(a\)\(2\)\(iv\)/);
  });

  test('an environment without aws: lists the Kubernetes controls only', () => {
    const text = report('dev');
    expect(text).toMatch(/## Controls/);
    expect(text).toMatch(/### Kubernetes manifests/);
    expect(text).not.toMatch(/### AWS stack/);
  });
});

integration.test('the bundled app caches the cdk-nag controls with the templates: the report is the same from the cache', () => {
  // GIVEN a project with the default config and an empty build cache
  const dir = tempDir('aragora-nag-cache-');
  const cache = tempDir('aragora-nag-cache-store-');
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(DEFAULT_CONFIG));
  const runApp = (outdir: string) =>
    spawnSync(process.execPath, [join(root, 'scripts/app.cjs'), join(root, 'src/main.ts')], {
      cwd: dir,
      env: { PATH: process.env.PATH, CDK8S_OUTDIR: join(dir, outdir), ARAGORA_SECRETS_CACHE: cache },
      encoding: 'utf8',
    });
  // WHEN the app runs twice (the second run reads the AWS result from the cache)
  const first = runApp('dist1');
  expect(first.status).toBe(0);
  const cached = readdirSync(cache).filter((f) => f.startsWith('aws-') && !f.startsWith('aws-regions-'));
  expect(cached.length).toBe(1);
  expect(JSON.parse(readFileSync(join(cache, cached[0]), 'utf8')).controls.prod.length).toBeGreaterThan(50);
  const second = runApp('dist2');
  expect(second.status).toBe(0);
  // THEN the review report is the same, with the AWS controls
  const reportOf = (outdir: string) => readFileSync(join(dir, outdir, 'prod', 'SECRETS.md'), 'utf8');
  expect(reportOf('dist2')).toBe(reportOf('dist1'));
  expect(reportOf('dist2')).toMatch(/### AWS stack `aragora-prod-secrets`/);
});

integration.test('aragora-secrets synth: an unknown pack is a config error naming the path and the packs, exit 1, nothing written', () => {
  const dir = tempDir('aragora-nag-cli-');
  const config = structuredClone(DEFAULT_CONFIG);
  (config.environments.prod.aws as Record<string, unknown>).nagPacks = ['NIST-800-53'];
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  const result = spawnCli(dir, ['synth']);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/environments\.prod\.aws\.nagPacks\[0\].*"NIST-800-53" is not allowed here/);
  expect(result.stderr).toMatch(/use one of "AwsSolutions", "HIPAA\.Security", "NIST\.800\.53\.R5", "PCI\.DSS\.321"/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(readdirSync(dir)).toEqual(['aragora-secrets.yaml']);
});

/** Every acknowledgement recorded in the tree: the construct it is on and its reason. */
function acknowledgements(root: IConstruct): { node: IConstruct; id: string; reason: string }[] {
  return root.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ node, id, reason: String(reason) }))),
  );
}
