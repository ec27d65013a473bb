import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, UserError } from '../core/errors';
import { packageRoot } from '../core/package-root';
import type { CommandIo } from './commands';
import { QuietCommand } from './quiet-command';
import { UsageError } from './usage-error';
import { colorsEnabled, style } from './terminal';

// Loaded when a command runs, not for `--help` or a usage error: cdk8s and the schema take most of a second.
const commands = (): typeof import('./commands') => require('./commands');

/** Exit codes: 0 ok, 1 findings or invalid input, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
/** A bug in aragora-secrets itself (EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

export interface CliIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal: colors, and `render` refuses to print values there. @default false */
  readonly stdoutIsTTY?: boolean;
  /** Whether stderr is a terminal (colors). @default false */
  readonly stderrIsTTY?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function examples(...lines: string[]): string {
  return ['', 'Examples:', ...lines.map((l) => `  $ ${l}`)].join('\n');
}

/** The commands of the CLI itself (the delivery methods add theirs, e.g. `seal`). */
const OWN_COMMANDS = new Set(['synth', 'check', 'env-example', 'render', 'run', 'init']);

/** The command `argv` runs, if it names one (`--config FILE` may come first). */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return undefined;
    if (argv[i] === '--config') i++;
    else if (!argv[i].startsWith('-')) return argv[i];
  }
  return undefined;
}

/**
 * Builds the command tree; each action stores its exit code in `result`. Given `argv`, a run of one of
 * the CLI's own commands skips loading the delivery methods (their schemas and constructs), which only
 * `--help`, an unknown command and the methods' own commands need.
 */
