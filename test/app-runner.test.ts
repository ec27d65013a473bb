import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listAll, root } from './support/cli';
import { integration } from './support/tiers';

/**
 * scripts/app.cjs (what `cdk8s synth` runs) keeps V8's code cache beside the bundle in node_modules/.cache. A cache
 * file that is damaged, truncated or from another build must cost only a compile: the synth is the same.
 */
const cacheDir = join(root, 'node_modules', '.cache', 'aragora-secrets');

function runApp(out: string) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'app.cjs'), join(root, 'src', 'main.ts')], {
    cwd: mkdtempSync(join(tmpdir(), 'aragora-runner-')),
    env: { PATH: process.env.PATH, CDK8S_OUTDIR: out, CDK8S_CHECK_UPGRADE: 'false' },
    encoding: 'utf8',
  });
}


integration.test('a damaged code cache costs a compile, not the synth: garbage in every .v8cache file, the same output', () => {
  // GIVEN a run that leaves the code cache
  const first = join(mkdtempSync(join(tmpdir(), 'aragora-runner-out-')), 'dist');
  expect(runApp(first).status).toBe(0);
  const caches = readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache'));
  expect(caches.length).toBeGreaterThan(0);

  // WHEN every cache file is replaced by bytes V8 cannot read
  for (const file of caches) writeFileSync(join(cacheDir, file), Buffer.from('not a code cache \u0000\u0001\u0002'.repeat(64)));
  const second = join(mkdtempSync(join(tmpdir(), 'aragora-runner-out-')), 'dist');
  const run = runApp(second);

  // THEN the app still synthesizes, the same files with the same bytes
  expect({ status: run.status, stderr: run.stderr.split('\n').filter((l) => /Error|at /.test(l)) }).toEqual({ status: 0, stderr: [] });
  const files = (dir: string) => listAll(dir).map((f) => relative(dir, join(dir, f))).sort();
  expect(files(second)).toEqual(files(first));
  for (const f of files(first)) {
    let a: string | undefined;
    try {
      a = readFileSync(join(first, f), 'utf8');
    } catch {
      continue; // a folder
    }
    expect(readFileSync(join(second, f), 'utf8')).toBe(a);
  }
});
