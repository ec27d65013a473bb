import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatPath, UserError } from '../../core/errors';
import { DNS1123_LABEL, ENV_VAR_NAME } from '../../core/names';
import { SEAL_SCOPES } from './schema';
import { readOpenFile } from '../../config-kit/user-file';
import type { SealedValue } from './sealed-entry';
import type { SealTarget } from './sealing';

export type { SealedValue } from './sealed-entry';

/**
 * `sealed/<env>.yaml`: the encrypted values of one environment and what they were sealed for.
 * Written by `aragora-secrets seal`, committed, read by synth. Holds ciphertext only.
 */
export interface SealedValuesFile {
  readonly environment: string;
  readonly target: SealTarget;
  /** Ciphertext per key, with the public key it was sealed for. */
  readonly values: Readonly<Record<string, SealedValue>>;
  /**
   * Written by aragora-secrets before entries were bound to their key and ciphertext
   * (`aragora-secrets/v1`): accepted with a warning, and upgraded by the next `seal`.
   * @default false
   */
  readonly legacyFormat?: boolean;
}

export const SEALED_DIR = 'sealed';
export const SEALED_KIND = 'SealedValues';
export const SEALED_API_VERSION = 'aragora-secrets/v2';
/** Entries without a binding, written before `aragora-secrets/v2`. */
export const LEGACY_SEALED_API_VERSION = 'aragora-secrets/v1';
/** Far above any real file (a sealed value of a 4096-bit key takes about 1 KiB). */
const MAX_SEALED_FILE_BYTES = 4 * 1024 * 1024;

export function sealedFilePath(environment: string): string {
  return `${SEALED_DIR}/${environment}.yaml`;
}

// Only the shape is checked here; each entry's content is checked by sealed-entry.ts, so that `seal`
// can replace a damaged entry from its value instead of refusing the whole file.
const sealedFileSchema = z.strictObject({
  apiVersion: z.enum([SEALED_API_VERSION, LEGACY_SEALED_API_VERSION]),
  kind: z.literal(SEALED_KIND),
  environment: z.string().min(1),
  target: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().regex(DNS1123_LABEL),
    scope: z.enum(SEAL_SCOPES),
  }),
  values: z.record(
    z.string().regex(ENV_VAR_NAME),
    z.strictObject({
      encrypted: z.string(),
      certificate: z.string(),
      certificateNotAfter: z.string().optional(),
      binding: z.string().optional(),
      verifier: z.string().optional(),
    }),
  ),
});

/**
 * Reads `sealed/<env>.yaml` under `cwd`; undefined when there is none. Only a regular file is read
 * (a symbolic link, a FIFO or a device committed in its place is refused), and only up to a size no
 * real file reaches.
 */
export function readSealedFile(cwd: string, environment: string): SealedValuesFile | undefined {
  const relative = sealedFilePath(environment);
  const text = readRegularFile(join(cwd, relative), relative);
  if (text === undefined) return undefined;
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(relative, [{ path: '', message: `YAML syntax: ${doc.errors[0].message.split('\n')[0]}`, fix: 'restore the file from git, or delete it and seal again' }]);
  }
  const parsed = sealedFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ConfigError(
      relative,
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, fix: 'this file is written by `aragora-secrets seal`: restore it from git or seal again' })),
    );
  }
  if (parsed.data.environment !== environment) {
    throw new ConfigError(relative, [{ path: 'environment', message: `the file is for environment "${parsed.data.environment}"`, fix: `move it to ${sealedFilePath(parsed.data.environment)}` }]);
  }
  const legacyFormat = parsed.data.apiVersion === LEGACY_SEALED_API_VERSION;
  return { environment, target: parsed.data.target, values: parsed.data.values, ...(legacyFormat ? { legacyFormat } : {}) };
}

function readRegularFile(file: string, shownAs: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw notRegular(shownAs, 'a symbolic link');
    throw e;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(shownAs, stat.isDirectory() ? 'a folder' : 'not a regular file');
    const tooLarge = () =>
      new ConfigError(shownAs, [{ path: '', message: `over the ${MAX_SEALED_FILE_BYTES / 1024 / 1024} MiB no sealed file reaches`, fix: 'restore it from git, or delete it and seal again' }]);
    if (stat.size > MAX_SEALED_FILE_BYTES) throw tooLarge();
    return readOpenFile(fd, MAX_SEALED_FILE_BYTES, tooLarge).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function notRegular(shownAs: string, what: string): ConfigError {
  return new ConfigError(shownAs, [
    { path: '', message: `is ${what}, not a file: aragora-secrets reads and writes sealed values only in regular files`, fix: `replace it with the file from git (git checkout -- ${shownAs}), or delete it and seal again` },
  ]);
}

/** Deterministic YAML: keys sorted, no timestamps, so that unchanged values do not show in diffs. */
export function renderSealedFile(file: SealedValuesFile): string {
  const values: Record<string, SealedValue> = {};
  for (const key of Object.keys(file.values).sort()) {
    const v = file.values[key];
    values[key] = {
      encrypted: v.encrypted,
      certificate: v.certificate,
      ...(v.certificateNotAfter ? { certificateNotAfter: v.certificateNotAfter } : {}),
      ...(v.binding ? { binding: v.binding } : {}),
      ...(v.verifier ? { verifier: v.verifier } : {}),
    };
  }
  const header = [
    '# Sealed values of one environment, written by `aragora-secrets seal`.',
    '# Encrypted for the Sealed Secrets controller: safe to commit. Synth puts them into the SealedSecret.',
    '# Do not edit: each entry is bound to its key and ciphertext, and synth refuses an edited one.',
  ].join('\n');
  const body = stringify(
    {
      apiVersion: file.legacyFormat ? LEGACY_SEALED_API_VERSION : SEALED_API_VERSION,
      kind: SEALED_KIND,
      environment: file.environment,
      target: { ...file.target },
      values,
    },
    { lineWidth: 0 },
  );
  return `${header}\n${body}`;
}

/** Refuses a `sealed` folder that is a symbolic link: `seal` writes inside the project only. */
export function ensureSealedFolder(cwd: string): void {
  const folder = join(cwd, SEALED_DIR);
  let stat;
  try {
    stat = lstatSync(folder);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(folder);
    return;
  }
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    throw new UserError(`${SEALED_DIR}/ is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: seal writes only into a real folder of the project. Replace it with a folder (git checkout -- ${SEALED_DIR}) and seal again.`);
  }
}

/**
 * Writes atomically: the content goes to a new file with an unpredictable name beside the target,
 * created exclusively (never through a link planted in advance) and readable by the owner only,
 * then renamed over the target. An interrupted seal never leaves half a file.
 */
export function writeSealedFile(cwd: string, file: SealedValuesFile): string {
  const relative = sealedFilePath(file.environment);
  ensureSealedFolder(cwd);
  writeFileAtomically(join(cwd, relative), renderSealedFile(file));
  return relative;
}

function writeFileAtomically(target: string, content: string): void {
  const bytes = Buffer.from(content, 'utf8');
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (e) {
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed or never written: nothing to clean up.
    }
    throw e;
  }
}
