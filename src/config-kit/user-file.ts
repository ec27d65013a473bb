import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UserError } from '../core/errors';

/** Size limits of the files a user points aragora-secrets at: far above real files, far below a full memory. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
export const MAX_ENV_FILE_BYTES = 16 * 1024 * 1024;
/** A PEM certificate or public key is a few kilobytes, a whole chain a few dozen. */
export const MAX_CERTIFICATE_BYTES = 1024 * 1024;
/** A sealed file holds one Secret's ciphertext, and a Secret is at most 1 MiB. */
export const MAX_SEALED_FILE_BYTES = 16 * 1024 * 1024;

export interface UserFileOptions {
  /** How messages name the file, e.g. `env file ".env"`: the path as the user wrote it, never its content. */
  readonly label: string;
  readonly maxBytes: number;
  /** What to do when the file does not exist. @default - check the path */
  readonly missingFix?: string;
  /** What to do when it is a folder, device, FIFO or socket. @default - point it at the file itself */
  readonly notAFileFix?: string;
}

/** A user-supplied file that cannot be read as one: missing, not a regular file, too large, not permitted. */
export class UnreadableFileError extends UserError {
  constructor(
    public readonly label: string,
    public readonly problem: string,
    public readonly fix: string,
  ) {
    super(`${label} ${problem}: ${fix}`);
    this.name = 'UnreadableFileError';
  }
}

const MIB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a file the user named (config, env file, certificate, sealed file), refusing anything that
 * is not a regular file of at most `maxBytes`: `/dev/zero` would be read until memory runs out and
 * a FIFO would block forever. The file is opened without blocking (a FIFO with no writer opens at
 * once) and checked through its descriptor, so a symbolic link or a swap between check and read
 * leads to the same verdict as the file actually read. At most `maxBytes` + 1 bytes are read, even
 * from a file that grows meanwhile or reports no size (/proc).
 *
 * @throws UnreadableFileError naming the file by `label`
 */
export function readUserFile(path: string, options: UserFileOptions): Buffer {
  const { label, maxBytes } = options;
  let fd: number;
  try {
    // O_NONBLOCK and O_NOCTTY are absent on Windows, where FIFOs and terminals do not open this way.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (e) {
    throw openError(e as NodeJS.ErrnoException, options);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new UnreadableFileError(label, `is ${kindOf(stats)}, not a regular file`, notAFileFix(options));
    }
    if (stats.size > maxBytes) throw tooLarge(options);
    return readOpenFile(fd, maxBytes, () => tooLarge(options));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads an open regular file to its end, at most `maxBytes` (then `tooLarge()` is thrown): its size
 * at open time is not trusted, as the file may grow meanwhile or report none (/proc). For readers
 * that open files with rules of their own (links refused, a missing file being no error).
 */
export function readOpenFile(fd: number, maxBytes: number, tooLarge: () => Error): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > maxBytes) throw tooLarge();
  }
  return Buffer.concat(chunks, total);
}

function tooLarge({ label, maxBytes }: UserFileOptions): UnreadableFileError {
  return new UnreadableFileError(label, `is over the ${formatSize(maxBytes)} limit`, 'is this the right file?');
}

function formatSize(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function notAFileFix(options: UserFileOptions): string {
  return `aragora-secrets reads only regular files: ${options.notAFileFix ?? 'point it at the file itself'}`;
}

function openError(e: NodeJS.ErrnoException, options: UserFileOptions): Error {
  const { label, missingFix } = options;
  switch (e.code) {
    case 'ENOENT':
      return new UnreadableFileError(label, 'not found', missingFix ?? 'check the path');
    case 'ENOTDIR':
      return new UnreadableFileError(label, 'not found (a folder in its path is a file)', missingFix ?? 'check the path');
    case 'EISDIR':
      return new UnreadableFileError(label, 'is a folder, not a regular file', notAFileFix(options));
    case 'EACCES':
    case 'EPERM':
      return new UnreadableFileError(label, 'cannot be read (permission denied)', 'check its permissions');
    case 'ELOOP':
      return new UnreadableFileError(label, 'is a loop of symbolic links', 'point it at the file itself');
    case 'ENXIO':
    case 'ENODEV':
    case 'EOPNOTSUPP':
      return new UnreadableFileError(label, 'is not a regular file', notAFileFix(options));
    case 'ENAMETOOLONG':
      return new UnreadableFileError(label, 'has a path that is too long', 'check the path');
    default:
      return e;
  }
}
