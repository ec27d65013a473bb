import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { synth } from './helpers';
import { bin, root, runInProcess, spawnCli, STACK_LINE } from './support/cli';
import { stubWorld } from './support/stub-clis';
import { documentationFiles, readDoc } from './support/docs';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-run-'));
  mkdirSync(join(dir, 'marks'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** A child that prints what it got: the environment variables asked for, and its argv. */
const PRINT_ENV = `process.stdout.write(JSON.stringify({ env: Object.fromEntries(JSON.parse(process.argv[1]).map((k) => [k, process.env[k]])), argv: process.argv }))`;
const KEYS = ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'ARAGORA_SSO_CLIENT_SECRET', 'OPENAI_API_KEY', 'SUPABASE_URL', 'BASH_ENV'];

/** An env file with what a shell or direnv would change or run: `$`, backticks, `$(...)`, a backslash, `\n` in double quotes. */
function trickyEnvFile(marks: string): string {
  return [
    `ANTHROPIC_API_KEY=Zq9$x7Lm2Pq8\`touch ${marks}/backtick\`$(touch ${marks}/subst)`,
    "ARAGORA_JWT_SECRET='Zq9$x7abcdefghijklmnopqrstuvwxyz012345'",
    'ARAGORA_SSO_CLIENT_SECRET="first\\nsecond $HOME \\\\ end"',
    'OPENAI_API_KEY=',
    'SUPABASE_URL=https://example.supabase.co',
    `BASH_ENV=$(touch ${marks}/bash-env)`,
    '',
  ].join('\n');
}

describe('aragora-secrets run: the env file read like `check` reads it, handed over without a shell', () => {
  integration.test('every catalog value arrives exactly as dotenv parsed it, in the environment only; nothing in the file runs', () => {
    // GIVEN an env file full of shell syntax
    const dir = project();
    const text = trickyEnvFile(join(dir, 'marks'));
    writeFileSync(join(dir, '.env.prod'), text);
    // WHEN a command runs with it (bash, which would also source BASH_ENV were it passed)
    const result = spawnCli(dir, ['run', '--env-file', '.env.prod', '--', 'bash', '-c', 'exec "$0" -e "$1" "$2"', process.execPath, PRINT_ENV, JSON.stringify(KEYS)], { OPENAI_API_KEY: 'inherited' });
    // THEN the catalog's values are exactly dotenv's, the other keys are not passed, and no mark was left
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.status).toBe(0);
    const parsed = parseDotenv(text);
    const child = JSON.parse(result.stdout);
    expect(child.env).toEqual({
      ANTHROPIC_API_KEY: parsed.ANTHROPIC_API_KEY,
      ARAGORA_JWT_SECRET: 'Zq9$x7abcdefghijklmnopqrstuvwxyz012345',
      ARAGORA_SSO_CLIENT_SECRET: parsed.ARAGORA_SSO_CLIENT_SECRET,
      // The file's empty value replaces the inherited one (the scripts read empty as unset).
      OPENAI_API_KEY: '',
    });
    expect(parsed.ANTHROPIC_API_KEY).toContain('`touch');
    expect(readdirSync(join(dir, 'marks'))).toEqual([]);
    for (const value of Object.values(parsed).filter((v) => v.length > 8)) expect(child.argv.join(' ')).not.toContain(value);
    // Names on stderr, never values.
    expect(result.stderr).toContain('4 value(s) from .env.prod');
    expect(result.stderr).toContain('not passed (not in the catalog): BASH_ENV, SUPABASE_URL');
    for (const value of Object.values(parsed).filter((v) => v.length > 8)) expect(result.stderr).not.toContain(value);
  });

  integration.test('the case of the issue: put-secret-values.sh stores `Zq9$x7…` and a backtick value whole', () => {
    // GIVEN the prod scripts, a fake AWS CLI and a .env.prod whose values a shell would cut or run
    const world = stubWorld();
    world.setAwsState({ account: '123456789012', secrets: { 'aragora/api-keys': { versions: [] } }, parameters: {} });
    const script = synth().find((f) => f.path === 'prod/aws/put-secret-values.sh')!.content;
    const dir = project({ 'dist/prod/aws/put-secret-values.sh': script });
    const values = {
      ARAGORA_JWT_SECRET: 'Zq9$x7Lm2Pq8Rs4Tu6Vw8Xy0Za2Bc4De6Fg8Hi0Jk2',
      ARAGORA_SSO_CLIENT_SECRET: `sso-\`touch ${join(dir, 'marks', 'pwned')}\`-9f8e7d6c5b4a`,
      ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + 'Q'.repeat(40),
      STRIPE_SECRET_KEY: 'sk_live_' + 'K'.repeat(30),
      STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30),
      SUPABASE_KEY: 'eyJ' + 'J'.repeat(60),
    };
    writeFileSync(join(dir, '.env.prod'), Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    // WHEN it runs as the script's header says
    const result = spawnCli(dir, ['run', '--env-file', '.env.prod', '--', 'bash', 'dist/prod/aws/put-secret-values.sh'], { ...world.env, PATH: world.env.PATH });
    // THEN every value is stored byte for byte, and the backtick ran nothing
    expect(result.status).toBe(0);
    const state = world.awsState();
    const stored = JSON.parse(state.secrets['aragora/api-keys'].versions.at(-1));
    expect(stored.jwt_secret).toBe(values.ARAGORA_JWT_SECRET);
    expect(stored.sso_client_secret).toBe(values.ARAGORA_SSO_CLIENT_SECRET);
    expect(state.parameters['/aragora/supabase-key'].value).toBe(values.SUPABASE_KEY);
    expect(readdirSync(join(dir, 'marks'))).toEqual([]);
  });

  integration.test('the exit code is the command\'s; a signal that ends it gives 128 + its number; a missing program 127', () => {
    const dir = project({ '.env': 'ANTHROPIC_API_KEY=sk-ant-abc\n' });
    expect(spawnCli(dir, ['run', '--env-file', '.env', '--', process.execPath, '-e', 'process.exit(7)']).status).toBe(7);
    expect(spawnCli(dir, ['run', '--env-file', '.env', '--', process.execPath, '-e', 'process.kill(process.pid, "SIGTERM")']).status).toBe(143);
    const missing = spawnCli(dir, ['run', '--env-file', '.env', '--', 'no-such-program-aragora']);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('cannot run "no-such-program-aragora": not found');
  });

  integration.test('a signal sent to aragora-secrets reaches the command, which exits in its own way', async () => {
    const dir = project({ '.env': 'ANTHROPIC_API_KEY=sk-ant-abc\n' });
    const child = `process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\\n'); process.exit(5); }); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
    const cli = spawn(bin, ['run', '--env-file', '.env', '--', process.execPath, '-e', child], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      cli.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready\n') && !stdout.includes('sent')) {
          stdout += 'sent';
          cli.kill('SIGTERM');
        }
      });
      cli.on('exit', (exitCode) => resolve(exitCode));
    });
    expect(stdout).toContain('got SIGTERM');
    expect(code).toBe(5);
  });

  integration.test('a malformed env file runs nothing; a missing command is a usage error', () => {
    const dir = project({ '.env': `ANTHROPIC_API_KEY="never closed\n` });
    const malformed = spawnCli(dir, ['run', '--env-file', '.env', '--', 'sh', '-c', `touch ${join(dir, 'marks', 'ran')}`]);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('is malformed (nothing was read from it');
    expect(readdirSync(join(dir, 'marks'))).toEqual([]);
    const usage = spawnCli(dir, ['run', '--env-file', '.env']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'command'");
  });
});

describe('check flags values that a shell sourcing the file, or direnv, would change', () => {
  integration.test('unquoted "$" and backticks are findings with the line and the fix; single quotes pass; no value is printed', () => {
    const cut = 'Zq9$x7Lm2Pq8Rs4Tu6Vw8Xy0Za2Bc4De6';
    const dir = project({ '.env.prod': [`ARAGORA_JWT_SECRET=${cut}`, 'STRIPE_SECRET_KEY=sk_live_ab`id`cdefghijklmnopqrstuv', `SUPABASE_KEY='${cut}'`, ''].join('\n') });
    const result = spawnCli(dir, ['check', '--env', 'prod', '--env-file', '.env.prod']);
    expect(result.status).toBe(1);
    const row = (key: string) => result.stdout.split('\n').find((l) => l.startsWith(`${key} `))!;
    expect(row('ARAGORA_JWT_SECRET')).toContain(`line 1: sh or direnv would change it ("$"): write ARAGORA_JWT_SECRET='...'`);
    expect(row('STRIPE_SECRET_KEY')).toContain('line 2: sh or direnv would change it (a backtick)');
    expect(row('SUPABASE_KEY')).not.toContain('would change');
    expect(result.stdout + result.stderr).not.toContain(cut);
  });
});

describe('documentation: no "source the .env" instruction; render pipes into server-side apply', () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const SOURCING = /set -a|\. \.\/\.env|source \.env|dotenv_if_exists|^\s*dotenv\b/m;
  // The CLI reference shows each --help whole, whose warning quotes what not to do; its examples are checked below.
  const readmeCode = [...documentationFiles().filter((file) => file !== 'docs/reference/cli.md').map(readDoc).join('\n').matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]).join('\n');
  // The help pages are text, not process behaviour: read in process (cli.test.ts spawns --help).
  let helpExamples = '';
  beforeAll(async () => {
    const pages = await Promise.all(['run', 'render', 'check', 'seal'].map(async (command) => (await runInProcess(project(), [command, '--help'])).stdout));
    helpExamples = pages
      .join('\n')
      .split('\n')
      .filter((l) => l.trimStart().startsWith('$ '))
      .join('\n');
  });

  test('no example, generated file or help example sources an env file into a shell', () => {
    for (const path of [...walk(join(root, 'dist')), ...walk(join(root, 'examples'))]) {
      expect({ path, sources: SOURCING.test(readFileSync(path, 'utf8')) }).toEqual({ path, sources: false });
    }
    expect(readmeCode).not.toMatch(SOURCING);
    expect(helpExamples).not.toMatch(SOURCING);
    expect(helpExamples).toContain('$ aragora-secrets run --env-file .env.prod -- bash dist/prod/aws/put-secret-values.sh');
    const envrc = readFileSync(join(root, '.envrc'), 'utf8').split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#')).join('\n');
    expect(envrc).not.toMatch(SOURCING);
    expect(envrc).toContain('direnv_load ./bin/aragora-secrets run --env-file .env -- direnv dump');
  });

  test('no example pipes render into a client-side kubectl apply; --help says why', async () => {
    for (const path of [...documentationFiles().map((file) => join(root, file)), ...walk(join(root, 'src')), ...walk(join(root, 'dist'))]) {
      expect({ path, clientSide: /\| kubectl apply -f -/.test(readFileSync(path, 'utf8')) }).toEqual({ path, clientSide: false });
    }
    const help = await runInProcess(project(), ['render', '--help']);
    expect(help.stdout).toContain('$ aragora-secrets render --env dev --env-file .env | kubectl apply --server-side -f -');
    expect(help.stdout).toContain('last-applied-configuration');
  });
});

