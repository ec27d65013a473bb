import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { requireCurrentBuild, root } from './support/cli';
import { integration } from './support/tiers';

const workflow = parse(readFileSync(join(root, 'examples/ci/github-actions.yaml'), 'utf8'));
const steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[] = workflow.jobs.synth.steps;
const runSteps = steps.filter((s) => s.run !== undefined).map((s) => s.run!);

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=ci-test', '-c', 'user.email=ci-test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

/**
 * A scratch repository holding this project's files as committed (dist/ included), the installed
 * node_modules and the lib/ that `npm ci`'s prepare builds (a copy of this one, built from the same
 * sources): what the workflow's checkout and `npm ci` leave behind.
 */
function scratchRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-ci-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && f !== 'node_modules' && existsSync(join(root, f)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  requireCurrentBuild();
  cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'main');
  return dir;
}

/**
 * The runner's home folder for the steps run in `repo`: one, as the steps of a job share it. In this
 * repository `npx aragora-secrets` runs the project's own bin: npx links the project into its cache there
 * and runs the project's `prepare` (`npm run build`, which finds lib/ up to date).
 */
const homes = new Map<string, string>();
function runnerHome(repo: string): string {
  if (!homes.has(repo)) homes.set(repo, mkdtempSync(join(tmpdir(), 'aragora-ci-home-')));
  return homes.get(repo)!;
}

