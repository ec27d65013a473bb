import { randomBytes } from 'node:crypto';
import { encodingsOf } from '../../src/output/leak-guard';

/*
 * Values planted by the leak harness. Credentials are built by concatenation at run time so that
 * nothing secret-shaped is committed.
 */

/** `n` characters of the URL-safe base64 alphabet. */
export function urlSafe(n: number): string {
  return randomBytes(n).toString('base64url').slice(0, n);
}

/** `n` random lowercase letters: text no detector takes for a credential by its looks. */
export function letters(n: number): string {
  let s = '';
  while (s.length < n) s += randomBytes(n).toString('base64').replace(/[^a-z]/g, '');
  return s.slice(0, n);
}

/**
 * Every character some output format escapes: Markdown (`|`, `\`, `*`, `_`, backtick), YAML (quotes,
 * `#`, `:`, `{}`, `[]`, `&`, `*`, `!`, `%`, `@`, backtick), JSON (`"`, `\`, control characters), shell
 * (`$`, backtick, quotes, `\`, `!`), HCL (`${`, `%{`, `"`, `\`), HTML (`<>&`), URLs (`%`, `+`, `/`, `?`, `#`),
 * plus a tab, a newline and non-ASCII.
 */
export const ESCAPABLE = '|"\'\\`$ ${x} %{y} $${z} *_ #!:;,[]{}@=+/?~^<>&( ) é\t\u00a0';

/** A credential of a known shape, carrying every escapable character and a line break. */
export function shapedCredential(): { value: string; core: string } {
  const core = urlSafe(48);
  return { value: 'sk-ant-' + 'api03-' + core + ESCAPABLE + '\nnext line ' + letters(6), core };
}

/** A password of no known shape and no randomness a detector would see: only its value gives it away. */
export function shapelessPassword(): string {
  return `pass ${letters(10)} ${ESCAPABLE} ${letters(10)}\nsecond line ${letters(8)}`;
}

/**
 * A password that config text accepts (which refuses control characters: no tab, no line break),
 * with every other escapable character and no backtick, so a dotenv file can hold it too.
 */
export function oneLinePassword(): string {
  return shapelessDotenvPassword().replace(/[\t\n]/g, ' ');
}

/** One word of escapable characters (no space, no line break), for fields that refuse whitespace. */
export function shapelessWord(): string {
  return `pw${letters(10)}|"'\\\`$\${x}%{y}*_#!:;,[]{}@=+/?~^<>&()é${letters(10)}`;
}

/** The same without a backtick: a dotenv file can quote any value but one holding all three quote kinds. */
export function shapelessDotenvPassword(): string {
  return shapelessPassword().replace(/`/g, '');
}

/** `KEY=value` as a dotenv file holds `value` exactly (backticks: no escapes, line breaks kept). */
export function dotenvLine(name: string, value: string): string {
  if (value.includes('`')) throw new Error('a dotenv value cannot hold a backtick here');
  return `${name}=\`${value}\`\n`;
}

/**
 * The texts that would give `value` away: every encoding the guard knows, the value as JSON and
 * YAML write it, and every 12-character window of its random `core` (case-insensitively).
 */
export function giveaways(value: string, core?: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const windows: string[] = [];
  if (core) for (let i = 0; i + 12 <= core.length; i++) windows.push(core.slice(i, i + 12).toLowerCase());
  return [
    value,
    JSON.stringify(value),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    ...encodingsOf(value).map((f) => f.text),
    ...value.split(/\s+/).filter((word) => word.length >= 10),
    ...windows,
  ];
}

/** The giveaways of `value` found in `text` (none, when nothing leaked). */
export function leakedIn(text: string, value: string, core?: string): string[] {
  const lowered = text.toLowerCase();
  return giveaways(value, core).filter((g) => text.includes(g) || lowered.includes(g.toLowerCase()));
}
