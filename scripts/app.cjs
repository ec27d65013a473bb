#!/usr/bin/env node
// Runs a TypeScript cdk8s app fast: `node scripts/app.cjs src/main.ts` (what cdk8s.yaml runs).
//
// Our sources are bundled once with esbuild (types stripped, not checked: `npm test` checks them),
// packages left external, and the bundle is cached under node_modules/.cache keyed by the content of
// src/ and imports/. Loading one prebuilt file avoids a TypeScript loader hook on every module
// resolution, which costs more than the whole synth.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const entry = resolve(root, process.argv[2] ?? 'src/main.ts');
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

const hash = createHash('sha256');
for (const file of [entry, ...sources(join(root, 'src')), ...sources(join(root, 'imports'))]) {
  hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
}
const bundle = join(cacheDir, `${relative(root, entry).replace(/[^A-Za-z0-9]+/g, '-')}-${hash.digest('hex').slice(0, 16)}.cjs`);

if (!existsSync(bundle)) {
  const esbuild = require('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const temporary = `${bundle}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, bundle); // atomic: concurrent synths never load half a file
}

// The bundle lives in node_modules/.cache, so packages resolve from the project as usual.
require(bundle);
