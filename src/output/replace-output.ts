import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../config/errors';
import type { OutputFile } from './output-file';

export interface OutputChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

/**
 * Replaces the output folder with `files` as one step: they are written into a temporary folder
 * beside it (same parent, so the same filesystem, where a rename is atomic), and only when every
 * file is written is the old folder swapped out. A failure before the swap leaves the old folder
 * exactly as it was; nothing is ever half-written.
 *
 * Between the two renames of the swap the folder is briefly absent (Node has no atomic exchange);
 * if the second rename fails, the old folder is put back.
 */
export function replaceOutputFolder(outdir: string, files: readonly OutputFile[]): OutputChanges {
  const target = resolve(outdir);
  const parent = dirname(target);
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new UserError(`output "${outdir}" exists and is not a folder: remove it or choose another --out`);
  }
  for (const file of files) {
    const full = resolve(target, file.path);
    if (!full.startsWith(target + sep)) throw new Error(`output file "${file.path}" would land outside ${outdir}`);
  }
  const previous = existsSync(target) ? readTree(target) : new Map<string, string>();
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(target)}.synth-`));
  try {
    for (const file of files) {
      const full = join(staging, file.path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, file.content);
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(target)) {
    const retired = `${staging}.replaced`;
    renameSync(target, retired);
    try {
      renameSync(staging, target);
    } catch (e) {
      renameSync(retired, target);
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    rmSync(retired, { recursive: true, force: true });
  } else {
    renameSync(staging, target);
  }
  return compare(previous, files);
}

function compare(previous: ReadonlyMap<string, string>, files: readonly OutputFile[]): OutputChanges {
  const next = new Map(files.map((f) => [f.path, f.content]));
  const added: string[] = [];
  const changed: string[] = [];
  let unchanged = 0;
  for (const [path, content] of next) {
    const before = previous.get(path);
    if (before === undefined) added.push(path);
    else if (before !== content) changed.push(path);
    else unchanged++;
  }
  const removed = [...previous.keys()].filter((path) => !next.has(path));
  const sorted = (list: string[]) => list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { added: sorted(added), changed: sorted(changed), removed: sorted(removed), unchanged };
}

function readTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.set(relative(root, full).split(sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return out;
}
