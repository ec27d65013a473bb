import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors';
import { readUserFile } from '../config-kit/user-file';
import { MANIFEST_SUFFIX, MANIFESTS_FOLDER } from '../core/manifest-layout';
import type { OutputFile } from '../core/output-file';

/**
 * The file that marks a folder as aragora-secrets output. Every synth (ours and `cdk8s synth`) writes it,
 * and ours replaces only a folder that holds it, is empty, is absent, or is the output of a version
 * from before it (see `inspectContents`). It sits at the top of the output folder, beside the
 * environment folders, so `kubectl apply -k dist/<env>` never sees it.
 */
export const OUTPUT_MARKER = '.aragora-secrets';
export const OUTPUT_MARKER_TEXT = 'Written by aragora-secrets: every synth replaces this whole folder, so keep nothing else in it.\n';

/**
 * What no output folder may hold, at any depth: they belong to a project, never to synthesized output.
 * `sealed/` too, unless it is the output folder of an environment named `sealed` (it has a kustomization.yaml).
 */
const PROJECT_ENTRIES = new Set(['.git', 'aragora-secrets.yaml', 'node_modules', 'package.json']);
const SEALED_VALUES_FOLDER = 'sealed';
/** Every Kubernetes object we write carries it: what recognizes output written before the marker existed. */
const MANAGED_BY_LINE = /^\s+app\.kubernetes\.io\/managed-by: aragora-secrets$/m;

export interface OutputChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

export interface OutputFolderOptions {
  /** The folder as the user named it, for messages. @default - the resolved path */
  readonly display?: string;
  /**
   * Paths the output folder must neither be nor contain (the current folder, the config file): the
   * output folder is replaced as a whole, so each would be deleted with it.
   */
  readonly protectedPaths?: readonly ProtectedPath[];
  /** @internal Called after each step of the swap, so a test can end the process exactly there. */
  readonly afterStep?: (step: SwapStep) => void;
}

export interface ProtectedPath {
  readonly path: string;
  /** For messages: `the current folder`, `the config file aragora-secrets.yaml`. */
  readonly what: string;
}

export type SwapStep = 'staged' | 'journaled' | 'retired' | 'swapped';

/**
 * The names around an output folder `dist`, all beside it (same parent, so the same filesystem,
 * where a rename is atomic) and all matching `.*.synth-*` (gitignored):
 * `.dist.synth-XXXXXX` the new tree being written, `.dist.synth-XXXXXX.replaced` the old tree
 * between the two renames of the swap, `.dist.synth-journal` which of those the swap is moving,
 * `.dist.synth-lock` the pid of the synth that is writing.
 */
function sideNames(target: string) {
  const prefix = `.${basename(target)}.synth-`;
  const parent = dirname(target);
  return {
    parent,
    prefix,
    journal: join(parent, `${prefix}journal`),
    lock: join(parent, `${prefix}lock`),
    isStaging: (name: string) => name.startsWith(prefix) && /^[A-Za-z0-9]{6}(\.replaced)?$/.test(name.slice(prefix.length)),
  };
}

interface Journal {
  readonly staging: string;
  readonly retired?: string;
}

/**
 * An output folder opened for replacement: its location and contents are checked, other synths are
 * locked out, and what an interrupted synth left behind is repaired. `replace` then swaps in new
 * files; `release` must follow (in a `finally`).
 */
export class OutputFolder {
  /** What the repair of an interrupted synth did, for the user. */
  readonly notes: readonly string[];
  private previous: Map<string, PreviousFile>;
  private released = false;

  private constructor(
    private readonly target: string,
    private readonly options: OutputFolderOptions,
    notes: string[],
  ) {
    this.notes = notes;
    this.previous = inspectContents(target, this.display);
  }

