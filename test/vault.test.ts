import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { isValidLabelKey, type AragoraSecretsConfig } from '../src/config-kit/schema';
import type { VaultDeliveryConfig } from '../src/delivery/vault/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import type { VaultDeliveryPlan } from '../src/delivery/vault/plan';
import { synthesizeProject } from '../src/synth';
import { renderEnvTemplate } from '../src/delivery/vault/env-template';
import { configWith, find, findAll, manifests, synth, type Manifest, problemsOf } from './helpers';
import { renderGoTemplate } from './support/go-template';
import { integration } from './support/tiers';

/**
 * Every annotation the Vault Agent injector reads, from hashicorp/vault-k8s
 * agent-inject/agent/annotations.go at commit c51bed497f11da471cec4c2eb06315b4cdc39884 (main after
 * v1.4.2: it has `error-on-missing-key`, added in v1.4.0, and `agent-metrics-listener-port`).
 * Exact names, then the prefixes that take a per-file (or per-parameter) suffix after a dash.
 */
const INJECTOR_ANNOTATIONS = [
  'agent-inject-status', 'agent-inject', 'agent-inject-containers', 'agent-inject-default-template', 'agent-inject-token',
  'agent-image', 'agent-request-namespace', 'agent-init-first', 'agent-pre-populate', 'agent-pre-populate-only',
  'agent-configmap', 'agent-extra-secret', 'agent-limits-cpu', 'agent-limits-mem', 'agent-limits-ephemeral',
  'agent-requests-cpu', 'agent-requests-mem', 'agent-requests-ephemeral', 'agent-revoke-on-shutdown', 'agent-revoke-grace',
  'namespace', 'agent-run-as-user', 'agent-run-as-group', 'agent-run-as-same-user', 'agent-share-process-namespace',
  'agent-set-security-context', 'agent-service-account-token-volume-name', 'service', 'proxy-address', 'tls-skip-verify',
  'tls-secret', 'tls-server-name', 'ca-cert', 'ca-key', 'client-cert', 'client-key', 'client-max-retries', 'client-timeout',
  'go-max-procs', 'log-level', 'log-format', 'role', 'auth-type', 'auth-path', 'secret-volume-path', 'preserve-secret-case',
  'agent-cache-enable', 'agent-cache-use-auto-auth-token', 'agent-cache-listener-port', 'agent-cache-exit-on-err',
  'agent-copy-volume-mounts', 'template-config-exit-on-retry-failure', 'template-static-secret-render-interval',
  'template-max-connections-per-host', 'agent-enable-quit', 'auth-min-backoff', 'auth-max-backoff',
  'agent-disable-idle-connections', 'agent-disable-keep-alives', 'agent-json-patch', 'agent-init-json-patch',
  'agent-auto-auth-exit-on-err', 'agent-metrics-listener-port',
].map((n) => `vault.hashicorp.com/${n}`);
const INJECTOR_ANNOTATION_PREFIXES = [
  'agent-inject-secret-', 'agent-inject-file-', 'agent-inject-perms-', 'agent-inject-template-', 'agent-inject-template-file-',
  'agent-inject-command-', 'error-on-missing-key-', 'auth-config-', 'agent-telemetry-', 'preserve-secret-case-', 'secret-volume-path-',
].map((n) => `vault.hashicorp.com/${n}`);

function knownToInjector(key: string): boolean {
  return INJECTOR_ANNOTATIONS.includes(key) || INJECTOR_ANNOTATION_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length);
}

/** The default with prod's Vault options changed by `mutate`. */
function withVault(mutate: (vault: Exclude<VaultDeliveryConfig, string>, config: AragoraSecretsConfig) => void): AragoraSecretsConfig {
  return configWith((c) => mutate(c.environments.prod.delivery as Exclude<VaultDeliveryConfig, string>, c));
}

function podAnnotations(files = synth(), env = 'prod'): Record<string, string> {
  return find(manifests(files, env), 'Deployment', 'aragora').spec.template.metadata.annotations;
}

