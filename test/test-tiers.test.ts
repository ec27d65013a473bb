import * as childProcess from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

// The test set-up itself (test/support/test-guards.mjs, tiers.ts, tools.ts): what decides which tests run where.

test('onPath finds an executable file in a PATH folder, and nothing else', () => {
  expect(onPath(basename(process.execPath), dirname(process.execPath))).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'aragora-path-'));
  writeFileSync(join(dir, 'plain-file'), 'echo no\n');
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'tool'), 0o755);
  mkdirSync(join(dir, 'folder'));
  expect(onPath('tool', ['', join(dir, 'missing'), dir].join(delimiter))).toBe(true);
  expect(['plain-file', 'folder', 'absent'].map((name) => onPath(name, dir))).toEqual([false, false, false]);
  expect(onPath('tool', '')).toBe(false);
});

(process.env.ARAGORA_TEST_TIER === 'unit' ? test : test.skip)('in the unit tier, starting a program fails the test and says how to tag it', () => {
  expect(() => childProcess.spawnSync(process.execPath, ['-e', '0'])).toThrow(/a unit test started another program \(child_process\.spawnSync .*\): tag it `integration\.test`/);
  expect(() => childProcess.execFileSync('true')).toThrow(/child_process\.execFileSync true/);
});

integration.test('in the integration tier, a tagged test starts programs', () => {
  expect(childProcess.spawnSync(process.execPath, ['-e', 'process.stdout.write("ran")'], { encoding: 'utf8' }).stdout).toBe('ran');
});
