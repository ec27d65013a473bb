import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../config/errors';
import { showable } from '../config/shown';
import { MAX_ENV_FILE_BYTES, readUserFile } from '../config/user-file';

/** Reads a dotenv file (`KEY=value` lines); values are kept in memory only. */
export function readEnvFile(cwd: string, path: string): Record<string, string> {
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
  return parseDotenv(bytes);
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
