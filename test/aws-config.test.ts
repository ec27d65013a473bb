import { stringify } from 'yaml';
import type { AwsConfig } from '../src/cloud/aws/schema';
import { ConfigError } from '../src/core/errors';
import { parseConfigText } from '../src/config/load';
import { validateConfig } from '../src/config/validate';
import { ACCOUNT, configWithAws, FULL_AWS, OIDC_PROVIDER } from './aws-helpers';
import { configProblems } from './helpers';

function problemsOf(aws: unknown, mutate?: Parameters<typeof configWithAws>[1]): ConfigError['problems'] {
  return configProblems(() => validateConfig(configWithAws(aws as AwsConfig, mutate), 't'));
}

const base: AwsConfig = { account: ACCOUNT, region: 'us-east-1', secretsManager: {} };
const at = (path: string) => `environments.prod.aws${path}`;

describe('aws: config errors name the path, the problem and the fix', () => {
  test.each<[string, unknown, string, RegExp, RegExp | undefined]>([
    ['an account id of 11 digits', { ...base, account: '12345678901' }, '.account', /is invalid: an AWS account id is 12 digits/, undefined],
    ['an account id written as a number', { ...base, account: 123456789012 }, '.account', /expected string, got number/, /quoted string of 12 digits/],
    ['a region of the wrong shape', { ...base, region: 'US East 1' }, '.region', /an AWS region code such as "us-east-1"/, undefined],
    ['an unknown region', { ...base, region: 'us-est-1' }, '.region', /unknown AWS region "us-est-1"/, /did you mean "us-east-1"\?/],
    ['a rotation without a function', { ...base, secretsManager: { rotation: { days: 30 } } }, '.secretsManager.rotation.lambdaArn', /missing required key/, undefined],
    ['a rotation of 0 days', { ...base, secretsManager: { rotation: { lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`, days: 0 } } }, '.secretsManager.rotation.days', /at least 1 day/, undefined],
    ['a rotation function that is not a Lambda ARN', { ...base, secretsManager: { rotation: { lambdaArn: 'rotate-keys', days: 30 } } }, '.secretsManager.rotation.lambdaArn', /a Lambda function ARN/, undefined],
    [
      'a rotation function in another region',
      { ...base, secretsManager: { rotation: { lambdaArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:f`, days: 30 } } },
      '.secretsManager.rotation.lambdaArn',
      /the rotation function is in 123456789012\/eu-west-1, the secrets in 123456789012\/us-east-1/,
      /same account and region/,
    ],
    ['an OIDC provider that is not an ARN', { ...base, eso: { oidcProvider: 'https://oidc.eks.us-east-1.amazonaws.com/id/X' } }, '.eso.oidcProvider', /the IAM OIDC provider ARN of the cluster/, undefined],
    ['an OIDC provider of another account', { ...base, eso: { oidcProvider: OIDC_PROVIDER.replace(ACCOUNT, '210987654321') } }, '.eso.oidcProvider', /the OIDC provider is in account 210987654321, the role in 123456789012/, /of its own account/],
    ['no secret store', { account: ACCOUNT, region: 'us-east-1', cloudTrail: {} }, '', /no secret store/, /add secretsManager: \{\} and\/or parameterStore: \{\}/],
    ['both stores and no assignment', { ...base, parameterStore: {} }, '.parameterStore', /neither lists its secrets/, /parameterStore\.secrets/],
    ['an unknown secret in a store list', { ...base, parameterStore: { secrets: ['SUPABASE_KY'] } }, '.parameterStore.secrets[0]', /"SUPABASE_KY" is not in the secret catalog/, /did you mean "SUPABASE_KEY"\?/],
    [
      'a secret in both stores',
      { ...base, secretsManager: { secrets: ['SUPABASE_KEY'] }, parameterStore: { secrets: ['SUPABASE_KEY'] } },
      '.parameterStore.secrets[0]',
      /listed under both/,
      /keep it in one store/,
    ],
    ['Fargate CPU that does not exist', { ...base, ecs: { cpu: 300 } }, '.ecs.cpu', /300 is not allowed here/, /256/],
    ['Fargate memory the CPU does not allow', { ...base, ecs: { cpu: 256, memory: 4096 } }, '.ecs.memory', /Fargate does not run 256 CPU units with 4096 MiB/, /512, 1024, 2048/],
    ['a replica in the own region', { ...base, secretsManager: { replicaRegions: ['us-east-1'] } }, '.secretsManager.replicaRegions[0]', /the stack's own region/, /only other regions/],
    ['a replica in another partition', { ...base, secretsManager: { replicaRegions: ['cn-north-1'] } }, '.secretsManager.replicaRegions[0]', /another partition/, /within the partition/],
    ['a reserved tag key', { ...base, tags: { 'aws:team': 'x' } }, '.tags["aws:team"]', /reserved by AWS/, undefined],
    ['a reserved parameter prefix', { ...base, secretsManager: undefined, parameterStore: { prefix: '/aws/aragora' } }, '.parameterStore.prefix', /reserved by AWS/, undefined],
    ['a KMS alias under alias/aws/', { ...base, kms: { alias: 'alias/aws/secretsmanager' } }, '.kms.alias', /reserved for AWS managed keys/, undefined],
    ['an invalid bucket name', { ...base, cloudTrail: { bucketName: 'Audit_Logs' } }, '.cloudTrail.bucketName', /an S3 bucket name/, undefined],
    ['an unknown key', { ...base, secretManager: {} }, '.secretManager', /unknown key "secretManager"/, /did you mean "secretsManager"\?/],
    ['an unknown cdk-nag pack', { ...base, nagPacks: ['NIST'] }, '.nagPacks[0]', /"NIST" is not allowed here/, /use one of "AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"/],
    ['a cdk-nag pack listed twice', { ...base, nagPacks: ['PCI.DSS.321', 'PCI.DSS.321'] }, '.nagPacks', /a pack is listed twice/, undefined],
    ['a log retention CloudWatch Logs does not offer', { ...base, ecs: { logRetentionDays: 366 } }, '.ecs.logRetentionDays', /366 is not allowed here/, /use one of "1", "3", "5", .*"365", "400"/],
    ['a trail log retention CloudWatch Logs does not offer', { ...base, cloudTrail: { cloudWatchLogs: { retentionDays: 0 } } }, '.cloudTrail.cloudWatchLogs.retentionDays', /0 is not allowed here/, /use one of "1"/],
    ['an unknown key under cloudWatchLogs', { ...base, cloudTrail: { cloudWatchLogs: { enabled: true } } }, '.cloudTrail.cloudWatchLogs.enabled', /unknown key "enabled"/, undefined],
    ['cloudWatchLogs given as a boolean', { ...base, cloudTrail: { cloudWatchLogs: true } }, '.cloudTrail.cloudWatchLogs', /expected object/, undefined],
  ])('%s', (_name, aws, path, message, fix) => {
    const problems = problemsOf(aws);
    const problem = problems.find((p) => p.path === at(path));
    expect(problem ? problem : problems).toEqual(expect.objectContaining({ path: at(path), message: expect.stringMatching(message) }));
    if (fix) expect(problem!.fix).toMatch(fix);
  });

  test('an ECS task without an image anywhere', () => {
    const problems = problemsOf({ ...base, ecs: {} }, (c) => {
      delete c.app.image;
      for (const env of Object.values(c.environments)) env.workload = { ...env.workload, enabled: false };
    });
    expect(problems).toEqual([expect.objectContaining({ path: at('.ecs.image'), message: 'no container image for the ECS task' })]);
  });

  test('two generated secrets cannot share one Secrets Manager secret', () => {
    const problems = problemsOf(base, (c) => {
      c.secrets.SESSION_SECRET = { purpose: 'Session signing', generated: true, required: 'always' };
    });
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'secrets.SESSION_SECRET.generated',
        message: expect.stringMatching(/ARAGORA_JWT_SECRET and SESSION_SECRET are both generated/),
        fix: expect.stringMatching(/give SESSION_SECRET its own remote.key/),
      }),
    ]);
  });

  test('two secrets cannot share a JSON key', () => {
    const problems = problemsOf(base, (c) => {
      c.secrets.OPENAI_API_KEY.remote = { property: 'anthropic' };
    });
    expect(problems).toEqual([expect.objectContaining({ path: 'secrets.OPENAI_API_KEY.remote.property', message: expect.stringMatching(/ANTHROPIC_API_KEY and OPENAI_API_KEY would share key "anthropic"/) })]);
  });

  test('two environments may not create the same names in one account and region', () => {
    const problems = problemsOf({ ...base, parameterStore: { secrets: ['SUPABASE_KEY'] } }, (c) => {
      c.environments.staging.aws = { account: ACCOUNT, region: 'us-east-1', secretsManager: {}, parameterStore: { secrets: ['SUPABASE_KEY'] } };
    });
    // Environments are checked in name order: staging collides with prod.
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'environments.staging.aws.parameterStore.prefix',
        message: 'parameter "/aragora/supabase-key" is also created by environment "prod" in the same account and region',
        fix: 'give each environment its own prefix (e.g. /aragora/staging) or its own AWS account',
      }),
      expect.objectContaining({
        path: 'environments.staging.aws.secretsManager',
        message: 'Secrets Manager secret "aragora/api-keys" is also created by environment "prod" in the same account and region',
        fix: expect.stringMatching(/its own AWS account/),
      }),
    ]);
  });

  test('the same names in another account are fine', () => {
    expect(() =>
      validateConfig(
        configWithAws(base, (c) => {
          c.environments.staging.aws = { account: '210987654321', region: 'us-east-1', secretsManager: {} };
        }),
        't',
      ),
    ).not.toThrow();
  });

  test('a derived IAM role name over 64 characters', () => {
    const problems = problemsOf({ ...base, eso: { oidcProvider: OIDC_PROVIDER } }, (c) => {
      c.app.name = 'a'.repeat(40);
      c.environments['production-eu'] = { ...c.environments.prod, namespace: 'aragora-prod-eu' };
      delete c.environments.prod;
    });
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'environments.production-eu.aws.eso',
        message: `the IAM role name "${'a'.repeat(40)}-production-eu-external-secrets" is longer than 64 characters`,
        fix: 'shorten app.name or the environment name',
      }),
    ]);
  });

  test('errors carry the line of the YAML file', () => {
    const config = configWithAws({ ...base, region: 'us-est-1' });
    let error: unknown;
    try {
      parseConfigText(stringify(config), 'aragora-secrets.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/environments\.prod\.aws\.region \(line \d+\): unknown AWS region "us-est-1"\n\s+fix: did you mean "us-east-1"\?/);
  });

  test('the full example config is valid', () => {
    expect(() => validateConfig(configWithAws(FULL_AWS), 't')).not.toThrow();
  });
});
