import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { configWith, find, manifests, synth } from './helpers';
import { spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

/**
 * The loader's rules for ARAGORA_SECRETS_DIR (aragora/config/secrets.py @ 02e677af, `_open_secrets_directory` and
 * `_read_protected_file`), written from those rules for this test. `euid` is the application's uid: the loader
 * accepts owners 0 and its own euid. Returns the values read, or the first problem (the loader raises, and every
 * secret fails with it).
 */
function readSecretsDir(dir: string, names: readonly string[], euid: number): { values: Record<string, string> } | { problem: string } {
  if (!dir.startsWith('/')) return { problem: 'not absolute' };
  const parts = dir.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) return { problem: 'a . or .. component' };
  let path = '';
  for (const [i, part] of parts.entries()) {
    path += `/${part}`;
    const st = lstatSync(path);
    // O_DIRECTORY|O_NOFOLLOW: a symlinked component fails (ELOOP/ENOTDIR).
    if (st.isSymbolicLink()) return { problem: `${path}: a symlink` };
    if (!st.isDirectory()) return { problem: `${path}: not a directory` };
    if (st.uid !== 0 && st.uid !== euid) return { problem: `${path}: owned by uid ${st.uid}` };
    const last = i === parts.length - 1;
    if ((st.mode & 0o022) !== 0 && (last || (st.mode & 0o1000) === 0)) return { problem: `${path}: group/world-writable${last ? '' : ' without the sticky bit'}` };
  }
  const values: Record<string, string> = {};
  for (const name of names) {
    let fd: number;
    try {
      fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e: any) {
      if (e.code === 'ENOENT') continue;
      return { problem: `${name}: ${e.code}` };
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1) return { problem: `${name}: not a regular single-link file` };
      if (st.uid !== 0 && st.uid !== euid) return { problem: `${name}: owned by uid ${st.uid}` };
      const mode = st.mode & 0o7777;
      if ((mode & 0o400) === 0 || (mode & ~0o600) !== 0) return { problem: `${name}: mode ${mode.toString(8)}` };
      if (st.size > 65536) return { problem: `${name}: over 64 KiB` };
      const buffer = Buffer.alloc(65536);
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length)).replace(/[\r\n]+$/, '');
      if (text.trim() === '') return { problem: `${name}: empty` };
      values[name] = text;
    } finally {
      closeSync(fd);
    }
  }
  return { values };
}

const APP_UID = 1000;
const isRoot = process.getuid?.() === 0;
const canDropTo = isRoot && onPath('setpriv');
// Owners other than this process's need root (chown) and setpriv to run the init step as the application's uid.
const describeOwned = canDropTo ? integration.describe : integration.describe.skip;

/** A Secret (or projected) volume as the kubelet's AtomicWriter lays it out: KEY -> ..data/KEY, ..data -> ..<timestamp>, root-owned, fsGroup 0440. */
function kubeletSecretVolume(dir: string, data: Record<string, string>, fsGroup: number): void {
  mkdirSync(dir, { recursive: true });
  const stamp = join(dir, '..2026_11_29_22_00_00.000000001');
  mkdirSync(stamp);
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(join(stamp, key), value);
    chownSync(join(stamp, key), 0, fsGroup);
    chmodSync(join(stamp, key), 0o440);
  }
  symlinkSync('..2026_11_29_22_00_00.000000001', join(dir, '..data'));
  for (const key of Object.keys(data)) symlinkSync(join('..data', key), join(dir, key));
}

/** An emptyDir as the kubelet makes it with fsGroup: root-owned, 02777 (world-writable, no sticky bit). */
function kubeletEmptyDir(dir: string, fsGroup: number): void {
  mkdirSync(dir);
  chownSync(dir, 0, fsGroup);
  chmodSync(dir, 0o2777);
}

