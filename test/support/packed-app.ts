import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, relative, sep } from 'node:path';
import { root } from './cli';

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [field: string]: unknown;
}

const ownLock = (): Record<string, LockEntry> => JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
const ownPackage = () => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Where node would find `name` required from the package at `from` (a lock path; '' is the project). */
function locate(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let at = from; ; ) {
    const candidate = at === '' ? `node_modules/${name}` : `${at}/node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (at === '') return undefined;
    const cut = at.lastIndexOf('node_modules/');
    at = cut <= 0 ? '' : at.slice(0, cut - 1);
  }
}

/**
 * A package-lock.json for an app depending on `dependencies` (each at the version this repository
 * locks) and on the packed tarball `tarball` (as `file:<path>`): the entries of this
 * repository's lock that those packages reach, at the same places. `npm ci --offline` then installs
 * it from the cache this repository's `npm ci` filled: npm needs no registry metadata for a locked
 * tarball, which a plain `npm install --offline` of version ranges would.
 */
function lockFor(app: { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> }, tarball: string): object {
  const lock = ownLock();
  const own = ownPackage();
  const packed: LockEntry = {
    version: own.version,
    resolved: app.dependencies[own.name],
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    license: own.license,
    dependencies: own.dependencies,
    peerDependencies: own.peerDependencies,
    bin: own.bin,
    engines: own.engines,
  };
  const chosen: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean) => {
    const path = locate(lock, from, name);
    if (path === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the app'}) is not in package-lock.json: the packed app installs only what this repository locks`);
    }
    if (chosen[path]) return;
    const entry = lock[path];
    chosen[path] = Object.fromEntries(Object.entries(entry).filter(([field]) => !['dev', 'devOptional', 'peer'].includes(field))) as LockEntry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(path, dependency, false);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(path, dependency, true);
    for (const dependency of Object.keys(entry.peerDependencies ?? {})) visit(path, dependency, entry.peerDependenciesMeta?.[dependency]?.optional === true);
  };
  for (const name of [...Object.keys(app.dependencies), ...Object.keys(app.devDependencies)]) {
    if (name !== own.name) visit('', name, false);
  }
  for (const name of [...Object.keys(own.dependencies), ...Object.keys(own.peerDependencies)]) visit('', name, false);
  return {
    name: app.name,
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: app.name, version: '1.0.0', dependencies: app.dependencies, devDependencies: app.devDependencies },
      [`node_modules/${own.name}`]: packed,
      ...Object.fromEntries(Object.entries(chosen).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
  };
}

/** The version of `name` this repository locks. */
export function lockedVersion(name: string): string {
  const version = ownLock()[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/** The environment of an npm run in a test: this node first, the shared cache, no network, no notices. */
export function npmEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
    HOME: home,
    npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    CDK8S_CHECK_UPGRADE: 'false',
  };
}

/**
 * Makes `dir` an npm project with the packed tarball and `dependencies`, `devDependencies` (at the
 * versions this repository locks) and installs it offline with `npm ci`, from the cache `npm ci` filled here.
 */
export async function installOffline(
  dir: string,
  tarball: string,
  app: { dependencies?: readonly string[]; devDependencies?: readonly string[]; extra?: Record<string, unknown> },
  home: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const name = `packed-${basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  const versions = (names: readonly string[] = []) => Object.fromEntries(names.map((n) => [n, `^${lockedVersion(n)}`]));
  const dependencies = { [ownPackage().name]: `file:${relative(dir, tarball).split(sep).join('/')}`, ...versions(app.dependencies) };
  // The overrides that shaped this repository's lock shape the app's too (cdk8s-plus-27's unused optional `backport`).
  const manifest = { name, version: '1.0.0', private: true, ...app.extra, dependencies, devDependencies: versions(app.devDependencies), overrides: ownPackage().overrides };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lockFor(manifest, tarball), null, 2)}\n`);
  await new Promise<void>((done, fail) => {
    execFile('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: dir, env: npmEnv(home), encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) fail(new Error(`npm ci --offline in ${dir} failed:\n${stderr.split('\n').slice(0, 12).join('\n')}`));
      else done();
    });
  });
}
