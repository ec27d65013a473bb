#!/usr/bin/env node
// Runs a TypeScript entry point fast: `node scripts/app.cjs src/main.ts` (what cdk8s.yaml runs).
//
// Our sources are bundled once with esbuild (types stripped, not checked: `npm test` checks them),
// packages left external, and the bundle is cached under node_modules/.cache, keyed by the content
// of src/, imports/ and the lock file. Loading one prebuilt file avoids a TypeScript loader hook on
// every module resolution, which costs more than the whole synth.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const cacheDir = join(root, 'node_modules', '.cache', 'aragora-secrets');

function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? sources(full) : /\.(ts|json)$/.test(name) ? [full] : [];
    });
}

/** A hash of everything a bundle or a cached output depends on: our sources and the locked packages. */
function buildHash() {
  const hash = createHash('sha256');
  for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'imports')), join(root, 'package-lock.json')]) {
    if (existsSync(file)) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

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
  const bundle = join(cacheDir, `${relative(root, absolute).replace(/[^A-Za-z0-9]+/g, '-')}-${build}-${entryHash}.cjs`);
  if (!existsSync(bundle)) {
    const esbuild = require('esbuild');
    mkdirSync(cacheDir, { recursive: true });
    const result = esbuild.buildSync({
      entryPoints: [absolute],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
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
  return require(bundle);
}

module.exports = { loadBundled };

if (require.main === module) loadBundled(process.argv[2] ?? 'src/main.ts');
