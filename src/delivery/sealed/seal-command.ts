import { readSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UserError } from '../../core/errors';
import { sealEnvironment, SealOptions, verifySealedEnvironment } from './seal-environment';

export interface SealCommandOptions {
  readonly environment: string;
  readonly certificatePath: string;
  readonly configPath?: string;
  /** Loads the config and resolves its plan (see SealOptions). */
  readonly loadPlan: SealOptions['loadPlan'];
  readonly envFile?: string;
  readonly literals: readonly string[];
  /** Keys to read from standard input (one at most). */
  readonly fromStdin: readonly string[];
  readonly verifier: boolean;
  readonly verify: boolean;
  /** Seconds to wait for another seal of the same file. */
  readonly lockTimeout: string;
}

export interface SealCommandIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** `aragora-secrets seal`: returns the exit code; prints names, counts and fingerprints, never a value. */
export function sealCommand(io: SealCommandIo, options: SealCommandOptions): number {
  if (options.fromStdin.length > 1) {
    throw new UserError(`--from-stdin can be given once (standard input holds one value); give the others with --env-file FILE`);
  }
  const lockTimeout = Number(options.lockTimeout);
  if (!/^\d+(\.\d+)?$/.test(options.lockTimeout) || !Number.isFinite(lockTimeout) || lockTimeout > 3600) {
    throw new UserError(`--lock-timeout takes a number of seconds from 0 to 3600`);
  }
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const sealOptions: SealOptions = {
    cwd: io.cwd,
    env: io.env,
    configPath: options.configPath,
    loadPlan: options.loadPlan,
    environment: options.environment,
    certificatePath: options.certificatePath,
    envFile: options.envFile,
    literals: options.literals,
    stdin: options.fromStdin.length === 1 ? { key: options.fromStdin[0], read: readValueFromStdin } : undefined,
    verifier: options.verifier,
    lockWaitMs: lockTimeout * 1000,
    notice: (message) => io.stderr(`${message}\n`),
  };
  if (options.verify) {
    const report = verifySealedEnvironment(sealOptions);
    report.warnings.forEach(warn);
    io.stdout(
      lines(
        `Checked ${report.file} against the values given (nothing was written):`,
        report.matching.length ? `  match:         ${report.matching.join(', ')}` : undefined,
        ...report.mismatched.map((m) => `  DOES NOT MATCH ${m.key}: ${m.reason}; seal it again`),
        ...report.uncheckable.map((u) => `  cannot check  ${u.key}: ${u.reason}; seal it again to make it checkable`),
        report.otherCertificate.length ? `  sealed for another certificate than ${options.certificatePath}: ${report.otherCertificate.join(', ')}` : undefined,
        report.notGiven.length ? `  not checked (no value given): ${report.notGiven.join(', ')}` : undefined,
      ),
    );
    return report.mismatched.length > 0 ? 1 : 0;
  }
  const report = sealEnvironment(sealOptions);
  report.warnings.forEach(warn);
  const { target } = report;
  io.stdout(
    lines(
      `Sealed ${report.sealed.length} value(s) for Secret ${target.name} in namespace ${target.namespace} (${target.scope}) with certificate ${report.fingerprint.slice(0, 19)}… into ${report.file}`,
      report.sealed.length ? `  sealed now:    ${report.sealed.join(', ')}` : undefined,
      report.unchanged.length ? `  unchanged (ciphertext kept): ${report.unchanged.join(', ')}` : undefined,
      report.kept.length ? `  kept as is:    ${report.kept.join(', ')}` : undefined,
      report.upgraded.length ? `  kept from the older format, bound as they are (seal their values to check them): ${report.upgraded.join(', ')}` : undefined,
      report.dropped.length ? `  dropped (sealed for another target; give them again): ${report.dropped.join(', ')}` : undefined,
      report.missing.length ? `  still missing: ${report.missing.join(', ')}` : undefined,
      'Next: aragora-secrets synth, then commit sealed/ and dist/.',
    ),
  );
  return 0;
}

function lines(...items: (string | undefined)[]): string {
  return items.filter((line) => line !== undefined).join('\n') + '\n';
}

/** A Kubernetes Secret holds 1 MiB at most. */
const MAX_STDIN_BYTES = 1024 * 1024;

/**
 * The value on standard input: UTF-8 text without NUL bytes, one trailing newline removed (as `echo` or a
 * here-string adds). Not from a terminal, where it would be shown as it is typed.
 */
function readValueFromStdin(): string {
  if (isatty(0)) {
    throw new UserError(`--from-stdin reads the value from a pipe or a file, not from the terminal: printf '%s' "$VALUE" | aragora-secrets seal ... --from-stdin KEY, or ... --from-stdin KEY < FILE`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_STDIN_BYTES) throw new UserError(`--from-stdin: standard input holds more than ${MAX_STDIN_BYTES / 1024} KiB, more than a Secret can hold`);
    chunks.push(chunk.subarray(0, n));
  }
  const bytes = Buffer.concat(chunks);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError('--from-stdin: standard input is not UTF-8 text');
  }
  if (text.includes('\u0000')) throw new UserError('--from-stdin: standard input holds NUL bytes, which no environment variable can carry');
  return text.replace(/\r?\n$/, '');
}
