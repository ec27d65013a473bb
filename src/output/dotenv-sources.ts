import { closeSync, constants, fstatSync, openSync, readdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../core/errors';
import { readOpenFile } from '../config-kit/user-file';

/**
 * The dotenv files of a project root, by the names people give them: `.env`, `.env.local`,
 * `.env.qa`, `.env-prod`, `.env_prod`, `prod.env`, and direnv's `.envrc`. Templates (`.env.example`) are included: a real
 * value pasted into one is still a value that must not reach the output.
 */
export const DOTENV_FILE_NAME = /^(?:\.env(?:[._-].+)?|\.envrc|[^/\\]+\.env)$/;

/** A dotenv file is a few kilobytes; anything larger is not one (and is not read whole into memory). */
export const MAX_DOTENV_BYTES = 16 * 1024 * 1024;

/** The dotenv file names in `cwd`, sorted; folders (a Python virtualenv named `.env`) and other non-files are not. */
export function dotenvFilesIn(cwd: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(cwd);
  } catch {
    return [];
  }
  return entries.filter((name) => DOTENV_FILE_NAME.test(name)).sort();
}

/**
 * Reads a dotenv file for the leak guard: regular files only (a FIFO or a device is never
 * opened for reading in a way that blocks), at most MAX_DOTENV_BYTES. Returns undefined for
 * something that is not a regular file or does not exist; refuses an oversized one, since its
 * values could not be guarded. Values stay in memory.
 */
export function readDotenvForGuard(cwd: string, path: string): Record<string, string> | undefined {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') return undefined;
    throw new UserError(`cannot read env file "${path}" (${code ?? 'error'}): the leak guard needs its values to check the output; fix its permissions or move it out of the project root`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const tooLarge = () =>
      new UserError(
        `env file "${path}" is over ${MAX_DOTENV_BYTES / 1024 / 1024} MiB, too large to be a dotenv file: the leak guard cannot check its values; move it out of the project root or rename it`,
      );
    if (stat.size > MAX_DOTENV_BYTES) throw tooLarge();
    return parseDotenv(readOpenFile(fd, MAX_DOTENV_BYTES, tooLarge));
  } finally {
    closeSync(fd);
  }
}
