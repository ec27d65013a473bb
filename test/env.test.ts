import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import fc from 'fast-check';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { parseConfigText } from '../src/config/load';
import { renderConfigYaml } from '../src/config/render-config';
import { validateConfig } from '../src/config/validate';
import { checkEnvValues } from '../src/env/env-check';
import { renderEnvExample } from '../src/env/env-example';
import { placeholderReason } from '../src/env/placeholders';
import { renderSecret } from '../src/env/render-secret';
import { resolvePlan } from '../src/app/resolve-plan';
import { validateManifest } from './support/manifest-validation';

const root = resolve(__dirname, '..');
const plan = resolvePlan(validateConfig(DEFAULT_CONFIG, 'test'));
const env = (name: string) => plan.environments.find((e) => e.name === name)!;
const row = (rows: readonly { key: string }[], key: string) => rows.find((r) => r.key === key)!;

// Realistic values made at run time, so that no key-shaped literal is committed.
const real = {
  anthropic: 'sk-ant-' + 'api03-' + Buffer.from('a'.repeat(60)).toString('base64url').replace(/a/gi, 'q7'),
  jwt: 'eyJ' + 'hbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.' + 'c2lnbmF0dXJlc2lnbmF0dXJl',
  random: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0',
};

describe('placeholders', () => {
  test.each([
    ['sk-ant-...', 'an ellipsis'],
    ['sk-…', 'an ellipsis'],
    ['<your anthropic key>', 'a template slot'],
    ['${ANTHROPIC_API_KEY}', 'a template slot'],
    ['changeme', 'a stand-in word'],
    ['CHANGE_ME', 'a stand-in word'],
    ['xxx', "a run of x's"],
    ['sk-xxxxxxxxxxxxxxxx', "a run of x's"],
    ['TODO', 'a TODO marker'],
    ['todo: ask ops', 'a TODO marker'],
    ['your-api-key', 'a "your-..." stand-in'],
    ['https://your-project.supabase.co', 'a "your-..." stand-in'],
    ['$(openssl rand -base64 32)', 'a shell command'],
  ])('%s is a placeholder (%s)', (value, why) => {
    expect(placeholderReason(value)).toContain(why);
  });

  test('real-looking values are not', () => {
    for (const value of Object.values(real)) expect(placeholderReason(value)).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        return placeholderReason(b.toString('hex')) === undefined && placeholderReason('sk-proj-' + b.toString('hex')) === undefined;
      }),
      { seed: 20240601 },
    );
  });
});

describe('checking a .env against an environment', () => {
  test('complete: every required key and a member of each group set, nothing else', () => {
    const result = checkEnvValues(env('prod'), {
      ANTHROPIC_API_KEY: real.anthropic,
      OPENROUTER_API_KEY: real.random,
      SUPABASE_KEY: real.jwt,
      STRIPE_SECRET_KEY: real.random,
      STRIPE_WEBHOOK_SECRET: real.random,
      ARAGORA_JWT_SECRET: real.random,
      ARAGORA_SSO_CLIENT_SECRET: real.random,
    });
    expect(result.findings).toBe(0);
    expect(result.warnings).toBe(0);
    expect(row(result.rows, 'OPENAI_API_KEY')).toMatchObject({ status: 'one of llm-provider', present: 'no', verdict: 'ok (missing; another of llm-provider is set)', level: 'ok' });
    expect(row(result.rows, 'GOOGLE_OAUTH_CLIENT_SECRET')).toMatchObject({ status: 'not delivered', why: 'feature googleOAuth is disabled', verdict: 'ok (not used here)' });
    expect(result.rows.map((r) => r.key)).toEqual(plan.environments[0].catalog.map((s) => s.name));
  });

  test('incomplete: missing, empty, placeholder, and a group with no member', () => {
    const result = checkEnvValues(env('prod'), { ANTHROPIC_API_KEY: 'sk-ant-...', OPENAI_API_KEY: '', SUPABASE_KEY: '', STRIPE_SECRET_KEY: 'changeme' });
    expect(result.rows.filter((r) => r.level === 'finding').map((r) => [r.key, r.present, r.verdict])).toEqual([
      ['ANTHROPIC_API_KEY', 'yes', 'placeholder: looks like an ellipsis, as in documentation examples'],
      ['ARAGORA_JWT_SECRET', 'no', 'missing'],
      ['ARAGORA_SSO_CLIENT_SECRET', 'no', 'missing'],
      ['OPENAI_API_KEY', 'empty', 'empty: no member of llm-provider is set'],
      ['STRIPE_SECRET_KEY', 'yes', 'placeholder: looks like a stand-in word'],
      ['STRIPE_WEBHOOK_SECRET', 'no', 'missing'],
      ['SUPABASE_KEY', 'empty', 'empty'],
    ]);
    expect(row(result.rows, 'OPENROUTER_API_KEY')).toMatchObject({ verdict: 'missing (recommended)', level: 'warning' });
    expect(result.findings).toBe(7);
  });

  test('over-complete: unknown keys (with did-you-mean), settings, and keys the environment does not use', () => {
    const values = { ANTHROPIC_API_KEY: real.anthropic, ANTHROPIC_KEY: real.random, SUPABASE_URL: 'https://db.example.org', STRIPE_SECRET_KEY: real.random, MY_TOKEN: real.random };
    const result = checkEnvValues(env('dev'), values);
    expect(row(result.rows, 'ANTHROPIC_KEY')).toMatchObject({ status: 'unknown', verdict: 'unknown: did you mean ANTHROPIC_API_KEY?', level: 'finding' });
    expect(row(result.rows, 'MY_TOKEN')).toMatchObject({ status: 'unknown', level: 'finding' });
    expect(row(result.rows, 'SUPABASE_URL')).toMatchObject({ verdict: 'ignored (render leaves it out)', level: 'warning' });
    expect(row(result.rows, 'STRIPE_SECRET_KEY')).toMatchObject({ verdict: 'set, but not delivered here (feature billing is disabled)', level: 'warning' });
    expect(result.findings).toBe(2);
    // --allow-unknown keeps typos (a close catalog name) as findings, and lets other names pass.
    expect(checkEnvValues(env('dev'), values, { allowUnknown: true }).findings).toBe(1);
  });

  test('no row carries a value', () => {
    const values = { ANTHROPIC_API_KEY: real.anthropic, SUPABASE_KEY: real.jwt, UNKNOWN_SECRET: real.random };
    const text = JSON.stringify(checkEnvValues(env('prod'), values));
    for (const value of Object.values(values)) expect(text).not.toContain(value);
  });
});

