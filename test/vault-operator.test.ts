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
import { find, manifests, problemsOf } from './helpers';
import { root, spawnCli } from './support/cli';
import { integration } from './support/tiers';

/**
 * Delivery method `vault-operator` (Vault Secrets Operator): the objects and files it writes for
 * examples/vault-operator.yaml, the config it refuses (through the real CLI where a user meets it),
 * and its checks over objects edited by hand.
 */

const EXAMPLE = join(root, 'examples', 'vault-operator.yaml');
const exampleText = readFileSync(EXAMPLE, 'utf8');
const example = (): AragoraSecretsConfig => parse(exampleText) as AragoraSecretsConfig;
const files = synthesizePlan(resolvePlan(parseConfigFile(EXAMPLE)));

function file(all: readonly OutputFile[], path: string): string {
  const found = all.find((f) => f.path === path);
  if (!found) throw new Error(`no file ${path}`);
  return found.content;
}

function delivery(config: AragoraSecretsConfig, env: string): any {
  return config.environments[env].delivery;
}

/** `config` with environment `env`'s delivery changed. */
function withDelivery(env: string, change: (d: any) => void, config = example()): AragoraSecretsConfig {
  change(delivery(config, env));
  return config;
}

/** The findings of the rules over `files` with the example's config facts. */
function findings(all: readonly OutputFile[], config = example()): Finding[] {
  return runChecks(RULES, { tree: parseTree(all), facts: factsOf(resolvePlan(validateConfig(config, 'test'))) });
}

function ruleFindings(all: readonly OutputFile[], rule: string, config = example()): Finding[] {
  return findings(all, config).filter((f) => f.rule === rule);
}

function edit(all: readonly OutputFile[], path: string, change: (object: any) => void): OutputFile[] {
  return all.map((f) => {
    if (f.path !== path) return f;
    const object = parse(f.content);
    change(object);
    return { path, content: stringify(object) };
  });
}

const STAGING_VSS = 'staging/manifests/30-VaultStaticSecret.aragora-secrets.k8s.yaml';

