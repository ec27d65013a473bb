import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { parseConfigText } from '../src/config/load';
import { validateConfig } from '../src/config/validate';
import { listAll, readTree, root, runInProcess, spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-cli-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

// Realistic values, made at run time so that no key-shaped literal is committed.
const rand = (n: number) => require('node:crypto').randomBytes(n).toString('base64url');
const values = {
  ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + rand(60),
  OPENAI_API_KEY: 'sk-' + 'proj-' + rand(40),
  SUPABASE_KEY: 'eyJ' + rand(20) + '.eyJ' + rand(40) + '.' + rand(32),
  OPENROUTER_API_KEY: 'sk-' + 'or-v1-' + rand(40).replace(/[-_]/g, 'a'),
};
const dotenv = (record: Record<string, string>) => Object.entries(record).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';

function expectNoValues(text: string): void {
  for (const value of Object.values(values)) expect(text).not.toContain(value);
}

integration.describe('aragora-secrets, spawned as a user runs it', () => {
  test('--help lists every command; usage errors exit 2 with one message', () => {
    const help = spawnCli(project(), ['--help']);
    expect(help.status).toBe(0);
    for (const command of ['synth', 'check', 'env-example', 'render', 'run', 'seal', 'init']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.');

    const usage = spawnCli(project(), ['render', '--env-file', '.env']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe("error: required option '--env <env>' not specified\n(run with --help for usage)\n");
    expect(usage.stdout).toBe('');

    // Node 20 itself checks `--env-file FILE` anywhere on its command line; the bin keeps it away.
    const missing = spawnCli(project(), ['check', '--env', 'dev', '--env-file', 'missing.env']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^aragora-secrets: env file "missing.env" not found/);
  });

  describe('synth', () => {
    const dir = project();
    let first: ReturnType<typeof spawnCli>;
    beforeAll(() => {
      first = spawnCli(dir, ['synth']);
    });

    test('writes the same dist/ as cdk8s synth (the committed one), and says what changed', () => {
      expect(first.stderr).not.toMatch(STACK_LINE);
      expect(first.status).toBe(0);
      expect(readTree(join(dir, 'dist'))).toEqual(readTree(join(root, 'dist')));
      expect(first.stdout).toMatch(/^Wrote \d+ files to dist\/ \(0 changed, \d+ added, 0 removed, 0 unchanged\)/);
      expect(first.stdout).toContain('Review dist/<env>/SECRETS.md');
      // Progress on stderr, and the warnings synth prints.
      expect(first.stderr).toMatch(/aragora-secrets: synthesized 4 environment\(s\), \d+ files, from \(embedded default\)/);
      expect(first.stderr).toContain('warning: environment qa: 2 key(s) still need sealing');
    });

    test('a broken config leaves dist/ byte for byte as it was, and nothing beside it', () => {
      // GIVEN a synthesized dist/ and then a config with a typo
      const before = readTree(join(dir, 'dist'));
      const entries = listAll(dir);
      const bad = structuredClone(DEFAULT_CONFIG) as any;
      bad.environments.prod.delviery = bad.environments.prod.delivery;
      writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(bad));
      // WHEN synth runs
      const run = spawnCli(dir, ['synth']);
      // THEN one clear message, exit 1, and dist/ untouched (no staging folder left either)
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/environments\.prod\.delviery \(line \d+\): unknown key "delviery"\n\s+fix: did you mean "delivery"\?/);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(readTree(join(dir, 'dist'))).toEqual(before);
      expect(listAll(dir)).toEqual([...entries, 'aragora-secrets.yaml'].sort());
    });

    test('a value that would leak leaves dist/ as it was too', () => {
      const before = readTree(join(dir, 'dist'));
      const leaky = structuredClone(DEFAULT_CONFIG);
      leaky.secrets.STRIPE_SECRET_KEY.purpose = `Billing (test key ${'sk_' + 'test_' + rand(24).replace(/[-_]/g, 'b')})`;
      writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(leaky));
      const run = spawnCli(dir, ['synth']);
      expect(run.status).toBe(1);
      // The purpose holds a key: refused at its line of the config, before anything is synthesized.
      expect(run.stderr).toMatch(/Refusing to synthesize: aragora-secrets\.yaml holds something that looks like a credential/);
      expect(run.stderr).toMatch(/ {2}- aragora-secrets\.yaml:\d+: a Stripe secret key/);
      expect(readTree(join(dir, 'dist'))).toEqual(before);
    });
  });

  test('a named pipe given as an env file, certificate or --cert is refused at once, naming it and the rule', () => {
    // GIVEN named pipes nobody writes to (reading one would block forever), one of them the certificate of qa
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.delivery = { method: 'sealed', certificate: 'cert.pipe' };
    const dir = project({ 'conf.yaml': stringify(config) });
    for (const pipe of ['env.pipe', 'cert.pipe']) execFileSync('mkfifo', [join(dir, pipe)]);
    const hangGuard = { timeoutMs: 60_000 };
    // WHEN each is read
    const envFile = spawnCli(dir, ['check', '--env', 'dev', '--env-file', 'env.pipe'], {}, hangGuard);
    const certificate = spawnCli(dir, ['--config', 'conf.yaml', 'check'], {}, hangGuard);
    const cert = spawnCli(dir, ['seal', '--env', 'qa', '--cert', 'cert.pipe', '--from-literal', 'ANTHROPIC_API_KEY=x'], {}, hangGuard);
    // THEN one clear message each, exit 1
    expect(envFile.status).toBe(1);
    expect(envFile.stderr).toBe('aragora-secrets: env file "env.pipe" is a named pipe (FIFO), not a regular file: aragora-secrets reads only regular files: point --env-file at the dotenv file itself\n');
    expect(certificate.status).toBe(1);
    expect(certificate.stderr).toContain('Invalid config conf.yaml (1 problem):\n  - environments.qa.delivery.certificate: certificate file "cert.pipe" is a named pipe (FIFO), not a regular file');
    expect(cert.status).toBe(1);
    expect(cert.stderr).toBe('aragora-secrets: certificate file "cert.pipe" is a named pipe (FIFO), not a regular file: aragora-secrets reads only regular files: point it at the file itself\n');
  });

});

