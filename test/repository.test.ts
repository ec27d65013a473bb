import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './support/cli';
import { integration } from './support/tiers';

const read = (file: string) => readFileSync(join(root, file), 'utf8');
const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', '--no-index', path], { cwd: root }).status === 0;

function preCommitHooks(): any[] {
  const config = parse(read('.pre-commit-config.yaml'));
  return config.repos.flatMap((r: any) => r.hooks.map((h: any) => ({ ...h, repo: r.repo, rev: r.rev })));
}

describe('repository hygiene for users', () => {
  integration.test('.env files and what a killed synth leaves beside its output are ignored by git, the example and .envrc are not', () => {
    for (const path of ['.env', '.env.prod', 'config/.env']) expect(ignored(path)).toBe(true);
    for (const path of ['.dist.synth-abc123', '.dist.synth-abc123.replaced/dev/Role.r.k8s.yaml', '.dist.synth-journal', '.dist.synth-lock', 'build/.out.synth-lock']) {
      expect(ignored(path)).toBe(true);
    }
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

  test('pre-commit runs detect-secrets and the config check', () => {
    const hooks = preCommitHooks();
    expect(hooks).toContainEqual(expect.objectContaining({ repo: 'https://github.com/Yelp/detect-secrets', rev: expect.stringMatching(/^v\d+\.\d+\.\d+$/), id: 'detect-secrets' }));
    expect(hooks).toContainEqual(expect.objectContaining({ repo: 'local', id: 'aragora-secrets-check', entry: './bin/aragora-secrets check', pass_filenames: false }));
  });

  // Files that hold values, in the spellings people use, and their neighbours that must stay committable.
  const valueFiles = [
    '.env', '.env.prod', '.env-prod', '.env_prod', 'prod.env', 'config/staging.env', 'app/.env', '.env.local',
    'tls.key', 'server.key', 'key.pem', 'tls-key.pem', 'server_key.pem', 'tls.key.pem', 'privkey.pem', 'sealed-secrets-private.pem', 'cert.p12', 'id_ed25519', 'keys/id_rsa',
    'anthropic.txt', 'jwt_secret.txt', 'dist/prod/vault/stripe_secret.txt',
  ];
  const committable = [
    '.env.example', '.env.prod.example', '.envrc', 'test/corpus/env/duplicate.env', 'src/env/env-check.ts',
    'sealed-secrets.pem', 'cert.pem', 'tls.crt', 'certs/controller.pem', 'sealed-secrets-public-key.pem', 'id_ed25519.pub',
    'dist/.aragora-secrets', 'dist/dev/SECRETS.md', 'dist/prod/vault/setup.sh', 'sealed/qa.yaml', 'docs/notes.txt',
  ];

  integration.test('.gitignore covers dotenv variants, private keys and plaintext value files, but not certificates or examples', () => {
    expect(valueFiles.filter((path) => !ignored(path))).toEqual([]);
    expect(committable.filter(ignored)).toEqual([]);
  });

  test('pre-commit refuses the same files, whatever .gitignore says', () => {
    const refusing = preCommitHooks().filter((h) => h.repo === 'local' && h.language === 'fail');
    expect(refusing.map((h) => h.id)).toEqual(['no-dotenv', 'no-private-keys', 'no-plaintext-values']);
    // pre-commit matches `files` and `exclude` with Python's re.search, which these patterns share with JavaScript.
    const refused = (path: string) => refusing.some((h) => new RegExp(h.files).test(path) && !(h.exclude && new RegExp(h.exclude).test(path)));
    expect(valueFiles.filter((path) => !refused(path))).toEqual([]);
    expect(committable.filter(refused)).toEqual([]);
  });

  test("cdk8s-plus-27's optional `backport` (a release tool with a postinstall script and an old axios) is installed as an empty package", () => {
    // cdk8s-plus-27 lists it in optionalDependencies but never requires it; the override keeps its tree out of node_modules.
    expect(JSON.parse(read('package.json')).overrides).toEqual({ backport: 'npm:dry-uninstall@0.3.0' });
    const lock = JSON.parse(read('package-lock.json'));
    const installed = Object.entries(lock.packages as Record<string, any>).filter(([path]) => /(^|\/)node_modules\/backport$/.test(path));
    expect(installed).toEqual([['node_modules/cdk8s-plus-27/node_modules/backport', expect.objectContaining({ name: 'dry-uninstall', version: '0.3.0', optional: true })]]);
    expect(installed[0][1].hasInstallScript).toBeUndefined();
    expect(Object.keys(lock.packages).filter((path) => /(^|\/)node_modules\/axios$/.test(path))).toEqual([]);
  });

  integration.test('npm run cli runs the CLI', () => {
    expect(JSON.parse(read('package.json')).scripts.cli).toBe('node -- bin/aragora-secrets');
    expect(execFileSync('git', ['ls-files', '-s', 'bin/aragora-secrets'], { cwd: root, encoding: 'utf8' })).toMatch(/^100755 /);
  });
});