describe('vault-operator: what it writes', () => {
  test('the VaultStaticSecret writes the Secret the Deployment reads, one key per catalog variable, and restarts exactly that Deployment', () => {
    const objects = manifests(files, 'staging');
    const vss = find(objects, 'VaultStaticSecret');
    const deployment = find(objects, 'Deployment');
    const read = deployment.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(read).toEqual(Object.keys(vss.spec.destination.transformation.templates).map((k) => [k, vss.spec.destination.name, k]));
    expect(vss.spec.destination).toMatchObject({ name: 'aragora-secrets', create: true, transformation: { excludeRaw: true, excludes: ['.*'] } });
    expect(vss.spec.destination.overwrite).toBeUndefined();
    expect(vss.spec).toMatchObject({ mount: 'secret', path: 'aragora/api-keys', type: 'kv-v2', refreshAfter: '30m', hmacSecretData: true, vaultAuthRef: 'aragora-vault' });
    expect(vss.spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: deployment.metadata.name }]);
    // Reloader stays off: the operator restarts the Deployment, and two restarters would restart it twice.
    expect(Object.keys(deployment.metadata.annotations ?? {}).filter((k) => k.includes('reloader'))).toEqual([]);
  });

  test('each template reads its own field, and a required one fails the sync when the field is missing', () => {
    const prod = find(manifests(files, 'prod'), 'VaultStaticSecret').spec.destination.transformation.templates;
    expect(prod.ANTHROPIC_API_KEY.text).toBe('{{- get .Secrets "anthropic" -}}');
    expect(prod.SUPABASE_KEY.text).toContain('{{- if not (hasKey .Secrets "supabase") }}{{ fail ');
    expect(prod.SUPABASE_KEY.text).toContain('{{- get .Secrets "supabase" -}}');
  });

  test('the operator logs in as a ServiceAccount of the output; the Vault policy reads exactly the one path and the role binds exactly that account', () => {
    const objects = manifests(files, 'prod');
    const auth = find(objects, 'VaultAuth');
    expect(auth.spec).toMatchObject({ method: 'kubernetes', mount: 'k8s-prod', namespace: 'admin/aragora', vaultConnectionRef: 'aragora-vault' });
    expect(auth.spec.kubernetes).toEqual({ role: 'aragora-prod-vso', serviceAccount: 'aragora-vault-auth', audiences: ['vault'] });
    expect(find(objects, 'ServiceAccount', 'aragora-vault-auth').automountServiceAccountToken).toBe(false);
    expect(find(objects, 'VaultConnection').spec).toEqual({ address: 'https://vault.example.com:8200', caCertSecretRef: 'vault-ca', skipTLSVerify: false, tlsServerName: 'vault.example.com' });
    const policy = file(files, 'prod/vault/policy.hcl');
    expect(policy.match(/^path .*$/gm)).toEqual(['path "kv/data/aragora/prod" {']);
    expect(policy).toContain('capabilities = ["read"]');
    const setup = file(files, 'prod/vault/setup.sh');
    expect(setup).toContain('vault write -namespace=admin/aragora auth/k8s-prod/role/aragora-prod-vso');
    expect(setup).toMatch(/bound_service_account_names=aragora-vault-auth \\\n\s+bound_service_account_namespaces=aragora-prod \\\n\s+audience=vault/);
    // The workload's own ServiceAccount when the config says so; no dedicated one then.
    const dev = manifests(files, 'dev');
    expect(find(dev, 'VaultAuth').spec.kubernetes.serviceAccount).toBe('aragora');
    expect(dev.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['aragora']);
  });

  test('with rolloutRestart: false, Reloader watches the Secret instead', () => {
    const objects = manifests(files, 'prod');
    expect(find(objects, 'VaultStaticSecret').spec.rolloutRestartTargets).toBeUndefined();
    expect(find(objects, 'Deployment').metadata.annotations?.['secret.reloader.stakater.com/reload']).toBe('aragora-secrets');
  });

  test('the manifests are in apply order: the connection and the login before the secret, the Deployment last', () => {
    expect(files.filter((f) => f.path.startsWith('staging/manifests/')).map((f) => f.path.split('/')[2])).toEqual([
      '00-Namespace.aragora-staging.k8s.yaml',
      '10-NetworkPolicy.aragora-secrets-access.k8s.yaml',
      '10-ServiceAccount.aragora-vault-auth.k8s.yaml',
      '10-ServiceAccount.aragora.k8s.yaml',
      '20-VaultAuth.aragora-vault.k8s.yaml',
      '20-VaultConnection.aragora-vault.k8s.yaml',
      '30-VaultStaticSecret.aragora-secrets.k8s.yaml',
      '40-Deployment.aragora.k8s.yaml',
    ]);
  });

  test('the review report names the operator\'s identity as the reader, and the pods need no egress to Vault', () => {
    const report = file(files, 'staging/SECRETS.md');
    expect(report).toContain('Vault Secrets Operator: the controller logs into `auth/kubernetes` with role `aragora-staging` as ServiceAccount `aragora-staging/aragora-vault-auth`');
    expect(report).toContain('need no egress to it');
    const policy = find(manifests(files, 'staging'), 'NetworkPolicy');
    expect(JSON.stringify(policy.spec.egress)).not.toContain('8200');
    // workload.enabled: false puts the Secret reference into the patch, the operator's objects stay in the manifests.
    expect(file(files, 'dev/patches/workload.patch.yaml')).toContain('name: aragora-secrets');
  });

  test('the example passes every rule; restarting a Deployment managed elsewhere is a warning to check its name', () => {
    expect(findings(files)).toEqual([]);
    const foreign = withDelivery('dev', (d) => delete d.rolloutRestart);
    delete foreign.environments.dev.rotation;
    const out = synthesizePlan(resolvePlan(validateConfig(foreign, 'test')));
    expect(findings(out, foreign).map((f) => [f.rule, f.severity, f.environment])).toEqual([['vso-restart-target', 'warning', 'dev']]);
    expect(file(out, 'dev/patches/workload.patch.yaml')).not.toContain('reloader');
  });
});

