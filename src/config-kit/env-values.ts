import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../core/errors';
import { showable } from './shown';
import { MAX_ENV_FILE_BYTES, readUserFile } from './user-file';

/** Reads a dotenv file (`KEY=value` lines); values are kept in memory only. */
export function readEnvFile(cwd: string, path: string): Record<string, string> {
  return readEnvFileChecked(cwd, path).values;
}

/** The values of a dotenv file, and the keys whose value a shell or direnv would read differently. */
export function readEnvFileChecked(cwd: string, path: string): { values: Record<string, string>; hazards: ReadonlyMap<string, SourcingHazard> } {
  const bytes = readUserFile(resolve(cwd, path), {
    label: `env file "${path}"`,
    maxBytes: MAX_ENV_FILE_BYTES,
    missingFix: `create it from the example (aragora-secrets env-example > ${path}) and fill in the values`,
    notAFileFix: 'point --env-file at the dotenv file itself',
  });
  const problems = envFileProblems(bytes);
  if (problems.length > 0) {
    throw new UserError([`env file "${path}" is malformed (nothing was read from it; values are not shown):`, ...problems.map((p) => `  - ${p}`)].join('\n'));
  }
  const values = parseDotenv(bytes);
  return { values, hazards: sourcingHazards(bytes.toString('utf8'), values) };
}

const ASSIGNMENT = /^\s*(?:export\s+)?([^=\s]*)\s*=\s?(.*)$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What dotenv would silently skip or misread: binary content, lines that are not `NAME=value`,
 * names no shell accepts, a name set twice, an unclosed quote. Messages name the line and the
 * variable, never the value.
 */
export function envFileProblems(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  if (text.includes('\u0000') || text.includes('\uFFFD')) return ['the file is not UTF-8 text (binary or NUL bytes found)'];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let openQuote: { quote: string; line: number; name: string } | undefined;
  lines.forEach((line, index) => {
    const number = index + 1;
    if (openQuote) {
      if (line.includes(openQuote.quote)) openQuote = undefined;
      return;
    }
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      problems.push(`line ${number}: not a NAME=value assignment${whatFollows(line)}`);
      return;
    }
    const [, name, rawValue] = match;
    if (!VARIABLE_NAME.test(name)) {
      // What precedes "=" may be a value ("KEY:value==", a pasted token): only a name-shaped start of it is named.
      const colon = /^([A-Za-z_][A-Za-z0-9_]*):/.exec(name);
      problems.push(
        colon && showable(colon[1])
          ? `line ${number}: not a NAME=value assignment${whatFollows(line)}`
          : `line ${number}: the text before "=" is not a variable name (letters, digits and "_", not starting with a digit)${whatFollows(name)}`,
      );
      return;
    }
    if (name === '__proto__') {
      problems.push(`line ${number}: __proto__ cannot be a variable name here (dotenv would drop it)`);
      return;
    }
    if (!showable(name, MAX_SHOWN_NAME_LENGTH)) {
      problems.push(`line ${number}: the name looks like a credential or a bare value, not a variable name (not shown): is a NAME= missing?`);
      return;
    }
    const previous = firstLine.get(name);
    if (previous !== undefined) problems.push(`line ${number}: ${name} is set again (first on line ${previous}); keep one`);
    else firstLine.set(name, number);
    const value = rawValue.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !value.slice(1).includes(quote)) openQuote = { quote, line: number, name };
  });
  if (openQuote) problems.push(`line ${openQuote.line}: the quoted value of ${openQuote.name} is never closed`);
  return problems;
}

/** Variable names longer than this are not printed (nor accepted): a name is a few words. */
const MAX_SHOWN_NAME_LENGTH = 128;

/**
 * Where a line that is not `NAME=value` goes wrong, naming at most the variable name it starts
 * with (when that is shaped like one) and the one character after it, never what follows.
 */
