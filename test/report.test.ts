import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan } from '../src/app/synthesize';
import { REVIEW_REPORT_FILE } from '../src/report/review-report';
import { entryBinding } from '../src/delivery/sealed/sealed-entry';
import { synthesizeProject } from '../src/synth';
import { configWith, synth } from './helpers';

function report(files: { path: string; content: string }[], env: string): string {
  const file = files.find((f) => f.path === `${env}/${REVIEW_REPORT_FILE}`);
  if (!file) throw new Error(`no ${env}/${REVIEW_REPORT_FILE}`);
  return file.content;
}

/** The table row of a secret, as its cells. */
function rowOf(markdown: string, secret: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| \`${secret}\` |`));
  if (!line) throw new Error(`no row for ${secret}`);
  return line.slice(2, -2).split(' | ');
}

const files = synth();
const columns = ['secret', 'purpose', 'here', 'why', 'value from', 'consumed by', 'app reads it from', 'readable by'];
const cell = (markdown: string, secret: string, column: string) => rowOf(markdown, secret)[columns.indexOf(column)];

describe('SECRETS.md, the review report of each environment', () => {
  test('one per environment, with a row for every secret of the catalog', () => {
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      const text = report(files, env);
      expect(text.startsWith(`# Secrets of environment \`${env}\`\n`)).toBe(true);
      expect(text).toContain(`| ${columns.join(' | ')} |`);
      for (const secret of Object.keys(DEFAULT_CONFIG.secrets)) expect(rowOf(text, secret)).toHaveLength(columns.length);
    }
  });

  test('plain (dev): values from .env at deploy time, read by the kubelet for the pods (no Role); how to create the Secret', () => {
    const text = report(files, 'dev');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'here')).toBe('one of `llm-provider`');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'value from')).toBe('`.env` at deploy time');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'consumed by')).toBe('Deployment `aragora`: envFrom Secret `aragora-secrets`');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'readable by')).toBe('pods of ServiceAccount `aragora`, env set by the kubelet; no Role');
    expect(text).toContain(
      '- Kubernetes: ServiceAccount `aragora` in `aragora-dev` (no API token mounted), bound to no Role: the kubelet reads `aragora-secrets` for the pods\' environment with its own credentials, and the application never reads Secrets through the API',
    );
    expect(rowOf(text, 'STRIPE_SECRET_KEY').slice(2)).toEqual(['not delivered', 'feature billing is disabled', '—', '—', '—', '—']);
    expect(text).toContain('aragora-secrets render --env dev --env-file .env | kubectl apply --server-side -f -');
  });

  test('sealed (qa): placeholders and left-out keys are open items', () => {
    const text = report(files, 'qa');
    expect(cell(text, 'OPENAI_API_KEY', 'value from')).toBe('**placeholder**: not sealed yet');
    expect(cell(text, 'SUPABASE_KEY', 'value from')).toBe('left out: no sealed value');
    expect(cell(text, 'SUPABASE_KEY', 'consumed by')).toBe('Deployment `aragora`: env `SUPABASE_KEY` ← Secret `aragora-secrets`, optional');
    const open = text.slice(text.indexOf('## Open items'));
    expect(open).toContain('Placeholders in the SealedSecret, which the controller refuses until they are sealed: `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`.');
    expect(open).toContain('Optional keys left out (no sealed value): `ARAGORA_JWT_SECRET`, `OPENROUTER_API_KEY`, `SUPABASE_KEY`.');
  });

  test('sealed, with sealed values: where each comes from, with the certificate fingerprint', () => {
    // GIVEN a sealed/qa.yaml holding two values (the ciphertext is opaque here: random bytes of its shape)
    const fingerprint = `sha256:${'ab12'.repeat(16)}`;
    const target = { name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' } as const;
    const entry = (key: string) => {
      const sealed = { encrypted: Buffer.concat([Buffer.from([2, 0]), randomBytes(512 + 40)]).toString('base64'), certificate: fingerprint };
      return { ...sealed, binding: entryBinding(key, target, sealed) };
    };
    const value = entry('ANTHROPIC_API_KEY');
    const config = validateConfig(DEFAULT_CONFIG, 'test');
    const plan = resolvePlan(config, {
      sealed: { qa: { environment: 'qa', target, values: { ANTHROPIC_API_KEY: value, SUPABASE_KEY: entry('SUPABASE_KEY') } } },
    });
    const text = report(synthesizePlan(plan), 'qa');
    // THEN the report names the file and the certificate, not the ciphertext
    expect(cell(text, 'ANTHROPIC_API_KEY', 'value from')).toBe('sealed in `sealed/qa.yaml` for certificate `sha256:ab12ab12ab12ab12…`');
    expect(cell(text, 'OPENAI_API_KEY', 'value from')).toBe('left out: no sealed value');
    expect(text).not.toContain(value.encrypted);
    expect(text).not.toContain('Placeholders in the SealedSecret');
  });

  test('external (staging): store, remote key and property; the generated secret; the controller\'s identity', () => {
    const text = report(files, 'staging');
    expect(cell(text, 'OPENAI_API_KEY', 'value from')).toBe('store `vault-backend`: key `aragora/api-keys`, property `openai`');
    expect(cell(text, 'ARAGORA_JWT_SECRET', 'value from')).toBe('generated in the cluster by Password `aragora-secret-generator`, made once');
    expect(cell(text, 'ARAGORA_JWT_SECRET', 'consumed by')).toBe('Deployment `aragora`: env `ARAGORA_JWT_SECRET` ← Secret `aragora-secrets-generated`, optional');
    expect(cell(text, 'STRIPE_SECRET_KEY', 'consumed by')).toBe('Deployment `aragora`: env `STRIPE_SECRET_KEY` ← Secret `aragora-secrets`');
    expect(text).toContain('the kubelet reads `aragora-secrets`, `aragora-secrets-generated` for the pods\' environment');
    expect(text).not.toContain('Role `');
    expect(text).toContain('as Vault kubernetes role `aragora-external-secrets` with ServiceAccount `external-secrets/external-secrets`');
  });

  test('external with `keys`: the keys not fetched are open items', () => {
    const text = report(
      synth(configWith((c) => (c.environments.staging.delivery = { method: 'external', store: 'vault-backend', keys: ['ANTHROPIC_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] }))),
      'staging',
    );
    expect(cell(text, 'OPENROUTER_API_KEY', 'value from')).toBe('not fetched: not in `delivery.keys`');
    expect(text).toContain('Optional keys not fetched from the store (not in `delivery.keys`): `ARAGORA_JWT_SECRET`, `OPENAI_API_KEY`, `OPENROUTER_API_KEY`, `SUPABASE_KEY`.');
  });

  test('vault (prod): path and field, the Vault role and policy, the required fields Vault must hold', () => {
    const text = report(files, 'prod');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'value from')).toBe('Vault `secret/data/aragora/env`, field `anthropic`');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'consumed by')).toBe('Deployment `aragora`: exported by `/vault/secrets/env`');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'readable by')).toBe('Vault role `aragora` (ServiceAccount `aragora`); AWS: IAM role `aragora-prod-ecs-execution` (secret `aragora/api-keys`)');
    expect(text).toContain('(API token mounted: Vault\'s kubernetes auth logs the agent in with it); no Role, since there is no Kubernetes Secret to read');
    expect(text).toContain('its policy `aragora-prod-read` reads `secret/data/aragora/env` only');
    expect(text).toContain('Vault must hold the required fields, or the agent fails the pod\'s start: `secret/data/aragora/env`: `jwt_secret`, `sso_client_secret`, `stripe_secret`, `stripe_webhook`, `supabase`.');
  });

  test('an application that reads through the API: the Role, and the token it needs, in the same words everywhere', () => {
    const text = report(synth(configWith((c) => (c.environments.dev.workload = { ...c.environments.dev.workload, readsSecretsThroughApi: true }))), 'dev');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'readable by')).toBe('pods of ServiceAccount `aragora`, env set by the kubelet, and API reads via Role `aragora-secrets-reader`');
    expect(text).toContain('- Kubernetes: ServiceAccount `aragora` in `aragora-dev` (API token mounted, for the application\'s API reads).');
    expect(text).toContain('which Role `aragora-secrets-reader` allows (`get` on `aragora-secrets`, nothing else), bound by RoleBinding `aragora-secrets-reader`.');
  });

  test.each(['dev', 'qa', 'staging', 'prod'])('%s: no two lines contradict (a token-less ServiceAccount never "reads through the API")', (env) => {
    for (const config of [configWith(), configWith((c) => (c.environments[env].workload = { ...c.environments[env].workload, readsSecretsThroughApi: env !== 'prod' }))]) {
      const files = synth(config);
      const text = report(files, env);
      const account = parse(files.find((f) => f.path === `${env}/manifests/10-ServiceAccount.aragora.k8s.yaml`)!.content);
      const hasRole = files.some((f) => f.path === `${env}/manifests/10-Role.aragora-secrets-reader.k8s.yaml`);
      const saysApiReads = /reads? (it )?through the API/.test(text.replace('never reads Secrets through the API', ''));
      expect(text.includes('no API token mounted')).toBe(!account.automountServiceAccountToken);
      expect(saysApiReads).toBe(hasRole);
      if (saysApiReads) expect(account.automountServiceAccountToken).toBe(true);
      expect(text.includes('via Role')).toBe(hasRole);
    }
  });

  test('a workload managed elsewhere points at the patch', () => {
    const text = report(synth(configWith((c) => (c.environments.dev.workload = { enabled: false }))), 'dev');
    expect(cell(text, 'ANTHROPIC_API_KEY', 'consumed by')).toBe('your Deployment `aragora` (patch): env `ANTHROPIC_API_KEY` ← Secret `aragora-secrets`, optional');
    expect(text).toContain('The Deployment is managed elsewhere: apply `patches/workload.patch.yaml` to it.');
  });

  test('a pipe in a purpose does not break the table', () => {
    const text = report(synth(configWith((c) => (c.secrets.OPENAI_API_KEY.purpose = 'GPT | embeddings'))), 'dev');
    expect(cell(text, 'OPENAI_API_KEY', 'purpose')).toBe('GPT \\| embeddings');
  });

  test('never holds a value from the environment or .env (the leak guard checks it like every file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-report-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(DEFAULT_CONFIG));
    const fromFile = 'sk-ant-' + 'api03-' + randomBytes(48).toString('base64url');
    const fromEnv = randomBytes(32).toString('base64');
    writeFileSync(join(dir, '.env'), `ANTHROPIC_API_KEY=${fromFile}\n`);
    const result = synthesizeProject({ cwd: dir, env: { ARAGORA_JWT_SECRET: fromEnv } });
    const reports = result.files.filter((f) => f.path.endsWith(REVIEW_REPORT_FILE));
    expect(reports).toHaveLength(4);
    for (const f of reports) {
      expect(f.content).not.toContain(fromFile);
      expect(f.content).not.toContain(fromEnv);
    }
  });
});
