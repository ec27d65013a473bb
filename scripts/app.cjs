#!/usr/bin/env node
// Runs a TypeScript entry point fast: `node scripts/app.cjs src/main.ts` (what cdk8s.yaml runs).
//
// Our sources are bundled once with esbuild (types stripped, not checked: `npm test` checks them), with
// the small libraries only they use (the construct libraries stay packages), and the bundle is cached
// under node_modules/.cache, keyed by the content of src/, imports/ and the lock file. Loading one
// prebuilt file avoids a TypeScript loader hook on every module resolution, which costs more than the
// whole synth. The bundle and the packages it loads are
// compiled with V8's code cache (useCodeCache), kept beside the bundle.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const cacheDir = join(root, 'node_modules', '.cache', 'aragora-secrets');

/** The .ts and .json files under `dir`, in a stable order, each with its stat. */
function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return sources(full);
      return /\.(ts|json)$/.test(entry.name) ? [{ file: full, stat: statSync(full) }] : [];
    });
}

/**
 * A hash of everything a bundle or a cached output depends on: our sources, the locked packages, and this
 * file (how it bundles). Hashing their content costs a synth some 15 ms, so the hash is kept with the stat of
 * every file it read (size, modification and change times, inode) and recomputed only when one differs: any
 * write changes a file's change time, which no tool sets back.
 */
function buildHash() {
  const inputs = [...sources(join(root, 'src')), ...sources(join(root, 'imports'))];
  for (const file of [join(root, 'package-lock.json'), __filename]) if (existsSync(file)) inputs.push({ file, stat: statSync(file) });
  const stamp = inputs.map(({ file, stat }) => `${relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}`).join('\n');
  const memo = join(cacheDir, 'build-hash.json');
  try {
    const saved = JSON.parse(readFileSync(memo, 'utf8'));
    if (saved.stamp === stamp && typeof saved.hash === 'string') return saved.hash;
  } catch {
    // none yet, or unreadable: hash the content
  }
  const hash = createHash('sha256');
  for (const { file } of inputs) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  const digest = hash.digest('hex').slice(0, 16);
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeAtomically(memo, JSON.stringify({ stamp, hash: digest }));
  } catch {
    // a read-only cache folder only costs the next run the hashing
  }
  return digest;
}

/** The packages left out of the bundle (with their subpaths). */
const EXTERNAL_PACKAGES = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'aws-cdk-lib', 'cdk-nag', '@secretlint/*', 'esbuild'].flatMap((name) =>
  name.endsWith('/*') ? [name] : [name, `${name}/*`],
);

function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file); // concurrent runs never read half a file
}

/** Requires `entry` (a TypeScript file of this project) from its cached bundle, building it when missing. */
function loadBundled(entry) {
  const absolute = resolve(root, entry);
  const build = buildHash();
  const entryHash = createHash('sha256').update(readFileSync(absolute)).digest('hex').slice(0, 8);
  const name = relative(root, absolute).replace(/[^A-Za-z0-9]+/g, '-');
  const bundle = join(cacheDir, `${name}-${build}-${entryHash}.cjs`);
  if (!existsSync(bundle)) {
    removeOlderBundles(name);
    const esbuild = require('esbuild');
    mkdirSync(cacheDir, { recursive: true });
    const result = esbuild.buildSync({
      entryPoints: [absolute],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // The construct libraries stay packages of their own: cdk8s and aws-cdk-lib must be the very instances the
      // other packages load (constructs, Lazy, tokens), and secretlint is loaded by its worker from its files.
      // The small libraries only this code uses are bundled in: a package of some hundred files costs a synth
      // twice its code to load from node_modules (zod 49 ms, yaml 33 ms; bundled, 23 and 16 ms).
      external: EXTERNAL_PACKAGES,
      write: false,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    writeAtomically(bundle, result.outputFiles[0].contents);
  }
  // Outputs that depend only on the plan and this build (the AWS templates) may be cached under it.
  process.env.ARAGORA_SECRETS_BUILD ??= build;
  process.env.ARAGORA_SECRETS_CACHE ??= cacheDir;
  // The bundle lives in node_modules/.cache, so packages resolve from the project as usual.
  useCodeCache(`${bundle}.${process.version}-${process.arch}.v8cache`);
  return require(bundle);
}

/**
 * Removes the bundles of `name` made from other sources, with their code caches: a checkout has one state of
 * its sources, and each bundle with its cache takes some 6 MB. A run still using one has read it already.
 */
function removeOlderBundles(name) {
  if (!existsSync(cacheDir)) return;
  const own = new RegExp(`^${name}-[0-9a-f]{16}-[0-9a-f]{8}\\.cjs(?:\\..+\\.v8cache)?$`);
  for (const file of readdirSync(cacheDir)) {
    if (own.test(file)) rmSync(join(cacheDir, file), { force: true });
  }
}

/**
 * Compiles the bundle and the packages it loads with V8's code cache, kept in `cacheFile`: compiling them
 * costs a fifth of a synth, and the functions a synth calls are compiled again on every run. The cache is
 * written at exit when a module had none (the first run, or after `npm ci`), and then holds the functions
 * that run compiled too; and when entries went unused, without them. An entry is used only for the same
 * file, size and modification time; V8 also refuses data made by another version or for other source.
 */
function useCodeCache(cacheFile) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const v8 = require('node:v8');
  const modules = join(root, 'node_modules');
  let cached = new Map();
  try {
    if (existsSync(cacheFile)) cached = v8.deserialize(readFileSync(cacheFile));
  } catch {
    cached = new Map(); // unreadable: compile as usual and write it again
  }
  const used = new Map();
  const compiled = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.startsWith(modules) || !filename.endsWith('.js') && !filename.endsWith('.cjs')) return compile.call(this, content, filename);
    const key = `${content.length}:${statSync(filename).mtimeMs}`;
    const entry = cached.get(filename);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: entry && entry.key === key ? entry.data : undefined,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (entry && entry.key === key && !script.cachedDataRejected) used.set(filename, entry);
    else compiled.push({ filename, key, script });
    const module = this;
    const localRequire = (id) => module.require(id);
    localRequire.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    localRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    localRequire.main = process.mainModule;
    localRequire.cache = Module._cache;
    localRequire.extensions = Module._extensions;
    return script.runInThisContext({ displayErrors: true }).call(module.exports, module.exports, localRequire, module, filename, dirname(filename));
  };
  process.once('exit', () => {
    // Written again when a module had no entry, and when entries went unused: the first synth after `npm ci`
    // also loads aws-cdk-lib (for the AWS results it caches), whose entries would otherwise make every later
    // run read a file four times the size.
    if (compiled.length === 0 && used.size === cached.size) return;
    try {
      for (const { filename, key, script } of compiled) used.set(filename, { key, data: script.createCachedData() });
      writeAtomically(cacheFile, v8.serialize(used));
    } catch {
      // A read-only cache folder only costs the next run its compiling.
    }
  });
}

module.exports = { loadBundled };

if (require.main === module) loadBundled(process.argv[2] ?? 'src/main.ts');
