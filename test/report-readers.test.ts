import { randomBytes } from 'node:crypto';
import { App, ApiObject } from 'cdk8s';
import { DEFAULT_CONFIG } from '../src/config/default';
import { validateConfig } from '../src/config/validate';
import { parseConfigFile } from '../src/config/load';
import { resolvePlan } from '../src/app/resolve-plan';
import { buildCharts, synthesizePlan } from '../src/app/synthesize';
import { REVIEW_REPORT_FILE } from '../src/report/review-report';
import { iamReaders } from '../src/report/value-readers';
import { entryBinding } from '../src/delivery/sealed/sealed-entry';
import type { OutputFile } from '../src/core/output-file';
import { configWith, synth } from './helpers';
import { join } from 'node:path';

/** "Who can read the values" of an environment's report, as its lines. */
function readersOf(files: readonly OutputFile[], env: string): string[] {
  const text = files.find((f) => f.path === `${env}/${REVIEW_REPORT_FILE}`)!.content;
  return text.slice(text.indexOf('## Who can read the values'), text.indexOf('## Open items')).split('\n').filter((l) => l.startsWith('- '));
}

function openItemsOf(files: readonly OutputFile[], env: string): string[] {
  const text = files.find((f) => f.path === `${env}/${REVIEW_REPORT_FILE}`)!.content;
  return text.slice(text.indexOf('## Open items'), text.indexOf('## Controls')).split('\n').filter((l) => l.startsWith('- '));
}

function templateOf(files: readonly OutputFile[], env: string): any {
  return JSON.parse(files.find((f) => f.path.startsWith(`${env}/aws/`) && f.path.endsWith('.template.json'))!.content);
}

const examples = join(__dirname, '..', 'examples');

