import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/core/errors';
import { loadConfig } from '../src/config/load';
import { readUserFile, UnreadableFileError, type UserFileOptions } from '../src/config-kit/user-file';
import { readEnvFile } from '../src/config-kit/env-values';
import { readSealedFile } from '../src/delivery/sealed/sealed-file';
import { integration } from './support/tiers';

const dir = mkdtempSync(join(tmpdir(), 'aragora-user-file-'));
const options = { label: 'the test file', maxBytes: 1024 };

/** The message readUserFile refuses `path` with (fails the test when it reads it). */
function refusal(path: string, extra: Partial<UserFileOptions> = {}): string {
  try {
    readUserFile(path, { ...options, ...extra });
  } catch (e) {
    if (e instanceof UnreadableFileError) return e.message;
    throw e;
  }
  throw new Error(`${path} was read`);
}

describe('readUserFile: regular files only, within a size limit', () => {
  test('reads a regular file, and one reached through a symbolic link', () => {
    writeFileSync(join(dir, 'plain.yaml'), 'app: {}\n');
    symlinkSync(join(dir, 'plain.yaml'), join(dir, 'link.yaml'));
    expect(readUserFile(join(dir, 'plain.yaml'), options).toString()).toBe('app: {}\n');
    expect(readUserFile(join(dir, 'link.yaml'), options).toString()).toBe('app: {}\n');
  });

  integration.test('a named pipe is refused without waiting for a writer', () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(refusal(join(dir, 'pipe'))).toBe('the test file is a named pipe (FIFO), not a regular file: aragora-secrets reads only regular files: point it at the file itself');
  });

  test('a device is refused, also behind a symbolic link (it would be read until memory runs out)', () => {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    expect(refusal('/dev/zero')).toBe('the test file is a character device, not a regular file: aragora-secrets reads only regular files: point it at the file itself');
    expect(refusal(join(dir, 'zero.yaml'))).toContain('is a character device, not a regular file');
  });

  test('a folder, a missing file and a path through a file are clear', () => {
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'file'), '');
    expect(refusal(join(dir, 'folder'), { notAFileFix: 'name the file' })).toBe('the test file is a folder, not a regular file: aragora-secrets reads only regular files: name the file');
    expect(refusal(join(dir, 'missing'), { missingFix: 'create it' })).toBe('the test file not found: create it');
    expect(refusal(join(dir, 'file', 'below'))).toBe('the test file not found (a folder in its path is a file): check the path');
  });

  test('a file over the limit is refused by its size, before reading, and a sparse one too', () => {
    writeFileSync(join(dir, 'big'), Buffer.alloc(1025, 0x61));
    truncateSync(join(dir, 'big'), 64 * 1024 * 1024);
    expect(refusal(join(dir, 'big'))).toBe('the test file is over the 1024 bytes limit: is this the right file?');
    expect(refusal(join(dir, 'big'), { maxBytes: 16 * 1024 * 1024 })).toBe('the test file is over the 16 MiB limit: is this the right file?');
  });

  test('a file that reports no size (/proc) is read up to the limit only', () => {
    expect(readUserFile('/proc/self/status', { ...options, maxBytes: 64 * 1024 }).toString()).toMatch(/^Name:/);
    expect(refusal('/proc/self/status', { maxBytes: 16 })).toContain('is over the 16 bytes limit');
  });

  const root = process.getuid?.() === 0;
  (root ? test.skip : test)('a file that may not be read says so', () => {
    writeFileSync(join(dir, 'private'), 'x');
    chmodSync(join(dir, 'private'), 0o000);
    expect(refusal(join(dir, 'private'))).toBe('the test file cannot be read (permission denied): check its permissions');
  });
});

describe('every user file goes through it', () => {
  test('the config file: a device is a config error, not a hang or a crash', () => {
    let error: unknown;
    try {
      loadConfig({ path: '/dev/zero', cwd: dir, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'Invalid config /dev/zero (1 problem):\n  - (top level): the file is a character device, not a regular file\n    fix: aragora-secrets reads only regular files: point --config or $ARAGORA_SECRETS_CONFIG at the YAML file itself',
    );
  });

  test('--env-file and sealed/<env>.yaml', () => {
    expect(() => readEnvFile(dir, '/dev/zero')).toThrow('env file "/dev/zero" is a character device, not a regular file');
    const project = mkdtempSync(join(tmpdir(), 'aragora-user-file-sealed-'));
    mkdirSync(join(project, 'sealed'));
    symlinkSync('/dev/zero', join(project, 'sealed', 'qa.yaml'));
    // sealed/ is stricter than other inputs: a link is refused before what it points to is looked at
    expect(() => readSealedFile(project, 'qa')).toThrow('is a symbolic link, not a file: aragora-secrets reads and writes sealed values only in regular files');
  });
});