  /**
   * Checks where the output folder is, takes the lock, repairs an interrupted swap, and checks what the
   * folder holds.
   *
   * @throws UserError when the folder must not be replaced, or another synth is writing it
   */
  static open(outdir: string, options: OutputFolderOptions = {}): OutputFolder {
    const target = resolve(outdir);
    const display = options.display ?? outdir;
    checkLocation(target, display, options.protectedPaths ?? []);
    const names = sideNames(target);
    mkdirSync(names.parent, { recursive: true });
    acquireLock(names.lock, display);
    try {
      const notes = repairInterruptedSwap(target, display);
      return new OutputFolder(target, options, notes);
    } catch (e) {
      rmSync(names.lock, { force: true });
      throw e;
    }
  }

  private get display(): string {
    return this.options.display ?? this.target;
  }

  /**
   * Replaces the folder with `files` (and the marker) as one step: they are written into a staging
   * folder beside it, and only when every file is written is the old folder swapped out. A failure
   * before the swap leaves the old folder exactly as it was. The swap is two renames (Node has no
   * atomic exchange); a journal names both trees first, so a synth killed between them is completed
   * by the next one (`repairInterruptedSwap`).
   */
  replace(files: readonly OutputFile[]): OutputChanges {
    const { target, options } = this;
    const step = options.afterStep ?? (() => undefined);
    for (const file of files) {
      const full = resolve(target, file.path);
      if (!full.startsWith(target + sep) || file.path === OUTPUT_MARKER) throw new Error(`output file "${file.path}" would land outside ${this.display} or replace its marker`);
    }
    const names = sideNames(target);
    const encoded = files.map((file) => ({ path: file.path, bytes: Buffer.from(file.content) }));
    const staging = mkdtempSync(join(names.parent, names.prefix));
    let changes: OutputChanges;
    try {
      // The marker first: a staging folder is recognizably ours from its first file on.
      writeFileSync(join(staging, OUTPUT_MARKER), OUTPUT_MARKER_TEXT);
      for (const file of encoded) {
        const full = join(staging, file.path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, file.bytes);
      }
      // While the old files are still where they were found.
      changes = compare(this.previous, encoded);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    step('staged');
    const hadTarget = existsSync(target);
    const retired = `${staging}.replaced`;
    writeJournal(names.journal, { staging: basename(staging), ...(hadTarget ? { retired: basename(retired) } : {}) });
    step('journaled');
    if (hadTarget) {
      renameSync(target, retired);
      step('retired');
      try {
        renameSync(staging, target);
      } catch (e) {
        renameSync(retired, target);
        rmSync(staging, { recursive: true, force: true });
        rmSync(names.journal, { force: true });
        throw e;
      }
    } else {
      renameSync(staging, target);
    }
    step('swapped');
    rmSync(retired, { recursive: true, force: true });
    rmSync(names.journal, { force: true });
    this.previous = new Map(encoded.map((f) => [f.path, { size: f.bytes.length, bytes: () => f.bytes }]));
    return changes;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(sideNames(this.target).lock, { force: true });
  }
}

/** One-call form of `OutputFolder`: open, replace, release. */
export function replaceOutputFolder(outdir: string, files: readonly OutputFile[], options: OutputFolderOptions = {}): OutputChanges {
  const folder = OutputFolder.open(outdir, options);
  try {
    return folder.replace(files);
  } finally {
    folder.release();
  }
}

/** The marker, as every writer of an output folder adds it. */
export function withOutputMarker(files: readonly OutputFile[]): OutputFile[] {
  return [{ path: OUTPUT_MARKER, content: OUTPUT_MARKER_TEXT }, ...files];
}

function refuse(display: string, why: string, fix: string): never {
  throw new UserError(`refusing to replace output folder "${display}": ${why}. synth replaces the whole folder; ${fix}`);
}

/**
 * The folder the output replaces must not be the current folder, a parent of it, or anything that holds
 * the config: whatever it holds goes. Compared by real path, so links cannot disguise them, and the output
 * folder itself must not be a link (a rename would swap the link, not the folder it names).
 */
function checkLocation(target: string, display: string, protectedPaths: readonly ProtectedPath[]): void {
  const stats = lstatOrUndefined(target);
  if (stats?.isSymbolicLink()) refuse(display, 'it is a symbolic link', 'point --out at a real folder, or remove the link');
  if (stats && !stats.isDirectory()) throw new UserError(`output "${display}" exists and is not a folder: remove it or choose another --out`);
  const real = realPath(target);
  for (const { path, what } of protectedPaths) {
    const protectedReal = realPath(resolve(path));
    if (protectedReal === real) refuse(display, `it is ${what}`, 'choose a folder of its own with --out, e.g. --out dist');
    if (isSameOrInside(protectedReal, real)) refuse(display, `it holds ${what}`, 'choose a folder of its own with --out, e.g. --out dist');
  }
}

/**
 * What the folder holds (path → content), when synth may replace it: absent, empty, marked as ours, or
 * laid out as output from before the marker (only folders at the top, each holding a manifest labelled
 * `app.kubernetes.io/managed-by: aragora-secrets`, in it or in its `manifests/`, and nothing but plain files below). Links, and what
 * belongs to a project (`.git`, `sealed/`, a config, `package.json`, `node_modules/`), are refused even
 * beside a marker.
 */
function inspectContents(target: string, display: string): Map<string, PreviousFile> {
  const tree = new Map<string, PreviousFile>();
  if (!existsSync(target)) return tree;
  const marker = lstatOrUndefined(join(target, OUTPUT_MARKER));
  // Any version's marker: the first words stay the same when its explanation changes.
  const marked = marker?.isFile() === true && readFileSync(join(target, OUTPUT_MARKER), 'utf8').startsWith(OUTPUT_MARKER_TEXT.split(':')[0]);
  const topFolders = new Map<string, boolean>();
  let topFiles = 0;
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(target, full).split(sep).join('/');
      const sealedValues = entry.name === SEALED_VALUES_FOLDER && entry.isDirectory() && !existsSync(join(full, 'kustomization.yaml'));
      if (PROJECT_ENTRIES.has(entry.name) || sealedValues) refuse(display, `it holds ${path}, which belongs to a project, not to synthesized output`, 'choose another --out');
      if (entry.isSymbolicLink()) refuse(display, `it holds a symbolic link, ${path}, and aragora-secrets never writes links`, 'remove the link or choose another --out');
      if (entry.isDirectory()) {
        if (depth === 0) topFolders.set(entry.name, false);
        walk(full, depth + 1);
      } else if (entry.isFile()) {
        if (depth === 0 && entry.name !== OUTPUT_MARKER) topFiles++;
        // A manifest of ours in an environment folder, or in its manifests/ (the layout since objects and files for people were split):
        // read only for a folder without the marker.
        const manifestDepth = depth === 1 || (depth === 2 && path.split('/')[1] === MANIFESTS_FOLDER);
        if (!marked && manifestDepth && entry.name.endsWith(MANIFEST_SUFFIX) && MANAGED_BY_LINE.test(readFileSync(full, 'utf8'))) topFolders.set(path.split('/')[0], true);
        if (path !== OUTPUT_MARKER) {
          const size = statSync(full).size;
          tree.set(path, { size, bytes: () => readOrUndefined(full, size) });
        }
      } else {
        refuse(display, `it holds ${path}, which is neither a file nor a folder`, 'choose another --out');
      }
    }
  };
  walk(target, 0);
  const empty = tree.size === 0 && topFolders.size === 0 && !marker;
  const earlierOutput = topFiles === 0 && topFolders.size > 0 && [...topFolders.values()].every(Boolean);
  if (!marked && !empty && !earlierOutput) {
    refuse(
      display,
      `it is not empty and was not written by aragora-secrets (no ${OUTPUT_MARKER} file in it)`,
      'move its files elsewhere or choose another --out',
    );
  }
  return tree;
}

