import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import type { OutputFile } from '../src/core/output-file';
import { checkFiles, type Finding } from '../src/checks';
import { RULES } from '../src/app/rule-set';
import { runSynth } from '../src/synth';
import { configWith, synth } from './helpers';
import { listAll, spawnCli } from './support/cli';
import { allDocumentation } from './support/docs';
import { integration } from './support/tiers';

const root = join(__dirname, '..');

/** The isolation violations (errors, in the environment of their file), shown without those two fields. */
function isolation(files: readonly OutputFile[]): Omit<Finding, 'severity' | 'environment'>[] {
  const found = checkFiles(RULES, files).filter((v) => v.rule === 'environment-isolation');
  for (const f of found) expect([f.severity, f.environment]).toEqual(['error', f.file.split('/')[0]]);
  return found.map(({ severity, environment, ...violation }) => violation);
}

function add(files: readonly OutputFile[], path: string, content: string): OutputFile[] {
  return [...files, { path, content }];
}

function project(config: AragoraSecretsConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-isolation-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  return dir;
}

/** The default with prod reading the same ClusterSecretStore as staging: one Vault role, one path, for both. */
const SHARED_STORE = configWith((c) => (c.environments.prod.delivery = { method: 'external', store: 'vault-backend' }));

describe('every generated policy grants one environment its own things only', () => {
  test('the embedded default and every example pass', () => {
    expect(isolation(synth())).toEqual([]);
    for (const example of ['aws-eso.yaml', 'gcp-eso.yaml', 'gcp-cloud-run.yaml']) expect(isolation(synth(parseConfigFile(join(root, 'examples', example))))).toEqual([]);
  });

  test('staging\'s ESO store gets a Vault policy of its own: read on exactly the path staging reads, no wildcard', () => {
    const hcl = synth().find((f) => f.path === 'staging/vault/external-secrets-policy.hcl')!.content;
    expect([...hcl.matchAll(/^path "([^"]+)" \{\n {2}capabilities = \["read"\]\n\}$/gm)].map((m) => m[1])).toEqual(['secret/data/aragora/api-keys']);
    expect(hcl).not.toContain('*');
    expect(hcl).toContain('#   vault write auth/kubernetes/role/aragora-external-secrets bound_service_account_names=external-secrets \\');
    expect(hcl).toContain('#     bound_service_account_namespaces=external-secrets token_policies=aragora-staging-external-secrets');
  });

  test('the documentation (README.md, docs/) shows no Vault policy with a wildcard path (it used to give secret/data/aragora/* to staging\'s store)', () => {
    const readme = allDocumentation();
    expect(readme).not.toMatch(/secret\/data\/aragora\/\*/);
    for (const [, path] of readme.matchAll(/path "([^"]+)"/g)) expect(path).not.toMatch(/[*+]/);
  });
});

describe('environment-isolation refuses what would let one environment read another\'s secrets', () => {
  test('the documented policy: a wildcard that reaches prod\'s Vault path from staging\'s', () => {
    // GIVEN staging's store policy as the README used to document it
    const files = synth().map((f) =>
      f.path === 'staging/vault/external-secrets-policy.hcl' ? { ...f, content: f.content.replace('"secret/data/aragora/api-keys"', '"secret/data/aragora/*"') } : f,
    );
    expect(isolation(files)).toEqual([
      expect.objectContaining({ file: 'prod/vault/policy.hcl', message: expect.stringContaining('which environment staging also grants') }),
      {
        rule: 'environment-isolation',
        resource: 'Vault policy staging/vault/external-secrets-policy.hcl',
        file: 'staging/vault/external-secrets-policy.hcl',
        location: 'path "secret/data/aragora/*"',
        message: 'Vault path "secret/data/aragora/*" also matches Vault path "secret/data/aragora/env" of environment prod',
        fix: expect.stringContaining('grant exact names, not patterns'),
      },
    ]);
  });

  test('the same path on another Vault server is another secret', () => {
    const files = synth().map((f) =>
      f.path === 'staging/vault/external-secrets-policy.hcl'
        ? { ...f, content: f.content.replace('"secret/data/aragora/api-keys"', '"secret/data/aragora/env"').replace('# Vault server: https://vault.vault.svc:8200', '# Vault server: https://vault-staging.example.com:8200') }
        : f,
    );
    expect(isolation(files)).toEqual([]);
  });

  integration.test('a ClusterSecretStore shared by staging and prod, through the real CLI: the store, its Vault role, its ServiceAccount and the path are named; nothing is written', () => {
    const dir = project(SHARED_STORE);
    const run = spawnCli(dir, ['synth']);
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).toMatch(/Guard rails failed \(\d+ violations; nothing was written\)/);
    expect(run.stderr).toContain('[environment-isolation] ClusterSecretStore vault-backend (prod/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml): ClusterSecretStore "vault-backend" is granted in environment staging too');
    expect(run.stderr).toContain('Vault role "aragora-external-secrets" (auth/kubernetes) of store vault-backend is granted in environment staging too');
    expect(run.stderr).toContain('ServiceAccount external-secrets/external-secrets is granted in environment prod too');
    expect(run.stderr).toContain('(staging/vault/external-secrets-policy.hcl, path "secret/data/aragora/api-keys"): grants Vault path "secret/data/aragora/api-keys", which environment prod also grants');
    expect(run.stderr).toMatch(/fix: give each environment an identity of its own/);
    expect(listAll(dir)).toEqual(['aragora-secrets.yaml']);
  });

  test('`cdk8s synth` (the app entry point) refuses it too, before writing', () => {
    const dir = project(SHARED_STORE);
    const lines: string[] = [];
    const outdir = join(dir, 'dist');
    expect(runSynth({ outdir, cwd: dir, env: {} }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toContain('[environment-isolation]');
    expect(existsSync(outdir)).toBe(false);
  });

  test('RBAC: a RoleBinding of dev that grants prod\'s ServiceAccount, and a Role of dev on a Secret of prod\'s namespace', () => {
    const files = add(
      add(
        synth(),
        'dev/manifests/10-Role.cross.k8s.yaml',
        stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cross', namespace: 'aragora-prod' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['vault-tls'], verbs: ['get'] }] }),
      ),
      'dev/manifests/10-RoleBinding.cross.k8s.yaml',
      stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'cross', namespace: 'aragora-prod' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cross' },
        subjects: [{ kind: 'ServiceAccount', name: 'aragora', namespace: 'aragora-prod' }],
      }),
    );
    expect(isolation(files).map((v) => [v.resource, v.location, v.message])).toEqual([
      ['Role aragora-prod/cross', 'rules[0].resourceNames', 'grants Secret aragora-prod/vault-tls, which belongs to environment prod (namespace aragora-prod)'],
      ['RoleBinding aragora-prod/cross', 'subjects[0]', 'grants to ServiceAccount aragora-prod/aragora, which belongs to environment prod (namespace aragora-prod)'],
    ]);
  });

  test('IAM: a staging template granting prod\'s parameters by pattern, and a role trusting prod\'s ServiceAccount', () => {
    const files = synth();
    const template = JSON.parse(files.find((f) => f.path === 'prod/aws/aragora-prod-secrets.template.json')!.content);
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'oidc.example/id/X:sub': 'system:serviceaccount:aragora-prod:aragora' } } }],
        },
        Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: ['arn:aws:ssm:us-east-1:123456789012:parameter/aragora/*'] }] } }],
      },
    };
    const staging = add(files, 'staging/aws/aragora-staging-secrets.template.json', JSON.stringify({ Resources: { Reader: role } }));
    const found = isolation(staging);
    expect(found.map((v) => [v.file, v.message])).toEqual([
      ['prod/aws/aragora-prod-secrets.template.json', expect.stringMatching(/^grants "arn:aws:ssm:us-east-1:123456789012:parameter\/aragora\/supabase-key", which environment staging also grants/)],
      ['staging/aws/aragora-staging-secrets.template.json', 'grants to ServiceAccount aragora-prod/aragora, which belongs to environment prod (namespace aragora-prod)'],
      ['staging/aws/aragora-staging-secrets.template.json', expect.stringMatching(/^"arn:aws:ssm:us-east-1:123456789012:parameter\/aragora\/\*" also matches "arn:aws:ssm:us-east-1:123456789012:parameter\/aragora\/supabase-key" of environment prod$/)],
    ]);
    expect(template.Resources.EcsExecutionRole).toBeDefined();
  });

  test('GCP: one runtime service account for staging and prod (Config Connector members and gcloud bindings alike)', () => {
    const config = parseConfigFile(join(root, 'examples', 'gcp-cloud-run.yaml'));
    config.environments.staging.gcp!.serviceAccount = 'aragora-runtime@aragora-prod.iam.gserviceaccount.com';
    const found = isolation(synth(config));
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((v) => v.message))).toContain('member "serviceAccount:aragora-runtime@aragora-prod.iam.gserviceaccount.com" is granted in environment staging too: one identity reads the secrets of both environments');
    expect(found.some((v) => v.file === 'staging/gcp/setup.sh' && v.message.includes('is granted in environment prod too'))).toBe(true);
  });

  test('violations name each environment\'s side, sorted, and repeat nothing', () => {
    const found = isolation(synth(SHARED_STORE));
    const keys = found.map((v) => `${v.file} ${v.location} ${v.message}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...new Set(found.map((v) => v.file.split('/')[0]))]).toEqual(['prod', 'staging']);
    expect(parse(synth(SHARED_STORE).find((f) => f.path === 'prod/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml')!.content).spec.conditions).toEqual([{ namespaces: ['aragora-prod', 'aragora-staging'] }]);
  });
});
