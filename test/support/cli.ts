import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/program';

export const root = resolve(__dirname, '..', '..');
export const bin = join(root, 'bin', 'aragora-secrets');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Touched by `npm run build` after tsc (which leaves it alone when nothing changed): when lib/ was last brought up to date. */
const BUILD_STAMP = join(root, 'lib', 'build.tsbuildinfo');
let buildChecked = false;

/**
 * The spawned CLI runs the compiled lib/, not src/: a test run against a lib/ older than src/ would test
 * old code. `npm test` builds first; a single `npx jest` after an edit is told to.
 */
export function requireCurrentBuild(): void {
  if (buildChecked) return;
  const built = existsSync(BUILD_STAMP) ? statSync(BUILD_STAMP).mtimeMs : 0;
  const newer = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'imports'))].filter((file) => statSync(file).mtimeMs > built);
  if (newer.length > 0) {
    throw new Error(`lib/ is ${built === 0 ? 'missing' : `older than ${relative(root, newer[0])}`}: run \`npm run build\` (npm test does) before spawning the CLI`);
  }
  buildChecked = true;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((name) => join(dir, String(name)))
    .filter((file) => file.endsWith('.ts'));
}

/**
 * Runs the CLI as a user would (`./bin/aragora-secrets ...`, which is what `npx aragora-secrets` runs: the
 * compiled lib/src/cli/main.js) in `cwd`, with a minimal environment whose PATH finds this node first.
 */
export function spawnCli(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { timeoutMs?: number } = {}): CliRun {
  requireCurrentBuild();
  const path = [dirname(process.execPath), process.env.PATH].join(delimiter);
  // A timeout is a hang guard (a run that blocks is killed and fails with status null), not a benchmark.
  const result = spawnSync(bin, [...args], { cwd, env: { PATH: path, HOME: cwd, ...buildCacheEnv(), ...env }, encoding: 'utf8', timeout: options.timeoutMs, killSignal: 'SIGKILL' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the cdk8s app in `cwd` as `cdk8s synth` runs it: cdk8s.yaml's `app:` command (`node scripts/app.cjs
 * src/main.ts`: our sources bundled once per content, then one file to load; a TypeScript loader such as tsx
 * costs about a second more per run), its paths made absolute, in an environment of `env` and this PATH only.
 * Its build cache is an empty folder of its own unless `env` names one: the app computes what it outputs.
 */
export function spawnApp(cwd: string, env: NodeJS.ProcessEnv = {}): CliRun & { error?: Error } {
  const [command, ...args] = String(parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).app).split(/\s+/);
  if (command !== 'node') throw new Error(`cdk8s.yaml's app runs ${command}, not node: teach spawnApp (test/support/cli.ts) to run it`);
  const cache = env.ARAGORA_SECRETS_CACHE === undefined ? mkdtempSync(join(tmpdir(), 'aragora-app-cache-')) : undefined;
  try {
    const result = spawnSync(process.execPath, args.map((arg) => (existsSync(join(root, arg)) ? join(root, arg) : arg)), {
      cwd,
      env: { PATH: process.env.PATH, ARAGORA_SECRETS_CACHE: cache, ...env },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error };
  } finally {
    if (cache) rmSync(cache, { recursive: true, force: true });
  }
}

/** The test run's build cache (test/support/global-setup.ts), for a CLI a test spawns with an environment of its own. */
export function buildCacheEnv(): NodeJS.ProcessEnv {
  const { ARAGORA_SECRETS_BUILD, ARAGORA_SECRETS_CACHE } = process.env;
  return ARAGORA_SECRETS_BUILD && ARAGORA_SECRETS_CACHE ? { ARAGORA_SECRETS_BUILD, ARAGORA_SECRETS_CACHE } : {};
}

/** Runs the CLI in this process (for what a spawn cannot fake cheaply: a terminal, many --help pages). */
export async function runInProcess(
  cwd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdoutIsTTY?: boolean; stderrIsTTY?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    cwd,
    env: options.env ?? {},
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdoutIsTTY: options.stdoutIsTTY,
    stderrIsTTY: options.stderrIsTTY,
  });
  return { status, stdout, stderr };
}

/** Every file under `dir` (relative path → bytes), for before/after comparisons. */
export function readTree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full);
    }
  };
  walk(dir);
  return out;
}

/** Every path under `dir`, files and folders, hidden ones included. */
export function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
}

/** A stack trace line, which no user-facing failure may print. */
export const STACK_LINE = /\n\s+at .+:\d+:\d+\)?\n/;