describe('SECRETS.md "Who can read the values": every principal of the written objects and templates', () => {
  const files = synth();

  test('prod: the ECS execution role of the stack, with its trust, its grants on which ARNs, and the task that uses it', () => {
    const lines = readersOf(files, 'prod');
    const role = lines.find((l) => l.includes('IAM role `aragora-prod-ecs-execution`'));
    expect(role).toBeDefined();
    expect(role).toContain('which the AWS service `ecs-tasks.amazonaws.com` for account `123456789012` may assume');
    expect(role).toContain('`secretsmanager:GetSecretValue` on secret `aragora/api-keys`');
    expect(role).toContain('`ssm:GetParameters` on parameter `/aragora/supabase-key`');
    expect(role).toContain('`kms:Decrypt` on KMS key `alias/aragora-prod-secrets` (through secretsmanager.us-east-1.amazonaws.com, ssm.us-east-1.amazonaws.com)');
    expect(role).toContain('ECS task definition `aragora-prod` runs with it as its execution role');
    // The task role reads nothing: it is no reader.
    expect(lines.join('\n')).not.toContain('aragora-prod-ecs-task');
    // The key policy delegates to the account's IAM: said, not hidden.
    expect(lines.some((l) => l.includes('key policy of KMS key `alias/aragora-prod-secrets`') && l.includes('`123456789012`'))).toBe(true);
  });

  test('the lines follow the stack: without `ecs` the execution role and the task leave the report', () => {
    const without = synth(configWith((c) => delete (c.environments.prod.aws as any).ecs));
    expect(readersOf(without, 'prod').join('\n')).not.toContain('aragora-prod-ecs-execution');
    expect(readersOf(without, 'prod').join('\n')).not.toContain('ECS task definition');
  });

  test('aws-eso example: the IRSA role, the ServiceAccount its trust accepts, and that ServiceAccount\'s annotation', () => {
    const files = synthesizePlan(resolvePlan(parseConfigFile(join(examples, 'aws-eso.yaml'))));
    const lines = readersOf(files, 'prod');
    const role = lines.find((l) => l.includes('IAM role `aragora-prod-external-secrets`'));
    expect(role).toContain('which ServiceAccount `aragora-prod/aragora-external-secrets` through IRSA (`sts:AssumeRoleWithWebIdentity`');
    expect(role).toContain('audience `sts.amazonaws.com`');
    expect(role).toContain('`secretsmanager:GetSecretValue` on secret `aragora/api-keys`');
    expect(lines.some((l) => l.startsWith('- Kubernetes: ServiceAccount `aragora-prod/aragora-external-secrets`') && l.includes('`arn:aws:iam::123456789012:role/aragora-prod-external-secrets`'))).toBe(true);
  });

  test('gcp-cloud-run example: every IAMPolicyMember (secretAccessor grants, Workload Identity) and the Cloud Run service account', () => {
    const files = synthesizePlan(resolvePlan(parseConfigFile(join(examples, 'gcp-cloud-run.yaml'))));
    const lines = readersOf(files, 'prod');
    const accessor = lines.find((l) => l.includes('has `roles/secretmanager.secretAccessor`'));
    expect(accessor).toContain('`serviceAccount:aragora-runtime@aragora-prod.iam.gserviceaccount.com`');
    expect(accessor).toContain('`SecretManagerSecret anthropic-api-key`');
    expect(accessor).toContain('`anthropic-api-key-accessor`');
    expect(lines.some((l) => l.includes('`serviceAccount:aragora-platform.svc.id.goog[aragora-prod/aragora-external-secrets]` has `roles/iam.workloadIdentityUser`'))).toBe(true);
    expect(lines.some((l) => l.includes('Cloud Run service `aragora` runs as `aragora-runtime@aragora-prod.iam.gserviceaccount.com`'))).toBe(true);
    // Staging has no Config Connector: the grants setup.sh makes, from the same plan.
    expect(readersOf(files, 'staging').some((l) => l.includes('has `roles/secretmanager.secretAccessor` on secrets') && l.includes('(`gcp/setup.sh`)'))).toBe(true);
  });

  test('gcp-eso example: the Workload Identity binding and the Google service account\'s grants of its script', () => {
    const files = synthesizePlan(resolvePlan(parseConfigFile(join(examples, 'gcp-eso.yaml'))));
    const line = readersOf(files, 'prod').find((l) => l.includes('`gcp/eso-workload-identity.sh`'));
    expect(line).toContain('has `roles/iam.workloadIdentityUser` on `eso-reader@aragora-secrets-prod.iam.gserviceaccount.com`');
    expect(line).toContain('`roles/secretmanager.secretAccessor` on secrets `aragora-api-keys`');
  });

  test('staging: the External Secrets store\'s Vault policy, and who may use the store', () => {
    const lines = readersOf(files, 'staging');
    expect(lines).toContain("- Vault: the store's role's policy `aragora-staging-external-secrets` reads `secret/data/aragora/api-keys` only (`vault/external-secrets-policy.hcl`).");
    expect(lines.some((l) => l.includes('whoever may create an ExternalSecret in namespace `aragora-staging` (the conditions of ClusterSecretStore `vault-backend`)'))).toBe(true);
  });

  describe('changing the objects changes the report', () => {
    const plan = resolvePlan(validateConfig(DEFAULT_CONFIG, 'test'));
    const prodTemplate = templateOf(files, 'prod');

    function chartOf(env: string) {
      return buildCharts(new App({ outdir: '.' }), plan).find((c) => c.plan.name === env)!;
    }
    const readers = (report: string) => report.slice(report.indexOf('## Who can read the values'), report.indexOf('## Open items'));

    test('a grant removed from the template leaves the report; a role added to it appears', () => {
      const chart = chartOf('prod');
      expect(readers(chart.reviewReport({ template: prodTemplate }))).toContain('`ssm:GetParameters` on parameter `/aragora/supabase-key`');

      const changed = structuredClone(prodTemplate);
      const policy = changed.Resources.EcsExecutionRole.Properties.Policies[0].PolicyDocument;
      policy.Statement = policy.Statement.filter((s: any) => s.Sid !== 'ReadParameters');
      changed.Resources.Auditor = {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'someone-else',
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: { Ref: 'SecretAragoraApiKeys' } }] } }],
        },
      };
      const after = readers(chart.reviewReport({ template: changed }));
      expect(after).not.toContain('/aragora/supabase-key');
      expect(after).toContain('IAM role `someone-else` (stack `aragora-prod-secrets`), which the AWS principal `arn:aws:iam::999999999999:root` may assume: `secretsmanager:*` on secret `aragora/api-keys`.');
    });

    test('a Role granting a Secret to another ServiceAccount, written into the folder, is listed', () => {
      const chart = chartOf('dev');
      expect(readers(chart.reviewReport())).not.toContain('Role `');
      new ApiObject(chart, 'ExtraRole', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'debug' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] } as any);
      new ApiObject(chart, 'ExtraBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'debug' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'debug' },
        subjects: [{ kind: 'ServiceAccount', name: 'debugger', namespace: 'aragora-dev' }],
      } as any);
      expect(readers(chart.reviewReport())).toContain(
        '- Kubernetes: Role `debug` allows `get`, `list` on every Secret, bound to `ServiceAccount aragora-dev/debugger` (RoleBinding `debug`).',
      );
    });
  });
});

