import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import { resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan } from '../src/app/synthesize';
import { REVIEW_REPORT_FILE } from '../src/report/review-report';
import type { OutputFile } from '../src/core/output-file';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { configWith, synth } from './helpers';

/**
 * Every statement of each SECRETS.md checked against the objects and the template written beside it,
 * for every environment of the default config (as it is, and with applications that read through the
 * API) and of every example: a line that says something the folder does not do fails here.
 */
const examplesDir = join(__dirname, '..', 'examples');
const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

const throughApi = configWith((c) => {
  for (const env of Object.values(c.environments) as AragoraSecretsConfig['environments'][string][]) {
    const method = typeof env.delivery === 'string' ? env.delivery : env.delivery?.method;
    if (method !== 'vault') env.workload = { ...env.workload, readsSecretsThroughApi: true };
  }
});

const sources: [string, () => OutputFile[]][] = [
  ['the default config', () => synth()],
  ['the default config, applications reading through the API', () => synth(throughApi)],
  ...examples.map((name): [string, () => OutputFile[]] => [`examples/${name}`, () => synthesizePlan(resolvePlan(parseConfigFile(join(examplesDir, name))))]),
];

const READ_ACTION = /^(secretsmanager:(GetSecretValue|\*)|ssm:GetParameters?|kms:Decrypt|\*)$/;
const asArray = (v: unknown): any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe.each(sources)('%s', (_name, synthesize) => {
  const files = synthesize();
  const environments = [...new Set(files.filter((f) => f.path.endsWith(`/${REVIEW_REPORT_FILE}`)).map((f) => f.path.split('/')[0]))];

  test('has environments', () => expect(environments.length).toBeGreaterThan(0));

  test.each(environments)('%s: the report states what the written objects do, and nothing else', (env) => {
    const report = files.find((f) => f.path === `${env}/${REVIEW_REPORT_FILE}`)!.content;
    const readers = report.slice(report.indexOf('## Who can read the values'), report.indexOf('## Open items'));
    const controls = report.slice(report.indexOf('## Controls'));
    const objects = files.filter((f) => f.path.startsWith(`${env}/manifests/`)).map((f) => parse(f.content));
    const templateFile = files.find((f) => f.path.startsWith(`${env}/aws/`) && f.path.endsWith('.template.json'));
    const template = templateFile ? JSON.parse(templateFile.content) : undefined;

    // The application's ServiceAccount, as the report names it, and whether its pods get a token.
    const first = /^- Kubernetes: ServiceAccount `([^`]+)` in `([^`]+)` \((no API token mounted|API token mounted)/m.exec(readers);
    expect(first).not.toBeNull();
    const [, appAccount, namespace, tokenWords] = first!;
    const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === appAccount);
    expect(account).toBeDefined();
    const pod = objects.find((o) => o.kind === 'Deployment')?.spec.template.spec;
    if (pod) expect(pod.serviceAccountName).toBe(appAccount);
    const mounted = pod?.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
    expect(tokenWords === 'API token mounted').toBe(mounted);
    expect(controls).toContain(mounted ? '| API token | mounted' : '| API token | not mounted |');

    // The Role bound to it: named wherever the report speaks of API reads, and "no Role" only without one.
    const boundRoles = objects
      .filter((o) => o.kind === 'RoleBinding' && (o.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === appAccount && (s.namespace ?? namespace) === namespace))
      .map((b) => objects.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name))
      .filter((role) => role && role.rules.some((r: any) => r.resources.includes('secrets')));
    const withoutPhrases = report.replace('never reads Secrets through the API', '');
    if (boundRoles.length > 0) {
      expect(mounted).toBe(true);
      for (const role of boundRoles) {
        expect(readers).toContain(`Role \`${role.metadata.name}\` allows (\`get\` on ${role.rules[0].resourceNames.map((n: string) => `\`${n}\``).join(', ')}, nothing else)`);
        expect(controls).toContain(`| RBAC scope | Role \`${role.metadata.name}\``);
        expect(controls).toContain(`| API token | mounted (for the application's API reads through Role \`${role.metadata.name}\`) |`);
      }
      expect(report).not.toMatch(/no Role|bound to no Role|may read no Secret through the API/);
    } else {
      expect(withoutPhrases).not.toMatch(/reads? (it )?through the API|via Role|which Role/);
      expect(controls).toContain('| RBAC scope | no Role');
      expect(controls).not.toContain("the application's API reads");
    }

    // Every identity written into the folder is in "Who can read the values", and in the audit line's token requests.
    const audit = readers.split('\n').find((l) => l.startsWith('- Audit:'))!;
    for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) {
      const key = `${sa.metadata.namespace ?? namespace}/${sa.metadata.name}`;
      expect({ sa: key, listed: readers.includes(`\`${key}\``) || sa.metadata.name === appAccount }).toEqual({ sa: key, listed: true });
      expect({ sa: key, audited: audit.includes(`\`${key}\``) }).toEqual({ sa: key, audited: true });
    }
    for (const role of objects.filter((o) => (o.kind === 'Role' || o.kind === 'ClusterRole') && o.rules.some((r: any) => r.resources.includes('secrets')))) {
      expect(readers).toContain(`Role \`${role.metadata.name}\``);
    }
    for (const member of objects.filter((o) => o.kind === 'IAMPolicyMember')) {
      const line = readers.split('\n').find((l) => l.includes(`\`${member.metadata.name}\``));
      expect({ member: member.metadata.name, line: line?.includes(`\`${member.spec.member}\` has \`${member.spec.role}\``) }).toEqual({ member: member.metadata.name, line: true });
    }

    // Every IAM role of the template that may read a value, with each secret it reads; no other role.
    for (const [logicalId, resource] of Object.entries<any>(template?.Resources ?? {})) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const statements = asArray(resource.Properties.Policies).flatMap((p: any) => asArray(p.PolicyDocument.Statement));
      const reads = statements.filter((s: any) => s.Effect === 'Allow' && asArray(s.Action).some((a: string) => READ_ACTION.test(a)));
      const name = resource.Properties.RoleName ?? logicalId;
      const line = readers.split('\n').find((l) => l.includes(`IAM role \`${name}\``));
      expect({ role: name, listed: line !== undefined }).toEqual({ role: name, listed: reads.length > 0 });
      for (const s of reads) {
        for (const r of asArray(s.Resource)) {
          if (r.Ref && template.Resources[r.Ref].Type === 'AWS::SecretsManager::Secret') expect(line).toContain(`secret \`${template.Resources[r.Ref].Properties.Name}\``);
        }
      }
      const trust = asArray(resource.Properties.AssumeRolePolicyDocument.Statement)[0];
      if (trust.Principal.Service && line) expect(line).toContain(`\`${trust.Principal.Service}\``);
      const sub = Object.entries<string>(trust.Condition?.StringEquals ?? {}).find(([k]) => k.endsWith(':sub'))?.[1];
      if (sub && line) expect(line).toContain(`ServiceAccount \`${sub.split(':').slice(2).join('/')}\` through IRSA`);
    }
  });
});
