import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deserialize } from 'node:v8';
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

/** A project of two source files beside a copy of scripts/app.cjs, with its own node_modules (esbuild linked in). */
function miniProject() {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-runner-project-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'node_modules'));
  copyFileSync(join(root, 'scripts', 'app.cjs'), join(dir, 'scripts', 'app.cjs'));
  symlinkSync(join(root, 'node_modules', 'esbuild'), join(dir, 'node_modules', 'esbuild'));
  writeFileSync(join(dir, 'src', 'entry.ts'), "import { value } from './value';\nconsole.log(value);\n");
  writeFileSync(join(dir, 'src', 'value.ts'), "export const value: string = 'one';\n");
  // A whole second, which utimes can set back exactly (a stat's nanoseconds it cannot)
  utimesSync(join(dir, 'src', 'value.ts'), 1_700_000_000, 1_700_000_000);
  const run = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [join(dir, 'scripts', 'app.cjs'), 'src/entry.ts'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const bundles = () => readdirSync(join(dir, 'node_modules', '.cache', 'aragora-secrets')).filter((f) => f.startsWith('src-entry-ts-') && f.endsWith('.cjs'));
  return { dir, run, bundles };
}

integration.test('an edit that keeps the size and the modification time still makes a new bundle; the old one is removed', () => {
  // GIVEN a project run once (its build hash kept with the stat of every source)
  const project = miniProject();
  expect(project.run().stdout).toBe('one\n');
  const [first] = project.bundles();
  const valueFile = join(project.dir, 'src', 'value.ts');
  const before = statSync(valueFile);

  // WHEN an imported file (not the entry) changes to text of the same length, its modification time set back
  writeFileSync(valueFile, "export const value: string = 'two';\n");
  utimesSync(valueFile, 1_700_000_000, 1_700_000_000);
  expect([statSync(valueFile).size, statSync(valueFile).mtimeMs]).toEqual([before.size, before.mtimeMs]);
  const run = project.run();

  // THEN the new text runs, from a new bundle, and the old bundle is gone
  expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: 'two\n', stderr: '' });
  expect(project.bundles()).toHaveLength(1);
  expect(project.bundles()[0]).not.toBe(first);
});

integration.test('unchanged sources reuse the kept build hash and bundle; a damaged hash file costs a rehash', () => {
  const project = miniProject();
  expect(project.run().stdout).toBe('one\n');
  const memo = join(project.dir, 'node_modules', '.cache', 'aragora-secrets', 'build-hash.json');
  const kept = readFileSync(memo, 'utf8');
  const [bundle] = project.bundles();
  const bundleTime = statSync(join(project.dir, 'node_modules', '.cache', 'aragora-secrets', bundle)).mtimeMs;

  // a second run changes nothing
  expect(project.run().stdout).toBe('one\n');
  expect(readFileSync(memo, 'utf8')).toBe(kept);
  expect(project.bundles()).toEqual([bundle]);
  expect(statSync(join(project.dir, 'node_modules', '.cache', 'aragora-secrets', bundle)).mtimeMs).toBe(bundleTime);

  // a damaged hash file is hashed again to the same value: the same bundle
  writeFileSync(memo, '{"stamp": 1, "hash"');
  expect(project.run().stdout).toBe('one\n');
  expect(JSON.parse(readFileSync(memo, 'utf8')).hash).toBe(JSON.parse(kept).hash);
  expect(project.bundles()).toEqual([bundle]);
});

integration.test('the code cache keeps only what runs use: entries of a package one run loaded are dropped by the next that did not', () => {
  const project = miniProject();
  mkdirSync(join(project.dir, 'node_modules', 'occasional'));
  writeFileSync(join(project.dir, 'node_modules', 'occasional', 'index.js'), "module.exports = 'occasional';\n");
  // Required by a name known only at run time, so the bundle leaves it a package of its own (as it does the construct libraries)
  writeFileSync(join(project.dir, 'src', 'entry.ts'), "import { value } from './value';\nconst name = process.env.LOAD === '1' ? 'occasional' : undefined;\nconsole.log(name ? require(name) : value);\n");
  const cacheDir = join(project.dir, 'node_modules', '.cache', 'aragora-secrets');
  const cachedFiles = () => {
    const [file] = readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache'));
    return [...(deserialize(readFileSync(join(cacheDir, file))) as Map<string, unknown>).keys()].map((f) => relative(project.dir, f)).sort();
  };
  const run = (load: string) => project.run({ LOAD: load });

  expect(run('1').stdout).toBe('occasional\n');
  expect(cachedFiles()).toEqual([`node_modules/.cache/aragora-secrets/${project.bundles()[0]}`, 'node_modules/occasional/index.js']);
  expect(run('0').stdout).toBe('one\n');
  expect(cachedFiles()).toEqual([`node_modules/.cache/aragora-secrets/${project.bundles()[0]}`]);
});

integration.test('the bundle leaves the construct libraries packages of their own (one instance per process) and holds the small libraries', () => {
  // GIVEN the app run once (its bundle built)
  expect(runApp(join(mkdtempSync(join(tmpdir(), 'aragora-runner-out-')), 'dist')).status).toBe(0);
  const [bundle] = readdirSync(cacheDir)
    .filter((f) => /^src-main-ts-[0-9a-f]{16}-[0-9a-f]{8}\.cjs$/.test(f))
    .map((f) => readFileSync(join(cacheDir, f), 'utf8'));
  // esbuild marks each file it bundles with a `// path` line
  const bundledPackages = new Set([...bundle.matchAll(/^\/\/ node_modules\/((?:@[^/\n]+\/)?[^/\n]+)\//gm)].map((m) => m[1]));
  const required = new Set([...bundle.matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1].replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1')));
  // THEN cdk8s, constructs and aws-cdk-lib are required as packages, never copied in (a second copy of cdk8s cannot
  // render the first one's Lazy values); zod and yaml are in the bundle
  for (const name of ['cdk8s', 'cdk8s-plus-27', 'constructs', 'aws-cdk-lib', 'cdk-nag']) {
    expect(bundledPackages.has(name)).toBe(false);
    expect(required.has(name)).toBe(true);
  }
  expect([...bundledPackages].sort()).toEqual(expect.arrayContaining(['yaml', 'zod']));
  expect(required.has('zod') || required.has('yaml')).toBe(false);
});
