#!/usr/bin/env node
// `npm test`: builds lib/ and type checks (one `tsc --build` of both projects) while the unit tier of jest runs.
// The unit tier runs the TypeScript sources in process and never reads lib/ (it refuses to start a program, the
// CLI included), so neither has to wait for the other: after an edit to src/, the type check (some 10 s) overlaps
// the tests instead of coming first. Arguments go to jest (`npm test -- test/seal.test.ts`). The run fails when
// either fails; tsc's report is printed after jest's.
import { spawn } from 'node:child_process';
import { closeSync, openSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function finished(child) {
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, error }));
    // 'close', not 'exit': the output of a child is all read by then
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
}

const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '--build', 'tsconfig.build.json', 'tsconfig.json'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let typeReport = '';
tsc.stdout.on('data', (chunk) => (typeReport += chunk));
tsc.stderr.on('data', (chunk) => (typeReport += chunk));

const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ARAGORA_TEST_TIER: 'unit' },
});

// Ctrl-C reaches both through the terminal; a signal sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    tsc.kill(signal);
    jest.kill(signal);
  });
}

const [types, tests] = await Promise.all([finished(tsc), finished(jest)]);
if (types.code === 0) {
  // bin/aragora-secrets compares lib/'s build time with the sources' (see bin/aragora-secrets)
  const stamp = join(root, 'lib', 'build.tsbuildinfo');
  closeSync(openSync(stamp, 'a'));
  const now = new Date();
  utimesSync(stamp, now, now);
} else {
  process.stderr.write(`\nnpm test: the build and type check (tsc --build tsconfig.build.json tsconfig.json) failed:\n${typeReport || types.error || ''}\n`);
}
process.exitCode = types.code !== 0 ? types.code : tests.code;
