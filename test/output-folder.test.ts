import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { readTree, requireCurrentBuild, root, runInProcess, spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';
import { OutputFolder, replaceOutputFolder } from '../src/output/replace-output';

const MARKER = '.aragora-secrets';

/** A project as a user has it, one that synthesizes: git, the config, sealed/, a .env, and whatever `files` adds. */
function project(files: Record<string, string> = {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'aragora-out-')), 'project');
  mkdirSync(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const all = { 'aragora-secrets.yaml': stringify(DEFAULT_CONFIG), 'sealed/README.md': 'Sealed values of this project.\n', '.env': 'ARAGORA_JWT_SECRET=kept-in-dotenv\n', ...files };
  for (const [name, content] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** Everything under `dir`, hidden files and .git included: files by content, links by target (never followed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const path = relative(dir, full);
      if (entry.isSymbolicLink()) out[path] = `link to ${readlinkSync(full)}`;
      else if (entry.isDirectory()) (out[`${path}/`] = 'folder'), walk(full);
      else out[path] = readFileSync(full, 'base64');
    }
  };
  walk(dir);
  return out;
}

function expectRefused(run: { status: number | null; stdout: string; stderr: string }, out: string, why: RegExp) {
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`aragora-secrets: refusing to replace output folder "${out}": `);
  expect(run.stderr).toMatch(why);
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stdout).toBe('');
}

integration.describe('synth replaces only its own output folder', () => {
  test('--out ., --out "" and --out .. are refused, spawned as a user runs them: the project and its parent stay whole', () => {
    // GIVEN a project (git, config, sealed/, .env) inside a folder that holds something else too
    const dir = project();
    writeFileSync(join(dir, '..', 'neighbour.txt'), 'not ours\n');
    const before = snapshot(join(dir, '..'));
    // WHEN synth is pointed at the project itself, or at its parent
    for (const [out, why] of [
      ['.', /: it is the current folder\. synth replaces the whole folder; choose a folder of its own with --out, e\.g\. --out dist\n$/],
      ['', /: it is the current folder\./],
      ['..', /: it holds the current folder\./],
    ] as const) {
      const run = spawnCli(dir, ['synth', '--out', out]);
      // THEN it refuses with exit 1, and not one file changed
      expectRefused(run, out, why);
      expect(snapshot(join(dir, '..'))).toEqual(before);
    }
  });

  test('a folder that is not its output is refused, whatever leads there: links, foreign files, a project', async () => {
    const dir = project({ 'notes/todo.md': 'mine\n', 'infra/secrets.yaml': stringify(DEFAULT_CONFIG) });
    const elsewhere = mkdtempSync(join(tmpdir(), 'aragora-elsewhere-'));
    writeFileSync(join(elsewhere, 'precious.txt'), 'keep me\n');
    symlinkSync(elsewhere, join(dir, 'linked'));
    symlinkSync('.', join(dir, 'here'));
    // A marked output folder that someone turned into a repository, and one with a link inside.
    for (const name of ['marked-repo', 'marked-link']) {
      mkdirSync(join(dir, name, 'dev'), { recursive: true });
      writeFileSync(join(dir, name, MARKER), 'Written by aragora-secrets: every synth replaces this whole folder, so keep nothing else in it.\n');
    }
    mkdirSync(join(dir, 'marked-repo', '.git'));
    symlinkSync(elsewhere, join(dir, 'marked-link', 'dev', 'out'));
    const before = snapshot(dir);
    const elsewhereBefore = snapshot(elsewhere);

    const cases: [string[], string, RegExp][] = [
      [['synth', '--out', 'notes'], 'notes', /it is not empty and was not written by aragora-secrets \(no \.aragora-secrets file in it\)\. .*move its files elsewhere or choose another --out\n$/],
      [['synth', '--out', 'linked'], 'linked', /: it is a symbolic link\. /],
      [['synth', '--out', 'here'], 'here', /: it is a symbolic link\. /],
      [['synth', '--out', 'linked/..'], 'linked/..', /: it is the current folder\. /],
      [['synth', '--out', 'marked-repo'], 'marked-repo', /: it holds \.git, which belongs to a project, not to synthesized output\. /],
      [['synth', '--out', 'marked-link'], 'marked-link', /: it holds a symbolic link, dev\/out, and aragora-secrets never writes links\. /],
      [['--config', 'infra/secrets.yaml', 'synth', '--out', 'infra'], 'infra', /: it holds the config file infra\/secrets\.yaml\. /],
      [['synth', '--out', '../project/sealed'], '../project/sealed', /: it is not empty and was not written by aragora-secrets/],
    ];
    for (const [args, out, why] of cases) {
      const run = await runInProcess(dir, args);
      expectRefused(run, out, why);
    }
    expect(snapshot(dir)).toEqual(before);
    expect(snapshot(elsewhere)).toEqual(elsewhereBefore);
  });

  test('the dist/ committed before the marker existed is replaced once, and carries the marker from then on', async () => {
    // GIVEN a project whose committed dist/ is the output of a version without the marker
    const dir = project();
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    rmSync(join(dir, 'dist', MARKER), { force: true });
    // WHEN synth runs twice
    const first = await runInProcess(dir, ['synth']);
    const second = await runInProcess(dir, ['synth']);
    // THEN the first accepts it and adds the marker (the only new file: it is not counted as output)
    expect(first.stderr).not.toMatch(/refusing|internal error/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^Wrote \d+ files to dist\/ \(0 changed, 0 added, 0 removed, \d+ unchanged\)/);
    expect(readTree(join(dir, 'dist'))).toEqual(readTree(join(root, 'dist')));
    expect(readFileSync(join(dir, 'dist', MARKER), 'utf8')).toMatch(/^Written by aragora-secrets: every synth replaces this whole folder/);
    expect(second.status).toBe(0);
    // AND a folder that merely looks like output from afar (a top-level file, a foreign manifest) is not taken for it
    const lookalike = join(dir, 'k8s');
    mkdirSync(join(lookalike, 'prod'), { recursive: true });
    writeFileSync(join(lookalike, 'prod', 'Deployment.web.k8s.yaml'), 'kind: Deployment\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: helm\n');
    const refused = await runInProcess(dir, ['synth', '--out', 'k8s']);
    expectRefused(refused, 'k8s', /was not written by aragora-secrets/);
    expect(readdirSync(join(lookalike, 'prod'))).toEqual(['Deployment.web.k8s.yaml']);
  });

  test('output of the layout before manifests/ (objects beside the files for people), without the marker, is replaced by the current layout', async () => {
    // GIVEN a dist/ as versions without the marker wrote it: one folder per environment, its manifests at the top
    const dir = project();
    const ours = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: aragora-secrets\n  name: aragora-dev\n';
    mkdirSync(join(dir, 'dist', 'dev'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'dev', 'Namespace.aragora-dev.k8s.yaml'), ours);
    writeFileSync(join(dir, 'dist', 'dev', 'kustomization.yaml'), 'resources:\n  - Namespace.aragora-dev.k8s.yaml\n');
    // WHEN synth runs
    const run = await runInProcess(dir, ['synth']);
    // THEN it is taken for ours and replaced
    expect(run.stderr).not.toMatch(/refusing|internal error/);
    expect(run.status).toBe(0);
    expect(readTree(join(dir, 'dist'))).toEqual(readTree(join(root, 'dist')));
  });
});