describe('SECRETS.md open items follow the committed inputs', () => {
  const fingerprint = `sha256:${'ab12'.repeat(16)}`;
  const target = { name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' } as const;
  const entry = (key: string) => {
    const sealed = { encrypted: Buffer.concat([Buffer.from([2, 0]), randomBytes(512 + 40)]).toString('base64'), certificate: fingerprint };
    return { ...sealed, binding: entryBinding(key, target, sealed) };
  };
  const qaWith = (keys: string[]) =>
    openItemsOf(
      synthesizePlan(
        resolvePlan(validateConfig(DEFAULT_CONFIG, 'test'), {
          sealed: { qa: { environment: 'qa', target, values: Object.fromEntries(keys.map((k) => [k, entry(k)])) } },
        }),
      ),
      'qa',
    ).join('\n');

  test('qa with ANTHROPIC_API_KEY and OPENAI_API_KEY sealed: the one-of group is settled, no placeholder is left', () => {
    const items = qaWith(['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']);
    expect(items).not.toContain('must have a value');
    expect(items).not.toContain('Placeholders');
  });

  test('qa with one of them sealed: settled too', () => {
    expect(qaWith(['OPENAI_API_KEY'])).not.toContain('must have a value');
  });

  test('qa with none sealed: the group is open, and the report says the committed inputs hold none', () => {
    expect(qaWith([])).toContain('At least one of `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` (group `llm-provider`) must have a value, and none has one in the committed inputs yet.');
  });

  test('a method whose values live outside the inputs (plain: .env at deploy time) keeps the item as it was', () => {
    expect(openItemsOf(synth(), 'dev')).toContain('- At least one of `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` (group `llm-provider`) must have a value.');
  });
});

describe('iamReaders: a policy written to look harmless still counts as a reader', () => {
  const role = (statement: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    Resources: {
      Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'app/keys' } },
      Reader: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'reader',
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Resource: { Ref: 'Secret' }, ...statement }] } }],
        },
      },
      ...extra,
    },
  });
  const actionsOf = (template: any) => iamReaders(template).flatMap((r) => r.grants.flatMap((g) => g.actions));

  test.each([
    ['a wildcard over every action', { Action: '*' }, '*'],
    ['a service wildcard', { Action: 'secretsmanager:*' }, 'secretsmanager:*'],
    ['a prefix wildcard', { Action: 'secretsmanager:Get*' }, 'secretsmanager:Get*'],
    ['a single-character wildcard', { Action: 'ssm:GetParamete?' }, 'ssm:GetParamete?'],
    ['another letter case (IAM matches actions case-insensitively)', { Action: 'SecretsManager:getsecretvalue' }, 'SecretsManager:getsecretvalue'],
    ['NotAction that leaves the reads allowed', { NotAction: 'iam:*' }, 'every action but iam:*'],
  ])('%s', (_name, statement, shown) => {
    expect(actionsOf(role(statement))).toEqual([shown]);
    expect(iamReaders(role(statement))[0].grants[0].resources).toEqual(['secret `app/keys`']);
  });

  test('a policy resource attached to the role counts like an inline one; a Deny, other actions and regex characters do not', () => {
    const template = role({ Action: ['s3:GetObject', 'secretsmanager:(.*)'] }, {
      Attached: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Reader' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } } },
      Denied: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Reader' }], PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*' }] } } },
    });
    expect(iamReaders(template).map((r) => r.grants)).toEqual([[{ actions: ['kms:Decrypt'], resources: ['`*`'], condition: undefined }]]);
    expect(iamReaders(role({ NotAction: ['secretsmanager:*', 'ssm:*', 'kms:*'] }))).toEqual([]);
  });
});
