import { Command, type ErrorOptions } from 'commander';
import { didYouMean } from '../core/errors';
import { mayQuote } from '../core/quote';
import { showable } from '../config-kit/shown';

/**
 * A commander Command whose parse errors name options and commands, never what was written after
 * them: `--from-litteral=KEY=VALUE` is reported as `--from-litteral`, a stray argument (a value
 * that lost its option) not at all. Subcommands are made of this class too.
 *
 * commander builds these messages in `unknownOption` and `unknownCommand`, which its typings leave
 * out (they are overridable methods all the same; the pinned version is tested), and passes an
 * option's invalid argument through `error`.
 */
export class QuietCommand extends Command {
  override createCommand(name?: string): QuietCommand {
    return new QuietCommand(name);
  }

  /** Called by commander with the whole argument, `=value` (or a short option's glued value) included. */
  unknownOption(flag: string): void {
    // A long option is named only when all of it before `=` is name-shaped: a prefix cut at the
    // first odd character could still be the start of a value (`--sk-proj-...`).
    const name = flag.startsWith('--') ? /^--[A-Za-z0-9][A-Za-z0-9-]*(?==|$)/.exec(flag)?.[0] : /^-[A-Za-z0-9]/.exec(flag)?.[0];
    if (name === undefined || !this.mayNameOption(name)) {
      this.error('error: unknown option (not shown: it is not shaped like an option name)', { code: 'commander.unknownOption' });
    }
    // commander's own message and did-you-mean, about the name alone.
    (Command.prototype as unknown as { unknownOption(flag: string): void }).unknownOption.call(this, name);
  }

  /**
   * An unknown option is named when it is a typo of a known one, or reads like an option name
   * (lower-case words and dashes, short): anything else may be a value written after `--`.
   */
  private mayNameOption(name: string): boolean {
    const bare = name.replace(/^-+/, '');
    if (!showable(bare, 40)) return false;
    if (name.length === 2 || (/^[a-z]+(?:-[a-z]+)*$/.test(bare) && bare.length <= 24)) return true;
    const known = this.options.map((option) => option.long?.replace(/^--/, '')).filter((long): long is string => long !== undefined);
    return didYouMean(bare, known) !== undefined;
  }

  /** Called by commander when the first argument names no command: it may be a value, so it is named only when it is a command's typo. */
  unknownCommand(): void {
    const commands = this.commands.map((command) => command.name());
    const given = String(this.args[0] ?? '');
    const suggestion = mayQuote(given, 30) ? didYouMean(given, commands) : undefined;
    const message = suggestion
      ? `error: unknown command '${given}'\n(Did you mean ${suggestion}?)`
      : `error: unknown command (the first argument, not shown); the commands are ${commands.join(', ')}`;
    this.error(message, { code: 'commander.unknownCommand' });
  }

  override error(message: string, errorOptions?: ErrorOptions): never {
    if (errorOptions?.code === 'commander.invalidArgument') {
      // "option '--x <v>' argument 'VALUE' is invalid. <reason>": the option only, never the value or a reason built from it.
      const option = /^error: option '([^']*)'/.exec(message)?.[1];
      const argument = /for argument '([^']*)'/.exec(message)?.[1];
      message = option ? `error: option '${option}' has an invalid value (not shown)` : `error: the argument ${argument ?? ''} has an invalid value (not shown)`;
    }
    return super.error(message, errorOptions);
  }
}
