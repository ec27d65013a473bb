import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { requireCurrentBuild, root } from './support/cli';
import { installOffline, npmEnv } from './support/packed-app';
import { integration } from './support/tiers';

/*
 * The package as its users get it: `npm pack`, installed offline (from the cache `npm ci` filled) into
 * a fresh app made like `cdk8s init typescript-app` and into an empty folder, then used as a library
 * (the first ```ts block of docs/library.md) and as a command line.
 */

// Made by the first hook: the unit tier, which runs none of these tests, leaves no folder behind.
let work: string;
let home: string;
let app: string;
let cliFolder: string;
let tarball = '';
let packedFiles: string[] = [];

/** Runs a command of an installed folder (npx resolves from its node_modules/.bin, offline). */
function run(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, [...args], { cwd, env: { ...npmEnv(home), ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The first ```ts block of docs/library.md: the complete program the page promises. */
function firstTsBlock(): string {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(root, 'docs', 'library.md'), 'utf8'))?.[1];
  if (!block) throw new Error('docs/library.md has no ```ts block');
  return block;
}

integration.describe('the packed tarball, installed as a user installs it', () => {
  beforeAll(async () => {
    // The tarball of what `npm test` has just built: `npm pack`'s own prepack would build it again.
    requireCurrentBuild();
    work = mkdtempSync(join(tmpdir(), 'aragora-package-'));
    [home, app, cliFolder] = [join(work, 'home'), join(work, 'app'), join(work, 'cli')];
    mkdirSync(home);
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, env: npmEnv(home), encoding: 'utf8' }));
    tarball = join(work, pack.filename);
    packedFiles = pack.files.map((f: { path: string }) => f.path).sort();
    // Both installs at once: each is mostly waiting on the disk.
    await Promise.all([
      installOffline(cliFolder, tarball, {}, home),
      // What `cdk8s init typescript-app` writes (CommonJS, ts-node, TypeScript) with this package's peers.
      installOffline(app, tarball, { dependencies: ['cdk8s', 'cdk8s-plus-27', 'constructs'], devDependencies: ['@types/node', 'ts-node', 'typescript'] }, home),
    ]);
  }, 600_000);

  // Two installs with aws-cdk-lib in each: about 470 MB a run.
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the tarball holds the compiled package, its bin, the JSON Schema, the README and the license: no tests, sources, keys, sealed values or output', () => {
    const unexpected = packedFiles.filter(
      (path) => !/^(bin\/aragora-secrets|lib\/(src|imports)\/.+\.(js|d\.ts)|schema\/aragora-secrets\.schema\.json|package\.json|README\.md|LICENSE)$/.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining(['bin/aragora-secrets', 'lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/cli/main.js', 'schema/aragora-secrets.schema.json', 'LICENSE']));
    expect(packedFiles.filter((path) => /^(test|sealed|dist|examples|plugins|src)\/|(^|\/)fixtures\/|\.key$|\.pem$|\.env$|tsbuildinfo|\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
  });

  test('the installed package runs without a TypeScript runner or bundler: neither is installed, nothing of lib/ requires one', () => {
    expect(['tsx', 'esbuild', 'ts-node', 'typescript'].filter((name) => existsSync(join(cliFolder, 'node_modules', name)))).toEqual([]);
    const installed = join(cliFolder, 'node_modules', 'aragora-secrets');
    const sources = readdirSync(join(installed, 'lib'), { recursive: true })
      .map(String)
      .filter((path) => path.endsWith('.js'))
      .map((path) => readFileSync(join(installed, 'lib', path), 'utf8'));
    sources.push(readFileSync(join(installed, 'bin', 'aragora-secrets'), 'utf8'));
    expect(sources.filter((text) => /require\(["'](tsx|esbuild|ts-node)[/"']/.test(text))).toEqual([]);
  });

  test("the package's declarations import aws-cdk-lib by module (aws-cdk-lib/core, aws-cdk-lib/aws-iam...), never its index", () => {
    // The index re-exports every AWS service: about 2,600 declaration files for the app's tsc to parse and check
    // (cdk8s init's tsconfig has no skipLibCheck), where the modules the constructs use reach about 900.
    const installed = join(cliFolder, 'node_modules', 'aragora-secrets');
    const declarations = readdirSync(join(installed, 'lib'), { recursive: true })
      .map(String)
      .filter((path) => path.endsWith('.d.ts'));
    expect(declarations.filter((path) => /['"]aws-cdk-lib['"]/.test(readFileSync(join(installed, 'lib', path), 'utf8')))).toEqual([]);
    expect(declarations.filter((path) => /from 'aws-cdk-lib\/core'/.test(readFileSync(join(installed, 'lib', path), 'utf8')))).not.toEqual([]);
  });

  test('the app has one copy of cdk8s and constructs: the package uses the app\'s own (peer dependencies)', () => {
    const fromPackage = (name: string) => require.resolve(`${name}/package.json`, { paths: [join(app, 'node_modules', 'aragora-secrets')] });
    for (const name of ['cdk8s', 'cdk8s-plus-27', 'constructs', 'aws-cdk-lib']) {
      expect(fromPackage(name)).toBe(join(app, 'node_modules', name, 'package.json'));
    }
  });

  test('the package exports its index and package.json only: a deep import into lib/ is refused, so internals can change', () => {
    // Node's own resolution, from the app (jest resolves modules its own way)
    const probe = `const r = (m) => { try { return require.resolve(m); } catch (e) { return e.code; } };
      console.log(JSON.stringify(['aragora-secrets', 'aragora-secrets/package.json', 'aragora-secrets/lib/src/synth'].map(r)));`;
    const result = spawnSync(process.execPath, ['-e', probe], { cwd: app, encoding: 'utf8' });
    const installed = join(app, 'node_modules', 'aragora-secrets');
    expect(JSON.parse(result.stdout)).toEqual([join(installed, 'lib', 'src', 'index.js'), join(installed, 'package.json'), 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
  });

  test("docs/library.md's first ```ts block type-checks with cdk8s init's tsconfig and synthesizes in the fresh app", async () => {
    // GIVEN the program of the page as the app's main.ts, and the tsconfig `cdk8s init typescript-app` writes,
    // changed only where the page tells the reader to (zod's declarations, which the config types reach, need
    // esModuleInterop: without it that tsconfig reports errors in node_modules/zod)
    writeFileSync(join(app, 'main.ts'), firstTsBlock());
    const tsconfig = JSON.parse(readFileSync(join(root, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app', 'tsconfig.json'), 'utf8'));
    if (readFileSync(join(root, 'docs', 'library.md'), 'utf8').includes('"esModuleInterop": true')) tsconfig.compilerOptions.esModuleInterop = true;
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

    // WHEN it compiles as the app's `npm run compile` does (tsc --build: type check, then main.js), and runs
    // as `cdk8s synth` runs it (cdk8s init's cdk8s.yaml: ts-node main.ts; the type check is already done)
    const compile = await run(app, 'npx', ['tsc', '--build']);
    expect({ status: compile.status, errors: compile.stdout + compile.stderr }).toEqual({ status: 0, errors: '' });
    const synth = await run(app, process.execPath, ['main.js'], { CDK8S_OUTDIR: 'dist' });
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });

    // THEN the manifest holds the page's Secret and a Deployment whose container reads it
    const objects = readdirSync(join(app, 'dist')).flatMap((file) => parseAllDocuments(readFileSync(join(app, 'dist', file), 'utf8')).map((d) => d.toJSON()));
    const kinds = objects.map((o) => o.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds.some((kind) => kind === 'SealedSecret' || kind === 'ExternalSecret')).toBe(true);
    const written = objects.flatMap((o) =>
      o.kind === 'ExternalSecret' ? [o.spec.target?.name ?? o.metadata.name] : o.kind === 'SealedSecret' ? [o.spec.template?.metadata?.name ?? o.metadata.name] : [],
    );
    const containers = JSON.stringify(objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers);
    const read = [...containers.matchAll(/"(?:secretKeyRef|secretRef)":\{[^{}]*?"name":"([^"]+)"/g)].map((m) => m[1]);
    expect(read.filter((name) => written.includes(name))).not.toEqual([]);
  }, 300_000);

  test('npx aragora-secrets init, check and synth work in an empty folder where only the tarball is installed', async () => {
    const results: { command: string; status: number; stderr: string }[] = [];
    for (const command of ['init', 'check', 'synth']) {
      const result = await run(cliFolder, 'npx', ['--offline', 'aragora-secrets', command]);
      results.push({ command, status: result.status, stderr: result.status === 0 ? '' : result.stderr });
    }
    expect(results).toEqual(['init', 'check', 'synth'].map((command) => ({ command, status: 0, stderr: '' })));
    // The config points editors at the schema shipped in the package, which is there.
    const schema = /\$schema=(\S+)/.exec(readFileSync(join(cliFolder, 'aragora-secrets.yaml'), 'utf8'))?.[1];
    expect(schema).toBe('./node_modules/aragora-secrets/schema/aragora-secrets.schema.json');
    expect(existsSync(join(cliFolder, schema!))).toBe(true);
    expect(readdirSync(join(cliFolder, 'dist')).sort()).toEqual(expect.arrayContaining(['dev', 'prod', 'qa', 'staging']));
  }, 300_000);

  test('publint and arethetypeswrong find no problem in the tarball', async () => {
    const bin = join(root, 'node_modules', '.bin');
    const publint = await run(root, join(bin, 'publint'), ['--strict', tarball]);
    expect({ status: publint.status, output: publint.status === 0 ? '' : publint.stdout + publint.stderr }).toEqual({ status: 0, output: '' });
    const attw = await run(root, join(bin, 'attw'), ['--format', 'ascii', tarball]);
    expect({ status: attw.status, output: attw.status === 0 ? '' : attw.stdout + attw.stderr }).toEqual({ status: 0, output: '' });
  });
});
