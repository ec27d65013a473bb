import { Command, CommanderError, Option } from 'commander';
import { ConfigError, UserError } from '../config/errors';
import { sealEnvironment } from '../seal/seal-environment';

/** Exit codes: 0 ok, 1 findings or invalid input, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('aragora-secrets')
    .description('Secrets for the Aragora application on Kubernetes and AWS, from one config.')
    .option('--config <file>', 'config file (default: $ARAGORA_SECRETS_CONFIG, then aragora-secrets.yaml, then the embedded default)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('seal')
    .description("Encrypt an environment's secrets for the Sealed Secrets controller into sealed/ENV.yaml (values are never printed)")
    .requiredOption('--env <env>', 'environment to seal for')
    .requiredOption('--cert <cert.pem>', "the controller's certificate (kubeseal --fetch-cert) or its public key")
    .option('--env-file <file>', 'read values from this dotenv file (wins over the process environment)')
    .addOption(new Option('--from-literal <KEY=VALUE>', 'a value given directly (repeatable; wins over --env-file)').argParser(collect).default([]))
    .option('--no-verifier', 'do not record the salted scrypt verifier that keeps unchanged values byte for byte (for low-entropy values)')
    .action((options: { env: string; cert: string; envFile?: string; fromLiteral: string[]; verifier: boolean }) => {
      const report = sealEnvironment({
        cwd: io.cwd,
        env: io.env,
        configPath: program.opts().config,
        environment: options.env,
        certificatePath: options.cert,
        envFile: options.envFile,
        literals: options.fromLiteral,
        verifier: options.verifier,
      });
      const { target } = report;
      io.stdout(
        [
          `Sealed ${report.sealed.length} value(s) for Secret ${target.name} in namespace ${target.namespace} (${target.scope}) with certificate ${report.fingerprint.slice(0, 19)}… into ${report.file}`,
          report.sealed.length ? `  sealed now:    ${report.sealed.join(', ')}` : undefined,
          report.unchanged.length ? `  unchanged (ciphertext kept): ${report.unchanged.join(', ')}` : undefined,
          report.kept.length ? `  kept as is:    ${report.kept.join(', ')}` : undefined,
          report.dropped.length ? `  dropped (sealed for another target; give them again): ${report.dropped.join(', ')}` : undefined,
          report.missing.length ? `  still missing: ${report.missing.join(', ')}` : undefined,
          'Next: npx cdk8s synth, then commit sealed/ and dist/.',
        ]
          .filter((line) => line !== undefined)
          .join('\n') + '\n',
      );
    });

  return program;
}

/** Runs the CLI; returns the exit code. Input errors print one clear message, never a stack trace. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UserError || e instanceof ConfigError) {
      io.stderr(`aragora-secrets: ${e.message}\n`);
      return EXIT_INVALID;
    }
    io.stderr(`aragora-secrets: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}