integration.describe('a synth killed mid-swap is completed by the next one', () => {
  /**
   * Replaces `outdir` with one file in a separate node process that kills itself (SIGKILL) right after `step`.
   * It runs the compiled lib/ (`npm test` builds it first), not src/ through a TypeScript loader.
   */
  function killedSwap(outdir: string, step: string) {
    requireCurrentBuild();
    const script = [
      `const { replaceOutputFolder } = require(${JSON.stringify(join(root, 'lib/src/output/replace-output.js'))});`,
      `replaceOutputFolder(${JSON.stringify(outdir)}, [{ path: 'dev/Killed.run.k8s.yaml', content: 'from the killed run\\n' }], {`,
      `  afterStep: (s) => { if (s === ${JSON.stringify(step)}) process.kill(process.pid, 'SIGKILL'); },`,
      '});',
    ].join('\n');
    return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  }

  const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('.dist.synth-')).sort();

  test('killed between the two renames: no dist/ for a moment, then the next run puts the finished output in place', async () => {
    // GIVEN a synthesized dist/
    const dir = project();
    expect((await runInProcess(dir, ['synth'])).status).toBe(0);
    const committed = readTree(join(dir, 'dist'));
    // WHEN a synth is killed after moving the old dist/ aside and before moving the new one in
    const killed = killedSwap(join(dir, 'dist'), 'retired');
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const left = leftovers(dir);
    expect(left).toHaveLength(4);
    expect(left).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.dist\.synth-[A-Za-z0-9]{6}$/),
        expect.stringMatching(/^\.dist\.synth-[A-Za-z0-9]{6}\.replaced$/),
        '.dist.synth-journal',
        '.dist.synth-lock',
      ]),
    );
    // AND the next run fails on a broken config of its own
    writeFileSync(join(dir, 'aragora-secrets.yaml'), 'app: [\n');
    const next = await runInProcess(dir, ['synth']);
    // THEN it has finished the interrupted swap first (its output was complete), and cleaned up
    expect(next.status).toBe(1);
    expect(next.stderr).toContain('aragora-secrets: an earlier synth was interrupted while swapping in dist/; finished it (its output was complete)');
    expect(readTree(join(dir, 'dist'))).toEqual({ [MARKER]: committed[MARKER], 'dev/Killed.run.k8s.yaml': Buffer.from('from the killed run\n') });
    expect(leftovers(dir)).toEqual([]);
    // AND a good run then writes the whole output again
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(DEFAULT_CONFIG));
    expect((await runInProcess(dir, ['synth'])).status).toBe(0);
    expect(readTree(join(dir, 'dist'))).toEqual(committed);
    expect(leftovers(dir)).toEqual([]);
  });

  test('killed while writing the new files: dist/ stays as it was and the half-written folder is removed', async () => {
    const dir = project();
    expect((await runInProcess(dir, ['synth'])).status).toBe(0);
    const committed = readTree(join(dir, 'dist'));
    expect(killedSwap(join(dir, 'dist'), 'staged').signal).toBe('SIGKILL');
    expect(leftovers(dir)).toHaveLength(2);
    expect(leftovers(dir)).toEqual(expect.arrayContaining([expect.stringMatching(/^\.dist\.synth-[A-Za-z0-9]{6}$/), '.dist.synth-lock']));
    expect(readTree(join(dir, 'dist'))).toEqual(committed);
    const next = await runInProcess(dir, ['synth']);
    expect(next.status).toBe(0);
    expect(next.stderr).not.toContain('interrupted');
    expect(readTree(join(dir, 'dist'))).toEqual(committed);
    expect(leftovers(dir)).toEqual([]);
  });

  test('a synth that is still running keeps others out of its folder', async () => {
    // GIVEN the lock of a live process (this one)
    const dir = project();
    writeFileSync(join(dir, '.dist.synth-lock'), `${process.pid}\n`);
    // WHEN another synth starts
    const run = await runInProcess(dir, ['synth']);
    // THEN it waits its turn: exit 1, nothing written
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `aragora-secrets: another aragora-secrets synth (process ${process.pid}) is writing "dist"; wait for it to finish, or delete .dist.synth-lock if no synth is running\n`,
    );
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });
});

