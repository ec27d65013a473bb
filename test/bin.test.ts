import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { root, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';

/*
 * bin/aragora-secrets runs the compiled lib/. These tests run the real bin in a copy laid out like this
 * repository (src/ beside lib/) or like the installed package (lib/ only), with a stand-in compiled CLI.
 */

function layout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-bin-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(root, 'bin', 'aragora-secrets'), join(dir, 'bin', 'aragora-secrets'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const STAND_IN_CLI = "process.stdout.write('compiled CLI ran with ' + JSON.stringify(process.argv.slice(2)) + '\\n');";

function runBin(dir: string, args: readonly string[]) {
  return spawnSync(process.execPath, [join(dir, 'bin', 'aragora-secrets'), ...args], { cwd: dir, encoding: 'utf8' });
}

function setTime(dir: string, path: string, seconds: number): void {
  utimesSync(join(dir, path), seconds, seconds);
}

integration.test('a bin without its compiled lib/ says how to build it: exit 1, one line, no stack trace', () => {
  // GIVEN a copy of the package that was never built (a clone installed with --ignore-scripts)
  const dir = layout({ 'package.json': '{}', 'src/cli/main.ts': '' });
  // WHEN it runs
  const result = runBin(dir, ['check']);
  // THEN it names the missing build and the command that makes it
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^aragora-secrets: the compiled CLI \S+ is missing; run `npm run build` in \S+/);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(STACK_LINE);
});

integration.test('in the repository, a lib/ older than a source is refused (it would run old code); once built, the bin runs it with its arguments', () => {
  // GIVEN src/ edited after the last build
  const dir = layout({ 'lib/src/cli/main.js': STAND_IN_CLI, 'lib/build.tsbuildinfo': '{}', 'src/cli/main.ts': '', 'src/core/names.ts': '', 'imports/k8s.ts': '' });
  setTime(dir, 'lib/build.tsbuildinfo', 1_000_000);
  setTime(dir, 'src/cli/main.ts', 900_000);
  setTime(dir, 'imports/k8s.ts', 900_000);
  setTime(dir, 'src/core/names.ts', 1_100_000);
  // WHEN the bin runs THEN it names the newer source and the fix
  const stale = runBin(dir, ['synth']);
  expect({ status: stale.status, stdout: stale.stdout }).toEqual({ status: 1, stdout: '' });
  expect(stale.stderr).toMatch(/^aragora-secrets: lib\/ is older than src\/core\/names\.ts, so it would run old code; run `npm run build` in \S+/);
  expect(stale.stderr).not.toMatch(STACK_LINE);

  // GIVEN a build after the edit (npm run build touches its state file) WHEN the bin runs THEN it runs lib/
  setTime(dir, 'lib/build.tsbuildinfo', 1_200_000);
  const built = runBin(dir, ['synth', '--env', 'dev']);
  expect({ status: built.status, stdout: built.stdout, stderr: built.stderr }).toEqual({ status: 0, stdout: 'compiled CLI ran with ["synth","--env","dev"]\n', stderr: '' });
});

integration.test('an installed package (lib/ without src/ or a build state) runs its compiled CLI', () => {
  const dir = layout({ 'lib/src/cli/main.js': STAND_IN_CLI, 'package.json': '{}' });
  const result = runBin(dir, ['init']);
  expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: 'compiled CLI ran with ["init"]\n', stderr: '' });
});
