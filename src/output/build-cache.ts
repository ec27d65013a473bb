import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Memoizes a pure, JSON-serializable computation across runs, keyed by the build (our sources and
 * the locked packages, hashed by scripts/app.cjs) and `inputs`. Only used for results that depend on
 * nothing else and hold no secret value (aws-cdk-lib's region table, the AWS templates): loading
 * aws-cdk-lib costs more than the rest of a synth. Outside the bundled runner (tests, tsx) it
 * simply computes.
 */
export function cachedByBuild<T>(name: string, inputs: string, compute: () => T): T {
  const build = process.env.ARAGORA_SECRETS_BUILD;
  const cacheDir = process.env.ARAGORA_SECRETS_CACHE;
  if (!build || !cacheDir) return compute();
  const key = createHash('sha256').update(build).update('\0').update(name).update('\0').update(inputs).digest('hex').slice(0, 24);
  const file = join(cacheDir, `${name}-${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const result = compute();
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(result));
  renameSync(temporary, file); // concurrent runs never read half a file
  return result;
}
