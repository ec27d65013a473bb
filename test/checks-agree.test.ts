import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load';
import { loadPlanInputs, resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan, synthesizePlanWithObjects } from '../src/app/synthesize';
import { parseTree } from '../src/checks/objects';
import { DEFAULT_CONFIG } from '../src/config/default';
import { listAll, root, spawnCli } from './support/cli';
import { integration } from './support/tiers';

/**
 * One config, three ways of checking what it makes: `aragora-secrets check`, `aragora-secrets synth`
 * and `cdk8s synth` with the validation plugin. The config shares a ClusterSecretStore between
 * staging and prod (isolation, seen in the manifests and in the Vault policy files beside them),
 * turns staging's refresh off (an error of the external delivery) and pins staging's ESO release
 * below 0.17 with v1beta1 objects (warnings only the config facts can tell).
 */
const FIXTURE = join(__dirname, 'fixtures', 'checks', 'aragora-secrets.yaml');

interface Seen {
  readonly rule: string;
  readonly resource: string;
  /** Relative to the output folder. */
  readonly file: string;
  readonly severity: 'error' | 'warning';
}

function key(f: Seen): string {
  return `${f.severity} ${f.rule} ${f.resource} ${f.file}`;
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-checks-agree-'));
  copyFileSync(FIXTURE, join(dir, 'aragora-secrets.yaml'));
  return dir;
}

/** `  - [rule] Kind ns/name (file, location): ...` (errors) and `warning: [rule] Kind ns/name (file): ...`. */
function fromCli(stderr: string): Seen[] {
  const line = /^(\s+- |warning: )\[([a-z0-9-]+)\] (.+?) \(((?:[\w.-]+\/)*[\w.-]+\.[\w.]+)(?:, [^\n]*?)?\): /;
  return stderr.split('\n').flatMap((text) => {
    const m = line.exec(text);
    return m ? [{ rule: m[2], resource: m[3], file: m[4], severity: m[1].startsWith('warning') ? ('warning' as const) : ('error' as const) }] : [];
  });
}

/** cdk8s-cli's report: a title per rule and message, its resources, then the recommendation (a warning says so). */
function fromReport(stdout: string, outdir: string): Seen[] {
  const found: Seen[] = [];
  let rule = '';
  let pending: { resource?: string; file?: string }[] = [];
  for (const text of stdout.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const title = /^([a-z0-9-]+) \(\d+ occurrences\)$/.exec(text);
    if (title) [rule, pending] = [title[1], []];
    const path = /^\s+- Manifest Path: (.*)$/.exec(text);
    if (path) pending.push({ file: path[1].slice(outdir.length + 1) });
    const name = /^\s+- Resource Name: (.*)$/.exec(text);
    // A file that is not a manifest is named by its path, which the plugin gets as cdk8s passes it.
    if (name) pending[pending.length - 1].resource = name[1].split(`${outdir}/`).join('');
    const recommendation = /^\s+Recommendation: (.*)$/.exec(text);
    if (recommendation) {
      const severity = recommendation[1].startsWith('(warning) ') ? 'warning' : 'error';
      found.push(...pending.map((p) => ({ rule, resource: p.resource!, file: p.file!, severity }) as const));
      pending = [];
    }
  }
  return found;
}