describe('vault-operator: config it refuses', () => {
  const messages = (config: AragoraSecretsConfig) => problemsOf(config).map((p) => `${p.path}: ${p.message}`);

  test('skipping TLS verification, a short refresh or no HMAC with restarts, and two restarters', () => {
    expect(messages(withDelivery('staging', (d) => (d.tls.skipVerify = true)))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.tls\.skipVerify: skipping TLS verification is refused/)]);
    expect(messages(withDelivery('staging', (d) => (d.refreshAfter = '10s')))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.refreshAfter: refreshAfter 10s is shorter than 1m/)]);
    expect(messages(withDelivery('staging', (d) => (d.hmacSecretData = false)))).toEqual([expect.stringMatching(/^environments\.staging\.delivery\.hmacSecretData: hmacSecretData: false while the operator restarts/)]);
    // Without restarts, neither matters.
    expect(() => validateConfig(withDelivery('staging', (d) => Object.assign(d, { refreshAfter: '10s', hmacSecretData: false, rolloutRestart: false })), 'test')).not.toThrow();
    const twice = example();
    twice.environments.staging.rotation = { reloader: 'auto' };
    expect(messages(twice)).toEqual([expect.stringMatching(/^environments\.staging\.rotation\.reloader: Reloader \(auto\) and the operator's rolloutRestartTargets would both restart/)]);
  });

  test('KV v2 paths: data/ and the API path are refused with the path to write; several remote keys need one path', () => {
    expect(problemsOf(withDelivery('prod', (d) => (d.path = 'data/aragora/prod')))).toEqual([
      expect.objectContaining({ path: 'environments.prod.delivery.path', message: expect.stringContaining('starts with data/'), fix: expect.stringContaining('"aragora/prod"') }),
    ]);
    expect(problemsOf(withDelivery('prod', (d) => (d.path = 'kv/data/aragora/prod')))).toEqual([
      expect.objectContaining({ path: 'environments.prod.delivery.path', fix: 'write "aragora/prod"' }),
    ]);
    // KV v1 has no /data/: the same path is a path like any other there.
    expect(() => validateConfig(withDelivery('prod', (d) => Object.assign(d, { path: 'data/aragora/prod', kvVersion: 1 })), 'test')).not.toThrow();
    const twoKeys = example();
    twoKeys.secrets.OPENAI_API_KEY.remote = { key: 'aragora/openai', property: 'openai' };
    expect(messages(twoKeys)).toEqual([expect.stringMatching(/^environments\.(dev|staging)\.delivery\.path: environment (dev|staging) reads one KV secret/), expect.stringMatching(/^environments\.(dev|staging)\.delivery\.path/)]);
  });

  test('hostile fields: a template breakout in a property, unknown keys, credentials in the address, the short form', () => {
    const breakout = example();
    breakout.secrets.OPENAI_API_KEY.remote = { property: 'x" }}{{ .Secrets' };
    expect(messages(breakout).filter((m) => m.startsWith('secrets.OPENAI_API_KEY.remote.property'))).toHaveLength(3);
    expect(messages(withDelivery('staging', (d) => (d.destination = 'other')))).toEqual([expect.stringContaining('environments.staging.delivery')]);
    expect(messages(withDelivery('staging', (d) => (d.address = 'https://root:hunter2@vault:8200'))).join('\n')).not.toContain('hunter2');
    const short = example();
    short.environments.staging.delivery = 'vault-operator';
    expect(messages(short)).toEqual([expect.stringMatching(/^environments\.staging\.delivery: vault-operator needs to know where Vault is/)]);
    expect(messages(withDelivery('staging', (d) => (d.serviceAccount = 'default')))).toEqual(['environments.staging.delivery.serviceAccount: "default" is not allowed here']);
  });

  integration.test('through the CLI: exit 1, the config path and line, no stack trace, nothing written', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-vso-'));
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), exampleText.replace('refreshAfter: 30m', 'refreshAfter: 5s'));
    const run = spawnCli(cwd, ['synth']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.staging\.delivery\.refreshAfter \(line \d+\): refreshAfter 5s is shorter than 1m/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(spawnCli(cwd, ['check']).status).toBe(1);
    expect(() => readFileSync(join(cwd, 'dist', 'staging', 'SECRETS.md'))).toThrow();
    // render refuses: the operator owns the Secret.
    writeFileSync(join(cwd, 'aragora-secrets.yaml'), exampleText);
    const render = spawnCli(cwd, ['render', '--env', 'staging']);
    expect(render.status).toBe(1);
    expect(render.stderr).toContain('the Vault Secrets Operator makes and owns Secret "aragora-secrets"');
  });
});