/** Runs `script` as GitHub Actions runs a `run:` step (bash -eo pipefail), with the job's env and this node first on PATH. */
function runStep(cwd: string, script: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const home = runnerHome(cwd);
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env: {
      PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
      HOME: home,
      npm_config_update_notifier: 'false',
      npm_config_offline: 'true',
      ...workflow.jobs.synth.env,
      ...extraEnv,
    },
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the CI example workflow', () => {
  test('pins its actions by commit, keeps no credentials, installs from the lock, then checks, synthesizes and compares', () => {
    const uses = steps.filter((s) => s.uses).map((s) => s.uses!);
    expect(uses.map((u) => u.split('@')[0])).toEqual(['actions/checkout', 'actions/setup-node']);
    for (const use of uses) expect(use).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))!.with).toEqual({ 'persist-credentials': false });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(runSteps.slice(0, 3)).toEqual(['npm ci', 'npx aragora-secrets check', 'npx cdk8s synth']);
    expect(runSteps).toHaveLength(4);
  });

  integration.describe('its steps, run in a scratch repository', () => {
    let repo: string;
    // `npm ci` is what created node_modules; the scratch repository links the installed one instead (offline).
    const afterInstall = runSteps.slice(1);
    const synthAndCompare = runSteps.slice(2);

    beforeAll(() => {
      repo = scratchRepository();
    });
    afterAll(() => {
      for (const dir of [repo, runnerHome(repo)]) rmSync(dir, { recursive: true, force: true });
    });
    /** Back to the scratch repository's last commit, nothing else in it but what installing leaves: node_modules and lib/. */
    function reset() {
      git(repo, 'reset', '-q', '--hard', 'HEAD');
      git(repo, 'clean', '-q', '-fdx', '-e', '/node_modules', '-e', '/lib');
    }
    beforeEach(reset);

    /** Commits what a pull request would bring, then runs the steps after `npm ci` (`check` only when asked). */
    function pullRequest(change: () => void, scripts = synthAndCompare) {
      change();
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '--allow-empty', '-m', 'pull request');
      return scripts.map((script) => runStep(repo, script));
    }

    test('an untouched repository passes every step', () => {
      const results = pullRequest(() => undefined, afterInstall);
      expect(results.map((r) => r.status)).toEqual([0, 0, 0]);
    });

    const drifts: [string, (dir: string) => void, RegExp][] = [
      [
        'a file added to dist/ by hand (a ClusterRoleBinding to cluster-admin)',
        (dir: string) => {
          const binding = {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'aragora-admin' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'ServiceAccount', name: 'aragora', namespace: 'aragora-prod' }],
          };
          writeFileSync(join(dir, 'dist/prod/manifests/10-ClusterRoleBinding.aragora-admin.k8s.yaml'), stringify(binding));
        },
        /^D  dist\/prod\/manifests\/10-ClusterRoleBinding\.aragora-admin\.k8s\.yaml$|^ D dist\/prod\/manifests\/10-ClusterRoleBinding\.aragora-admin\.k8s\.yaml$/m,
      ],
      [
        'an environment removed from the config, its committed folder left behind',
        (dir: string) => {
          const config = structuredClone(DEFAULT_CONFIG);
          delete (config.environments as Record<string, unknown>).qa;
          writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
        },
        /^ D dist\/qa\/kustomization\.yaml$/m,
      ],
      [
        'a manifest edited by hand',
        (dir: string) => {
          // Egress opened to every address: the kind of edit a reviewer must not miss.
          const file = join(dir, 'dist/dev/manifests/10-NetworkPolicy.aragora-secrets-access.k8s.yaml');
          const edited = readFileSync(file, 'utf8').replace(/^  egress:$/m, '  egress:\n    - {}');
          expect(edited).not.toBe(readFileSync(file, 'utf8'));
          writeFileSync(file, edited);
        },
        /^ M dist\/dev\/manifests\/10-NetworkPolicy\.aragora-secrets-access\.k8s\.yaml$/m,
      ],
      [
        'a file synth writes, missing from the commit',
        (dir: string) => rmSync(join(dir, 'dist/dev/SECRETS.md')),
        /^\?\? dist\/dev\/SECRETS\.md$/m,
      ],
    ];

    describe('one pull request bringing every kind of drift at once', () => {
      // Each synth costs seconds, and no change hides another (each touches a different file, and the check
      // lists every difference): one run, and each kind asserted on its own line of the list.
      let synth: ReturnType<typeof runStep>;
      let compare: ReturnType<typeof runStep>;
      beforeAll(() => {
        reset();
        [synth, compare] = pullRequest(() => {
          for (const [, change] of drifts) change(repo);
        });
      });

      test.each(drifts)('%s: synth passes, the drift check fails and lists it', (_name, _change, listed) => {
        expect(synth.status).toBe(0);
        expect(compare.status).toBe(1);
        expect(compare.output).toMatch(listed);
        expect(compare.output).toContain("::error::dist/ differs from a fresh synth: run 'npx cdk8s synth' and commit dist/");
      });
    });

    describe('a value the leak guard refuses is written nowhere, caches included', () => {
      test.each([['npx cdk8s synth'], ['npx aragora-secrets synth']])('%s', (command) => {
        // GIVEN a deploy token (no known shape) in the environment that also ended up in the image tag, which
        // reaches the Deployments and the ECS task definition of the AWS template (whose synth is cached)
        const token = require('node:crypto').randomBytes(20).toString('hex');
        const config = structuredClone(DEFAULT_CONFIG);
        config.app.image = `registry.example.com/aragora:${token}`;
        writeFileSync(join(repo, 'aragora-secrets.yaml'), stringify(config));
        const temp = mkdtempSync(join(tmpdir(), 'aragora-ci-tmp-'));
        // WHEN synth runs
        const run = runStep(repo, command, { REGISTRY_DEPLOY_TOKEN: token, TMPDIR: temp });
        // THEN it refuses, naming the AWS template too
        expect(run.status).not.toBe(0);
        expect(run.output).toContain('prod/aws/aragora-prod-secrets.template.json: the value of REGISTRY_DEPLOY_TOKEN from the environment (plain)');
        expect(run.output).not.toContain(token);
        // AND no file holds the token: not the project (dist/ and lib/ included), not node_modules/.cache, not the
        // temp folder, not the runner's home (npm's cache and logs, npx's install of the project)
        const written = [repo, join(root, 'node_modules', '.cache'), temp, runnerHome(repo)].flatMap(filesUnder);
        const holding = written.filter((file) => readFileSync(file).includes(token));
        expect(holding).toEqual([join(repo, 'aragora-secrets.yaml')]);
        rmSync(temp, { recursive: true, force: true });
      });
    });
  });
});

/** Every file below `dir` (links are not followed: the scratch repository's node_modules is one). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isSymbolicLink()) return [];
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}
