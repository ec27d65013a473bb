/**
 * The one way generated shell scripts embed text from the config or the plan. A script is a list of
 * `ShellCode` lines, made only by these tags:
 *
 * - `sh\`gcloud secrets create ${id}\``: the literal parts are the generator's code; every
 *   interpolated value becomes exactly one word, quoted so that no character of it (`$(...)`,
 *   backticks, quotes, `;`, newlines, `#`) means anything to sh, dash or bash;
 * - `comment\`...\``: a `#` line that stays one line whatever the values hold (line breaks and other
 *   control or direction characters are written as visible `\uXXXX` escapes), so a value cannot end
 *   the comment and put a command on the next line, nor make the reviewer's editor show another text;
 * - `environmentVariable(name)`: the name of a variable holding a value, which cannot be quoted, so it
 *   is checked instead: uppercase, as the config's secret names are, so it never meets the scripts' own
 *   variables, which are all lowercase.
 *
 * A plain string is not a `ShellCode`: text cannot reach a script without going through one of them.
 */
export class ShellCode {
  /** @internal use the tags; the constructor is not for generators. */
  constructor(public readonly code: string) {}

  public toString(): string {
    return this.code;
  }
}

export type ShellValue = string | number | ShellCode | readonly (string | ShellCode)[];

/** Words the shell reads as they are: no quoting needed, and kept bare so that scripts stay readable. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ENVIRONMENT_VARIABLE = /^[A-Z_][A-Z0-9_]*$/;

/**
 * One shell word holding exactly `value`: bare when every character is inert, else in single
 * quotes (inside which sh, dash and bash interpret nothing; a `'` is written `'\''`).
 *
 * @throws Error for a NUL character, which no shell script can carry
 */
export function shellQuote(value: string): string {
  if (value.includes('\u0000')) throw new Error('a NUL character cannot be written into a shell script');
  if (BARE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Shell code; interpolated values are quoted as one word each (arrays: one word per element). */
export function sh(literals: TemplateStringsArray, ...values: readonly ShellValue[]): ShellCode {
  let code = literals[0];
  values.forEach((value, i) => {
    code += render(value) + literals[i + 1];
  });
  return new ShellCode(code);
}

function render(value: ShellValue): string {
  if (value instanceof ShellCode) return value.code;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a number a script can hold: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return shellQuote(value);
  return value.map(render).join(' ');
}

/** An environment variable (`$NAME`, `${NAME:-}`) that holds a value: names cannot be quoted, so anything else is refused. */
export function environmentVariable(name: string): ShellCode {
  if (!ENVIRONMENT_VARIABLE.test(name)) throw new Error(`${JSON.stringify(name)} is not an environment variable name (uppercase letters, digits and "_")`);
  return new ShellCode(name);
}

/**
 * Characters written as escapes in comments: C0 and C1 controls (newline, carriage return, vertical
 * tab, form feed, NEL...), the Unicode line and paragraph separators, and the direction and
 * zero-width marks that make an editor display text in another order than the shell reads it.
 */
const UNSAFE_IN_COMMENT = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const UNSAFE_IN_COMMENT_ALL = new RegExp(UNSAFE_IN_COMMENT.source, 'g');

/** `text` with every line-breaking or invisible character as a visible `\uXXXX` escape. */
export function oneVisibleLine(text: string): string {
  return text.replace(UNSAFE_IN_COMMENT_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A `# ...` line; interpolated values are made one visible line. An empty text gives `#`. */
export function comment(literals: TemplateStringsArray, ...values: readonly (string | number)[]): ShellCode {
  let text = literals[0];
  values.forEach((value, i) => {
    text += oneVisibleLine(String(value)) + literals[i + 1];
  });
  if (UNSAFE_IN_COMMENT.test(literals.join(''))) throw new Error('the literal text of a comment must be one plain line');
  return new ShellCode(text === '' ? '#' : `# ${text}`);
}

/** A comment line from text assembled elsewhere (a table row, a list): made one visible line as a whole. */
export function commentLine(text: string): ShellCode {
  return text === '' ? new ShellCode('#') : new ShellCode(`# ${oneVisibleLine(text)}`);
}

/** The script: its lines joined, with a final newline. */
export function shellScript(lines: readonly ShellCode[]): string {
  return lines.map((line) => line.code).join('\n') + '\n';
}

/**
 * The first command of every script that handles values: an inherited `set -x` (`bash -x`,
 * `SHELLOPTS=xtrace`, `sh -x`) would print every expanded value to stderr. `set +x` itself is
 * the only line traced.
 */
export const XTRACE_OFF = new ShellCode("set +x  # values pass through this script: tracing (set -x, SHELLOPTS=xtrace) would print them");

/**
 * An operand (a positional argument) of a command: quoted like any value, and refused when it starts
 * with "-", which the command would read as an option (`-address=...` sends a Vault token elsewhere).
 */
export function operand(value: string): ShellCode {
  if (value.startsWith('-')) throw new Error(`${JSON.stringify(value)} starts with "-": a command would read it as an option`);
  return new ShellCode(shellQuote(value));
}

/**
 * The value of a `key=value` argument of the Vault CLI: `@path` would make it read a file and `-`
 * stdin, so a leading "@" is escaped (`\@`, which the CLI reads as "@") and "-" is refused.
 */
export function vaultArgument(key: string, value: string): ShellCode {
  if (!/^[a-z_]+$/.test(key)) throw new Error(`${JSON.stringify(key)} is not a Vault parameter name`);
  if (value === '-') throw new Error(`${key}: "-" would make the Vault CLI read stdin`);
  return new ShellCode(`${key}=${shellQuote(value.startsWith('@') ? `\\${value}` : value)}`);
}