const direnv = onPath('direnv');
(direnv ? integration.describe : integration.describe.skip)('.envrc with direnv', () => {
  test('direnv loads the values through aragora-secrets: exactly, nothing run, non-secrets left out', () => {
    // GIVEN a project with this repository's .envrc and an env file full of shell syntax
    const dir = project();
    copyFileSync(join(root, '.envrc'), join(dir, '.envrc'));
    symlinkSync(join(root, 'bin'), join(dir, 'bin'));
    const text = trickyEnvFile(join(dir, 'marks'));
    writeFileSync(join(dir, '.env'), text);
    const env = { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: join(dir, '.data'), XDG_CONFIG_HOME: join(dir, '.config') };
    expect(spawnSync('direnv', ['allow', '.'], { cwd: dir, env }).status).toBe(0);
    // WHEN a command runs in it through direnv
    const result = spawnSync('direnv', ['exec', '.', process.execPath, '-e', PRINT_ENV, JSON.stringify(KEYS)], { cwd: dir, env, encoding: 'utf8' });
    // THEN it sees dotenv's values (direnv's own `dotenv` would have cut "Zq9$x7..." to "Zq9")
    expect(result.status).toBe(0);
    const parsed = parseDotenv(text);
    expect(JSON.parse(result.stdout).env).toEqual({
      ANTHROPIC_API_KEY: parsed.ANTHROPIC_API_KEY,
      ARAGORA_JWT_SECRET: parsed.ARAGORA_JWT_SECRET,
      ARAGORA_SSO_CLIENT_SECRET: parsed.ARAGORA_SSO_CLIENT_SECRET,
      OPENAI_API_KEY: '',
    });
    expect(readdirSync(join(dir, 'marks'))).toEqual([]);
  });
});