/**
 * Finishes or undoes what a synth killed mid-swap left behind (see `sideNames`). With a journal: if the
 * output folder is missing, the new tree takes its place (it was complete: the journal is written only
 * then), or failing that the old one goes back. Staging folders without a journal were never complete and
 * are removed. Runs under the lock, so no live synth owns them.
 */
function repairInterruptedSwap(target: string, display: string): string[] {
  const names = sideNames(target);
  const notes: string[] = [];
  const journal = readJournal(names.journal, names.isStaging);
  if (journal && !existsSync(target)) {
    const staging = join(names.parent, journal.staging);
    const retired = journal.retired === undefined ? undefined : join(names.parent, journal.retired);
    if (isRealFolder(staging)) {
      renameSync(staging, target);
      notes.push(`an earlier synth was interrupted while swapping in ${display}/; finished it (its output was complete)`);
    } else if (retired && isRealFolder(retired)) {
      renameSync(retired, target);
      notes.push(`an earlier synth was interrupted while swapping in ${display}/; put the previous ${display}/ back`);
    }
  }
  for (const name of readdirSync(names.parent)) {
    const full = join(names.parent, name);
    if (names.isStaging(name) && isRealFolder(full)) rmSync(full, { recursive: true, force: true });
    else if (name.startsWith(`${names.prefix}journal`)) rmSync(full, { force: true });
  }
  return notes;
}

