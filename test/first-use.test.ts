import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pod } from 'kubernetes-models/v1';
import { parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { readTree, root, runInProcess, spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';

/**
 * What a new user meets in the first hour, through the real CLI: the documented first command
 * keeps the last good dist/, seal says what to run next, a sealed file nothing reads is pointed
 * out, a secret that locates a backend the NetworkPolicy blocks gets a hint, and the Cloud Run
 * container passes validators that reuse the core pod schema.
 *
 * The CLI is spawned where the process is the point (the documented npm command, seal's next step run as
 * the user runs it); elsewhere it runs in this process (runInProcess: the same program, same output and
 * exit status), which saves a Node start-up and a load of the program per run.
 */

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-first-use-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function configWith(mutate: (config: any) => void): string {
  const config = structuredClone(DEFAULT_CONFIG) as any;
  mutate(config);
  return stringify(config);
}

describe('the documented first command', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)![1];

  test('is the atomic synth (npm run synth = aragora-secrets synth), and the README says what plain cdk8s synth does', () => {
    expect(firstBlock.split('\n')[0]).toMatch(/^npm ci && npm run synth\b/);
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.synth).toBe('node -- bin/aragora-secrets synth');
    expect(readme).toMatch(/Plain `npx cdk8s synth` [^\n]*\n?[^\n]*deletes `dist\/` before/);
    expect(readme).toContain('CDK8S_CHECK_UPGRADE=false');
  });

  integration.test('`npm run synth` with a broken config exits 1, one message, no stack trace, and dist/ exactly as it was', async () => {
    // GIVEN a project whose dist/ holds the last good output, and a config broken by one bad indent
    const dir = project();
    const good = await runInProcess(dir, ['synth']);
    expect(good.status).toBe(0);
    const before = readTree(join(dir, 'dist'));
    const broken = stringify(DEFAULT_CONFIG).replace(/^environments:$/m, ' environments:');
    writeFileSync(join(dir, 'aragora-secrets.yaml'), broken);
    // WHEN the documented command runs (npm, from the repository, on that project)
    const run = spawnSync('npm', ['run', '--silent', 'synth', '--', '--config', join(dir, 'aragora-secrets.yaml'), '--out', join(dir, 'dist')], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: dir, npm_config_update_notifier: 'false' },
      encoding: 'utf8',
    });
    // THEN the message names the line and the fix, and nothing was lost
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/line \d+/);
    expect(run.stderr).toContain('fix:');
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(readTree(join(dir, 'dist'))).toEqual(before);
  });
});

describe('seal', () => {
  integration.test('ends with the atomic synth as the next step, and that step writes the SealedSecret', () => {
    const dir = project({ '.env': 'ANTHROPIC_API_KEY=not-a-real-key-but-long-enough-for-a-seal\n' });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'controller.key'), '-out', join(dir, 'cert.pem'), '-days', '30', '-subj', '/O=sealed-secret/CN='], {
      stdio: 'ignore',
    });
    const sealed = spawnCli(dir, ['seal', '--env', 'qa', '--cert', 'cert.pem', '--env-file', '.env']);
    expect(sealed.status).toBe(0);
    const next = sealed.stdout.trim().split('\n').pop()!;
    expect(next).toBe('Next: aragora-secrets synth, then commit sealed/ and dist/.');
    const synth = spawnCli(dir, ['synth']);
    expect(synth.status).toBe(0);
    expect(synth.stderr).not.toContain('nothing reads it');
    expect(readFileSync(join(dir, 'dist/qa/manifests/30-SealedSecret.aragora-secrets.k8s.yaml'), 'utf8')).toContain('ANTHROPIC_API_KEY');
  });
});