function whatFollows(text: string): string {
  const start = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)(.)/u.exec(text);
  if (!start || !showable(start[1], MAX_SHOWN_NAME_LENGTH)) return '';
  const [, name, next] = start;
  if (next === ':') return `: ${name} is followed by ":"; write ${name}=value`;
  if (next === ' ') return `: a space follows ${name}; write ${name}=value, with no space in the name`;
  const character = /^[\x21-\x7e]$/.test(next) ? `"${next}"` : `U+${next.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `: ${name} is followed by ${character}, which no variable name holds`;
}

/**
 * The values of `names`: the env file wins over the process environment (as with `seal`), so that
 * an explicit file is never overridden by a stale shell. Empty values count as absent.
 */
export function collectValues(names: readonly string[], fromFile: Readonly<Record<string, string>> | undefined, processEnv: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of [...names].sort()) {
    const value = fromFile?.[name] || processEnv[name];
    if (value) values.set(name, value);
  }
  return values;
}

/** A value that `set -a; . FILE` or direnv's `dotenv` would read differently from the dotenv parser we use. */
export interface SourcingHazard {
  readonly line: number;
  /** What differs, in words; never the value. */
  readonly what: string;
  /**
   * Whether single quotes make every reader agree (the value holds no `'` and no line break). Otherwise no
   * quoting does, and the file must only ever be read by aragora-secrets.
   */
  readonly fixable: boolean;
}

/** Characters sh gives a meaning to outside quotes (in an assignment: no globbing, no word splitting of the value). */
const SHELL_SPECIAL_UNQUOTED = /[$`\\"';&|<>()~\s]/g;
/** Inside double quotes, sh and direnv expand `$` and backticks and eat backslashes; dotenv turns `\n` into a newline. */
const SHELL_SPECIAL_DOUBLE_QUOTED = /[$`\\]/g;

/**
 * The keys of a dotenv file whose value a shell sourcing the file (`set -a; . ./.env`) or direnv's
 * `dotenv` would read differently from the dotenv parser of `check`, `render`, `seal` and `run`: `$`
 * expanded (`Zq9$x7` becomes `Zq9`), backticks and `$(...)` run, backslashes eaten, `&` or `;` ending
 * the assignment, a space after `=` running the value as a command, `#` cutting an unquoted value.
 * Single-quoted values read the same everywhere.
 */
export function sourcingHazards(text: string, values: Readonly<Record<string, string>>): Map<string, SourcingHazard> {
  const hazards = new Map<string, SourcingHazard>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)(\s*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, name, spaceBefore, afterEquals] = match;
    const number = index + 1;
    let raw = afterEquals;
    const quote = raw.trimStart()[0];
    // A quoted value may go on over the next lines, up to its closing quote.
    if (quote === '"' || quote === "'" || quote === '`') {
      while (!raw.trimStart().slice(1).includes(quote) && index + 1 < lines.length) raw += '\n' + lines[++index];
    }
    const found = new Set<string>();
    if (spaceBefore !== '' || (/^\s/.test(afterEquals) && afterEquals.trim() !== '')) found.add('a space around "="');
    const value = raw.trim();
    if (quote === "'") {
      const close = value.indexOf("'", 1);
      const rest = value.slice(close + 1).trim();
      if (close < 0 || (rest !== '' && !rest.startsWith('#')) || value.slice(1, close).includes('\\')) found.add('quoting');
    } else if (quote === '"') {
      const close = value.indexOf('"', 1);
      for (const c of value.slice(1, close < 0 ? undefined : close).match(SHELL_SPECIAL_DOUBLE_QUOTED) ?? []) found.add(describeCharacter(c));
      if (close < 0 || !/^(\s*(#.*)?)?$/.test(value.slice(close + 1))) found.add('quoting');
    } else if (quote === '`') {
      found.add('a backtick');
    } else {
      // dotenv ends an unquoted value at the first "#"; sh only at a "#" that starts a word.
      const hash = value.indexOf('#');
      if (hash > 0 && !/\s/.test(value[hash - 1])) found.add('"#"');
      const kept = (hash >= 0 ? value.slice(0, hash) : value).trim();
      for (const c of kept.match(SHELL_SPECIAL_UNQUOTED) ?? []) found.add(describeCharacter(c));
    }
    if (found.size === 0) continue;
    const parsed = values[name] ?? '';
    hazards.set(name, { line: number, what: [...found].join(', '), fixable: !/['\r\n]/.test(parsed) });
  }
  return hazards;
}

function describeCharacter(c: string): string {
  if (/\s/.test(c)) return 'a space';
  return { '`': 'a backtick', '\\': 'a backslash', "'": 'a single quote', '"': 'a double quote' }[c] ?? `"${c}"`;
}