function writeJournal(file: string, journal: Journal): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(journal) + '\n');
  renameSync(temporary, file);
}

/** The journal, if it is one we wrote; names are checked so that an edited journal cannot point elsewhere. */
function readJournal(file: string, isStaging: (name: string) => boolean): Journal | undefined {
  if (!lstatOrUndefined(file)?.isFile()) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Journal>;
    if (typeof parsed.staging !== 'string' || !isStaging(parsed.staging) || parsed.staging.endsWith('.replaced')) return undefined;
    if (parsed.retired !== undefined && parsed.retired !== `${parsed.staging}.replaced`) return undefined;
    return { staging: parsed.staging, retired: parsed.retired };
  } catch {
    return undefined;
  }
}

/**
 * One synth at a time per output folder: the lock holds the writer's pid. A lock whose process is gone
 * (killed) is taken over.
 */
function acquireLock(lock: string, display: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new UserError(
        `another aragora-secrets synth (process ${pid}) is writing "${display}"; wait for it to finish, or delete ${join(dirname(display), basename(lock))} if no synth is running`,
      );
    }
    rmSync(lock, { force: true });
  }
  throw new UserError(`could not lock "${display}" for writing: another synth keeps taking it; try again`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A file of the folder as it was. Its bytes are read only to compare them with a new file of the same size,
 * and as bytes: decoding the megabytes a large catalog writes costs more than reading them.
 */
interface PreviousFile {
  readonly size: number;
  /** Undefined when it can no longer be read: then it counts as changed. */
  readonly bytes: () => Buffer | undefined;
}

/**
 * The file's bytes, if it is still a regular file of `size` bytes. It is read some time after the folder was
 * looked at: what has been put in its place since (a FIFO, which would block the read; a file that grows) is
 * refused by readUserFile and counts as changed.
 */
function readOrUndefined(path: string, size: number): Buffer | undefined {
  try {
    const bytes = readUserFile(path, { label: path, maxBytes: size });
    return bytes.length === size ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function compare(previous: ReadonlyMap<string, PreviousFile>, files: readonly { readonly path: string; readonly bytes: Buffer }[]): OutputChanges {
  const next = new Map(files.map((f) => [f.path, f.bytes]));
  const added: string[] = [];
  const changed: string[] = [];
  let unchanged = 0;
  for (const [path, bytes] of next) {
    const before = previous.get(path);
    if (before === undefined) added.push(path);
    else if (before.size !== bytes.length || before.bytes()?.equals(bytes) !== true) changed.push(path);
    else unchanged++;
  }
  const removed = [...previous.keys()].filter((path) => !next.has(path));
  const sorted = (list: string[]) => list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { added: sorted(added), changed: sorted(changed), removed: sorted(removed), unchanged };
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function isRealFolder(path: string): boolean {
  return lstatOrUndefined(path)?.isDirectory() === true;
}

/** The real path of `path`, through links, for the part of it that exists. */
function realPath(path: string): string {
  const missing: string[] = [];
  let existing = path;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    missing.unshift(basename(existing));
    existing = parent;
  }
  return join(realpathSync(existing), ...missing);
}

function isSameOrInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}