describe('sealed/<env>.yaml that nothing reads', () => {
  test('an environment removed from the config, and one that no longer delivers sealed: check and synth warn, naming the file and the fix', async () => {
    // GIVEN the default config without qa, and sealed files for qa (removed) and dev (plain delivery)
    const dir = project({
      'aragora-secrets.yaml': configWith((c) => delete c.environments.qa),
      'sealed/qa.yaml': 'kind: SealedValues\n',
      'sealed/dev.yaml': 'kind: SealedValues\n',
    });
    for (const command of ['check', 'synth']) {
      const run = await runInProcess(dir, [command]);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('warning: sealed/qa.yaml belongs to no environment of the config (there is no environment qa): nothing reads it; delete it (git rm sealed/qa.yaml)');
      expect(run.stderr).toContain('warning: sealed/dev.yaml: environment dev delivers with `plain` now, so nothing reads it');
    }
  });

  test('hostile names in sealed/: a token-like or control-character name is never echoed, an Object member is no environment, links and folders are not followed', async () => {
    const token = require('node:crypto').randomBytes(24).toString('base64url').replace(/^[^A-Za-z]/, 'k');
    const dir = project({
      [`sealed/${token}.yaml`]: 'x\n',
      'sealed/constructor.yaml': 'x\n',
      'sealed/line\u001b[31mred.yaml': 'x\n',
      'sealed/folder.yaml/inner': 'x\n',
    });
    symlinkSync('/dev/zero', join(dir, 'sealed', 'link.yaml'));
    const run = await runInProcess(dir, ['check']);
    expect(run.status).toBe(0);
    expect(run.stderr).not.toContain(token);
    expect(run.stderr).not.toContain('\u001b[31m');
    expect(run.stderr).toContain('warning: sealed/constructor.yaml belongs to no environment of the config (there is no environment constructor)');
    expect(run.stderr.match(/warning: sealed\/\(a file\) belongs to no environment/g)).toHaveLength(2);
    expect(run.stderr).not.toMatch(/folder\.yaml|link\.yaml/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('a secret that locates a backend the NetworkPolicy blocks', () => {
  const withDatabase = (backends: boolean) =>
    configWith((c) => {
      c.secrets.DATABASE_URL = { purpose: 'the application database' };
      if (backends) c.environments.dev.network = { backends: [{ name: 'postgres', namespace: 'databases', podLabels: { app: 'postgres' }, ports: [5432] }] };
    });

  test('check points at network.backends of each environment that opens none', async () => {
    const run = await runInProcess(project({ 'aragora-secrets.yaml': withDatabase(false) }), ['check']);
    expect(run.status).toBe(0);
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      expect(run.stderr).toContain(`warning: environment ${env}: DATABASE_URL looks like the address of a backend, but the NetworkPolicy aragora-secrets-access opens no backend (\`network.backends\` is empty)`);
      expect(run.stderr).toContain(`list it under environments.${env}.network.backends`);
    }
  });

  test('no hint where a backend is listed, nor for the default catalog', async () => {
    const listed = await runInProcess(project({ 'aragora-secrets.yaml': withDatabase(true) }), ['check']);
    expect(listed.status).toBe(0);
    expect(listed.stderr).not.toContain('environment dev: DATABASE_URL');
    expect(listed.stderr).toContain('environment qa: DATABASE_URL');
    const plain = await runInProcess(project(), ['check']);
    expect(plain.stderr).not.toContain('network.backends');
  });
});

describe('the Cloud Run service', () => {
  test('its container has a name, and passes the core pod schema (as Knative validators apply it)', async () => {
    const dir = project();
    const run = await runInProcess(dir, ['synth', '--config', join(root, 'examples/gcp-cloud-run.yaml')]);
    expect(run.status).toBe(0);
    const services = readdirSync(join(dir, 'dist'))
      .map((env) => join(dir, 'dist', env, 'cloudrun', 'service.yaml'))
      .filter((file) => existsSync(file));
    expect(services.length).toBeGreaterThan(0);
    for (const file of services) {
      const [service] = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
      const containers = service.spec.template.spec.containers;
      expect(containers.map((c: any) => c.name)).toEqual([service.metadata.name]);
      const pod = new Pod({ metadata: { name: 'validated' }, spec: { containers } });
      expect(() => pod.validate()).not.toThrow();
    }
  });
});

test('the sealing steps of docs/delivery/sealed.md run the atomic synth after seal', () => {
  const readme = readFileSync(join(root, 'docs', 'delivery', 'sealed.md'), 'utf8');
  const sealing = /```bash\n(kubeseal --fetch-cert[\s\S]*?)```/.exec(readme)![1];
  expect(sealing).toMatch(/^\.\/bin\/aragora-secrets synth /m);
  expect(sealing).not.toContain('cdk8s synth');
});
