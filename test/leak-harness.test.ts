/**
 * The leak harness: plants values in every text field of the config (enumerated from the JSON
 * Schema), in every kind of dotenv file and in the environment, and asserts that none reaches
 * dist/, the build cache, stdout or stderr, in any encoding, or else that synth refuses.
 *
 * Synth runs in-process for the many cases; the real CLI and the cdk8s app are spawned for a
 * representative few.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { ConfigError, UserError } from '../src/core/errors';
import { renderConfigYaml } from '../src/config/render-config';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import { ConfigCredentialError } from '../src/output/config-scan';
import { findLeaks } from '../src/output/leak-guard';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan } from '../src/app/synthesize';
import { synthesizeProject } from '../src/synth';
import { instancesOf, plant, stringSites, type Instance } from './support/config-sites';
import { bin, root } from './support/cli';
import {
  dotenvLine,
  leakedIn,
  letters,
  shapedCredential,
  oneLinePassword,
  shapelessDotenvPassword,
  shapelessPassword,
  shapelessWord,
  urlSafe,
} from './support/planted';
import { integration } from './support/tiers';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A project folder with `files` (relative path → content) and a sealing certificate for the fixture's sealed environment. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-harness-'));
  tempDirs.push(dir);
  writeFileSync(join(dir, 'sealed-secrets.pem'), SEALING_KEY);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const SEALING_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** YAML as a user would write it, one value per line (no folding), so that a finding's line holds the value. */
const toYaml = (config: unknown) => stringify(config, { lineWidth: 0 });

const schema = JSON.parse(readFileSync(join(root, 'schema/aragora-secrets.schema.json'), 'utf8'));
const SITES = stringSites(schema);

interface Base {
  readonly name: string;
  readonly config: AragoraSecretsConfig;
}

const BASES: readonly Base[] = [
  { name: 'the embedded default', config: DEFAULT_CONFIG },
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: `examples/${f}`, config: parse(readFileSync(join(root, 'examples', f), 'utf8')) as AragoraSecretsConfig })),
  { name: 'test/fixtures/leak/every-field.yaml', config: parse(readFileSync(join(root, 'test/fixtures/leak/every-field.yaml'), 'utf8')) as AragoraSecretsConfig },
];

interface Target {
  readonly label: string;
  readonly base: Base;
  readonly instance: Instance;
}

/** Each schema site at its first place in the first base that has it. */
const TARGETS: readonly Target[] = SITES.flatMap((site) => {
  for (const base of BASES) {
    const [instance] = instancesOf(base.config, site.schemaPath);
    if (instance) return [{ label: site.schemaPath, base, instance }];
  }
  return [];
});

