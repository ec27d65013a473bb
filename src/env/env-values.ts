import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../config/errors';

/** Reads a dotenv file (`KEY=value` lines); values are kept in memory only. */
export function readEnvFile(cwd: string, path: string): Record<string, string> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) {
    throw new UserError(`env file "${path}" not found: create it from the example (aragora-secrets env-example > ${path}) and fill in the values`);
  }
  if (statSync(file).isDirectory()) throw new UserError(`env file "${path}" is a directory`);
  return parseDotenv(readFileSync(file));
}

/**
 * The values of `names`: the env file wins over the process environment (as with `seal`), so that
 * an explicit file is never overridden by a stale shell. Empty values count as absent.
 */
export function collectValues(names: readonly string[], fromFile: Readonly<Record<string, string>> | undefined, processEnv: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of [...names].sort()) {
    const value = fromFile?.[name] || processEnv[name];
    if (value) values.set(name, value);
  }
  return values;
}