describe('what a replacement reports as changed', () => {
  test('files are compared by their bytes: same size but other bytes, another size, multi-byte text, added, removed, unchanged', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'aragora-out-')), 'dist');
    const first = replaceOutputFolder(out, [
      { path: 'dev/same.yaml', content: 'kept: as it was\n' },
      { path: 'dev/same-size.yaml', content: 'value: abc\n' },
      { path: 'dev/other-size.yaml', content: 'value: a\n' },
      { path: 'dev/accent.md', content: 'caf\u00e9\n' },
      { path: 'dev/gone.md', content: 'removed next\n' },
    ]);
    expect(first).toEqual({ added: ['dev/accent.md', 'dev/gone.md', 'dev/other-size.yaml', 'dev/same-size.yaml', 'dev/same.yaml'], changed: [], removed: [], unchanged: 0 });

    const second = replaceOutputFolder(out, [
      { path: 'dev/same.yaml', content: 'kept: as it was\n' },
      { path: 'dev/same-size.yaml', content: 'value: abd\n' },
      { path: 'dev/other-size.yaml', content: 'value: ab\n' },
      // "cafe" plus an accent is one byte longer than "cafe": the same characters count, another size
      { path: 'dev/accent.md', content: 'cafe\n' },
      { path: 'prod/new.md', content: 'added\n' },
    ]);
    expect(second).toEqual({ added: ['prod/new.md'], changed: ['dev/accent.md', 'dev/other-size.yaml', 'dev/same-size.yaml'], removed: ['dev/gone.md'], unchanged: 1 });
    expect(readFileSync(join(out, 'dev/same-size.yaml'), 'utf8')).toBe('value: abd\n');
    expect(readFileSync(join(out, 'dev/accent.md'), 'utf8')).toBe('cafe\n');
  });

  integration.test('a file swapped for a FIFO after the folder was opened counts as changed; the comparison does not block on it', () => {
    // GIVEN a folder of ours, opened for replacement
    const out = join(mkdtempSync(join(tmpdir(), 'aragora-out-')), 'dist');
    replaceOutputFolder(out, [{ path: 'dev/values.yaml', content: 'a: 1\n' }]);
    const folder = OutputFolder.open(out);
    try {
      // WHEN the file is replaced by a FIFO with no writer (reading it as a file would wait forever)
      rmSync(join(out, 'dev/values.yaml'));
      execFileSync('mkfifo', [join(out, 'dev/values.yaml')]);
      // THEN the new file of the same size is reported as changed, and written
      expect(folder.replace([{ path: 'dev/values.yaml', content: 'a: 1\n' }])).toEqual({ added: [], changed: ['dev/values.yaml'], removed: [], unchanged: 0 });
      expect(readFileSync(join(out, 'dev/values.yaml'), 'utf8')).toBe('a: 1\n');
    } finally {
      folder.release();
    }
  });

  test('a folder written by an earlier synth of this process is compared with what that synth wrote', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'aragora-out-')), 'dist');
    const folder = OutputFolder.open(out);
    try {
      expect(folder.replace([{ path: 'a/x.md', content: 'one\n' }]).added).toEqual(['a/x.md']);
      expect(folder.replace([{ path: 'a/x.md', content: 'one\n' }])).toEqual({ added: [], changed: [], removed: [], unchanged: 1 });
      expect(folder.replace([{ path: 'a/x.md', content: 'two\n' }]).changed).toEqual(['a/x.md']);
    } finally {
      folder.release();
    }
  });
});