describe('.env.example', () => {
  test('lists every secret with an empty value, its purpose and rule', () => {
    const text = renderEnvExample(DEFAULT_CONFIG, plan);
    expect(parseDotenv(text)).toEqual(Object.fromEntries(Object.keys(DEFAULT_CONFIG.secrets).map((k) => [k, ''])));
    expect(text).toContain('# SUPABASE_KEY: Database access\n#   required in production tier environments, optional elsewhere\n#   required: prod; optional: dev, qa, staging\n');
    expect(text).toContain('#   required: at least one of group llm-provider (this or OPENAI_API_KEY)');
    expect(text).toContain('#   required where feature billing is enabled, not used where it is disabled\n#   required: prod, staging; not used: dev, qa');
  });

  test('for one environment: only what it uses, grouped; the others as comments', () => {
    const text = renderEnvExample(DEFAULT_CONFIG, plan, env('dev'));
    expect(Object.keys(parseDotenv(text)).sort()).toEqual(env('dev').secrets.map((s) => s.name));
    expect(text.indexOf('## At least one of group llm-provider')).toBeLessThan(text.indexOf('## Recommended'));
    expect(text).toContain('## Not used in dev (not delivered; leave them out)\n#   ARAGORA_SSO_CLIENT_SECRET:');
    expect(renderEnvExample(DEFAULT_CONFIG, plan, env('prod'))).toMatch(/## Required in prod\n# ARAGORA_JWT_SECRET: Token signing \(required in production tier; prod is production\)/);
  });

  test('the committed .env.example is current (aragora-secrets env-example > .env.example)', () => {
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toBe(renderEnvExample(DEFAULT_CONFIG, plan));
  });
});

describe('rendering the plain Secret', () => {
  test('the delivered keys, base64, named and labelled as the plan says; a valid Secret', () => {
    const values = new Map([
      ['ANTHROPIC_API_KEY', real.anthropic],
      ['SUPABASE_KEY', real.jwt],
    ]);
    const result = renderSecret(env('dev'), values);
    const secret = parse(result.yaml);
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'aragora-secrets', namespace: 'aragora-dev', labels: env('dev').labels },
      data: { ANTHROPIC_API_KEY: Buffer.from(real.anthropic).toString('base64'), SUPABASE_KEY: Buffer.from(real.jwt).toString('base64') },
    });
    expect(validateManifest(secret)).toEqual([]);
    expect(result.missingRecommended).toEqual(['OPENROUTER_API_KEY']);
  });

  test('keys the environment does not deliver are left out', () => {
    const result = renderSecret(env('qa'), new Map([['OPENAI_API_KEY', real.random], ['STRIPE_SECRET_KEY', real.random]]));
    expect(Object.keys(parse(result.yaml).data)).toEqual(['OPENAI_API_KEY']);
  });

  test('missing required keys are refused with the list, unless allowed', () => {
    expect(() => renderSecret(env('dev'), new Map())).toThrow('environment dev needs values for: one of ANTHROPIC_API_KEY, OPENAI_API_KEY');
    expect(renderSecret(env('dev'), new Map(), { allowMissing: true }).missing).toEqual(['one of ANTHROPIC_API_KEY, OPENAI_API_KEY']);
  });

  test('placeholders are refused, without echoing them', () => {
    expect(() => renderSecret(env('dev'), new Map([['ANTHROPIC_API_KEY', 'sk-ant-...']]))).toThrow(/placeholder values for environment dev: ANTHROPIC_API_KEY \(looks like an ellipsis/);
  });

  test.each(['staging', 'prod'])('%s (external / vault) has no Secret to render', (name) => {
    expect(() => renderSecret(env(name), new Map([['ANTHROPIC_API_KEY', real.anthropic]]))).toThrow(/delivers its secrets with "(external|vault)"/);
  });
});

describe('the config written by init', () => {
  const text = renderConfigYaml(DEFAULT_CONFIG, './schema/aragora-secrets.schema.json');

  test('loads and equals the embedded default', () => {
    expect(isDeepStrictEqual(parseConfigText(text, 'init'), validateConfig(DEFAULT_CONFIG, 'default'))).toBe(true);
  });

  test('starts with the schema line and explains each section', () => {
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/aragora-secrets.schema.json');
    for (const section of ['app', 'remoteKey', 'stores', 'features', 'secrets', 'environments']) {
      expect(text).toMatch(new RegExp(`#[^\\n]*\\n${section}:`));
    }
    expect(text).toContain('# prod: production tier, delivery vault:');
    expect(text).toContain('    required: { oneOf: llm-provider }');
  });
});