function file(files: { path: string; content: string }[], path: string): string {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} among ${files.map((f) => f.path).join(', ')}`);
  return found.content;
}

function vaultPlan(config: AragoraSecretsConfig = configWith(), env = 'prod'): VaultDeliveryPlan {
  const plan = resolvePlan(validateConfig(config, 'test')).environments.find((e) => e.name === env)!;
  if (plan.delivery.method !== 'vault') throw new Error(`${env} does not use Vault`);
  return plan.delivery;
}

const TEMPLATE = 'vault.hashicorp.com/agent-inject-template-env';

describe('Vault Agent injection in the default prod environment', () => {
  const files = synth();
  const objects = manifests(files, 'prod');

  test('the pod template carries the injector annotations of the seed, with our role, path and template', () => {
    const annotations = podAnnotations(files);
    expect(annotations).toEqual({
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': 'aragora',
      'vault.hashicorp.com/agent-inject-secret-env': 'secret/data/aragora/env',
      [TEMPLATE]: expect.stringContaining('{{ with secret "secret/data/aragora/env" -}}'),
      'vault.hashicorp.com/error-on-missing-key-env': 'true',
      'vault.hashicorp.com/agent-inject-containers': 'aragora',
      'vault.hashicorp.com/agent-service-account-token-volume-name': 'vault-token',
      'vault.hashicorp.com/service': 'https://vault.vault.svc:8200',
      'vault.hashicorp.com/tls-secret': 'vault-tls',
      'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
      'vault.hashicorp.com/agent-requests-cpu': '50m',
      'vault.hashicorp.com/agent-requests-mem': '64Mi',
      'vault.hashicorp.com/agent-limits-mem': '128Mi',
    });
    // On the pod template, where the injector looks; not on the Deployment.
    expect(find(objects, 'Deployment', 'aragora').metadata.annotations).toBeUndefined();
  });

  test('the template exports every secret delivered in prod, and only those', () => {
    const template = podAnnotations(files)[TEMPLATE];
    const exported = [...template.matchAll(/^export ([A-Z_]+)=/gm)].map((m) => m[1]);
    const delivered = resolvePlan(validateConfig(configWith(), 't')).environments.find((e) => e.name === 'prod')!.secrets.map((s) => s.name);
    expect(exported).toEqual(delivered);
    expect(exported).toEqual([
      'ANTHROPIC_API_KEY',
      'ARAGORA_JWT_SECRET',
      'ARAGORA_SSO_CLIENT_SECRET',
      'OPENAI_API_KEY',
      'OPENROUTER_API_KEY',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'SUPABASE_KEY',
    ]);
    expect(exported).not.toContain('GOOGLE_OAUTH_CLIENT_SECRET');
  });

  test('the container sources the rendered file, then execs the application', () => {
    const container = find(objects, 'Deployment', 'aragora').spec.template.spec.containers[0];
    expect(container.command).toEqual(['/bin/sh', '-c', '. /vault/secrets/env && exec "$0" "$@"']);
    expect(container.args).toEqual(['aragora', 'serve']);
    // Only the application's mode: the values come from the sourced file.
    expect(container.env).toEqual([{ name: 'ARAGORA_ENV', value: 'production' }, { name: 'ARAGORA_SECRETS_STRICT', value: 'false' }]);
    expect(container.envFrom).toBeUndefined();
  });

  integration.test('the wrapper passes the arguments through unchanged and runs with the rendered values', () => {
    // GIVEN a rendered env file and an argv with characters a shell would interpret
    const dir = mkdtempSync(join(tmpdir(), 'aragora-wrap-'));
    const envFile = join(dir, 'env');
    writeFileSync(envFile, "export GREETING='it'\\''s $HOME'\n");
    const argv = ['printf', '%s|%s|%s', '$GREETING', 'a b', "it's"];
    // WHEN the container's command runs with that file
    const result = spawnSync('/bin/sh', ['-c', `. ${envFile} && exec "$0" "$@"`, ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    // THEN the program got its arguments verbatim
    expect(result.stdout).toBe("$GREETING|a b|it's");
    const env = spawnSync('/bin/sh', ['-c', `. ${envFile} && exec "$0" "$@"`, 'printenv', 'GREETING'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(env.stdout).toBe("it's $HOME\n");
  });

  test('the pods get an API token (Vault kubernetes auth logs in with it) and run as the bound ServiceAccount', () => {
    expect(find(objects, 'ServiceAccount', 'aragora').automountServiceAccountToken).toBe(true);
    const pod = find(objects, 'Deployment', 'aragora').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('aragora');
    expect(file(files, 'prod/vault/setup.sh')).toContain('bound_service_account_names=aragora');
  });

  test('no Kubernetes Secret, so no Role or RoleBinding (nothing to grant)', () => {
    expect(findAll(objects, 'Secret')).toEqual([]);
    expect(findAll(objects, 'Role')).toEqual([]);
    expect(findAll(objects, 'RoleBinding')).toEqual([]);
  });

  test('no Reloader annotation: there is no Secret to watch', () => {
    const deployment = find(objects, 'Deployment', 'aragora');
    expect(JSON.stringify(deployment)).not.toContain('reloader.stakater.com');
  });

  test('the NetworkPolicy lets the pods (and so the agent) reach the Vault pods on 8200', () => {
    const policy = find(objects, 'NetworkPolicy', 'aragora-secrets-access');
    expect(policy.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault' } } }],
      ports: [{ port: 8200, protocol: 'TCP' }],
    });
  });

  test('the objects pass the Kubernetes schema and the annotation syntax rules', () => {
    for (const o of objects) {
      const Model = { Deployment, NetworkPolicy, ServiceAccount }[o.kind as 'Deployment' | 'NetworkPolicy' | 'ServiceAccount'];
      if (Model) expect(() => new Model(o as any).validate()).not.toThrow();
    }
    const annotations = podAnnotations(files);
    for (const key of Object.keys(annotations)) expect(isValidLabelKey(key)).toBe(true);
    // The API server's limit on all annotations of an object together.
    expect(Buffer.byteLength(JSON.stringify(annotations))).toBeLessThan(256 * 1024);
  });

  test('dev and staging are unchanged: no agent; only staging\'s External Secrets store has a Vault policy', () => {
    for (const env of ['dev', 'staging']) expect(JSON.stringify(manifests(files, env))).not.toContain('vault.hashicorp.com');
    expect(files.filter((f) => f.path.startsWith('dev/vault/'))).toEqual([]);
    expect(files.filter((f) => f.path.startsWith('staging/vault/')).map((f) => f.path)).toEqual(['staging/vault/external-secrets-policy.hcl']);
  });
});

describe('annotations per option', () => {
  test.each<[string, (v: Exclude<VaultDeliveryConfig, string>) => void, Record<string, string>]>([
    ['auth path', (v) => (v.authPath = 'auth/k8s-prod'), { 'vault.hashicorp.com/auth-path': 'auth/k8s-prod' }],
    ['Vault namespace', (v) => (v.vaultNamespace = 'admin/aragora'), { 'vault.hashicorp.com/namespace': 'admin/aragora' }],
    ['pre-populate only', (v) => (v.prePopulateOnly = true), { 'vault.hashicorp.com/agent-pre-populate-only': 'true' }],
    ['render interval', (v) => (v.renderInterval = '2m'), { 'vault.hashicorp.com/template-static-secret-render-interval': '2m' }],
    ['TLS server name', (v) => (v.tls = { ...v.tls, serverName: 'vault.example.com' }), { 'vault.hashicorp.com/tls-server-name': 'vault.example.com' }],
    ['agent CPU limit', (v) => (v.agentResources = { limits: { cpu: '100m' } }), { 'vault.hashicorp.com/agent-limits-cpu': '100m' }],
    ['file name', (v) => (v.file = 'aragora.env'), { 'vault.hashicorp.com/agent-inject-secret-aragora.env': 'secret/data/aragora/env' }],
  ])('%s', (_, mutate, expected) => {
    const annotations = podAnnotations(synth(withVault(mutate)));
    expect(annotations).toMatchObject(expected);
    for (const key of Object.keys(annotations)) expect(knownToInjector(key)).toBe(true);
  });

  test('options left unset write no annotation, so the injector defaults apply', () => {
    const annotations = podAnnotations(
      synth(
        withVault((v) => {
          delete v.tls;
          delete v.agentResources;
          delete v.server!.address;
        }),
      ),
    );
    expect(Object.keys(annotations).sort()).toEqual([
      'vault.hashicorp.com/agent-inject',
      'vault.hashicorp.com/agent-inject-containers',
      'vault.hashicorp.com/agent-inject-secret-env',
      'vault.hashicorp.com/agent-inject-template-env',
      'vault.hashicorp.com/agent-service-account-token-volume-name',
      'vault.hashicorp.com/error-on-missing-key-env',
      'vault.hashicorp.com/role',
    ]);
  });

  test('every vault.hashicorp.com annotation we can emit is one the injector defines', () => {
    // GIVEN every option set at once
    const files = synth(
      withVault((v) => {
        Object.assign(v, {
          authPath: 'auth/k8s-prod',
          vaultNamespace: 'admin/aragora',
          prePopulateOnly: true,
          renderInterval: '1m',
          tls: { secret: 'vault-tls', caCert: '/vault/tls/ca.crt', serverName: 'vault.vault.svc' },
          agentResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        });
      }),
    );
    // THEN the Deployment only carries known keys (the Helm values carry none: the chart cannot express injection)
    const keys = Object.keys(podAnnotations(files));
    const vaultKeys = keys.filter((k) => k.startsWith('vault.hashicorp.com/'));
    expect(vaultKeys.length).toBeGreaterThanOrEqual(15);
    expect(vaultKeys.filter((k) => !knownToInjector(k))).toEqual([]);
  });

  test('agent-inject-status is never written: the injector sets it, and injects only at pod creation', () => {
    expect(Object.keys(podAnnotations())).not.toContain('vault.hashicorp.com/agent-inject-status');
  });
});

describe('the environment template', () => {
  test('KV v2 reads .Data.data.<field>; KV v1 reads .Data.<field>', () => {
    const v2 = renderEnvTemplate(vaultPlan());
    expect(v2).toContain("export SUPABASE_KEY='{{ .Data.data.supabase | replaceAll \"'\" `'\\''` }}'");
    const v1 = renderEnvTemplate(vaultPlan(withVault((v) => Object.assign(v, { kvVersion: 1, path: 'kv/aragora/env' }))));
    expect(v1).toContain('{{ with secret "kv/aragora/env" -}}');
    expect(v1).toContain("export SUPABASE_KEY='{{ .Data.supabase | replaceAll \"'\" `'\\''` }}'");
    expect(v1).not.toContain('.Data.data');
  });

  test('a field that is not a Go identifier is read with index, quoted', () => {
    const config = withVault((_, c) => {
      c.secrets.SUPABASE_KEY.remote = { property: 'supabase-service.key' };
      c.secrets.OPENAI_API_KEY.remote = { property: '2nd-llm' };
    });
    const template = renderEnvTemplate(vaultPlan(config));
    expect(template).toContain(`export SUPABASE_KEY='{{ index .Data.data "supabase-service.key" | replaceAll "'" \`'\\''\` }}'`);
    expect(template).toContain('{{ with index .Data.data "2nd-llm" -}}');
  });

  test('without a path, one block per remote key under the mount, and the policy names each path', () => {
    // GIVEN prod reading the catalog's remote keys (as ESO would) under the mount "kv"
    const config = withVault((v, c) => {
      delete v.path;
      v.mount = 'kv';
      c.secrets.STRIPE_SECRET_KEY.remote = { key: 'aragora/billing', property: 'secret' };
      c.secrets.STRIPE_WEBHOOK_SECRET.remote = { key: 'aragora/billing', property: 'webhook' };
    });
    const plan = vaultPlan(config);
    expect(plan.sources.map((s) => s.path)).toEqual(['kv/data/aragora/api-keys', 'kv/data/aragora/billing']);
    const template = renderEnvTemplate(plan);
    expect(template.match(/\{\{ with secret /g)).toHaveLength(2);
    const policy = file(synth(config), 'prod/vault/policy.hcl');
    expect(policy).toContain('path "kv/data/aragora/api-keys" {\n  capabilities = ["read"]\n}');
    expect(policy).toContain('path "kv/data/aragora/billing" {\n  capabilities = ["read"]\n}');
  });

  const nasty = {
    quote: "it's",
    dollar: '$HOME and ${PATH} and $(id) and `id`',
    double: 'say "hi" \\ backslash\\',
    newline: 'line one\nline two\n',
    trick: "'\\'' ; echo pwned #",
  };

  function renderAndSource(shell: string, template: string, data: Record<string, unknown>, names: string[]): Record<string, string> {
    const rendered = renderGoTemplate(template, { secrets: { 'secret/data/aragora/env': { data } }, errorOnMissingKey: true });
    const dir = mkdtempSync(join(tmpdir(), 'aragora-tpl-'));
    writeFileSync(join(dir, 'env'), rendered);
    const noStartupFiles = shell.endsWith('bash') ? ['--norc', '--noprofile'] : [];
    const result = spawnSync(shell, [...noStartupFiles, '-c', '. "$1" && env -0', 'sh', join(dir, 'env')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const env: Record<string, string> = {};
    for (const entry of result.stdout.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0 && names.includes(entry.slice(0, eq))) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  }

  const shells = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((s) => existsSync(s));

  integration.test.each(shells)('values with quotes, $, backticks, backslashes and newlines come out verbatim in %s', (shell) => {
    // GIVEN a KV secret whose values a shell would interpret
    const config = withVault((_, c) => {
      c.secrets.ANTHROPIC_API_KEY.remote = { property: 'quote' };
      c.secrets.OPENAI_API_KEY.remote = { property: 'dollar' };
      c.secrets.SUPABASE_KEY.remote = { property: 'double' };
      c.secrets.ARAGORA_JWT_SECRET.remote = { property: 'newline' };
      c.secrets.ARAGORA_SSO_CLIENT_SECRET.remote = { property: 'trick' };
      c.secrets.STRIPE_SECRET_KEY.remote = { property: 'stripe-secret' };
      c.features!.billing = false;
      c.environments.prod.features = { sso: true };
    });
    const template = renderEnvTemplate(vaultPlan(config));
    // WHEN the agent renders it and the container sources the result
    const names = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY', 'ARAGORA_JWT_SECRET', 'ARAGORA_SSO_CLIENT_SECRET', 'OPENROUTER_API_KEY'];
    const env = renderAndSource(shell, template, nasty, names);
    // THEN every value arrives byte for byte, and the absent optional one is unset
    expect(env).toEqual({
      ANTHROPIC_API_KEY: nasty.quote,
      OPENAI_API_KEY: nasty.dollar,
      SUPABASE_KEY: nasty.double,
      ARAGORA_JWT_SECRET: nasty.newline,
      ARAGORA_SSO_CLIENT_SECRET: nasty.trick,
    });
  });

  test('a missing required field fails the render; a missing optional one is left unset', () => {
    const template = renderEnvTemplate(vaultPlan());
    const complete = { anthropic: 'a'.repeat(10), jwt_secret: 'j', sso_client_secret: 's', stripe_secret: 'x', stripe_webhook: 'w', supabase: 'p' };
    const rendered = renderGoTemplate(template, { secrets: { 'secret/data/aragora/env': { data: complete } }, errorOnMissingKey: true });
    expect(rendered).not.toContain('OPENAI_API_KEY');
    expect(rendered).not.toContain('<no value>');
    const { supabase: _, ...missingRequired } = complete;
    expect(() => renderGoTemplate(template, { secrets: { 'secret/data/aragora/env': { data: missingRequired } }, errorOnMissingKey: true })).toThrow(/supabase/);
    // Even where the injector's error-on-missing-key is off, a missing value cannot be piped into replaceAll.
    expect(() => renderGoTemplate(template, { secrets: { 'secret/data/aragora/env': { data: missingRequired } } })).toThrow(/expected string/);
    // Before the first read completes the agent renders nothing rather than failing.
    expect(renderGoTemplate(template, { secrets: {} })).toBe('');
  });

  test('the rendered file is a sequence of export lines with nothing else', () => {
    const template = renderEnvTemplate(vaultPlan());
    const data = { anthropic: 'A', openai: 'O', openrouter: 'R', jwt_secret: 'J', sso_client_secret: 'S', stripe_secret: 'T', stripe_webhook: 'W', supabase: 'P' };
    const rendered = renderGoTemplate(template, { secrets: { 'secret/data/aragora/env': { data } } });
    expect(rendered).toBe(
      [
        "export ANTHROPIC_API_KEY='A'",
        "export ARAGORA_JWT_SECRET='J'",
        "export ARAGORA_SSO_CLIENT_SECRET='S'",
        "export OPENAI_API_KEY='O'",
        "export OPENROUTER_API_KEY='R'",
        "export STRIPE_SECRET_KEY='T'",
        "export STRIPE_WEBHOOK_SECRET='W'",
        "export SUPABASE_KEY='P'",
        '',
      ].join('\n'),
    );
  });
});

describe('the Vault side (dist/<env>/vault/)', () => {
  const files = synth();

  test('the policy allows read on exactly the KV v2 data path, nothing else', () => {
    const hcl = file(files, 'prod/vault/policy.hcl');
    const stanzas = [...hcl.matchAll(/^path "([^"]+)" \{\n  capabilities = (\[[^\]]*\])\n\}$/gm)].map((m) => [m[1], JSON.parse(m[2])]);
    expect(stanzas).toEqual([['secret/data/aragora/env', ['read']]]);
    const code = hcl.split('\n').filter((l) => l && !l.startsWith('#')).join('\n');
    expect(code).toBe('path "secret/data/aragora/env" {\n  capabilities = ["read"]\n}');
    expect(code).not.toMatch(/\*|\+|list|create|update|delete|sudo|metadata/);
  });

  integration.test('the role command binds the ServiceAccount and namespace to the policy', () => {
    const script = file(files, 'prod/vault/setup.sh');
    expect(script).toContain(
      [
        'vault write auth/kubernetes/role/aragora \\',
        '    bound_service_account_names=aragora \\',
        '    bound_service_account_namespaces=aragora-prod \\',
        '    audience=vault \\',
        '    token_policies=aragora-prod-read \\',
        '    token_ttl=1h \\',
        '    token_max_ttl=24h',
      ].join('\n'),
    );
    expect(script).toContain('vault policy write aragora-prod-read policy.hcl');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(spawnSync('/bin/sh', ['-n', '-c', script]).status).toBe(0);
  });

  test('a custom auth path, Vault namespace, policy name and TTL reach the commands', () => {
    const script = file(
      synth(withVault((v) => Object.assign(v, { authPath: 'auth/k8s-prod', vaultNamespace: 'admin/aragora', policyName: 'aragora-ro', tokenTtl: '20m' }))),
      'prod/vault/setup.sh',
    );
    expect(script).toContain('vault policy write -namespace=admin/aragora aragora-ro policy.hcl');
    expect(script).toMatch(/vault write -namespace=admin\/aragora auth\/k8s-prod\/role\/aragora \\\n[\s\S]*token_policies=aragora-ro \\\n    token_ttl=20m \\\n    token_max_ttl=24h$/m);
  });

  test('the script lists the fields the template reads, and points at put-values.sh rather than at plaintext files', () => {
    const script = file(files, 'prod/vault/setup.sh');
    expect(script).toContain('#   secret/aragora/env  supabase  ->  SUPABASE_KEY (required)');
    expect(script).toContain('#   npx aragora-secrets run --env-file .env.prod -- sh dist/prod/vault/put-values.sh');
    expect(script).not.toMatch(/=@|\.txt/);
  });

  test('only environments that use Vault get these files (the agent\'s in prod, the External Secrets store\'s in staging)', () => {
    expect(files.filter((f) => f.path.includes('/vault/')).map((f) => f.path)).toEqual(['prod/vault/policy.hcl', 'prod/vault/put-values.sh', 'prod/vault/setup.sh', 'staging/vault/external-secrets-policy.hcl']);
  });
});

// The Helm values are tested against the application chart's schema in helm-values.test.ts.

describe('audit policy (dist/<env>/audit-policy.yaml)', () => {
  const files = synth();
  const ALLOWED_RULE_FIELDS = ['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields'];

  test.each(['dev', 'staging', 'prod'])('%s: Metadata level only, scoped to the namespaces of the objects named, never Request or RequestResponse', (env) => {
    const content = file(files, `${env}/audit-policy.yaml`);
    const policy = parse(content);
    expect(policy).toMatchObject({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'] });
    expect(policy.rules.length).toBeGreaterThan(0);
    for (const rule of policy.rules) {
      expect(rule.level).toBe('Metadata');
      // Only the token rule of the store's identity reaches beyond the environment (ESO's namespace).
      expect(rule.namespaces).toEqual(rule.resources[0].resources[0] === 'serviceaccounts/token' && env === 'staging' && rule.namespaces[0] !== `aragora-${env}` ? ['external-secrets'] : [`aragora-${env}`]);
      expect(Object.keys(rule).filter((k) => !ALLOWED_RULE_FIELDS.includes(k))).toEqual([]);
      for (const r of rule.resources) expect(Object.keys(r).filter((k) => !['group', 'resources', 'resourceNames'].includes(k))).toEqual([]);
    }
    expect(content).not.toMatch(/level: Request/);
  });

  test('the Secrets the pods read are named; collection requests and tokens for the application and for the store\'s identity (ESO) are recorded too', () => {
    const content = file(files, 'staging/audit-policy.yaml');
    expect(parse(content).rules).toEqual([
      { level: 'Metadata', namespaces: ['aragora-staging'], resources: [{ group: '', resources: ['secrets'], resourceNames: ['aragora-secrets', 'aragora-secrets-generated'] }] },
      { level: 'Metadata', namespaces: ['aragora-staging'], verbs: ['list', 'watch', 'deletecollection'], resources: [{ group: '', resources: ['secrets'] }] },
      { level: 'Metadata', namespaces: ['aragora-staging'], verbs: ['create'], resources: [{ group: '', resources: ['serviceaccounts/token'], resourceNames: ['aragora'] }] },
      // The ClusterSecretStore vault-backend logs into Vault as external-secrets/external-secrets, which reads every secret of the store.
      { level: 'Metadata', namespaces: ['external-secrets'], verbs: ['create'], resources: [{ group: '', resources: ['serviceaccounts/token'], resourceNames: ['external-secrets'] }] },
    ]);
    expect(content).toContain('#   external-secrets/external-secrets: store vault-backend as Vault role aragora-external-secrets');
  });

  test('with Vault there is no Secret of values; the TLS Secret mounted into the agent is named', () => {
    const rules = parse(file(files, 'prod/audit-policy.yaml')).rules;
    expect(rules[0].resources).toEqual([{ group: '', resources: ['secrets'], resourceNames: ['vault-tls'] }]);
    const withoutTls = parse(file(synth(withVault((v) => delete v.tls)), 'prod/audit-policy.yaml')).rules;
    expect(withoutTls.map((r: any) => r.resources[0].resources[0])).toEqual(['secrets', 'serviceaccounts/token']);
    expect(withoutTls[0].resourceNames).toBeUndefined();
  });

  test('is a supporting file, not a manifest cdk8s would apply', () => {
    expect(files.filter((f) => f.path.includes('audit-policy')).map((f) => f.path)).toEqual(['dev/audit-policy.yaml', 'prod/audit-policy.yaml', 'qa/audit-policy.yaml', 'staging/audit-policy.yaml']);
    expect(manifests(files, 'prod').map((o: Manifest) => o.kind)).not.toContain('Policy');
  });
});

describe('workload.command without Vault', () => {
  test('is the container command as given, with the Secret wiring unchanged', () => {
    const files = synth(configWith((c) => (c.environments.staging.workload = { ...c.environments.staging.workload, command: ['aragora', 'serve', '--port=8080'] })));
    const container = find(manifests(files, 'staging'), 'Deployment', 'aragora').spec.template.spec.containers[0];
    expect(container.command).toEqual(['aragora', 'serve', '--port=8080']);
    expect(container.args).toBeUndefined();
    expect(container.env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name)).toContain('aragora-secrets');
  });
});

describe('a Deployment managed elsewhere', () => {
  test('the patch carries the injector annotations, the token and the wrapped command', () => {
    const files = synth(configWith((c) => (c.environments.prod.workload = { ...c.environments.prod.workload, enabled: false })));
    const patch = parse(file(files, 'prod/patches/workload.patch.yaml'));
    expect(patch.spec.template.metadata.annotations).toEqual(podAnnotations(synth()));
    expect(patch.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(patch.spec.template.spec.containers[0]).toMatchObject({ command: ['/bin/sh', '-c', '. /vault/secrets/env && exec "$0" "$@"'], args: ['aragora', 'serve'] });
  });

  test('without workload.command the patch says how to source the file', () => {
    const files = synth(configWith((c) => (c.environments.prod.workload = { replicas: 3, enabled: false })));
    const content = file(files, 'prod/patches/workload.patch.yaml');
    expect(content).toMatch(/^# Vault Agent injection renders the values into \/vault\/secrets\/env; set the container's command/m);
    expect(parse(content).spec.template.spec.containers[0].command).toBeUndefined();
  });
});

describe('config errors', () => {
  test.each<[string, (v: Exclude<VaultDeliveryConfig, string>, c: AragoraSecretsConfig) => void, string, RegExp]>([
    ['tls-skip-verify is refused', (v) => (v.tls = { skipVerify: true }), 'environments.prod.delivery.tls.skipVerify', /refused/],
    ['a KV v2 path without /data/', (v) => (v.path = 'secret/aragora/env'), 'environments.prod.delivery.path', /not a KV v2 API path/],
    ['no Vault location while the NetworkPolicy is on', (v) => delete v.server, 'environments.prod.delivery.server', /where Vault runs/],
    ['both a CIDR and pods', (v) => (v.server = { cidr: '10.1.0.0/16', namespace: 'vault' }), 'environments.prod.delivery.server', /both/],
    ['the address port differs from the policy port', (v) => (v.server = { ...v.server, port: 8201 }), 'environments.prod.delivery.server.address', /port 8200.*port 8201/],
    ['the address Service is in another namespace', (v) => (v.server = { ...v.server, namespace: 'hashicorp' }), 'environments.prod.delivery.server.address', /namespace "vault"/],
    ['plain HTTP in production', (v) => (v.server = { ...v.server, address: 'http://vault.vault.svc:8200' }), 'environments.prod.delivery.server.address', /unencrypted/],
    ['a file name the injector would misread', (v) => (v.file = 'file-env'), 'environments.prod.delivery.file', /template-file/],
    ['no command for our Deployment', (_, c) => delete c.environments.prod.workload!.command, 'environments.prod.workload.command', /source the rendered file/],
    ['Reloader with no Secret to watch', (_, c) => (c.environments.prod.rotation = { reloader: 'targeted' }), 'environments.prod.rotation.reloader', /Vault delivery has none/],
    ['injection mode with no Secret', (_, c) => (c.environments.prod.workload!.injection = 'envFrom'), 'environments.prod.workload.injection', /Vault delivery has none/],
    ['a field no shell or HCL should carry', (_, c) => (c.secrets.SUPABASE_KEY.remote = { property: 'supa base"' }), 'secrets.SUPABASE_KEY.remote.property', /cannot be a Vault field/],
  ])('%s', (_, mutate, path, message) => {
    const problems = problemsOf(withVault(mutate));
    expect(problems).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
    for (const p of problems) expect(p.fix ?? p.message).toBeTruthy();
  });

  test('the fix for a v2 path without /data/ suggests one', () => {
    const problems = problemsOf(withVault((v) => (v.path = 'secret/aragora/env')));
    expect(problems[0].fix).toMatch(/did you mean "secret\/data\/aragora\/env"\?/);
  });

  test('two environments binding the same Vault role are refused', () => {
    const config = configWith((c) => {
      c.environments.staging.delivery = structuredClone(c.environments.prod.delivery);
      c.environments.staging.workload = { ...c.environments.staging.workload, command: ['aragora', 'serve'] };
    });
    expect(problemsOf(config)).toContainEqual(expect.objectContaining({ path: 'environments.staging.delivery.role', message: expect.stringMatching(/also the role of environment "prod"/) }));
  });

  test('schema errors name the option: an unknown key, a bad KV version, a bad duration', () => {
    const problems = problemsOf(withVault((v) => Object.assign(v, { kvVerison: 2, renderInterval: 'soon' })));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'environments.prod.delivery.kvVerison', fix: 'did you mean "kvVersion"?' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'environments.prod.delivery.renderInterval' }));
    expect(problemsOf(withVault((v) => Object.assign(v, { kvVersion: 3 })))).toContainEqual(
      expect.objectContaining({ path: 'environments.prod.delivery.kvVersion', fix: expect.stringMatching(/1 or 2/) }),
    );
  });

  test('the short form needs the server location', () => {
    const problems = problemsOf(configWith((c) => (c.environments.prod.delivery = 'vault')));
    expect(problems).toEqual([expect.objectContaining({ path: 'environments.prod.delivery', message: expect.stringMatching(/where Vault runs/) })]);
  });

  test('with the NetworkPolicy off and the injector defaults, the short form is enough', () => {
    const files = synth(
      configWith((c) => {
        c.environments.prod.delivery = 'vault';
        c.environments.prod.network = { enabled: false };
      }),
    );
    expect(podAnnotations(files)['vault.hashicorp.com/role']).toBe('aragora-prod');
    expect(file(files, 'prod/vault/policy.hcl')).toContain('path "secret/data/aragora/api-keys"');
  });

  test('a Vault outside the cluster by CIDR gets its own egress rule', () => {
    const files = synth(withVault((v) => (v.server = { address: 'https://vault.example.internal:8200', cidr: '10.40.0.0/24' })));
    expect(find(manifests(files, 'prod'), 'NetworkPolicy').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.40.0.0/24' } }], ports: [{ port: 8200, protocol: 'TCP' }] });
  });
});

describe('no value ever reaches the Vault files, the Helm values or the audit policy', () => {
  test('values planted in the environment and in .env are absent from every output file', () => {
    // GIVEN realistic values for every catalog secret, in the process environment and in .env
    const planted: Record<string, string> = {
      ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'Q'.repeat(40),
      OPENAI_API_KEY: 'sk-proj-' + 'R'.repeat(40),
      OPENROUTER_API_KEY: 'sk-or-v1-' + 'a1'.repeat(24),
      SUPABASE_KEY: 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZSJ9.' + 'S'.repeat(30),
      STRIPE_SECRET_KEY: 'sk_live_' + 'T'.repeat(30),
      STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30),
      ARAGORA_JWT_SECRET: 'jwt-planted-' + 'J'.repeat(30),
      GOOGLE_OAUTH_CLIENT_SECRET: 'GOCSPX-' + 'G'.repeat(28),
      ARAGORA_SSO_CLIENT_SECRET: 'sso-planted-' + 'O'.repeat(30),
    };
    const dotenv: Record<string, string> = Object.fromEntries(Object.entries(planted).map(([k, v]) => [k, `${v}-dotenv`]));
    const dir = mkdtempSync(join(tmpdir(), 'aragora-vault-leak-'));
    writeFileSync(join(dir, '.env'), Object.entries(dotenv).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    // WHEN the real synth path runs (with the leak guard)
    const { files } = synthesizeProject({ cwd: dir, env: { ...planted } });
    // THEN no output file, least of all the ones this feature adds, holds any of them
    const added = files.filter((f) => f.path.includes('/vault/') || f.path.endsWith('helm/values.yaml') || f.path.endsWith('audit-policy.yaml'));
    expect(added.map((f) => f.path)).toEqual(
      expect.arrayContaining(['prod/vault/policy.hcl', 'prod/vault/setup.sh', 'prod/helm/values.yaml', 'prod/audit-policy.yaml', 'staging/helm/values.yaml']),
    );
    for (const f of files) {
      for (const value of [...Object.values(planted), ...Object.values(dotenv)]) expect(f.content).not.toContain(value);
    }
  });
});