/*
 * The commands' behaviour, run in this process (runInProcess: the same program, the same stdout, stderr and
 * exit status as above); a spawn costs a Node start-up and a load of the whole program each time.
 */
describe('aragora-secrets commands', () => {
  describe('check', () => {
    test('the config alone: everything synth checks, nothing written', async () => {
      const dir = project();
      const run = await runInProcess(dir, ['check']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^ok config \(embedded default\): 9 secrets, 4 environments \(dev: plain, prod: vault, qa: sealed, staging: external\); synth and \d+ guard rails pass/);
      expect(listAll(dir)).toEqual([]);
    });

    test('a complete .env: exit 0, a table, no value printed', async () => {
      const dir = project({ '.env': dotenv({ ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY, OPENROUTER_API_KEY: values.OPENROUTER_API_KEY }) });
      const run = await runInProcess(dir, ['check', '--env', 'dev', '--env-file', '.env']);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.status).toBe(0);
      const table = run.stdout.split('\n');
      expect(table).toContainEqual(expect.stringMatching(/^KEY +STATUS HERE +WHY +PRESENT +VERDICT$/));
      expect(table).toContainEqual(expect.stringMatching(/^ANTHROPIC_API_KEY +one of llm-provider +at least one of group "llm-provider" is required +yes +ok$/));
      expect(table).toContainEqual(expect.stringMatching(/^OPENAI_API_KEY +one of llm-provider .* no +ok \(missing; another of llm-provider is set\)$/));
      expect(table).toContainEqual(expect.stringMatching(/^STRIPE_SECRET_KEY +not delivered +feature billing is disabled +no +ok \(not used here\)$/));
      expect(run.stdout).toContain('.env is complete for dev. Values are never printed.');
      expectNoValues(run.stdout + run.stderr);
      expect(run.stdout).not.toMatch(/\u001b\[/);
    });

    test('an incomplete .env: exit 1, each finding with why', async () => {
      const dir = project({ '.env.prod': dotenv({ OPENAI_API_KEY: 'sk-...', SUPABASE_KEY: '', STRIPE_SECRET_KEY: values.OPENAI_API_KEY }) });
      const run = await runInProcess(dir, ['check', '--env', 'prod', '--env-file', '.env.prod']);
      expect(run.status).toBe(1);
      const lines = run.stdout.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(/^ARAGORA_JWT_SECRET +required +required in production tier; prod is production +no +missing$/));
      expect(lines).toContainEqual(expect.stringMatching(/^OPENAI_API_KEY +one of llm-provider .* yes +placeholder: looks like an ellipsis/));
      expect(lines).toContainEqual(expect.stringMatching(/^ANTHROPIC_API_KEY +one of llm-provider .* no +missing: no member of llm-provider is set$/));
      expect(lines).toContainEqual(expect.stringMatching(/^SUPABASE_KEY +required .* empty +empty$/));
      expect(lines).toContainEqual(expect.stringMatching(/^STRIPE_SECRET_KEY +required .* yes +ok$/));
      expect(run.stdout).toContain('.env.prod: 6 finding(s) for prod, 1 warning(s).');
      expectNoValues(run.stdout + run.stderr);
    });

    test('an over-complete .env: unknown keys are findings (with did-you-mean), unused ones warnings', async () => {
      const dir = project({
        '.env': dotenv({ ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY, OPENAI_API_KY: values.OPENAI_API_KEY, SUPABASE_URL: 'https://db.example.org', STRIPE_SECRET_KEY: values.SUPABASE_KEY }),
      });
      const run = await runInProcess(dir, ['check', '--env', 'qa', '--env-file', '.env']);
      expect(run.status).toBe(1);
      const lines = run.stdout.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(/^OPENAI_API_KY +unknown +not in the catalog +yes +unknown: did you mean OPENAI_API_KEY\?$/));
      expect(lines).toContainEqual(expect.stringMatching(/^SUPABASE_URL +unknown .* ignored \(render leaves it out\)$/));
      expect(lines).toContainEqual(expect.stringMatching(/^STRIPE_SECRET_KEY +not delivered .* yes +set, but not delivered here \(feature billing is disabled\)$/));
      expect(run.stdout).toContain('.env: 1 finding(s) for qa, 3 warning(s).');
      expectNoValues(run.stdout + run.stderr);
    });
  });

  test('env-example prints the committed .env.example', async () => {
    const run = await runInProcess(project(), ['env-example']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync(join(root, '.env.example'), 'utf8'));
    expect(Object.values(parseDotenv(run.stdout)).every((v) => v === '')).toBe(true);
  });

  test('env-example runs the leak guard: a key pasted into a purpose is refused, named, and not printed', async () => {
    // GIVEN a purpose that holds a Stripe key (the committed .env.example would carry it)
    const key = 'sk_' + 'live_' + rand(24).replace(/[-_]/g, 'c');
    const config = structuredClone(DEFAULT_CONFIG);
    config.secrets.STRIPE_SECRET_KEY.purpose = `Billing; the old key was ${key}`;
    // WHEN env-example runs
    const run = await runInProcess(project({ 'aragora-secrets.yaml': stringify(config) }), ['env-example']);
    // THEN exit 1, nothing on stdout, the file and the kind named, the key nowhere
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('  - .env.example: something shaped like a Stripe secret key\n');
    expect(run.stderr).not.toContain(key);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  describe('render', () => {
    test('the Secret goes to stdout only: values right, nothing written to disk', async () => {
      // GIVEN a project with a .env and a value in the process environment
      const dir = project({ '.env': dotenv({ ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY, SUPABASE_KEY: values.SUPABASE_KEY }) });
      const before = listAll(dir);
      // WHEN rendered to a pipe
      const run = await runInProcess(dir, ['render', '--env', 'dev', '--env-file', '.env'], { env: { OPENROUTER_API_KEY: values.OPENROUTER_API_KEY } });
      // THEN the Secret holds exactly those values, and the folder has no new file
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.status).toBe(0);
      const secret = parse(run.stdout);
      expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'aragora-secrets', namespace: 'aragora-dev' } });
      const decoded = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      expect(decoded).toEqual({ ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY, OPENROUTER_API_KEY: values.OPENROUTER_API_KEY, SUPABASE_KEY: values.SUPABASE_KEY });
      expect(listAll(dir)).toEqual(before);
      expect(run.stderr).toBe(
        'aragora-secrets: rendered Secret aragora-dev/aragora-secrets with 3 key(s): ANTHROPIC_API_KEY, OPENROUTER_API_KEY, SUPABASE_KEY\n' +
          'aragora-secrets: apply it with `kubectl apply --server-side -f -`: a client-side `kubectl apply` keeps a copy of the values in the last-applied-configuration annotation\n',
      );
    });

    test('missing required keys: exit 1 with the list, nothing on stdout', async () => {
      const dir = project({ '.env': dotenv({ OPENROUTER_API_KEY: values.OPENROUTER_API_KEY }) });
      const run = await runInProcess(dir, ['render', '--env', 'prod', '--env-file', '.env']);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'aragora-secrets: environment prod delivers its secrets with "vault": the Vault Agent renders the values from Vault into the pod; there is no Kubernetes Secret to create; put the values into Vault (dist/prod/vault/put-values.sh)\n',
      );
      const missing = await runInProcess(dir, ['render', '--env', 'qa', '--env-file', '.env']);
      expect(missing.status).toBe(1);
      expect(missing.stdout).toBe('');
      expect(missing.stderr).toContain('environment qa needs values for: one of ANTHROPIC_API_KEY, OPENAI_API_KEY. Add them to the env file');
    });
  });

  test('init writes a config that loads and equals the embedded default; it refuses to overwrite without --force', async () => {
    const dir = project();
    const run = await runInProcess(dir, ['init']);
    expect(run.status).toBe(0);
    const text = readFileSync(join(dir, 'aragora-secrets.yaml'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+\/schema\/aragora-secrets\.schema\.json$/);
    const schemaPath = text.split('\n')[0].split('$schema=')[1];
    expect(JSON.parse(readFileSync(join(dir, schemaPath), 'utf8')).title).toBe('aragora-secrets configuration');
    expect(isDeepStrictEqual(parseConfigText(text, 'init'), validateConfig(DEFAULT_CONFIG, 'default'))).toBe(true);

    writeFileSync(join(dir, 'aragora-secrets.yaml'), text + '# my edit\n');
    const again = await runInProcess(dir, ['init']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('aragora-secrets: aragora-secrets.yaml already exists; pass --force to overwrite it (your changes in it would be lost)\n');
    expect(readFileSync(join(dir, 'aragora-secrets.yaml'), 'utf8')).toContain('# my edit');
    expect((await runInProcess(dir, ['init', '--force'])).status).toBe(0);
    expect(readFileSync(join(dir, 'aragora-secrets.yaml'), 'utf8')).toBe(text);
  });
});

