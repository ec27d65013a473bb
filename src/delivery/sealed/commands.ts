import { type Command, Option } from 'commander';
import type { CommandContext } from '../method';

/** `aragora-secrets seal`: the sealed method's own command. */
export function addSealCommand(program: Command, context: CommandContext): void {
  const { examples, collect } = context;
  program
    .command('seal')
    .description("Encrypt an environment's secrets for the Sealed Secrets controller into sealed/ENV.yaml (values are never printed)")
    .requiredOption('--env <env>', 'environment to seal for')
    .requiredOption('--cert <cert.pem>', "the controller's certificate (kubeseal --fetch-cert) or its public key")
    .option('--env-file <file>', 'read values from this dotenv file (wins over the process environment)')
    .addOption(new Option('--from-stdin <KEY>', "read KEY's value from standard input (a pipe or a file; one trailing newline is removed)").argParser(collect).default([]))
    .addOption(
      new Option('--from-literal <KEY=VALUE>', 'a value given on the command line, where other local users can read it: prefer --from-stdin (repeatable; wins over --env-file)')
        .argParser(collect)
        .default([]),
    )
    .option('--no-verifier', 'do not record the salted scrypt verifier that keeps unchanged values byte for byte (for low-entropy values)')
    .option('--verify', 'check that each committed entry holds the value given, and write nothing (exit 1 on a mismatch)')
    .option('--lock-timeout <seconds>', 'how long to wait for another seal of the same environment to finish', '30')
    .addHelpText(
      'after',
      examples(
        'kubeseal --fetch-cert > sealed-secrets.pem',
        'aragora-secrets seal --env qa --cert sealed-secrets.pem --env-file .env.qa',
        "printf '%s' \"$SUPABASE_KEY\" | aragora-secrets seal --env qa --cert sealed-secrets.pem --from-stdin SUPABASE_KEY",
        'aragora-secrets seal --env qa --cert sealed-secrets.pem --env-file .env.qa --verify',
      ),
    )
    .action(
      (options: { env: string; cert: string; envFile?: string; fromStdin: string[]; fromLiteral: string[]; verifier: boolean; verify?: boolean; lockTimeout: string }) => {
        // Loaded on use: `--help` and the other commands never load the sealing code.
        const { sealCommand } = require('./seal-command') as typeof import('./seal-command');
        context.exit(
          sealCommand(context.io, {
            environment: options.env,
            certificatePath: options.cert,
            configPath: context.configPath(),
            loadPlan: () => context.loadPlan(),
            envFile: options.envFile,
            literals: options.fromLiteral,
            fromStdin: options.fromStdin,
            verifier: options.verifier,
            verify: options.verify === true,
            lockTimeout: options.lockTimeout,
          }),
        );
      },
    );
}
