import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { MANIFESTS_FOLDER } from '../src/core/manifest-layout';
import { root } from './support/cli';
import { readDoc } from './support/docs';
import { startStandInApiServer } from './support/stand-in-api-server';
import { integration } from './support/tiers';

/**
 * The README's quick start, run as written: its commands, in their order, in a fresh copy of the
 * repository (the files a clone has), each through bash with the project's node first on PATH, and
 * `kubectl` against a stand-in for a fresh cluster (test/support/stand-in-api-server.ts).
 */

function quickStartCommands(): string[] {
  const readme = readDoc('README.md');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** What `git clone` gives: the tracked (and new, not ignored) files, without node_modules or dist/'s ignored files. */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-quick-start-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  }
  return dir;
}

/** Runs one line in bash without blocking this process, which serves the stand-in API server. */
function bash(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['-c', line], { cwd, env, encoding: 'utf8' }, (error, _stdout, stderr) => {
      done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

test('the quick start has five commands: install, init, check, synth, apply', () => {
  expect(quickStartCommands()).toEqual([
    'npm ci',
    './bin/aragora-secrets init',
    './bin/aragora-secrets check',
    'npm run synth',
    'kubectl apply -k dist/dev',
  ]);
});

integration.test('each command of the quick start succeeds, in order, in a fresh copy, and dev ends up on the cluster', async () => {
  const dir = freshCopy();
  const home = mkdtempSync(join(tmpdir(), 'aragora-quick-start-home-'));
  const server = await startStandInApiServer();
  try {
    // A kubeconfig naming the stand-in cluster, as `kubectl` finds one in a user's HOME.
    mkdirSync(join(home, '.kube'));
    writeFileSync(
      join(home, '.kube', 'config'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: stand-in, cluster: { server: "' + server.url + '" } }]',
        'users: [{ name: user, user: {} }]',
        'contexts: [{ name: stand-in, context: { cluster: stand-in, user: user } }]',
        'current-context: stand-in',
        '',
      ].join('\n'),
    );
    const env = { PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), HOME: home, CDK8S_CHECK_UPGRADE: 'false', npm_config_update_notifier: 'false' };
    const results: { command: string; status: number | null; stderr: string }[] = [];
    for (const command of quickStartCommands()) {
      if (command === 'npm ci') {
        // `npm ci` needs the registry; the copy gets the node_modules this repository's `npm ci` installed,
        // and the lib/ its `prepare` script builds (`npm test` has just built this repository's).
        symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
        cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true });
        continue;
      }
      // kubectl validates against the OpenAPI schema, which the stand-in does not serve.
      const line = command.startsWith('kubectl ') ? `${command} --validate=false` : command;
      const run = await bash(line, dir, env);
      results.push({ command, status: run.status, stderr: run.status === 0 ? '' : run.stderr });
    }

    expect(results).toEqual(quickStartCommands().slice(1).map((command) => ({ command, status: 0, stderr: '' })));
    expect(existsSync(join(dir, 'aragora-secrets.yaml'))).toBe(true);
    // THEN every object of dist/dev is on the cluster, and the API server refused nothing
    const manifests = readdirSync(join(dir, 'dist', 'dev', MANIFESTS_FOLDER)).map((file) =>
      parse(readFileSync(join(dir, 'dist', 'dev', MANIFESTS_FOLDER, file), 'utf8')),
    );
    expect(server.refused).toEqual([]);
    expect(server.created.map((o) => `${o.kind} ${o.name}`).sort()).toEqual(manifests.map((o: any) => `${o.kind} ${o.metadata.name}`).sort());
  } finally {
    await server.close();
  }
});