export function buildProgram(io: CliIo, result: { code: number } = { code: EXIT_OK }, argv?: readonly string[]): Command {
  const commandIo: CommandIo = {
    ...io,
    out: style(colorsEnabled(io.stdoutIsTTY, io.env)),
    err: style(colorsEnabled(io.stderrIsTTY, io.env)),
  };
  const program = new QuietCommand('aragora-secrets')
    .description('Secrets for the Aragora application on Kubernetes and AWS, from one config.')
    // --config works on every command: each command's --help lists it.
    .configureHelp({ showGlobalOptions: true })
    .version(packageVersion(), '-V, --version')
    .option('--config <file>', 'config file (default: $ARAGORA_SECRETS_CONFIG, then aragora-secrets.yaml, then the embedded default)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.',
        'Colors only on a terminal, never with NO_COLOR set. Values of secrets are never printed, except by `render`.',
      ].join('\n'),
    );
  const configPath = (): string | undefined => program.opts().config;

  program
    .command('synth')
    .description('Synthesize dist/ like `cdk8s synth`, checked by the guard rails, and swapped in only when everything succeeded')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(
      new Option('--env-file <file>', 'a dotenv file elsewhere whose values must not reach the output (repeatable; those of the project root are always read)')
        .argParser(collect)
        .default([]),
    )
    .addHelpText(
      'after',
      [
        '',
        'The files are written to a temporary folder beside the output folder and swapped in at the end: a broken',
        'config or a guard-rail violation leaves the output folder exactly as it was (plain `cdk8s synth` deletes it first).',
        'It replaces only a folder it wrote (marked by a .aragora-secrets file in it) or an empty one, never the current',
        'folder, a parent of it, or a folder holding the config, .git or sealed/.',
        examples('aragora-secrets synth', 'aragora-secrets synth --config staging.yaml --out build/dist'),
      ].join('\n'),
    )
    .action((options: { out: string; envFile: string[] }) => {
      result.code = commands().synthCommand(commandIo, { configPath: configPath(), out: options.out, envFiles: options.envFile });
    });

  program
    .command('check')
    .description("Validate the config (everything synth checks, nothing written); with --env-file, check a .env against an environment's rules")
    .option('--env <env>', 'environment whose requirement rules apply')
    .option('--env-file <file>', 'dotenv file to check (its values are never printed)')
    .option('--allow-unknown', 'keys of the env file that are not in the catalog are warnings, not findings')
    .addHelpText(
      'after',
      [
        '',
        'Findings (exit 1): required keys missing or empty, "one of" groups with no member set, placeholder values',
        '(sk-ant-..., changeme, <...>, xxx, TODO, your-...), keys not in the catalog, values a shell sourcing the file or',
        'direnv would read differently (an unquoted "$", backtick or backslash: single-quote them). Warnings: recommended',
        'keys missing, keys set that the environment does not use, values no quoting can protect (give them with `run`).',
        examples('aragora-secrets check', 'aragora-secrets check --env dev --env-file .env', 'aragora-secrets check --env prod'),
      ].join('\n'),
    )
    .action((options: { env?: string; envFile?: string; allowUnknown?: boolean }) => {
      result.code = commands().checkCommand(commandIo, { configPath: configPath(), environment: options.env, envFile: options.envFile, allowUnknown: options.allowUnknown });
    });

  program
    .command('env-example')
    .description('Print a .env.example: every secret, its purpose and when it is required, with empty values')
    .option('--env <env>', 'only what this environment uses, grouped by requirement')
    .addHelpText('after', examples('aragora-secrets env-example > .env.example', 'aragora-secrets env-example --env prod > .env.prod.example'))
    .action((options: { env?: string }) => {
      result.code = commands().envExampleCommand(commandIo, { configPath: configPath(), environment: options.env });
    });

  program
    .command('render')
    .description("Print an environment's plain Kubernetes Secret, with the values from --env-file and the process environment, to stdout")
    .requiredOption('--env <env>', 'environment to render (plain or sealed delivery)')
    .option('--env-file <file>', 'read values from this dotenv file (wins over the process environment)')
    .option('--allow-missing', 'render even when required keys have no value')
    .option('--force', 'print to a terminal too (by default values are only written to a pipe)')
    .addHelpText(
      'after',
      [
        '',
        'The Secret goes to stdout only: there is no option to write it to a file. Pipe it where it belongs, with',
        'server-side apply: a plain `kubectl apply -f -` copies the whole Secret, values included, into its',
        '`kubectl.kubernetes.io/last-applied-configuration` annotation, readable by `kubectl describe` and anyone with',
        '`get` on it. Server-side apply keeps no such copy, but updates one that exists: for a Secret once applied',
        'client-side, remove it first (kubectl annotate secret NAME kubectl.kubernetes.io/last-applied-configuration-).',
        '`kubectl create -f -` (new Secret) and `kubectl replace -f -` (existing one) keep no copy either.',
        examples(
          'aragora-secrets render --env dev --env-file .env | kubectl apply --server-side -f -',
          'aragora-secrets render --env qa --env-file .env.qa | kubeseal --format yaml > sealed-secret.yaml',
        ),
      ].join('\n'),
    )
    .action((options: { env: string; envFile?: string; allowMissing?: boolean; force?: boolean }) => {
      result.code = commands().renderCommand(commandIo, { configPath: configPath(), environment: options.env, envFile: options.envFile, allowMissing: options.allowMissing, force: options.force });
    });

  program
    .command('run')
    .description('Run a command with the secrets of a dotenv file in its environment, read like `check` reads it (no shell parses the file)')
    .requiredOption('--env-file <file>', 'dotenv file whose catalog secrets the command gets')
    .argument('<command...>', 'the program and its arguments, after --')
    .addHelpText(
      'after',
      [
        '',
        'The generated scripts read their values from the environment. Never source a .env into a shell for them',
        '(`set -a; . ./.env.prod`): the shell runs backticks and $(...) in the file and cuts a value at "$", and direnv\'s',
        'dotenv expands "$VAR" too. `run` reads the file with the parser of `check` (a malformed file runs nothing),',
        'passes the catalog\'s secrets in the environment only (never as arguments; other keys are not passed), runs',
        'the command without a shell, forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to it and exits with its exit code.',
        examples(
          'aragora-secrets check --env prod --env-file .env.prod',
          'aragora-secrets run --env-file .env.prod -- bash dist/prod/aws/put-secret-values.sh',
          'aragora-secrets run --env-file .env.prod -- sh dist/prod/vault/put-values.sh',
        ),
      ].join('\n'),
    )
    .action(async (command: string[], options: { envFile: string }) => {
      const { runCommand } = require('./run-command') as typeof import('./run-command');
      result.code = await runCommand(commandIo, { configPath: configPath(), envFile: options.envFile, command });
    });

  // Each delivery method may bring commands of its own (e.g. `seal`).
  const command = argv && commandOf(argv);
  const methods = command !== undefined && OWN_COMMANDS.has(command) ? [] : (require('../delivery/registry') as typeof import('../delivery/registry')).deliveryMethods;
  for (const method of methods) {
    method.addCommands?.(program, {
      io,
      configPath,
      loadPlan: () => commands().loadPlan(commandIo, configPath()),
      exit: (code) => {
        result.code = code;
      },
      examples,
      collect,
    });
  }

  program
    .command('init')
    .description('Write aragora-secrets.yaml (or --config FILE): the embedded default, with comments and the JSON Schema line for editors')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', examples('aragora-secrets init', 'aragora-secrets --config infra/secrets.yaml init'))
    .action((options: { force?: boolean }) => {
      result.code = commands().initCommand(commandIo, { configPath: configPath(), force: options.force });
    });

  return program;
}

/** Runs the CLI; returns the exit code. Input errors print one clear message, never a stack trace. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const result = { code: EXIT_OK };
  const program = buildProgram(io, result, argv);
  const red = style(colorsEnabled(io.stderrIsTTY, io.env)).red;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.stderr(`${red('aragora-secrets:')} ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof UserError || e instanceof ConfigError) {
      io.stderr(`${red('aragora-secrets:')} ${e.message}\n`);
      return EXIT_INVALID;
    }
    const fsError = e as NodeJS.ErrnoException & { dest?: string };
    if (typeof fsError?.code === 'string' && typeof fsError.syscall === 'string') {
      // The file system said no (permissions, a full disk, a read-only mount): say which file, not where in our code.
      io.stderr(`${red('aragora-secrets:')} cannot ${fsError.syscall} ${fsError.path ?? ''}: ${fsError.code}${fsError.dest ? ` (to ${fsError.dest})` : ''}\n`);
      return EXIT_INVALID;
    }
    io.stderr(`aragora-secrets: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_INTERNAL;
  }
}
