import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readTree, root } from './support/cli';
import { integration } from './support/tiers';

const cdk8s = join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/** `cdk8s synth` as CI runs it, offline: no upgrade check, an empty HOME (no plugin cache), npm told not to reach the registry. */
function cdk8sSynth(cwd: string) {
  return spawnSync(process.execPath, [cdk8s, 'synth'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, CDK8S_CHECK_UPGRADE: 'false', npm_config_offline: 'true' },
    encoding: 'utf8',
  });
}

describe('the guard rails as a cdk8s validation plugin (cdk8s.yaml `validations:`)', () => {
  test('cdk8s.yaml lists the local plugin, pinned, with no install step', () => {
    const config = parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
    expect(config.validations).toEqual([{ package: './plugins/guard-rails', version: '0.1.0', class: 'GuardRails' }]);
    expect(JSON.parse(readFileSync(join(root, 'plugins/guard-rails/package.json'), 'utf8'))).toMatchObject({ version: '0.1.0', main: 'index.js' });
  });

  integration.test('`npx cdk8s synth` on a fresh clone runs them, offline, and writes the committed dist/', () => {
    // GIVEN a copy of the repository's files (what a clone has) with the installed node_modules
    const clone = mkdtempSync(join(tmpdir(), 'aragora-clone-'));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.startsWith('dist/') && existsSync(join(root, f)));
    for (const file of files) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(root, file), join(clone, file));
    }
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
    // WHEN cdk8s synth runs there
    const run = cdk8sSynth(clone);
    // THEN the plugin loaded from its path, passed, and the output is the committed one
    expect(run.stderr).toBe(
      'warning: environment qa: 2 key(s) still need sealing (placeholders in the SealedSecret): ANTHROPIC_API_KEY, OPENAI_API_KEY. Run: aragora-secrets seal --env qa --cert CERT.pem --env-file .env\n',
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Validation Report (');
    expect(run.stdout).toMatch(/Status +│ success/);
    expect(run.stdout).toContain('Validations ended succesfully');
    expect(run.stdout).not.toContain('Installing validation plugin');
    expect(existsSync(join(clone, '.cdk8s'))).toBe(false);
    expect(readTree(join(clone, 'dist'))).toEqual(readTree(join(root, 'dist')));
  });

  integration.test('a violation fails `cdk8s synth` (exit 2) with the rule, the resource, the file and the fix', () => {
    // GIVEN an app that writes a Role listing Secrets and a NetworkPolicy without DNS
    const dir = mkdtempSync(join(tmpdir(), 'aragora-badapp-'));
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'ns' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] };
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'egress', namespace: 'ns' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] } };
    writeFileSync(
      join(dir, 'app.js'),
      `const fs = require('fs'); const out = process.env.CDK8S_OUTDIR; fs.mkdirSync(out + '/env', { recursive: true });
       fs.writeFileSync(out + '/env/Role.reader.k8s.yaml', ${JSON.stringify(stringify(role))});
       fs.writeFileSync(out + '/env/NetworkPolicy.egress.k8s.yaml', ${JSON.stringify(stringify(policy))});`,
    );
    writeFileSync(
      join(dir, 'cdk8s.yaml'),
      stringify({ language: 'typescript', app: 'node app.js', validations: [{ package: join(root, 'plugins', 'guard-rails'), version: '0.1.0', class: 'GuardRails' }] }),
    );
    // WHEN cdk8s synth runs
    const run = cdk8sSynth(dir);
    // THEN it fails after its report, which names each violation
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Validation failed. See above reports for details');
    expect(run.stdout).toMatch(/Status +│ failure/);
    for (const expected of [
      'secret-access-get-only (1 occurrences)',
      'Resource Name: Role ns/reader',
      'Manifest Path: dist/env/Role.reader.k8s.yaml',
      '> rules[0].verbs',
      'Recommendation: grants "list" on Secrets: list and watch return every value in the namespace',
      'How to fix: keep only verbs: [get] with resourceNames listing the Secrets the workload reads',
      'egress-allows-dns (1 occurrences)',
      'Resource Name: NetworkPolicy ns/egress',
      'Recommendation: allows no DNS (port 53/UDP): the pods could not resolve any name',
    ]) {
      expect(run.stdout).toContain(expected);
    }
  });
});
