import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { UserError } from '../core/errors';
import { loadConfig } from '../config/load';
import { readEnvFile } from '../config-kit/env-values';
import type { CommandIo } from './commands';

export interface RunCommandOptions {
  readonly configPath?: string;
  readonly envFile: string;
  /** The program and its arguments, given after `--`. */
  readonly command: readonly string[];
}

/**
 * Names that change how the program itself starts or what it runs (a shell reads `BASH_ENV` and `ENV` as
 * files to source, after expanding `$(...)` in them): a secret of the catalog cannot be passed under them.
 */
const PROGRAM_CONTROL = /^(PATH|IFS|HOME|SHELL|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|CDPATH|GLOBIGNORE|NODE_OPTIONS|LD_.*|DYLD_.*|BASH_FUNC_.*)$/;

/** Signals a terminal or a supervisor sends to stop the command: passed on to it, so it can clean up. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * `run --env-file FILE -- COMMAND [ARGS...]`: runs COMMAND, without a shell, with the catalog's
 * secrets from FILE added to its environment. FILE is read by the same strict parser as `check`
 * (a malformed file runs nothing), so a value is exactly the text `check` judged: no backtick runs,
 * no `$` is expanded, no backslash is eaten, as they would be by `set -a; . FILE` or direnv's
 * `dotenv`. Values travel in the environment only, never in an argument. Keys of the file that are
 * not in the catalog are not passed (they are named on stderr): the file hands over secrets, it does
 * not configure the program (`BASH_ENV` or `PATH` from a file would run other code).
 *
 * @returns the command's exit code; 128 + the signal number when a signal ended it; 127 when it
 *   cannot be found, 126 when it cannot be run
 */
export async function runCommand(io: CommandIo, options: RunCommandOptions): Promise<number> {
  const [program, ...args] = options.command;
  if (program === undefined || program === '') {
    throw new UserError('run needs a command after "--", e.g. aragora-secrets run --env-file .env.prod -- bash dist/prod/aws/put-secret-values.sh');
  }
  const fromFile = readEnvFile(io.cwd, options.envFile);
  const catalog = new Set(Object.keys(loadConfig({ path: options.configPath, cwd: io.cwd, env: io.env }).config.secrets));
  const passed = Object.keys(fromFile).filter((name) => catalog.has(name)).sort();
  const ignored = Object.keys(fromFile).filter((name) => !catalog.has(name)).sort();
  const refused = passed.filter((name) => PROGRAM_CONTROL.test(name));
  if (refused.length > 0) {
    throw new UserError(`${options.envFile}: ${refused.join(', ')} would change how the command runs, not give it a secret; rename the secret in the config`);
  }

  // The file's keys replace the inherited ones, an empty value included (the scripts read empty as unset).
  const env: NodeJS.ProcessEnv = { ...io.env };
  for (const name of passed) env[name] = fromFile[name];
  io.stderr(
    io.err.dim(
      `aragora-secrets: ${passed.length} value(s) from ${options.envFile} in the environment of ${program}${passed.length ? `: ${passed.join(', ')}` : ''}` +
        (ignored.length ? `; not passed (not in the catalog): ${ignored.join(', ')}` : ''),
    ) + '\n',
  );

  return new Promise<number>((resolve) => {
    const child = spawn(program, args, { cwd: io.cwd, env, stdio: 'inherit', shell: false });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'not found (check the name and PATH)' : error.code === 'EACCES' ? 'not executable' : error.code ?? error.message;
      io.stderr(`aragora-secrets: cannot run ${JSON.stringify(program)}: ${why}\n`);
      finish(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      finish(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
