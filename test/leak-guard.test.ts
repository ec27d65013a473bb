import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync as makeTempDir, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import { ConfigCredentialError, scanConfigText } from '../src/output/config-scan';
import { base64Tokens, collectSensitiveValues, decodesToBinary, encodingsOf, findLeaks, KNOWN_SECRET_SHAPES, LeakError, redactMessage, type SensitiveValue } from '../src/output/leak-guard';
import { isPasswordSlot, urlPasswordsIn } from '../src/core/credential-shapes';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan } from '../src/app/synthesize';
import { secretlintRetainedMarks, secretlintSync } from '../src/output/secretlint';
import { spawnApp } from './support/cli';
import { integration } from './support/tiers';

/** Temp project folders, removed when the file's tests are done. */
const tempDirs: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = makeTempDir(prefix);
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Random, realistic-looking credentials. Built by concatenation at run time so that nothing
// secret-shaped is committed (the pre-commit scanner would flag a literal key).
// ---------------------------------------------------------------------------------------------

/** `n` characters of the URL-safe base64 alphabet (A-Z a-z 0-9 - _). */
function urlSafe(n: number): string {
  return randomBytes(n).toString('base64url').slice(0, n);
}

/** `n` letters and digits. */
function alnum(n: number): string {
  let s = '';
  while (s.length < n) s += randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '');
  return s.slice(0, n);
}

const b64url = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');

const makeAnthropicKey = () => 'sk-ant-' + 'api03-' + urlSafe(90);
const makeOpenAiKey = () => 'sk-' + 'proj-' + urlSafe(120);
const makeStripeKey = () => 'sk_' + 'live_' + alnum(99);
const makeStripeWebhookSecret = () => 'whsec' + '_' + alnum(32);
const makeGoogleClientSecret = () => 'GOCSPX' + '-' + urlSafe(28);
/**
 * A Supabase service-role key: an HS256 JWT. Base64url of ASCII JSON only holds "-" or "_" where
 * a ">", "?" or "~" falls on the third byte of a group; "???" always does, so the payload has one.
 */
function makeSupabaseJwt(): string {
  const payload = b64url({ iss: 'supabase', ref: alnum(20).toLowerCase(), role: 'service_role', iat: 1700000000, exp: 2000000000, jti: urlSafe(16) + '???' });
  return [b64url({ alg: 'HS256', typ: 'JWT' }), payload, randomBytes(32).toString('base64url')].join('.');
}

interface Shaped {
  readonly label: string;
  readonly make: () => string;
  /** `name` of the matching entry of KNOWN_SECRET_SHAPES, as it appears in the report. */
  readonly shape: string;
  /** The catalog variable it would be stored under. */
  readonly variable: string;
}

const SHAPED: readonly Shaped[] = [
  { label: 'Anthropic key', make: makeAnthropicKey, shape: 'an Anthropic API key', variable: 'ANTHROPIC_API_KEY' },
  { label: 'OpenAI project key', make: makeOpenAiKey, shape: 'an OpenAI API key', variable: 'OPENAI_API_KEY' },
  { label: 'Stripe live key', make: makeStripeKey, shape: 'a Stripe secret key', variable: 'STRIPE_SECRET_KEY' },
  { label: 'Stripe webhook secret', make: makeStripeWebhookSecret, shape: 'a Stripe webhook secret', variable: 'STRIPE_WEBHOOK_SECRET' },
  { label: 'Supabase JWT', make: makeSupabaseJwt, shape: 'a JSON Web Token (Supabase keys are JWTs)', variable: 'SUPABASE_KEY' },
  { label: 'Google OAuth client secret', make: makeGoogleClientSecret, shape: 'a Google OAuth client secret', variable: 'GOOGLE_OAUTH_CLIENT_SECRET' },
];

/** Every textual form of `value` we check the output and the messages against. */
function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [
    value,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    ...encodingsOf(value).map((f) => f.text),
  ];
}

function expectNoFormOf(value: string, text: string) {
  for (const form of formsOf(value)) expect(text.includes(form)).toBe(false);
}

const secretManifest = (key: string, base64: string): string =>
  ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: leaked', 'type: Opaque', 'data:', `  ${key}: ${base64}`, ''].join('\n');

// ---------------------------------------------------------------------------------------------
// 1. encodingsOf
// ---------------------------------------------------------------------------------------------

