import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../core/errors';

/**
 * One `seal` at a time per sealed file. Two runs that read the file before either writes it would
 * each write their own keys over the other's: the run that holds `sealed/<env>.yaml.lock` reads,
 * merges and writes, and the next one waits for it.
 *
 * The lock file is created exclusively (O_EXCL, never through a link) and names its holder: process
 * id, host and a random token. A lock whose holder was a process of this host that no longer runs
 * (a seal killed with Ctrl-C) is stale and taken over; any other lock is waited for, then refused
 * with a message naming the file to delete.
 */
export interface SealLock {
  release(): void;
}

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly token: string;
}

export interface LockOptions {
  /** How long to wait for another run, in milliseconds. */
  readonly waitMs: number;
  /** Told once when this run starts waiting, and when it takes over a stale lock. */
  readonly notice: (message: string) => void;
}

const POLL_MS = 100;
const MAX_LOCK_BYTES = 4096;

export function acquireSealLock(lockFile: string, shownAs: string, options: LockOptions): SealLock {
  const started = Date.now();
  let waiting = false;
  for (;;) {
    const token = randomBytes(16).toString('hex');
    if (tryCreate(lockFile, token)) return { release: () => releaseIfOurs(lockFile, token) };
    const holder = readHolder(lockFile);
    if (holder === 'gone') continue;
    // A lock naming this very process was left by an earlier run with the same pid (as in containers).
    if (holder !== undefined && holder.host === hostname() && (holder.pid === process.pid || !processRuns(holder.pid))) {
      // Remove it only if it is still the same stale lock, not one another run has just taken.
      if (sameHolder(readHolder(lockFile), holder)) {
        removeQuietly(lockFile);
        options.notice(`removed ${shownAs}, left by seal process ${holder.pid}, which no longer runs`);
      }
      continue;
    }
    const who = holder ? `seal process ${holder.pid} on ${holder.host}, since ${holder.since}` : 'a file this version of aragora-secrets cannot read';
    if (Date.now() - started >= options.waitMs) {
      throw new UserError(
        `another seal of the same file is running (${shownAs} is held by ${who})${waiting ? `; waited ${Math.round(options.waitMs / 1000)} s` : ''}. ` +
          `Run seal again when it has finished. If no seal is running (it was killed, or runs on another machine sharing this folder), delete ${shownAs} and run again.`,
      );
    }
    if (!waiting) {
      waiting = true;
      options.notice(`waiting for another seal of the same file to finish (${shownAs} is held by ${who})`);
    }
    sleep(POLL_MS);
  }
}

function tryCreate(lockFile: string, token: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token };
    writeSync(fd, JSON.stringify(holder) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The holder, 'gone' when the lock disappeared meanwhile, undefined when it cannot be read as ours. */
function readHolder(lockFile: string): LockHolder | 'gone' | undefined {
  let fd: number;
  try {
    fd = openSync(lockFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_LOCK_BYTES);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const parsed = JSON.parse(buffer.subarray(0, n).toString('utf8')) as Partial<LockHolder>;
    if (!Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0 || typeof parsed.host !== 'string' || typeof parsed.since !== 'string' || typeof parsed.token !== 'string') {
      return undefined;
    }
    // Shown in messages: keep them to what this tool writes.
    if (!/^[\w.-]{1,253}$/.test(parsed.host) || !/^[\dT:.Z-]{1,30}$/.test(parsed.since)) return undefined;
    return parsed as LockHolder;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function sameHolder(a: LockHolder | 'gone' | undefined, b: LockHolder): boolean {
  return typeof a === 'object' && a.token === b.token;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function releaseIfOurs(lockFile: string, token: string): void {
  const holder = readHolder(lockFile);
  if (typeof holder === 'object' && holder.token === token) removeQuietly(lockFile);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Someone else removed it first.
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