describe('protected files (workload.injection: files)', () => {
  const config = configWith((c) => {
    delete (c.environments.staging.workload as any).strictMode;
    c.environments.staging.workload!.injection = 'files';
  });
  const files = synth(config);
  const deployment = find(manifests(files, 'staging'), 'Deployment', 'aragora');
  const pod = deployment.spec.template.spec;

  test('the pod: a memory emptyDir, an init container as the app uid, the app mounts only the 0700 subdirectory, ARAGORA_SECRETS_DIR', () => {
    expect(pod.securityContext).toMatchObject({ runAsUser: APP_UID, runAsGroup: APP_UID, fsGroup: APP_UID, runAsNonRoot: true });
    expect(pod.volumes).toEqual([
      { name: 'app-secrets-source', projected: { defaultMode: 0o440, sources: [{ secret: { name: 'aragora-secrets' } }, { secret: { name: 'aragora-secrets-generated' } }] } },
      { name: 'app-secrets-files', emptyDir: { medium: 'Memory' } },
    ]);
    const app = pod.containers[0];
    expect(app.volumeMounts).toEqual([{ name: 'app-secrets-files', mountPath: '/run/aragora-secrets', subPath: 'aragora', readOnly: true }]);
    expect(app.env).toEqual([{ name: 'ARAGORA_ENV', value: 'staging' }, { name: 'ARAGORA_SECRETS_DIR', value: '/run/aragora-secrets' }]);
    expect(pod.initContainers[0].securityContext).toMatchObject({ runAsUser: APP_UID, runAsNonRoot: true, allowPrivilegeEscalation: false });
    const report = files.find((f) => f.path === 'staging/SECRETS.md')!.content;
    expect(report).toMatch(/\| `ANTHROPIC_API_KEY` \|[^\n]*\| protected file \(ARAGORA_SECRETS_DIR\); critical \|/);
    expect(report).toContain('| application mode | strict (ARAGORA_ENV=staging) |');
    expect(report).toContain('Deployment `aragora`: file `/run/aragora-secrets/STRIPE_SECRET_KEY`, copied from Secret `aragora-secrets` by init container `copy-secrets`');
  });

  describeOwned('the directory the kubelet and the init container lay out, read with the application\'s rules (as uid 1000)', () => {
    const script: string = pod.initContainers[0].command[2];
    const names = ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'];
    const values = { ANTHROPIC_API_KEY: 'sk-ant-' + 'A'.repeat(30) + '\n', ARAGORA_JWT_SECRET: ' keep leading space', OPENAI_API_KEY: '', STRIPE_SECRET_KEY: '\r\n', STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(20) };
    let root: string;
    beforeAll(() => {
      // GIVEN the volumes as the kubelet makes them (projected Secret with fsGroup; emptyDir root) under a pod-like root
      root = mkdtempSync(join(tmpdir(), 'aragora-files-'));
      chmodSync(root, 0o755);
      kubeletSecretVolume(join(root, 'source'), values, APP_UID);
      kubeletEmptyDir(join(root, 'custody'), APP_UID);
      // WHEN the generated init script runs as the application's uid, with the fsGroup as its group
      const run = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--groups=1000', '/bin/sh', '-c', script.replaceAll('/aragora-secrets-source', join(root, 'source')).replaceAll('/aragora-secrets-custody', join(root, 'custody'))], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // AND the subPath mount shows the app that directory itself at /run/aragora-secrets (moved here: same inode, owner, mode)
      mkdirSync(join(root, 'run'), { mode: 0o755 });
      renameSync(join(root, 'custody', 'aragora'), join(root, 'run', 'aragora-secrets'));
    });

    test('the loader reads every non-blank value; blank values are left out (an empty file would be fatal)', () => {
      const read = readSecretsDir(join(root, 'run', 'aragora-secrets'), names, APP_UID);
      expect(read).toEqual({ values: { ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY.trimEnd(), ARAGORA_JWT_SECRET: values.ARAGORA_JWT_SECRET, STRIPE_WEBHOOK_SECRET: values.STRIPE_WEBHOOK_SECRET } });
      const dir = lstatSync(join(root, 'run', 'aragora-secrets'));
      expect([dir.uid, dir.mode & 0o777]).toEqual([APP_UID, 0o700]);
      const file = lstatSync(join(root, 'run', 'aragora-secrets', 'ANTHROPIC_API_KEY'));
      expect([file.uid, file.mode & 0o7777, file.nlink]).toEqual([APP_UID, 0o400, 1]);
    });

    test('what cannot work is refused by the same rules: the Secret volume itself, a path through the emptyDir root, another owner, 0440', () => {
      expect(readSecretsDir(join(root, 'source'), names, APP_UID)).toEqual({ problem: 'ANTHROPIC_API_KEY: ELOOP' });
      const throughRoot = join(root, 'through-root');
      kubeletEmptyDir(throughRoot, APP_UID);
      mkdirSync(join(throughRoot, 'aragora'), { mode: 0o700 });
      chownSync(join(throughRoot, 'aragora'), APP_UID, APP_UID);
      expect(readSecretsDir(join(throughRoot, 'aragora'), names, APP_UID)).toEqual({ problem: `${throughRoot}: group/world-writable without the sticky bit` });
      const agent = join(root, 'agent');
      mkdirSync(agent, { mode: 0o700 });
      chownSync(agent, APP_UID, APP_UID);
      writeFileSync(join(agent, 'OPENAI_API_KEY'), 'sk-x', { mode: 0o400 });
      chownSync(join(agent, 'OPENAI_API_KEY'), 100, 1000); // the Vault agent's default uid
      expect(readSecretsDir(agent, names, APP_UID)).toEqual({ problem: 'OPENAI_API_KEY: owned by uid 100' });
      chownSync(join(agent, 'OPENAI_API_KEY'), 0, APP_UID);
      chmodSync(join(agent, 'OPENAI_API_KEY'), 0o440); // a Secret file with fsGroup
      expect(readSecretsDir(agent, names, APP_UID)).toEqual({ problem: 'OPENAI_API_KEY: mode 440' });
    });
  });

  integration.test('Vault delivery with files is refused, naming the path and why (through the CLI)', () => {
    const bad = structuredClone(DEFAULT_CONFIG) as any;
    bad.environments = { prod: bad.environments.prod };
    bad.environments.prod.workload.injection = 'files';
    const dir = mkdtempSync(join(tmpdir(), 'aragora-files-vault-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(bad));
    const run = spawnCli(dir, ['check']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/environments\.prod\.workload\.injection[^\n]*\/vault\/secrets, an emptyDir whose root is 0777 without the sticky bit/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  integration.test('a hostile runAsUser (root) is refused', () => {
    const run = (uid: unknown) => {
      const bad = structuredClone(DEFAULT_CONFIG) as any;
      bad.environments = { staging: bad.environments.staging };
      bad.environments.staging.workload.injection = 'files';
      bad.environments.staging.workload.runAsUser = uid;
      const dir = mkdtempSync(join(tmpdir(), 'aragora-files-uid-'));
      writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(bad));
      return spawnCli(dir, ['check']);
    };
    const root = run(0);
    expect(root.status).toBe(1);
    expect(root.stderr).toMatch(/environments\.staging\.workload\.runAsUser[^\n]*non-root uid/);
  });
});
