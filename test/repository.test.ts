import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './support/cli';

const read = (file: string) => readFileSync(join(root, file), 'utf8');
const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: root }).status === 0;

describe('repository hygiene for users', () => {
  test('.env files are ignored by git, the example and .envrc are not', () => {
    for (const path of ['.env', '.env.prod', 'config/.env', '.dist.synth-abc123']) expect(ignored(path)).toBe(true);
    for (const path of ['.env.example', '.envrc', 'dist/dev/SECRETS.md', 'sealed/qa.yaml']) expect(ignored(path)).toBe(false);
  });

  test('.envrc loads .env with direnv, through aragora-secrets rather than direnv\'s expanding dotenv', () => {
    expect(read('.envrc').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'watch_file .env aragora-secrets.yaml',
      'if [ -f .env ]; then',
      '  direnv_load ./bin/aragora-secrets run --env-file .env -- direnv dump',
      'fi',
    ]);
  });

  test('pre-commit runs detect-secrets, the config check, and refuses .env files', () => {
    const config = parse(read('.pre-commit-config.yaml'));
    const hooks = config.repos.flatMap((r: any) => r.hooks.map((h: any) => ({ ...h, repo: r.repo, rev: r.rev })));
    expect(hooks).toContainEqual(expect.objectContaining({ repo: 'https://github.com/Yelp/detect-secrets', rev: expect.stringMatching(/^v\d+\.\d+\.\d+$/), id: 'detect-secrets' }));
    expect(hooks).toContainEqual(expect.objectContaining({ repo: 'local', id: 'aragora-secrets-check', entry: './bin/aragora-secrets check', pass_filenames: false }));
    const noDotenv = hooks.find((h: any) => h.id === 'no-dotenv');
    const matches = (path: string) => new RegExp(noDotenv.files).test(path) && !new RegExp(noDotenv.exclude).test(path);
    expect(['.env', '.env.prod', 'app/.env'].every(matches)).toBe(true);
    expect(['.env.example', '.envrc', 'src/env/env-check.ts'].some(matches)).toBe(false);
  });

  test('the CI example installs, synthesizes and fails on a stale dist/ (new files included)', () => {
    const workflow = parse(read('examples/ci/github-actions.yaml'));
    const steps: any[] = workflow.jobs.synth.steps;
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs.indexOf('npm ci')).toBeLessThan(runs.indexOf('npx cdk8s synth'));
    expect(runs).toContain('git add --intent-to-add dist/');
    expect(runs).toContain('git diff --exit-code -- dist/');
    expect(workflow.jobs.synth.env.CDK8S_CHECK_UPGRADE).toBe('false');
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  test('npm run cli runs the CLI', () => {
    expect(JSON.parse(read('package.json')).scripts.cli).toBe('node -- bin/aragora-secrets');
    expect(execFileSync('git', ['ls-files', '-s', 'bin/aragora-secrets'], { cwd: root, encoding: 'utf8' })).toMatch(/^100755 /);
  });
});
