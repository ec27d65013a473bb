import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Results computed in this run, not yet on disk: they wait for the leak guard (see `saveBuildCache`). */
const unsaved = new Map<string, { readonly name: string; readonly generation: string; readonly contents: string }>();

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
  const generation = generationOf(build);
  const file = join(cacheDir, `${name}-${generation}-${key}.json`);
  const pending = unsaved.get(file);
  if (pending !== undefined) return JSON.parse(pending.contents) as T;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const result = compute();
  unsaved.set(file, { name, generation, contents: JSON.stringify(result) });
  return result;
}

/** The part of a cache file's name that says which build made it: a build's results are of no use to the next. */
function generationOf(build: string): string {
  return createHash('sha256').update(build).digest('hex').slice(0, 12);
}

/**
 * Writes the results `cachedByBuild` computed in this run, and removes those of other builds under the same
 * names (every edit to src/ makes a new build, and each AWS result takes some 70 KB). Call it only once the
 * output has passed the leak guard.
 */
export function saveBuildCache(): void {
  for (const [file, { name, generation, contents }] of unsaved) {
    const folder = join(file, '..');
    mkdirSync(folder, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, file); // concurrent runs never read half a file
    removeOtherGenerations(folder, name, generation);
  }
  unsaved.clear();
}

/** Removes `name`'s results made by other builds, in this layout and in the one before it (no generation in the name). */
function removeOtherGenerations(folder: string, name: string, generation: string): void {
  const escaped = name.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`);
  const ours = new RegExp(`^${escaped}-(?:([0-9a-f]{12})-)?[0-9a-f]{24}\\.json$`);
  for (const entry of readdirSync(folder)) {
    const match = ours.exec(entry);
    if (match && match[1] !== generation) rmSync(join(folder, entry), { force: true });
  }
}