describe('synth, check and the cdk8s validation plugin report the same findings for the same config', () => {
  integration.test('the same rules, objects, files and severities, errors and warnings, from all three', () => {
    // GIVEN the committed config in a fresh project
    const dir = project();

    // WHEN `aragora-secrets check` and `aragora-secrets synth` run on it
    const check = spawnCli(dir, ['check']);
    const synth = spawnCli(dir, ['synth']);

    // AND `cdk8s synth` runs the plugin over the tree the config makes (an app that writes it unchecked)
    const { config, source } = loadConfig({ cwd: dir, env: {} });
    const made = join(dir, 'made');
    for (const file of synthesizePlan(resolvePlan(config, loadPlanInputs(config, dir, source)))) {
      mkdirSync(dirname(join(made, file.path)), { recursive: true });
      writeFileSync(join(made, file.path), file.content);
    }
    writeFileSync(join(dir, 'app.js'), `require('fs').cpSync(${JSON.stringify(made)}, process.env.CDK8S_OUTDIR, { recursive: true });\n`);
    writeFileSync(
      join(dir, 'cdk8s.yaml'),
      stringify({ language: 'typescript', app: 'node app.js', output: 'out', validations: [{ package: join(root, 'plugins', 'guard-rails'), version: '0.1.0', class: 'GuardRails' }] }),
    );
    const plugin = spawnSync(process.execPath, [join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, CDK8S_CHECK_UPGRADE: 'false', npm_config_offline: 'true' },
      encoding: 'utf8',
    });

    // THEN synth and check refuse (exit 1, nothing written), the plugin fails the run (exit 2)
    expect([check.status, synth.status, plugin.status]).toEqual([1, 1, 2]);
    expect(listAll(dir).filter((f) => f === 'dist' || f.startsWith('dist/'))).toEqual([]);
    expect(plugin.stdout).toMatch(/Status +│ failure/);

    // AND all three name the same findings
    const byCheck = fromCli(check.stderr).map(key).sort();
    const bySynth = fromCli(synth.stderr).map(key).sort();
    const byPlugin = fromReport(plugin.stdout, 'out').map(key).sort();
    expect(bySynth).toEqual(byCheck);
    expect(byPlugin).toEqual(byCheck);

    // AND those are the ones planted: cross-environment grants (in manifests and in the Vault policy files),
    // the external delivery's error, and the warnings that only the config's esoVersion tells
    expect(byCheck).toEqual(
      expect.arrayContaining([
        'error environment-isolation ClusterSecretStore vault-backend prod/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml',
        'error environment-isolation Vault policy staging/vault/external-secrets-policy.hcl staging/vault/external-secrets-policy.hcl',
        'error eso-refresh-disabled ExternalSecret aragora-staging/aragora-secrets staging/manifests/30-ExternalSecret.aragora-secrets.k8s.yaml',
        // staging and production tiers run strict (ARAGORA_ENV) while the values arrive as env
        'error app-strict-mode-env-secret Deployment aragora-prod/aragora prod/manifests/40-Deployment.aragora.k8s.yaml',
        'warning eso-api-version ClusterSecretStore vault-backend staging/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml',
        'warning eso-api-version ExternalSecret aragora-staging/aragora-secrets staging/manifests/30-ExternalSecret.aragora-secrets.k8s.yaml',
      ]),
    );
    expect(byCheck).toHaveLength(14);
    expect(new Set(byCheck.map((k) => k.split(' ')[0]))).toEqual(new Set(['error', 'warning']));
  });
});

describe('synth hands the checks the objects it wrote instead of parsing its own YAML again', () => {
  test.each([
    ['the embedded default', () => resolvePlan(DEFAULT_CONFIG, loadPlanInputs(DEFAULT_CONFIG, mkdtempSync(join(tmpdir(), 'aragora-objects-')), 'embedded'))],
    ['the checks fixture', () => {
      const { config, source } = loadConfig({ cwd: project(), env: {} });
      return resolvePlan(config, loadPlanInputs(config, dirname(source), source));
    }],
  ])('%s: every manifest, and the very objects the YAML parses back to', (_, plan) => {
    // GIVEN the files and the objects of one synthesis
    const { files, manifests } = synthesizePlanWithObjects(plan());

    // WHEN the tree is made from the objects, and from the text alone (what `check` on dist/ and the plugin do)
    const fromObjects = parseTree(files, manifests);
    const fromText = parseTree(files);

    // THEN both trees are the same: every manifest has its object, and nothing reads differently
    expect(fromText.unreadable).toEqual([]);
    expect(fromObjects.objects.length).toBe(files.filter((f) => f.path.endsWith('.k8s.yaml')).length);
    expect(manifests.size).toBe(fromObjects.objects.length);
    expect(fromObjects).toEqual(fromText);
  });
});