describe('aragora-secrets, in process (terminals, help pages, edge cases)', () => {
  test.each(['synth', 'check', 'env-example', 'render', 'run', 'seal', 'init'])('%s --help exits 0 with usage, examples and the global --config', async (command) => {
    const run = await runInProcess(project(), [command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: aragora-secrets ${command} \\[options\\]`));
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toMatch(/\nGlobal Options:\n(.*\n)*  --config <file> /);
  });

  describe('parse errors name the option or command, never a value', () => {
    // A value that lost its option, or an option typo with the value glued on (made at run time).
    const value = 'sk-' + 'proj-' + rand(30);
    test.each([
      ['an option typo with KEY=VALUE', ['seal', '--env', 'qa', '--cert', 'c.pem', `--from-litteral=ANTHROPIC_API_KEY=${value}`], 2, "error: unknown option '--from-litteral'\n(Did you mean --from-literal?)\n(run with --help for usage)\n"],
      ['an option typo with =VALUE', ['render', '--env', 'dev', `--env-flie=${value}`], 2, "error: unknown option '--env-flie'\n(Did you mean --env-file?)\n(run with --help for usage)\n"],
      ['an unknown short option with its value glued on', ['check', `-x${value}`], 2, "error: unknown option '-x'\n(run with --help for usage)\n"],
      ['a value written as an option', ['check', `--${value}`], 2, 'error: unknown option (not shown: it is not shaped like an option name)\n(run with --help for usage)\n'],
      ['a value in place of the command', [value], 2, 'error: unknown command (the first argument, not shown); the commands are synth, check, env-example, render, run, seal, init\n(run with --help for usage)\n'],
      ['a typo of a command', ['synht'], 2, "error: unknown command 'synht'\n(Did you mean synth?)\n(run with --help for usage)\n"],
      ['a value that lost its option', ['check', '--env', 'dev', value], 2, "error: too many arguments for 'check'. Expected 0 arguments but got 1.\n(run with --help for usage)\n"],
      ['a value given to --env', ['check', '--env', value], 1, 'aragora-secrets: unknown environment (the value given is not shown: it is not shaped like a name) (environments: dev, prod, qa, staging)\n'],
    ])('%s', async (_case, args, status, stderr) => {
      const run = await runInProcess(project(), args as string[]);
      expect(run.status).toBe(status);
      expect(run.stderr).toBe(stderr);
      expect(run.stdout + run.stderr).not.toContain(value.slice(8, 20));
    });
  });

  test('render refuses a terminal (exit 2) unless --force', async () => {
    const dir = project({ '.env': dotenv({ ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY }) });
    const refused = await runInProcess(dir, ['render', '--env', 'dev', '--env-file', '.env'], { stdoutIsTTY: true });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('refusing to print secret values to a terminal');
    expect(refused.stderr).toContain('| kubectl apply --server-side -f -');
    expect(refused.stderr).not.toContain('| kubectl apply -f -');
    const forced = await runInProcess(dir, ['render', '--env', 'dev', '--env-file', '.env', '--force'], { stdoutIsTTY: true });
    expect(forced.status).toBe(0);
    expect(parse(forced.stdout).kind).toBe('Secret');
  });

  test('render --allow-missing renders what there is and says what is missing', async () => {
    const run = await runInProcess(project(), ['render', '--env', 'qa', '--allow-missing'], { env: { SUPABASE_KEY: values.SUPABASE_KEY } });
    expect(run.status).toBe(0);
    expect(Object.keys(parse(run.stdout).data)).toEqual(['SUPABASE_KEY']);
    expect(run.stderr).toContain('left out although required (--allow-missing): one of ANTHROPIC_API_KEY, OPENAI_API_KEY');
    expect(run.stderr).toContain('uses sealed delivery: seal it');
  });

  test('colors on a terminal only, never with NO_COLOR', async () => {
    const dir = project({ '.env': dotenv({ ANTHROPIC_API_KEY: 'changeme' }) });
    const args = ['check', '--env', 'dev', '--env-file', '.env'];
    const tty = await runInProcess(dir, args, { stdoutIsTTY: true, stderrIsTTY: true });
    expect(tty.status).toBe(1);
    expect(tty.stdout).toContain('\u001b[31mplaceholder: looks like a stand-in word\u001b[39m');
    const noColor = await runInProcess(dir, args, { stdoutIsTTY: true, stderrIsTTY: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout + noColor.stderr).not.toMatch(/\u001b\[/);
    const plain = (text: string) => text.replace(/\u001b\[\d+m/g, '').replace(/ +$/gm, '').replace(/\(\d+\.\d s\)/, '');
    expect(plain(noColor.stdout)).toBe(plain(tty.stdout));
  });

  test.each([
    [['check', '--env', 'stagign'], 1, 'aragora-secrets: unknown environment "stagign"; did you mean "staging"? (environments: dev, prod, qa, staging)\n'],
    [['check', '--env-file', '.env'], 2, 'aragora-secrets: --env-file needs --env: which environment\'s rules apply? (dev, prod, qa, staging)\n'],
    [['check', '--env', 'dev', '--env-file', 'missing.env'], 1, 'aragora-secrets: env file "missing.env" not found: create it from the example (aragora-secrets env-example > missing.env) and fill in the values\n'],
    [['--config', 'nope.yaml', 'env-example'], 1, expect.stringContaining('config file not found (from --config)')],
    [['env-example', '--env', 'production'], 1, expect.stringContaining('unknown environment "production"')],
    [['synth', '--bogus'], 2, "error: unknown option '--bogus'\n(run with --help for usage)\n"],
  ])('%j exits %i with one message', async (args, status, stderr) => {
    const run = await runInProcess(project(), args as string[]);
    expect(run.status).toBe(status);
    expect(run.stderr).toEqual(stderr);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  test('env-example --env: a value of .env in a purpose is refused too, whatever its shape', async () => {
    // GIVEN a shapeless JWT secret in .env that also ended up in a purpose
    const secret = require('node:crypto').randomBytes(24).toString('hex');
    const config = structuredClone(DEFAULT_CONFIG);
    config.secrets.ARAGORA_JWT_SECRET.purpose = `Signs sessions (${secret})`;
    const dir = project({ 'aragora-secrets.yaml': stringify(config), '.env': `ARAGORA_JWT_SECRET=${secret}\n` });
    // WHEN env-example runs for one environment
    const run = await runInProcess(dir, ['env-example', '--env', 'prod']);
    // THEN
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('  - .env.prod.example: the value of ARAGORA_JWT_SECRET from .env (plain)\n');
    expect(run.stderr).not.toContain(secret);
  });

  test('init --force replaces only a regular file, never a symbolic link (or what it points to)', async () => {
    const dir = project({ 'elsewhere/secrets.yaml': '# kept\n' });
    symlinkSync(join(dir, 'elsewhere', 'secrets.yaml'), join(dir, 'aragora-secrets.yaml'));
    const run = await runInProcess(dir, ['init', '--force']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('aragora-secrets: "aragora-secrets.yaml" is not a regular file (a symbolic link, device or pipe): init writes only a regular file; choose another --config\n');
    expect(lstatSync(join(dir, 'aragora-secrets.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'elsewhere', 'secrets.yaml'), 'utf8')).toBe('# kept\n');
  });

  test('synth --out into a file, or under one: one message, no stack trace', async () => {
    const dir = project({ 'taken': 'a file\n' });
    const onFile = await runInProcess(dir, ['synth', '--out', 'taken']);
    expect(onFile.status).toBe(1);
    expect(onFile.stderr).toBe('aragora-secrets: output "taken" exists and is not a folder: remove it or choose another --out\n');
    expect(onFile.stdout).toBe('');
    const under = await runInProcess(dir, ['synth', '--out', 'taken/dist']);
    expect(under.status).toBe(1);
    expect(under.stderr).toMatch(/(^|\n)aragora-secrets: cannot mkdir \S*taken: EEXIST\n$|(^|\n)aragora-secrets: cannot \w+ \S*taken\S*: ENOTDIR\n$/);
    expect(under.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('a file\n');
  });

  test('synth --config and --out: another config into another folder; a second run changes nothing', async () => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments = { dev: config.environments.dev };
    const dir = project({ 'infra/secrets.yaml': stringify(config) });
    const run = await runInProcess(dir, ['synth', '--config', 'infra/secrets.yaml', '--out', 'build/out']);
    expect(run.status).toBe(0);
    expect(Object.keys(readTree(join(dir, 'build/out'))).filter((p) => !p.startsWith('dev/'))).toEqual(['.aragora-secrets']);
    const second = await runInProcess(dir, ['--config', 'infra/secrets.yaml', 'synth', '--out', 'build/out']);
    expect(second.stdout).toMatch(/\(0 changed, 0 added, 0 removed, \d+ unchanged\)/);
    expect(listAll(join(dir, 'build'))).not.toContainEqual(expect.stringContaining('.synth-'));
  });
});
