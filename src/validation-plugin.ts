import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { posix, relative, resolve, sep } from 'node:path';
import { loadConfig } from './config/load';
import { ConfigError, UserError } from './core/errors';
import type { OutputFile } from './core/output-file';
import { resolvePlan } from './app/resolve-plan';
import { runChecks } from './checks/engine';
import { parseTree } from './checks/objects';
import { factsOf, RULES } from './app/rule-set';
import type { EnvironmentFacts, Finding, Rule } from './checks/types';

export interface WrittenOutputCheck {
  readonly findings: Finding[];
  readonly rules: readonly Rule[];
  readonly files: number;
  /** Why the config facts are missing, when they are (the rules then ran over the objects alone). */
  readonly note?: string;
}

/**
 * The checks over what `cdk8s synth` wrote (the cdk8s validation plugin): the same rules as synth,
 * over every file of the output folder, with the facts of the project's config that synth had
 * (found the way the app finds it: `$ARAGORA_SECRETS_CONFIG`, `aragora-secrets.yaml`, the embedded default).
 */
export function checkWrittenOutput(manifests: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; only?: readonly string[] }): WrittenOutputCheck {
  const rules = options.only ? RULES.filter((r) => options.only!.includes(r.id)) : RULES;
  const files = readOutput(manifests, options.cwd);
  let facts: EnvironmentFacts[] | undefined;
  let note: string | undefined;
  try {
    facts = factsOf(resolvePlan(loadConfig({ cwd: options.cwd, env: options.env }).config));
  } catch (e) {
    if (!(e instanceof UserError || e instanceof ConfigError)) throw e;
    note = `the config could not be read, so the rules ran over the objects alone: ${e.message.split('\n')[0]}`;
  }
  return { findings: runChecks(rules, { tree: parseTree(files), facts }), rules, files: files.length, note };
}

/**
 * The files of the output folder: the folder holding every manifest, read whole (the policies,
 * templates and scripts beside the manifests are checked too), with paths written the way cdk8s
 * passed the manifests. Only the manifests when that folder would be the project itself.
 */
function readOutput(manifests: readonly string[], cwd: string): OutputFile[] {
  const read = (path: string) => ({ path, content: readFileSync(resolve(cwd, path), 'utf8') });
  const root = commonFolder(manifests);
  const absolute = resolve(cwd, root);
  const fromCwd = relative(absolute, cwd);
  if (manifests.length === 0 || fromCwd === '' || !fromCwd.startsWith('..')) return manifests.map(read);
  return listFiles(absolute).map((file) => read(posix.join(root, relative(absolute, file).split(sep).join('/'))));
}

function commonFolder(paths: readonly string[]): string {
  const split = paths.map((p) => p.replace(/\\/g, '/').split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; split.length > 0 && split.every((s) => i < s.length && s[i] === split[0][i]); i++) common.push(split[0][i]);
  return common.length === 1 && common[0] === '' ? '/' : common.join('/') || '.';
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = resolve(dir, name);
      const stat = lstatSync(full);
      return stat.isDirectory() ? listFiles(full) : stat.isFile() ? [full] : [];
    });
}