describe('encodingsOf', () => {
  test('yields the plain, JSON-escaped, percent-encoded, hex, base64 and base64url forms', () => {
    // GIVEN a value with a quote, a backslash, a space and bytes whose base64 holds "+" and "/"
    const value = 'p"w\\d ~~~???' + alnum(12);
    // WHEN its forms are computed
    const forms = encodingsOf(value);
    const texts = (encoding: string) => forms.filter((f) => f.encoding === encoding).map((f) => f.text);
    // THEN each form is there, exactly as a tool would write it
    expect(texts('plain')).toEqual([value]);
    expect(texts('JSON-escaped')).toEqual([JSON.stringify(value).slice(1, -1)]);
    expect(texts('JSON-escaped')[0]).toContain('\\"');
    expect(texts('percent-encoded')).toEqual([encodeURIComponent(value)]);
    const hex = Buffer.from(value, 'utf8').toString('hex');
    expect(texts('hex')).toEqual([hex, hex.toUpperCase()]);
    // one base64 form per byte offset modulo 3; the URL-safe alphabet differs, so each has a twin
    const base64 = texts('base64');
    expect(base64).toHaveLength(3);
    expect(base64.some((t) => /[+/]/.test(t))).toBe(true);
    expect(texts('base64url')).toEqual(base64.filter((t) => /[+/]/.test(t)).map((t) => t.replace(/\+/g, '-').replace(/\//g, '_')));
    // the base64 of the value alone holds its offset-0 form
    expect(Buffer.from(value).toString('base64')).toContain(base64[0]);
  });

  test('forms are unique and never shorter than 8 characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, unit: 'binary' }), (value) => {
        const texts = encodingsOf(value).map((f) => f.text);
        expect(new Set(texts).size).toBe(texts.length);
        for (const t of texts) expect(t.length).toBeGreaterThanOrEqual(8);
      }),
    );
  });

  test('a URL-safe value has a single plain form (escaping changes nothing)', () => {
    const value = makeAnthropicKey();
    const forms = encodingsOf(value);
    expect(forms.filter((f) => f.text === value)).toEqual([{ encoding: 'plain', text: value }]);
    expect(forms.map((f) => f.encoding)).not.toContain('JSON-escaped');
    expect(forms.map((f) => f.encoding)).not.toContain('percent-encoded');
  });

  describe('a value embedded at any byte offset in encoded data', () => {
    const values = fc.oneof(
      fc.string({ minLength: 8 }), // printable ASCII
      fc.string({ minLength: 8, unit: 'binary' }), // any code point
      fc.string({ minLength: 8, unit: 'grapheme' }), // any unicode grapheme
    );
    const padding = fc.uint8Array({ minLength: 0, maxLength: 5 });
    const embed = (prefix: Uint8Array, value: string, suffix: Uint8Array) =>
      Buffer.concat([Buffer.from(prefix), Buffer.from(value, 'utf8'), Buffer.from(suffix)]);

    test('the standard base64 of the data contains one of its base64 forms', () => {
      fc.assert(
        fc.property(padding, values, padding, (prefix, value, suffix) => {
          const encoded = embed(prefix, value, suffix).toString('base64');
          const forms = encodingsOf(value).filter((f) => f.encoding === 'base64');
          expect(forms.length).toBeGreaterThan(0);
          expect(forms.some((f) => encoded.includes(f.text))).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    test('the base64url of the data contains one of its URL-safe base64 forms', () => {
      fc.assert(
        fc.property(padding, values, padding, (prefix, value, suffix) => {
          const encoded = embed(prefix, value, suffix).toString('base64url');
          // A base64 form without "+" or "/" is its own base64url twin (deduplicated, so labelled base64).
          const forms = encodingsOf(value).filter((f) => f.encoding === 'base64url' || (f.encoding === 'base64' && !/[+/]/.test(f.text)));
          expect(forms.some((f) => encoded.includes(f.text))).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    test('the hex of the data contains its hex form (lower and upper case)', () => {
      fc.assert(
        fc.property(padding, values, padding, (prefix, value, suffix) => {
          const hex = embed(prefix, value, suffix).toString('hex');
          const forms = encodingsOf(value).filter((f) => f.encoding === 'hex').map((f) => f.text);
          expect(forms.some((t) => hex.includes(t))).toBe(true);
          expect(forms.some((t) => hex.toUpperCase().includes(t))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    test('findLeaks finds the value in a base64-encoded Secret data field, whatever surrounds it', () => {
      fc.assert(
        fc.property(padding, values, padding, (prefix, value, suffix) => {
          const file = { path: 'dev/Secret.leaked.k8s.yaml', content: secretManifest('blob', embed(prefix, value, suffix).toString('base64')) };
          const leaks = findLeaks([file], [{ origin: 'X_TOKEN from .env', value }]);
          expect(leaks.some((l) => l.what.startsWith('the value of X_TOKEN from .env (base64'))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. findLeaks
// ---------------------------------------------------------------------------------------------

describe('findLeaks', () => {
  describe.each(SHAPED)('a planted $label', ({ make, shape, variable }) => {
    const value = make();
    const origin = `${variable} from .env`;
    const sensitive: SensitiveValue[] = [{ origin, value }];
    const bytes = Buffer.from(value, 'utf8');

    const placements: { how: string; content: string; encoding: string }[] = [
      { how: 'raw in an image string', content: `image: registry.example.com/aragora:${value}\n`, encoding: 'plain' },
      { how: 'raw as a YAML value', content: `env:\n  - name: ${variable}\n    value: ${value}\n`, encoding: 'plain' },
      { how: 'base64 in a Secret data field', content: secretManifest(variable, bytes.toString('base64')), encoding: 'base64' },
      {
        how: 'base64 inside an encoded .env blob (offset 1)',
        content: secretManifest('.env', Buffer.from(`A=1\n${variable}=${value}\nPORT=8080\n`).toString('base64')),
        encoding: 'base64',
      },
      {
        how: 'base64 inside an encoded .env blob (offset 2)',
        content: secretManifest('.env', Buffer.from(`AB=1\n${variable}=${value}\n`).toString('base64')),
        encoding: 'base64',
      },
      { how: 'base64url', content: `token: ${bytes.toString('base64url')}\n`, encoding: 'base64' },
      { how: 'hex', content: `hex: ${bytes.toString('hex')}\n`, encoding: 'hex' },
      { how: 'upper-case hex', content: `HEX=${bytes.toString('hex').toUpperCase()}\n`, encoding: 'hex' },
      { how: 'inside a JSON document', content: JSON.stringify({ auths: { x: { password: value } } }), encoding: 'plain' },
      { how: 'percent-encoded in a URL', content: `url: https://api.example.com/?key=${encodeURIComponent(value)}\n`, encoding: 'plain' },
    ];

    test.each(placements)('is found $how, and the report never holds the value', ({ content, encoding }) => {
      // GIVEN an output file that carries the value
      const files: OutputFile[] = [
        { path: 'dev/Namespace.aragora-dev.k8s.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: aragora-dev\n' },
        { path: 'dev/Leaky.k8s.yaml', content },
      ];
      // WHEN the guard looks at the output
      const leaks = findLeaks(files, sensitive);
      // THEN it names the file and the variable, in the expected encoding, and only that file
      expect(leaks).toContainEqual({ file: 'dev/Leaky.k8s.yaml', what: expect.stringMatching(new RegExp(`^the value of ${origin} \\(${encoding}`)) });
      expect(leaks.every((l) => l.file === 'dev/Leaky.k8s.yaml')).toBe(true);
      const message = new LeakError(leaks).message;
      expect(message).toContain(`dev/Leaky.k8s.yaml: the value of ${origin}`);
      expectNoFormOf(value, message);
    });

    test.each([
      { how: 'raw', content: `image: registry.example.com/aragora:${value}\n` },
      { how: 'base64 in a Secret data field', content: secretManifest(variable, bytes.toString('base64')) },
      { how: 'base64url-encoded', content: `token: ${bytes.toString('base64url')}\n` },
    ])('is recognised by its shape alone when $how (not in the sensitive list)', ({ content }) => {
      // GIVEN no known values at all
      // WHEN the guard looks at a file carrying a credential
      const leaks = findLeaks([{ path: 'dev/Leaky.k8s.yaml', content }], []);
      // THEN the shape gives it away, without printing it
      expect(leaks).toContainEqual({ file: 'dev/Leaky.k8s.yaml', what: `something shaped like ${shape}` });
      expectNoFormOf(value, new LeakError(leaks).message);
    });
  });

  describe('values that need escaping', () => {
    test('a password with a quote is found JSON-escaped', () => {
      // GIVEN a password with a quote and a backslash, written by a tool into JSON
      const value = 'Pa"ss\\' + alnum(16);
      const content = JSON.stringify({ database: { password: value } }, null, 2);
      expect(content).not.toContain(value);
      // WHEN the guard looks
      const leaks = findLeaks([{ path: 'dev/config.json', content }], [{ origin: 'DB_PASSWORD from .env', value }]);
      // THEN it is found as JSON-escaped, and not printed
      expect(leaks).toEqual([{ file: 'dev/config.json', what: 'the value of DB_PASSWORD from .env (JSON-escaped)' }]);
      expectNoFormOf(value, new LeakError(leaks).message);
    });

    test('a password with URL-reserved characters is found percent-encoded in a connection string', () => {
      // GIVEN a password that must be percent-encoded to sit in a URL
      const value = alnum(12) + '/+@:?#&' + alnum(4);
      const content = `DATABASE_URL: postgres://app:${encodeURIComponent(value)}@db.internal:5432/app\n`;
      expect(content).not.toContain(value);
      // WHEN the guard looks
      const leaks = findLeaks([{ path: 'dev/ConfigMap.db.k8s.yaml', content }], [{ origin: 'DB_PASSWORD from the environment', value }]);
      // THEN it is found as percent-encoded, and the URL with a password is a credential by its shape too
      expect(leaks).toEqual([
        { file: 'dev/ConfigMap.db.k8s.yaml', what: 'the value of DB_PASSWORD from the environment (percent-encoded)' },
        { file: 'dev/ConfigMap.db.k8s.yaml', what: 'something shaped like a URL with a password' },
      ]);
      expectNoFormOf(value, new LeakError(leaks).message);
    });

    test('a non-ASCII passphrase is found in hex and base64', () => {
      const value = 'mot de passe ' + alnum(8) + ' éèà 🔑';
      const bytes = Buffer.from(value, 'utf8');
      const leaks = findLeaks(
        [
          { path: 'a.yaml', content: `x: ${bytes.toString('hex')}\n` },
          { path: 'b.yaml', content: secretManifest('PASS', bytes.toString('base64')) },
        ],
        [{ origin: 'APP_PASSPHRASE from .env', value }],
      );
      expect(leaks).toContainEqual({ file: 'a.yaml', what: 'the value of APP_PASSPHRASE from .env (hex)' });
      expect(leaks).toContainEqual({ file: 'b.yaml', what: 'the value of APP_PASSPHRASE from .env (base64)' });
    });
  });

  test('every file that holds the value is reported, each once per finding', () => {
    const value = urlSafe(40);
    const files = ['dev/a.yaml', 'staging/a.yaml', 'prod/a.yaml'].map((path) => ({ path, content: `v: ${value}\nw: ${value}\n` }));
    const leaks = findLeaks(files, [{ origin: 'DEPLOY_TOKEN from the environment', value }]);
    expect(leaks).toEqual(files.map((f) => ({ file: f.path, what: 'the value of DEPLOY_TOKEN from the environment (plain)' })));
  });

  test('an unrelated value is not reported', () => {
    const leaks = findLeaks([{ path: 'x.yaml', content: `v: ${urlSafe(40)}\n` }], [{ origin: 'DEPLOY_TOKEN from .env', value: urlSafe(40) }]);
    expect(leaks).toEqual([]);
  });

  test('no false positive on the real output of the embedded default', () => {
    // GIVEN the files the embedded default synthesizes
    const files = synthesizePlan(resolvePlan(validateConfig(DEFAULT_CONFIG, 'd')));
    expect(files.length).toBeGreaterThan(10);
    // WHEN the guard looks with no known values, then with random realistic ones
    // THEN it finds nothing: no shape matches an image, a label, a name or a policy
    expect(findLeaks(files, [])).toEqual([]);
    expect(findLeaks(files, SHAPED.map((s) => ({ origin: `${s.variable} from .env`, value: s.make() })))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. collectSensitiveValues
// ---------------------------------------------------------------------------------------------

describe('collectSensitiveValues', () => {
  const catalog = Object.keys(DEFAULT_CONFIG.secrets);
  const emptyDir = () => mkdtempSync(join(tmpdir(), 'aragora-leak-'));

  test('picks the catalog variables and secret-looking names from the environment', () => {
    // GIVEN an environment with catalog variables, secret-looking names and ordinary settings
    const anthropic = makeAnthropicKey();
    const token = urlSafe(32);
    const password = alnum(20);
    const env = {
      ANTHROPIC_API_KEY: anthropic,
      FOO_TOKEN: token,
      DB_PASSWORD: password,
      SUPABASE_URL: 'https://' + alnum(20).toLowerCase() + '.supabase.co',
      PORT: '8080',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/home/someone',
      NODE_ENV: 'production',
    };
    // WHEN the values are collected
    const values = collectSensitiveValues({ cwd: emptyDir(), env, secretNames: catalog });
    // THEN only the sensitive ones are, each with its origin
    expect(values).toHaveLength(3);
    expect(values).toEqual(
      expect.arrayContaining([
        { origin: 'ANTHROPIC_API_KEY from the environment', value: anthropic },
        { origin: 'FOO_TOKEN from the environment', value: token },
        { origin: 'DB_PASSWORD from the environment', value: password },
      ]),
    );
  });

  test('a catalog variable is sensitive even when its name does not look secret', () => {
    const url = `postgres://app:${alnum(16)}@db.internal:5432/app`;
    const values = collectSensitiveValues({
      cwd: emptyDir(),
      env: { DATABASE_URL: url, SUPABASE_URL: 'https://project-ref.supabase.co' },
      secretNames: ['DATABASE_URL'],
    });
    // (and the password alone, which a leak may hold without the rest of the URL)
    expect(values).toEqual([
      { origin: 'DATABASE_URL from the environment', value: url },
      { origin: 'DATABASE_URL from the environment (the password in it)', value: url.slice('postgres://app:'.length, url.indexOf('@')) },
    ]);
  });

  test('picks values from the .env file of the project root', () => {
    // GIVEN a project with a .env
    const dir = emptyDir();
    const openai = makeOpenAiKey();
    const jwt = makeSupabaseJwt();
    const token = urlSafe(24);
    const quoted = 'with "quotes" and spaces ' + alnum(8);
    writeFileSync(
      join(dir, '.env'),
      [
        '# local secrets',
        `OPENAI_API_KEY=${openai}`,
        `SUPABASE_KEY="${jwt}"`,
        `export GITHUB_TOKEN=${token}`,
        `APP_SECRET='${quoted}'`,
        'SUPABASE_URL=https://project-ref.supabase.co',
        'PORT=8080',
        'LOG_LEVEL=debug',
        '',
      ].join('\n'),
    );
    // WHEN the values are collected from an empty environment
    const values = collectSensitiveValues({ cwd: dir, env: {}, secretNames: catalog });
    // THEN the secret ones come from .env, unquoted
    expect(values).toHaveLength(4);
    expect(values).toEqual(
      expect.arrayContaining([
        { origin: 'OPENAI_API_KEY from .env', value: openai },
        { origin: 'SUPABASE_KEY from .env', value: jwt },
        { origin: 'GITHUB_TOKEN from .env', value: token },
        { origin: 'APP_SECRET from .env', value: quoted },
      ]),
    );
  });

  test('the same variable in the environment and in .env is reported with both origins', () => {
    const dir = emptyDir();
    const fromFile = makeStripeKey();
    const fromEnv = makeStripeKey();
    writeFileSync(join(dir, '.env'), `STRIPE_SECRET_KEY=${fromFile}\n`);
    const values = collectSensitiveValues({ cwd: dir, env: { STRIPE_SECRET_KEY: fromEnv }, secretNames: catalog });
    expect(values).toEqual(
      expect.arrayContaining([
        { origin: 'STRIPE_SECRET_KEY from the environment', value: fromEnv },
        { origin: 'STRIPE_SECRET_KEY from .env', value: fromFile },
      ]),
    );
    expect(values).toHaveLength(2);
  });

  test('other env files are read when listed, and a missing one is skipped', () => {
    const dir = emptyDir();
    const secret = alnum(32);
    writeFileSync(join(dir, '.env.local'), `ARAGORA_JWT_SECRET=${secret}\n`);
    const values = collectSensitiveValues({ cwd: dir, env: {}, secretNames: catalog, envFiles: ['.env', '.env.local', '.env.missing'] });
    expect(values).toEqual([{ origin: 'ARAGORA_JWT_SECRET from .env.local', value: secret }]);
  });

  test('values shorter than 8 characters are not collected', () => {
    // GIVEN short values under sensitive names, in the environment and in .env
    const dir = emptyDir();
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=1234567\nFOO_TOKEN=true\nBAR_SECRET=\n');
    const env = { ANTHROPIC_API_KEY: 'short', DB_PASSWORD: 'hunter2', EMPTY_TOKEN: '', X_KEY: '12345678' };
    // WHEN collected
    const values = collectSensitiveValues({ cwd: dir, env, secretNames: catalog });
    // THEN only the one of exactly 8 characters is
    expect(values).toEqual([{ origin: 'X_KEY from the environment', value: '12345678' }]);
  });

  test('no .env and no sensitive variable: nothing', () => {
    expect(collectSensitiveValues({ cwd: emptyDir(), env: { PORT: '8080', SUPABASE_URL: 'https://x.supabase.co' }, secretNames: catalog })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. End to end: the real entry point, as `cdk8s synth` runs it (cdk8s.yaml: node scripts/app.cjs src/main.ts)
// ---------------------------------------------------------------------------------------------

integration.describe('the app entry point refuses to write secret values', () => {
  function listFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? listFiles(full) : [full];
    });
  }

  function project(files: { config?: object; dotenv?: Record<string, string> }): string {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-leak-e2e-'));
    if (files.config) writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(files.config));
    if (files.dotenv) writeFileSync(join(dir, '.env'), Object.entries(files.dotenv).map(([k, v]) => `${k}=${v}\n`).join(''));
    return dir;
  }

  /** A config whose only workload image carries `tag`: the image is free text that reaches the Deployment. */
  function configWithImageTag(tag: string): object {
    return {
      app: { name: 'aragora', image: `registry.example.com/aragora:${tag}` },
      secrets: { ANTHROPIC_API_KEY: { purpose: 'Claude API access', required: 'always' } },
      environments: { dev: { namespace: 'aragora-dev', tier: 'development' } },
    };
  }

  function runApp(cwd: string, env: Record<string, string> = {}) {
    const outdir = join(cwd, 'dist');
    // A clean environment: the test runner's own variables must not count as sensitive values.
    return { ...spawnApp(cwd, { CDK8S_OUTDIR: outdir, ...env }), outdir };
  }

  function expectRefusal(result: ReturnType<typeof runApp>, value: string) {
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(1);
    // Shaped credentials are refused at the config, others when they would land in the Deployment.
    expect(result.stderr).toMatch(/^Refusing to (write|synthesize): /);
    expect(result.stderr).toMatch(/dev\/manifests\/40-Deployment\.aragora\.k8s\.yaml: |aragora-secrets\.yaml:3: /);
    expect(result.stderr).not.toContain('    at ');
    expect(result.stderr).not.toContain('internal error');
    expectNoFormOf(value, result.stderr);
    expectNoFormOf(value, result.stdout);
    expect(existsSync(result.outdir)).toBe(false);
  }

  test('a key from .env in the image string: refused at the config line, exit 1, not printed, nothing written', () => {
    // GIVEN a config whose image tag is the Anthropic key that .env holds
    const key = makeAnthropicKey();
    const dir = project({ config: configWithImageTag(key), dotenv: { ANTHROPIC_API_KEY: key } });
    // WHEN the app runs
    const result = runApp(dir);
    // THEN it refuses, says which file and which variable, and prints neither the value nor a stack
    expectRefusal(result, key);
    expect(result.stderr).toContain('aragora-secrets.yaml:3: an Anthropic API key');
  });

  test('a key from the process environment in the image string: refused at the config line, exit 1, not printed, nothing written', () => {
    // GIVEN the key only in the environment
    const key = makeAnthropicKey();
    const dir = project({ config: configWithImageTag(key) });
    // WHEN the app runs with it
    const result = runApp(dir, { ANTHROPIC_API_KEY: key });
    // THEN
    expectRefusal(result, key);
    expect(result.stderr).toContain('aragora-secrets.yaml:3: an Anthropic API key');
  });

  test('a shapeless value under an unrelated secret-looking name in the environment: caught by value alone', () => {
    // GIVEN a deploy token (no known shape) that ended up as the image tag
    const token = randomBytes(20).toString('hex');
    const dir = project({ config: configWithImageTag(token) });
    // WHEN the app runs with the token in the environment
    const result = runApp(dir, { REGISTRY_DEPLOY_TOKEN: token });
    // THEN the value match alone stops it
    expectRefusal(result, token);
    expect(result.stderr).toContain('dev/manifests/40-Deployment.aragora.k8s.yaml: the value of REGISTRY_DEPLOY_TOKEN from the environment (plain)');
    expect(result.stderr).not.toContain('shaped like');
  });

  test('a key that is nowhere on this machine is still caught by its shape, at the config line', () => {
    // GIVEN an Anthropic key in the config, with no .env and no variable holding it
    const key = makeAnthropicKey();
    const dir = project({ config: configWithImageTag(key) });
    // WHEN the app runs
    const result = runApp(dir);
    // THEN the shape stops it
    expectRefusal(result, key);
    expect(result.stderr).toContain('aragora-secrets.yaml:3: an Anthropic API key');
  });

  test('an existing output folder is left untouched when writing is refused', () => {
    // GIVEN a dist/ from an earlier run
    const key = makeAnthropicKey();
    const dir = project({ config: configWithImageTag(key), dotenv: { ANTHROPIC_API_KEY: key } });
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'earlier.yaml'), 'kept: true\n');
    // WHEN the app refuses
    const result = runApp(dir);
    // THEN dist/ holds exactly what it held
    expect(result.status).toBe(1);
    expect(listFiles(result.outdir).map((f) => relative(result.outdir, f))).toEqual(['earlier.yaml']);
    expect(readFileSync(join(result.outdir, 'earlier.yaml'), 'utf8')).toBe('kept: true\n');
  });

  test('values in .env and the environment that the config does not reference: exit 0, none of them written', () => {
    // GIVEN realistic values for the whole catalog, in .env and in the environment
    const dotenv = {
      ANTHROPIC_API_KEY: makeAnthropicKey(),
      OPENAI_API_KEY: makeOpenAiKey(),
      SUPABASE_KEY: makeSupabaseJwt(),
      STRIPE_SECRET_KEY: makeStripeKey(),
      STRIPE_WEBHOOK_SECRET: makeStripeWebhookSecret(),
      GOOGLE_OAUTH_CLIENT_SECRET: makeGoogleClientSecret(),
      ARAGORA_JWT_SECRET: randomBytes(32).toString('hex'),
    };
    const env = {
      OPENROUTER_API_KEY: 'sk-' + 'or-v1-' + alnum(64),
      ARAGORA_SSO_CLIENT_SECRET: urlSafe(40),
      REGISTRY_DEPLOY_TOKEN: randomBytes(20).toString('hex'),
    };
    const dir = project({ config: DEFAULT_CONFIG, dotenv });
    // WHEN the app runs
    const result = runApp(dir, env);
    // THEN it writes the output
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    // (stderr may hold warnings for the reviewer, nothing else)
    expect(result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('warning: '))).toEqual([]);
    const written = listFiles(result.outdir);
    expect(written.length).toBeGreaterThan(10);
    expect(readdirSync(result.outdir).sort()).toEqual(['.aragora-secrets', ...Object.keys(DEFAULT_CONFIG.environments)].sort());
    // AND no value appears in any written file, in any form
    for (const file of written) {
      const content = readFileSync(file, 'utf8');
      for (const value of [...Object.values(dotenv), ...Object.values(env)]) expectNoFormOf(value, content);
    }
    for (const value of [...Object.values(dotenv), ...Object.values(env)]) {
      expectNoFormOf(value, result.stdout);
      expectNoFormOf(value, result.stderr);
    }
  });
});

describe('fixes found while reviewing the guard', () => {
  test('names that merely contain SECRET or KEY in the middle are not treated as secrets', () => {
    const values = collectSensitiveValues({
      cwd: mkdtempSync(join(tmpdir(), 'aragora-names-')),
      env: { SEALED_SECRETS_CONTROLLER_NAMESPACE: 'kube-system-xx', AWS_SECRET_NAME: 'aragora-secrets', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
      secretNames: [],
    });
    expect(values.map((v) => v.origin)).toEqual(['AWS_SECRET_ACCESS_KEY from the environment']);
  });

  test('a lone surrogate does not crash the guard', () => {
    expect(() => encodingsOf('abcdefgh\uD800ijkl')).not.toThrow();
  });

  test('each long line of a multi-line value is looked for (YAML block scalars)', () => {
    const value = 'first line of a multi-line secret\nsecond line, also long enough';
    const leaks = findLeaks([{ path: 'x/a.yaml', content: 'key: |-\n  first line of a multi-line secret\n  second line, also long enough\n' }], [{ origin: 'MULTI_SECRET from .env', value }]);
    expect(leaks.map((l) => l.what)).toContain('the value of MULTI_SECRET from .env (one line of a multi-line value)');
  });
});

// ---------------------------------------------------------------------------------------------
// 5. The security pass: escaping undone, every dotenv file, the config as a source
// ---------------------------------------------------------------------------------------------

describe('findLeaks undoes the escaping of the file it reads', () => {
  // A password with every character one of the formats escapes.
  const value = () => `pw ${alnum(10)} |"'\\$\`{x} %{y} $\{z} <&> é ${alnum(10)}`;
  const cases: { format: string; path: string; write: (v: string) => string }[] = [
    { format: 'Markdown table (| escaped, newline a space)', path: 'dev/SECRETS.md', write: (v) => `| KEY | ${v.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |\n` },
    { format: 'YAML single quotes', path: 'a.yaml', write: (v) => `x: '${v.replace(/'/g, "''")}'\n` },
    { format: 'YAML double quotes', path: 'a.yaml', write: (v) => `x: ${JSON.stringify(v)}\n` },
    { format: 'YAML folded over lines', path: 'c.yaml', write: (v) => stringify({ x: `${v} ${v}` }, { lineWidth: 20, minContentWidth: 0 }) },
    { format: 'JSON', path: 'a.template.json', write: (v) => JSON.stringify({ Properties: { Image: v } }, null, 1) },
    { format: 'shell single quotes', path: 'deploy.sh', write: (v) => `IMAGE='${v.replace(/'/g, "'\\''")}'\n` },
    { format: 'shell double quotes', path: 'deploy.sh', write: (v) => `IMAGE="${v.replace(/(["\\$`])/g, '\\$1')}"\n` },
    { format: "shell $'...'", path: 'deploy.sh', write: (v) => `IMAGE=$'${[...v].map((c) => (/[A-Za-z0-9 ]/.test(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('')}'\n` },
    { format: 'HCL', path: 'policy.hcl', write: (v) => `path "${v.replace(/(["\\])/g, '\\$1').replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')}" {}\n` },
    { format: 'HTML entities', path: 'a.html', write: (v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;') },
    { format: 'upper case', path: 'a.txt', write: (v) => v.toUpperCase() },
    { format: 'base64 inside an escaped JSON string', path: 'd.json', write: (v) => JSON.stringify({ b: Buffer.from(JSON.stringify({ v })).toString('base64') }) },
  ];

  test.each(cases)('$format', ({ path, write }) => {
    // GIVEN a file holding the value as that format writes it, and not as is
    const v = value();
    const content = write(v);
    expect(content.includes(v)).toBe(false);
    // WHEN the guard reads it
    const leaks = findLeaks([{ path, content }], [{ origin: 'DB_PASSWORD from .env.qa', value: v }]);
    // THEN the value is found, and the report does not show it
    expect(leaks.map((l) => l.file)).toContain(path);
    expect(leaks.find((l) => l.file === path)?.what).toMatch(/^the value of DB_PASSWORD from \.env\.qa \(/);
    expectNoFormOf(v, new LeakError(leaks).message);
  });

  test('base64 wrapped over lines is found', () => {
    const v = alnum(60);
    const wrapped = Buffer.from(v).toString('base64').replace(/(.{16})/g, '$1\n    ');
    const leaks = findLeaks([{ path: 'x.yaml', content: `blob: |\n    ${wrapped}\n` }], [{ origin: 'X_TOKEN from .env', value: v }]);
    expect(leaks.map((l) => l.what)).toContainEqual(expect.stringMatching(/^the value of X_TOKEN from \.env \(/));
  });
});

describe('credential shapes of every provider in the catalog, in the output', () => {
  const shapes: { name: string; make: () => string }[] = [
    { name: 'an Anthropic API key', make: makeAnthropicKey },
    { name: 'an OpenAI API key', make: makeOpenAiKey },
    { name: 'an OpenRouter API key', make: () => 'sk-' + 'or-v1-' + alnum(64) },
    { name: 'a Supabase secret key', make: () => 'sb_' + 'secret_' + urlSafe(32) },
    { name: 'a JSON Web Token (Supabase keys are JWTs)', make: makeSupabaseJwt },
    { name: 'a Stripe secret key', make: makeStripeKey },
    { name: 'a Stripe secret key', make: () => 'rk_' + 'live_' + alnum(40) },
    { name: 'a Stripe webhook secret', make: makeStripeWebhookSecret },
    { name: 'a Google API key', make: () => 'AIza' + urlSafe(35) },
    { name: 'a Google OAuth client secret', make: makeGoogleClientSecret },
    { name: 'a GitHub token', make: () => 'ghp_' + alnum(36) },
    { name: 'a GitHub token', make: () => 'github_pat_' + alnum(22) + '_' + alnum(59) },
    { name: 'a GitLab token', make: () => 'glpat-' + urlSafe(20) },
    { name: 'a Slack token', make: () => 'xoxb-' + '1234567890-' + alnum(24) },
    { name: 'a Slack webhook URL', make: () => 'https://hooks.slack.com/services/' + 'T' + alnum(8).toUpperCase() + '/B' + alnum(8).toUpperCase() + '/' + alnum(24) },
    { name: 'a Hugging Face token', make: () => 'hf_' + alnum(34) },
    { name: 'a private key', make: () => '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----\n' + alnum(64) + '\n-----END OPENSSH PRIVATE KEY-----' },
    { name: 'a private key', make: () => '-----BEGIN ' + 'PGP PRIVATE KEY BLOCK-----\n\n' + alnum(64) + '\n-----END PGP PRIVATE KEY BLOCK-----' },
    { name: 'an AWS access key id', make: () => 'AKIA' + alnum(16).toUpperCase() },
    { name: 'a URL with a password', make: () => `postgres://aragora:${alnum(16)}@db.internal:5432/aragora` },
  ];
  test.each(shapes)('$name', ({ name, make }) => {
    const value = make();
    const leaks = findLeaks([{ path: 'dev/x.yaml', content: `x: ${JSON.stringify(value)}\n` }], []);
    expect(leaks).toContainEqual({ file: 'dev/x.yaml', what: `something shaped like ${name}` });
    expectNoFormOf(value, new LeakError(leaks).message);
  });

  test('a URL whose password is a placeholder is no credential', () => {
    const content = 'a: postgres://app:${DB_PASSWORD}@db:5432/app\nb: https://user:<password>@example.com/\nc: redis://:***@cache:6379\n';
    expect(findLeaks([{ path: 'x.yaml', content }], [])).toEqual([]);
  });
});

describe('collectSensitiveValues: every dotenv file, and variables by name and shape', () => {
  const catalog = Object.keys(DEFAULT_CONFIG.secrets);

  test.each(['.env', '.env.local', '.env.production', '.env.qa', '.env.prod', '.env-prod', '.env_prod', 'prod.env', 'staging.env', '.env.example', '.envrc'])(
    'reads %s in the project root',
    (name) => {
      const dir = mkdtempSync(join(tmpdir(), 'aragora-dotenv-'));
      const secret = urlSafe(32);
      writeFileSync(join(dir, name), `ARAGORA_JWT_SECRET=${secret}\n`);
      expect(collectSensitiveValues({ cwd: dir, env: {}, secretNames: catalog })).toEqual([{ origin: `ARAGORA_JWT_SECRET from ${name}`, value: secret }]);
    },
  );

  integration.test('a folder named .env (a Python virtualenv), a FIFO and files in subfolders are not read; an oversized file is refused', () => {
    // GIVEN a project root with things named like dotenv files that are not
    const dir = mkdtempSync(join(tmpdir(), 'aragora-dotenv-'));
    mkdirSync(join(dir, '.env'));
    writeFileSync(join(dir, '.env', 'pyvenv.cfg'), 'home = /usr/bin\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '.env'), `ARAGORA_JWT_SECRET=${urlSafe(32)}\n`);
    const fifo = spawnSync('mkfifo', [join(dir, '.env.pipe')]);
    // WHEN the values are collected THEN nothing is read, and nothing blocks on the FIFO
    expect(collectSensitiveValues({ cwd: dir, env: {}, secretNames: catalog })).toEqual([]);
    if (fifo.status === 0) expect(existsSync(join(dir, '.env.pipe'))).toBe(true);
    // AND a dotenv file too large to be one is refused by name, not silently skipped
    writeFileSync(join(dir, 'big.env'), Buffer.alloc(16 * 1024 * 1024 + 1, 'A'));
    expect(() => collectSensitiveValues({ cwd: dir, env: {}, secretNames: catalog })).toThrow(/env file "big\.env" is over 16 MiB/);
  });

  test.each([
    { name: 'DATABASE_URL', value: () => `postgres://app:${alnum(16)}@db:5432/app`, sensitive: true },
    { name: 'DB_PASS', value: () => 'hunter2hunter2', sensitive: true },
    { name: 'POSTGRES_PWD', value: () => 'correct-horse-battery', sensitive: true },
    { name: 'STRIPE_KEY_LIVE', value: () => 'sk_' + 'live_' + alnum(24), sensitive: true },
    { name: 'MY_SETTING', value: () => urlSafe(40).replace(/^/, 'A1b'), sensitive: true },
    { name: 'PWD', value: () => '/home/someone/project', sensitive: false },
    { name: 'OLDPWD', value: () => '/home/someone', sensitive: false },
    { name: 'SEALED_SECRETS_CONTROLLER_NAMESPACE', value: () => 'kube-system', sensitive: false },
    { name: 'ARAGORA_SECRETS_CONFIG', value: () => 'staging.yaml', sensitive: false },
    { name: 'GITHUB_SHA', value: () => randomBytes(20).toString('hex'), sensitive: false },
    { name: 'CDK_DEFAULT_ACCOUNT', value: () => '123456789012', sensitive: false },
    { name: 'VAULT_ADDR', value: () => 'https://vault.vault.svc:8200', sensitive: false },
    { name: 'POSTGRES_PASSWORD', value: () => 'postgres', sensitive: false },
    { name: 'npm_config_user_agent', value: () => 'npm/10.8.2 node/v20.20.2 linux x64 workspaces/false', sensitive: false },
  ])('$name is sensitive: $sensitive', ({ name, value, sensitive }) => {
    const v = value();
    const collected = collectSensitiveValues({ cwd: mkdtempSync(join(tmpdir(), 'aragora-env-')), env: { [name]: v }, secretNames: [] });
    expect(collected.some((c) => c.origin === `${name} from the environment`)).toBe(sensitive);
  });
});

describe('the config text as a source (scanConfigText)', () => {
  const scan = (text: string) => scanConfigText('aragora-secrets.yaml', text);
  const lines = (text: string) => scan(text).map((f) => f.line);

  test('a credential anywhere (a field, a comment, an escaped string) is found by file and line, never shown', () => {
    const anthropic = makeAnthropicKey();
    const escaped = [...'sk-ant-'].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join('') + anthropic.slice('sk-ant-'.length);
    const text = [
      'app:',
      '  name: aragora',
      `  image: registry.example.com/aragora:1.0 # pushed with ghp_${alnum(36)}`,
      'secrets:',
      `  A: { purpose: "${escaped}" }`,
      `  B: { purpose: "postgres://app:${alnum(12)}@db/app" }`,
      `  C: { purpose: "${urlSafe(40)}" }`,
      `  D: { purpose: "npm_${alnum(36)}" }`,
      '',
    ].join('\n');
    const findings = scan(text);
    expect(findings.map((f) => f.line)).toEqual([3, 5, 6, 7, 8]);
    expect(findings[0].what).toContain('a GitHub token');
    expect(findings[1].what).toContain('an Anthropic API key');
    expect(findings[2].what).toContain('a URL with a password');
    expect(findings[3].what).toEqual(['a random-looking token']);
    // a shape only secretlint's rules know (an npm token)
    expect(findings[4].what.join(' ')).toMatch(/secretlint: /);
    const message = new ConfigCredentialError(findings).message;
    expect(message).toContain('aragora-secrets.yaml:5: an Anthropic API key');
    expectNoFormOf(anthropic, message);
  });

  test('public values that look random are not flagged: ARNs, EKS ids, digests, commit ids, UUIDs, names, CA certificates', () => {
    const ca = ['-----BEGIN CERTIFICATE-----', ...Array.from({ length: 8 }, () => randomBytes(48).toString('base64')), '-----END CERTIFICATE-----'];
    const text = [
      'oidcProvider: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      `image: ghcr.io/aragora/aragora@sha256:${randomBytes(32).toString('hex')}`,
      `tag: ghcr.io/aragora/aragora:${randomBytes(20).toString('hex')}`,
      'kms: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'provider: projects/123456789/locations/global/workloadIdentityPools/github-pool/providers/github',
      'purpose: ServiceAccountTokenVolumeProjection2024 and KubernetesV1Beta1Resources',
      'caBundle: |',
      ...ca.map((l) => `  ${l}`),
      '',
    ].join('\n');
    expect(scan(text)).toEqual([]);
  });

  test('a line ending in `# secretlint-disable-line` is allowed; `secretlint-disable` for the rest of the file is not honoured', () => {
    const token = urlSafe(40);
    expect(lines(`a: "${token}" # secretlint-disable-line\n`)).toEqual([]);
    expect(lines(`# secretlint-disable\na: "${token}"\nb: ghp_${alnum(36)}\n`)).toEqual([2, 3]);
  });

  test('the scanner thread forgets the profile of finished scans: a process that synthesizes many times does not slow down with each', () => {
    // GIVEN the thread that runs secretlint, reused from scan to scan; WHEN it has scanned 30 texts
    for (let scan = 0; scan < 30; scan++) secretlintSync([{ name: 'aragora-secrets.yaml', content: `app:\n  name: aragora-${scan}\n` }]);
    // THEN it holds none of secretlint's profiling marks (each scan makes dozens, and every new one is
    // searched for among all that are held)
    expect(secretlintRetainedMarks()).toBe(0);
  });
});

describe('redactMessage: errors that quote config text never show a value', () => {
  const value = `pw ${alnum(12)} with | and "quotes" ${alnum(12)}`;
  const values = [{ origin: 'DB_PASSWORD from .env.qa', value }];

  test('the value, JSON-quoted, is replaced by its origin', () => {
    const message = redactMessage(`Invalid config (1 problem):\n  - app.name: ${JSON.stringify(value)} is invalid`, values);
    expect(message).toContain('[the value of DB_PASSWORD from .env.qa]');
    expectNoFormOf(value, message);
  });

  test('a line with the value cut short, or rebuilt as a suggestion, is withheld', () => {
    const cut = `  - a: the string ${JSON.stringify(value.slice(0, 30) + '…')}`;
    const suggestion = `    fix: for example "${value.toLowerCase().replace(/[^a-z0-9]+/g, '-')}"`;
    const message = redactMessage(['Invalid config (2 problems):', cut, suggestion, '  - b: fine'].join('\n'), values);
    expect(message.split('\n')).toEqual([
      'Invalid config (2 problems):',
      '  - (a line withheld: it would show part of the value of DB_PASSWORD from .env.qa)',
      '    (a line withheld: it would show part of the value of DB_PASSWORD from .env.qa)',
      '  - b: fine',
    ]);
  });
});

describe('base64Tokens: the scan the leak guard decodes', () => {
  test('finds exactly what the regular expression finds, on any text', () => {
    const pattern = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.constantFrom('QUJD', 'REVG', 'R0hJ', 'a_b-', '+/', '=', '==', '===', ' ', '\n', ':', 'é', 'x'.repeat(15), 'y'.repeat(16)), { maxLength: 40 }).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(text, (t) => expect(base64Tokens(t)).toEqual([...t.matchAll(pattern)].map((m) => m[0]))), { numRuns: 3000 });
  });
});

describe('decodesToBinary: tokens refused without decoding them whole', () => {
  /** What the leak guard keeps of a token when it decodes it whole: text with no control character, valid UTF-8. */
  function decodesToText(token: string): boolean {
    const bytes = Buffer.from(token, 'base64');
    return !bytes.some((b) => b <= 0x08 || (b >= 0x0e && b <= 0x1f) || b === 0x7f) && !bytes.toString('utf8').includes('\ufffd');
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_'.split('');
  const tokens = fc.oneof(
    fc.tuple(fc.array(fc.constantFrom(...alphabet), { minLength: 16, maxLength: 80 }), fc.constantFrom('', '=', '==')).map(([chars, pad]) => chars.join('') + pad),
    // Text in any script (4-byte characters included), at any byte offset, in both alphabets, padded or not.
    fc.tuple(fc.string({ unit: 'binary', minLength: 6, maxLength: 40 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean()).map(([text, offset, url, pad]) => {
      const encoded = Buffer.concat([Buffer.from('xy'.slice(0, offset)), Buffer.from(text, 'utf8')]).toString(url ? 'base64url' : 'base64');
      return pad ? encoded : encoded.replace(/=+$/, '');
    }),
    // Bytes that are almost UTF-8: a lead byte cut short, a stray continuation byte, a control character.
    fc.uint8Array({ minLength: 12, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  );

  test('refuses only tokens that decode to no text (never one the scan for shapes must read)', () => {
    fc.assert(
      fc.property(tokens, fc.string({ maxLength: 5 }), (token, before) => {
        const content = `${before} ${token} `;
        if (decodesToBinary(content, before.length + 1, before.length + 1 + token.length)) expect(decodesToText(token)).toBe(false);
      }),
      { numRuns: 20000 },
    );
  });

  test('decides the names a catalog writes by the thousand, and leaves encoded text to the full decoding', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `SERVICE_${String(i).padStart(5, '0')}_API_KEY`);
    expect(names.filter((n) => decodesToBinary(n, 0, n.length)).length).toBe(5000);
    for (const text of ['sk-ant-api03-' + 'a'.repeat(40), 'password=hunter2 hunter2', 'ключ: значение значение', '鍵と値と鍵と値と鍵と値']) {
      const token = Buffer.from(text).toString('base64');
      expect(decodesToBinary(token, 0, token.length)).toBe(false);
    }
  });
});

describe('urlPasswordsIn: URLs with a password, found from their `://`', () => {
  /** The plain search the anchored one must equal: every match of the shape, placeholders left out. */
  function byRegularExpression(text: string): { index: number; password: string }[] {
    const pattern = new RegExp(KNOWN_SECRET_SHAPES.find((s) => s.name === 'a URL with a password')!.pattern.source, 'g');
    return [...text.matchAll(pattern)].map((m) => ({ index: m.index!, password: m[1] })).filter((u) => !isPasswordSlot(u.password));
  }

  test('finds exactly what the regular expression finds, on any text', () => {
    const scheme = fc.constantFrom('postgres', 'redis+tls', 'a.b-c', 'x', '9x', 'x_y', '');
    const part = fc.constantFrom('u', 'app', 'p4ss', '${PW}', '***', 'db', 'h:1', 'x//y', '');
    const url = fc.tuple(scheme, part, part, part).map(([s, u, p, h]) => `${s}://${u}:${p}@${h}`);
    const glue = fc.constantFrom('', ' ', '-', '_', '.', '/', ':', '//', '://', '@', '\n', '|', 'é', '#', '?', 'host');
    const text = fc.array(fc.oneof(url, glue), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, (t) => expect(urlPasswordsIn(t)).toEqual(byRegularExpression(t))), { numRuns: 5000 });
  });

  test('the cases that decide where a match starts and where the next search goes on', () => {
    expect(urlPasswordsIn('see postgres://app:s3cret@db:5432/x and redis://u:pw@cache')).toEqual([
      { index: 4, password: 's3cret' },
      { index: 40, password: 'pw' },
    ]);
    // A scheme after `_` (a word character) has no word boundary; after `-` or `.` it does.
    expect(urlPasswordsIn('x_postgres://a:b@c').map((u) => u.index)).toEqual([]);
    expect(urlPasswordsIn('x-postgres://a:b@c').map((u) => u.index)).toEqual([0]);
    expect(urlPasswordsIn('9.postgres://a:b@c').map((u) => u.index)).toEqual([2]);
    // The host may hold `:`; a `://` that starts inside the last match starts no new one.
    expect(urlPasswordsIn('a://u:p@hostb://x:y@z')).toEqual([{ index: 0, password: 'p' }]);
    expect(urlPasswordsIn('postgres://app:${DB_PASSWORD}@db')).toEqual([]);
  });

  test('hostile text: a megabyte of scheme characters before a `://` is read in one pass, as an env value or in a file', () => {
    // Trying every possible start in turn (what the regular expression does) took minutes on this text.
    const run = 'a.'.repeat(500_000);
    expect(urlPasswordsIn(`${run}://x`)).toEqual([]);
    expect(urlPasswordsIn(`${run}://u:p4ss@h`)).toEqual([{ index: 0, password: 'p4ss' }]);
    expect(urlPasswordsIn(`${run}://x `.repeat(3))).toEqual([]);
  });
});