function accepts(config: unknown): boolean {
  try {
    validateConfig(config, 'planted');
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Which fields
// ---------------------------------------------------------------------------------------------

describe('the fields planted in', () => {
  test('every text field of the JSON Schema (values and mapping keys) has a place in the default, an example or the every-field fixture', () => {
    // GIVEN the schema's string sites, enumerated from the committed JSON Schema
    expect(SITES.length).toBeGreaterThan(120);
    // THEN each is planted somewhere: a new field needs a place in test/fixtures/leak/every-field.yaml
    const planted = new Set(TARGETS.map((t) => t.label));
    expect(SITES.map((s) => s.schemaPath).filter((p) => !planted.has(p))).toEqual([]);
  });

  test('the bases themselves are valid', () => {
    for (const base of BASES) expect(accepts(base.config)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. A credential in any field: synth refuses, names the place, never shows the value
// ---------------------------------------------------------------------------------------------

describe('a credential planted in a config field (real synth, in process)', () => {
  test.each(TARGETS.map((t) => ({ ...t, where: `${t.label} (${t.base.name})` })))('$where', ({ base, instance }) => {
    // GIVEN a config file whose field holds a credential with every escapable character
    const { value, core } = shapedCredential();
    const config = plant(base.config, instance, value);
    const text = toYaml(config);
    const dir = project({ 'aragora-secrets.yaml': text });
    // WHEN synth runs
    let error: unknown;
    try {
      synthesizeProject({ cwd: dir, env: {} });
    } catch (e) {
      error = e;
    }
    // THEN it refuses with a message for the user that holds no trace of the value
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof UserError || error instanceof ConfigError).toBe(true);
    const message = (error as Error).message;
    expect(leakedIn(message, value, core)).toEqual([]);
    // AND when the schema accepts the text, the refusal names the file and the line that holds it
    if (accepts(config)) {
      expect(error).toBeInstanceOf(ConfigCredentialError);
      const line = Number(/aragora-secrets\.yaml:(\d+): /.exec(message)?.[1]);
      expect(text.split('\n')[line - 1]).toContain(core);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. A shapeless password in any field: wherever the field reaches, the guard finds the value
// ---------------------------------------------------------------------------------------------

/** `synthesizePlan` of a config, or the error it throws. */
function synthesizeOrError(config: unknown): OutputFile[] | Error {
  try {
    return synthesizePlan(resolvePlan(validateConfig(config, 'planted')));
  } catch (e) {
    return e as Error;
  }
}

/** How many (field, file) pairs the markers reached, over all bases: the oracle must have something to check. */
let reachedPairs = 0;

/** The first password that the field accepts: with spaces and line breaks, else on one line, else one word. */
function acceptedPassword(base: Base, target: Target): string | undefined {
  return [shapelessPassword(), oneLinePassword(), shapelessWord()].find((value) => accepts(plant(base.config, target.instance, value)));
}

describe.each(BASES)('$name: a password of no known shape, planted in each field', (base) => {
  const own = TARGETS.filter((t) => t.base === base);
  const planted = own.map((target, i) => ({ target, marker: `zqmarker${i}x${letters(8)}`, value: acceptedPassword(base, target) }));
  // A field whose construct refuses such text fails synth; section 4b shows its message never shows it.
  const synthesizable = planted.filter(
    (p): p is typeof p & { value: string } => p.value !== undefined && !(synthesizeOrError(plant(base.config, p.target.instance, p.value)) instanceof Error),
  );
  const plantAll = (pick: (p: (typeof synthesizable)[number]) => string) =>
    synthesizable.reduce((config, p) => plant(config, p.target.instance, pick(p)), structuredClone(base.config));

  test('every file a field reaches is reported by the guard when the field holds the password', () => {
    // GIVEN where each field reaches: a plain marker in each, synthesized once
    const withMarkers = synthesizeOrError(plantAll((p) => p.marker));
    expect(withMarkers).not.toBeInstanceOf(Error);
    const markerFiles = withMarkers as OutputFile[];
    // WHEN each field holds a password full of escapable characters instead
    const withValues = synthesizeOrError(plantAll((p) => p.value));
    expect(withValues).not.toBeInstanceOf(Error);
    const files = withValues as OutputFile[];
    // THEN for every field, every file it reached holds the password in a form the guard reports
    const missed: string[] = [];
    for (const p of synthesizable) {
      const reached = markerFiles.filter((f) => f.content.toLowerCase().includes(p.marker)).map((f) => f.path);
      reachedPairs += reached.length;
      const reported = new Set(findLeaks(files, [{ origin: p.target.label, value: p.value }]).map((l) => l.file));
      for (const path of reached) if (!reported.has(path)) missed.push(`${p.target.label} → ${path}`);
    }
    expect(missed).toEqual([]);
  });

  const refused = planted.filter((p) => !synthesizable.includes(p as (typeof synthesizable)[number]));
  if (refused.length > 0) {
    test.each(refused.map((p) => ({ ...p, label: p.target.label })))('$label refuses the password; the message never shows it (4b)', ({ target }) => {
      // GIVEN the password in .env and in the field (real synth, which knows the .env values)
      const value = shapelessDotenvPassword();
      const word = shapelessWord().replace(/`/g, '');
      const results = [value, word].map((planted) => {
        const dir = project({ 'aragora-secrets.yaml': toYaml(plant(base.config, target.instance, planted)), '.env': dotenvLine('ANTHROPIC_API_KEY', planted) });
        let error: unknown;
        try {
          synthesizeProject({ cwd: dir, env: {} });
        } catch (e) {
          error = e;
        }
        return { planted, error: error as Error | undefined };
      });
      // THEN synth refuses it and no message (nor the stack an internal error prints) holds it
      for (const { planted, error } of results) {
        expect(error).toBeInstanceOf(Error);
        expect(leakedIn(`${error?.message}\n${error?.stack}`, planted)).toEqual([]);
      }
    });
  }
});

test('the planted fields reach many files (the oracle above checks something)', () => {
  expect(reachedPairs).toBeGreaterThan(20);
});

// ---------------------------------------------------------------------------------------------
// 4. Values from every dotenv file and from the environment
// ---------------------------------------------------------------------------------------------

/** The embedded default whose ANTHROPIC_API_KEY purpose (SECRETS.md, a Markdown table, escapes `|`) holds `text`. */
function defaultWithPurpose(text: string): AragoraSecretsConfig {
  const config = structuredClone(DEFAULT_CONFIG);
  config.secrets.ANTHROPIC_API_KEY = { ...config.secrets.ANTHROPIC_API_KEY, purpose: `Claude API access ${text}` };
  return config;
}

function refusal(dir: string, env: NodeJS.ProcessEnv = {}): string {
  let error: unknown;
  try {
    synthesizeProject({ cwd: dir, env });
  } catch (e) {
    error = e;
  }
  expect(error instanceof UserError || error instanceof ConfigError).toBe(true);
  return (error as Error).message;
}

const DOTENV_NAMES = ['.env', '.env.local', '.env.production', '.env.qa', '.env.prod', '.env-prod', '.env_prod', 'prod.env', '.env.example', '.envrc'];

describe('a value of a dotenv file of the project root, escaped in the output', () => {
  test.each(DOTENV_NAMES)('from %s: synth refuses, naming the variable, the file and SECRETS.md', (name) => {
    // GIVEN the value in the dotenv file, and in a purpose of the config (Markdown-escaped in SECRETS.md)
    const value = oneLinePassword();
    const dir = project({ 'aragora-secrets.yaml': toYaml(defaultWithPurpose(value)), [name]: dotenvLine('ANTHROPIC_API_KEY', value) });
    // WHEN synth runs THEN it refuses without showing the value
    const message = refusal(dir);
    expect(message).toMatch(new RegExp(`dev/SECRETS\\.md: the value of ANTHROPIC_API_KEY from ${name.replace(/\./g, '\\.')} \\(`));
    expect(leakedIn(message, value)).toEqual([]);
  });

  test.each([
    { variable: 'DB_PASS', why: 'a password word anywhere in the name' },
    { variable: 'POSTGRES_PWD', why: 'PWD as a word, not the shell variable' },
    { variable: 'STRIPE_KEY_LIVE', why: 'a secret word in the middle' },
    { variable: 'APP_SESSION_TOKEN', why: 'the suffix' },
  ])('from the environment, $variable ($why): synth refuses', ({ variable }) => {
    const value = oneLinePassword();
    const dir = project({ 'aragora-secrets.yaml': toYaml(defaultWithPurpose(value)) });
    const message = refusal(dir, { [variable]: value });
    expect(message).toContain(`dev/SECRETS.md: the value of ${variable} from the environment (`);
    expect(leakedIn(message, value)).toEqual([]);
  });

  test('the password of DATABASE_URL is looked for alone', () => {
    // GIVEN a connection string in the environment, and only its password in the config
    const password = `Pw-${letters(10)}-${letters(6)}~!$&*`;
    const dir = project({ 'aragora-secrets.yaml': toYaml(defaultWithPurpose(`(${password})`)) });
    // WHEN synth runs THEN the password is found on its own
    const message = refusal(dir, { DATABASE_URL: `postgres://app:${encodeURIComponent(password)}@db.internal:5432/app` });
    expect(message).toContain('the value of DATABASE_URL from the environment (the password in it)');
    expect(leakedIn(message, password)).toEqual([]);
  });

  test('a random-looking value under any name is sensitive by its shape', () => {
    // GIVEN a random token under a name that says nothing, and its lower-case form in the image tag
    // (lower case: the config scan would refuse the token itself)
    const token = urlSafe(40);
    const config = structuredClone(DEFAULT_CONFIG);
    config.app.image = `ghcr.io/aragora/aragora:${token.toLowerCase()}`;
    const dir = project({ 'aragora-secrets.yaml': toYaml(config) });
    // WHEN synth runs THEN the value is matched whatever its case
    const message = refusal(dir, { SOME_BUILD_SETTING: token });
    expect(message).toContain('the value of SOME_BUILD_SETTING from the environment (');
    expect(leakedIn(message, token)).toEqual([]);
  });

  test('a dotenv file given with --env-file outside the project root is read too', () => {
    const value = oneLinePassword();
    const dir = project({ 'aragora-secrets.yaml': toYaml(defaultWithPurpose(value)) });
    const outside = project({ 'team.secrets': dotenvLine('ARAGORA_JWT_SECRET', value) });
    let error: unknown;
    try {
      synthesizeProject({ cwd: dir, env: {}, envFiles: [join(outside, 'team.secrets')] });
    } catch (e) {
      error = e;
    }
    expect((error as Error)?.message).toContain(`the value of ARAGORA_JWT_SECRET from ${join(outside, 'team.secrets')} (`);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. The real CLI and the cdk8s app, spawned: stdout, stderr, dist/ and the build cache
// ---------------------------------------------------------------------------------------------

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

function spawnBin(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(bin, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, encoding: 'utf8' });
}

integration.describe('spawned', () => {
  test('aragora-secrets synth: a value of .env.qa escaped in SECRETS.md; exit 1, nothing written, nothing shown', () => {
    // GIVEN the value in .env.qa and, with a "|", in a purpose
    const value = oneLinePassword();
    const dir = project({ 'aragora-secrets.yaml': toYaml(defaultWithPurpose(value)), '.env.qa': dotenvLine('ANTHROPIC_API_KEY', value) });
    // WHEN the CLI synthesizes
    const result = spawnBin(dir, ['synth']);
    // THEN it refuses, names the file and the origin, and no stream and no file holds the value
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dev/SECRETS.md: the value of ANTHROPIC_API_KEY from .env.qa (');
    expect(leakedIn(result.stdout + result.stderr, value)).toEqual([]);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  test('aragora-secrets synth: a credential in the image; exit 1 naming aragora-secrets.yaml and its line', () => {
    const { value, core } = shapedCredential();
    const config = structuredClone(DEFAULT_CONFIG);
    config.app.image = value;
    const text = toYaml(config);
    const dir = project({ 'aragora-secrets.yaml': text });
    const result = spawnBin(dir, ['synth']);
    expect(result.status).toBe(1);
    const line = Number(/aragora-secrets\.yaml:(\d+): an Anthropic API key/.exec(result.stderr)?.[1]);
    expect(text.split('\n')[line - 1]).toContain(core);
    expect(leakedIn(result.stdout + result.stderr, value, core)).toEqual([]);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  test('aragora-secrets synth: a field that refuses the credential (a namespace) never echoes it', () => {
    const { value, core } = shapedCredential();
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.dev.namespace = value;
    const dir = project({ 'aragora-secrets.yaml': toYaml(config) });
    const result = spawnBin(dir, ['synth']);
    expect(result.status).toBe(1);
    expect(leakedIn(result.stdout + result.stderr, value, core)).toEqual([]);
  });

  test('the cdk8s app: a value of .env.prod in the image (the AWS template, which is cached) is neither written nor cached', () => {
    // GIVEN the value in .env.prod and in the image, which the prod stack's task definition carries
    const value = `registry.example.com/aragora:${letters(12)}-${letters(12)}`;
    const config = structuredClone(DEFAULT_CONFIG);
    config.app.image = value;
    const dir = project({ 'aragora-secrets.yaml': toYaml(config), '.env.prod': dotenvLine('REGISTRY_PULL_SECRET', value) });
    const cache = mkdtempSync(join(tmpdir(), 'aragora-harness-cache-'));
    tempDirs.push(cache);
    // WHEN the app runs as `cdk8s synth` runs it (the bundled runner, which caches the AWS templates)
    const result = spawnSync(process.execPath, [join(root, 'scripts/app.cjs'), join(root, 'src/main.ts')], {
      cwd: dir,
      env: { PATH: process.env.PATH, CDK8S_OUTDIR: join(dir, 'dist'), ARAGORA_SECRETS_CACHE: cache },
      encoding: 'utf8',
    });
    // THEN it refuses, and neither dist/ nor the cache holds the value
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the value of REGISTRY_PULL_SECRET from .env.prod (');
    expect(leakedIn(result.stdout + result.stderr, value)).toEqual([]);
    expect(listFiles(join(dir, 'dist'))).toEqual([]);
    for (const file of listFiles(cache)) expect(leakedIn(readFileSync(file, 'utf8'), value)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. No false alarm: the default and every example with a realistic CI or developer environment
// ---------------------------------------------------------------------------------------------

/** What a GitHub Actions runner, npm and a developer's shell put in the environment (values made up, shapes real). */
function realisticEnvironment(): NodeJS.ProcessEnv {
  const hex = (n: number) => letters(n).replace(/[g-z]/g, (c) => String((c.charCodeAt(0) - 103) % 10));
  const jwt = [Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'), Buffer.from(`{"sub":"repo:${letters(6)}"}`).toString('base64url'), urlSafe(86)].join('.');
  return {
    PATH: '/home/runner/.local/bin:/opt/hostedtoolcache/node/20.20.2/x64/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    HOME: '/home/runner',
    PWD: '/home/runner/work/aragora/aragora',
    OLDPWD: '/home/runner/work/aragora',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    LS_COLORS: 'rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:cd=40;33;01',
    SSH_AUTH_SOCK: `/tmp/ssh-${urlSafe(12)}/agent.1234`,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: hex(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: 'aragora/aragora',
    GITHUB_RUN_ID: '9876543210',
    GITHUB_WORKSPACE: '/home/runner/work/aragora/aragora',
    GITHUB_TOKEN: 'ghs_' + urlSafe(36).replace(/[-_]/g, 'a'),
    ACTIONS_RUNTIME_TOKEN: jwt,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: jwt,
    ACTIONS_RUNTIME_URL: 'https://pipelines.actions.githubusercontent.com/abc/',
    RUNNER_TEMP: '/home/runner/work/_temp',
    RUNNER_TRACKING_ID: `github_${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    ImageOS: 'ubuntu22',
    ImageVersion: '20240101.1.0',
    POWERSHELL_DISTRIBUTION_CHANNEL: 'GitHub-Actions-ubuntu22',
    INVOCATION_ID: hex(32),
    npm_config_user_agent: 'npm/10.8.2 node/v20.20.2 linux x64 workspaces/false',
    npm_config_cache: '/home/runner/.npm',
    npm_config_registry: 'https://registry.npmjs.org/',
    npm_lifecycle_event: 'synth',
    npm_lifecycle_script: 'cdk8s synth',
    npm_package_json: '/home/runner/work/aragora/aragora/package.json',
    npm_node_execpath: '/opt/hostedtoolcache/node/20.20.2/x64/bin/node',
    INIT_CWD: '/home/runner/work/aragora/aragora',
    NODE_ENV: 'production',
    CDK8S_CHECK_UPGRADE: 'false',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    CDK_DEFAULT_ACCOUNT: '123456789012',
    AWS_ACCESS_KEY_ID: 'AKIA' + letters(16).toUpperCase(),
    AWS_SECRET_ACCESS_KEY: urlSafe(40),
    AWS_SECRET_NAME: 'aragora-secrets',
    ARAGORA_SECRET_NAME: 'aragora/api-keys',
    ARAGORA_ENV: 'production',
    ARAGORA_SECRETS_DIR: '/run/secrets/aragora',
    VAULT_ADDR: 'https://vault.vault.svc:8200',
    VAULT_TOKEN: 'hvs.' + urlSafe(90),
    KUBECONFIG: '/home/runner/.kube/config',
    SEALED_SECRETS_CONTROLLER_NAMESPACE: 'kube-system',
    SEALED_SECRETS_CONTROLLER_NAME: 'sealed-secrets',
    POSTGRES_PASSWORD: 'postgres',
    POSTGRES_USER: 'postgres',
    DATABASE_URL: 'postgres://postgres:postgres@localhost:5432/test',
    REDIS_URL: 'redis://localhost:6379/0',
    IMAGE_TAG: '1.0.0',
    DOCKER_CONFIG: '/home/runner/.docker',
    GOOGLE_CLOUD_PROJECT: 'aragora-prod',
    CLOUDSDK_CORE_PROJECT: 'aragora-prod',
  };
}

/** A developer's .env, with realistic values for the catalog. */
function realisticDotenv(): string {
  return [
    `ANTHROPIC_API_KEY=sk-ant-api03-${urlSafe(93)}AA`,
    `OPENAI_API_KEY=sk-proj-${urlSafe(120)}`,
    `ARAGORA_JWT_SECRET=${urlSafe(44)}`,
    'SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co',
    'PORT=8080',
    'LOG_LEVEL=debug',
    '',
  ].join('\n');
}

describe('no false alarm with a realistic environment and .env', () => {
  const configs: { name: string; text: string }[] = [
    { name: 'the default as `init` writes it (with its comments)', text: renderConfigYaml(DEFAULT_CONFIG, './schema/aragora-secrets.schema.json') },
    ...readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ name: `examples/${f}`, text: readFileSync(join(root, 'examples', f), 'utf8') })),
    { name: 'the every-field fixture', text: readFileSync(join(root, 'test/fixtures/leak/every-field.yaml'), 'utf8') },
  ];

  test.each(configs)('$name synthesizes', ({ text }) => {
    const dir = project({ 'aragora-secrets.yaml': text, '.env': realisticDotenv(), '.env.example': 'ANTHROPIC_API_KEY=\nOPENAI_API_KEY=\n' });
    expect(() => synthesizeProject({ cwd: dir, env: realisticEnvironment() })).not.toThrow();
  });

  integration.test('the real CLI synthesizes the default with them (exit 0)', () => {
    const dir = project({ 'aragora-secrets.yaml': configs[0].text, '.env': realisticDotenv() });
    const result = spawnBin(dir, ['synth'], realisticEnvironment());
    expect(result.stderr).not.toMatch(/Refusing/);
    expect(result.status).toBe(0);
  });
});
