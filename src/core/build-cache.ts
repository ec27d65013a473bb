import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Results computed in this run, not yet on disk: they wait for the leak guard (see `saveBuildCache`). */
const unsaved = new Map<string, string>();

/**
 * Memoizes a pure, JSON-serializable computation across runs, keyed by the build (our sources and
 * the locked packages, hashed by scripts/app.cjs) and `inputs`. Only used for results that depend on
 * nothing else and hold no secret value (aws-cdk-lib's region table, the AWS templates): loading
 * aws-cdk-lib costs more than the rest of a synth. Outside the bundled runner (tests, tsx) it
 * simply computes.
 *
 * A new result stays in memory until `saveBuildCache`: it is derived from the config, and a value the
 * leak guard refuses must not reach the disk (nor a CI cache of node_modules) through it.
 */
export function cachedByBuild<T>(name: string, inputs: string, compute: () => T): T {
  const build = process.env.ARAGORA_SECRETS_BUILD;
  const cacheDir = process.env.ARAGORA_SECRETS_CACHE;
  if (!build || !cacheDir) return compute();
  const key = createHash('sha256').update(build).update('\0').update(name).update('\0').update(inputs).digest('hex').slice(0, 24);
  const file = join(cacheDir, `${name}-${key}.json`);
  const pending = unsaved.get(file);
  if (pending !== undefined) return JSON.parse(pending) as T;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const result = compute();
  unsaved.set(file, JSON.stringify(result));
  return result;
}

/** Writes the results `cachedByBuild` computed in this run. Call it only once the output has passed the leak guard. */
export function saveBuildCache(): void {
  for (const [file, contents] of unsaved) {
    mkdirSync(join(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, file); // concurrent runs never read half a file
  }
  unsaved.clear();
}