describe('vault-operator: checks over objects edited by hand', () => {
  test('vso-restart-storm: no HMAC, no refreshAfter or one under a minute, with restart targets', () => {
    const noHmac = edit(files, STAGING_VSS, (o) => (o.spec.hmacSecretData = false));
    expect(ruleFindings(noHmac, 'vso-restart-storm').map((f) => f.location)).toEqual(['spec.hmacSecretData']);
    const fast = edit(files, STAGING_VSS, (o) => (o.spec.refreshAfter = '30s'));
    expect(ruleFindings(fast, 'vso-restart-storm').map((f) => f.location)).toEqual(['spec.refreshAfter']);
    const none = edit(files, STAGING_VSS, (o) => delete o.spec.refreshAfter);
    expect(ruleFindings(none, 'vso-restart-storm')).toHaveLength(1);
    const noTargets = edit(files, STAGING_VSS, (o) => Object.assign(o.spec, { refreshAfter: '1s', hmacSecretData: false, rolloutRestartTargets: undefined }));
    expect(ruleFindings(noTargets, 'vso-restart-storm')).toEqual([]);
  });

  test('vso-restart-target: a target that does not read the Secret', () => {
    const wrong = edit(files, STAGING_VSS, (o) => (o.spec.destination.name = 'other-secret'));
    expect(ruleFindings(wrong, 'vso-restart-target')).toEqual([
      expect.objectContaining({ severity: 'error', environment: 'staging', message: expect.stringContaining('but Deployment/aragora does not read that Secret') }),
    ]);
  });

  test('vso-destination-conflict: the destination is also a SealedSecret\'s or an ExternalSecret\'s', () => {
    const sealed = [...files, { path: 'staging/manifests/30-SealedSecret.aragora-secrets.k8s.yaml', content: stringify({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'aragora-secrets', namespace: 'aragora-staging' }, spec: { encryptedData: {} } }) }];
    expect(ruleFindings(sealed, 'vso-destination-conflict').map((f) => f.message)).toEqual([expect.stringContaining('which SealedSecret/aragora-secrets (its controller writes it) also makes')]);
    const external = [...files, { path: 'staging/manifests/30-ExternalSecret.x.k8s.yaml', content: stringify({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'aragora-staging' }, spec: { target: { name: 'aragora-secrets' } } }) }];
    expect(ruleFindings(external, 'vso-destination-conflict').map((f) => f.message)).toEqual([expect.stringContaining('ExternalSecret/x (its target)')]);
    // Another namespace is another Secret.
    const elsewhere = [...files, { path: 'staging/manifests/30-ExternalSecret.x.k8s.yaml', content: stringify({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'other' }, spec: { target: { name: 'aragora-secrets' } } }) }];
    expect(ruleFindings(elsewhere, 'vso-destination-conflict')).toEqual([]);
  });

  test('vso-overwrite: only when the config asks for it', () => {
    const overwrite = edit(files, STAGING_VSS, (o) => (o.spec.destination.overwrite = true));
    expect(ruleFindings(overwrite, 'vso-overwrite')).toEqual([expect.objectContaining({ location: 'spec.destination.overwrite', fix: expect.stringContaining('delivery.overwrite: true') })]);
    const asked = withDelivery('staging', (d) => (d.overwrite = true));
    expect(ruleFindings(overwrite, 'vso-overwrite', asked)).toEqual([]);
    // And the config's overwrite reaches the object, acknowledged.
    const synthesized = synthesizePlan(resolvePlan(validateConfig(asked, 'test')));
    expect(find(manifests(synthesized, 'staging'), 'VaultStaticSecret').spec.destination.overwrite).toBe(true);
    expect(ruleFindings(synthesized, 'vso-overwrite', asked)).toEqual([]);
  });

  test('vso-auth-service-account: a ServiceAccount that is not in the output, and the default one', () => {
    const missing = files.filter((f) => f.path !== 'staging/manifests/10-ServiceAccount.aragora-vault-auth.k8s.yaml');
    expect(ruleFindings(missing, 'vso-auth-service-account')).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('"aragora-vault-auth", which no manifest in this folder creates') })]);
    const byDefault = edit(files, 'staging/manifests/20-VaultAuth.aragora-vault.k8s.yaml', (o) => (o.spec.kubernetes.serviceAccount = 'default'));
    expect(ruleFindings(byDefault, 'vso-auth-service-account')).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });

  test('vso-kv2-path and vso-skip-tls-verify', () => {
    const dataPath = edit(files, STAGING_VSS, (o) => (o.spec.path = 'data/aragora/api-keys'));
    expect(ruleFindings(dataPath, 'vso-kv2-path')).toEqual([expect.objectContaining({ fix: 'write "aragora/api-keys"' })]);
    const v1 = edit(dataPath, STAGING_VSS, (o) => (o.spec.type = 'kv-v1'));
    expect(ruleFindings(v1, 'vso-kv2-path')).toEqual([]);
    const skip = edit(files, 'staging/manifests/20-VaultConnection.aragora-vault.k8s.yaml', (o) => (o.spec.skipTLSVerify = true));
    expect(ruleFindings(skip, 'vso-skip-tls-verify')).toEqual([expect.objectContaining({ location: 'spec.skipTLSVerify' })]);
  });

  test('the VaultStaticSecret makes the Secret the Deployment reads: without it, the workload reads a Secret nobody makes', () => {
    const without = files.filter((f) => f.path !== STAGING_VSS);
    expect(ruleFindings(without, 'workload-secrets-consistent').map((f) => f.message)).toEqual([expect.stringMatching(/which no SealedSecret, ExternalSecret, VaultStaticSecret, VaultDynamicSecret( or|,) SecretProviderClass in this folder makes/)]);
  });
});
