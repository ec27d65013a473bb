/**
 * Rules for every string of the config, keys included, checked before the schema: text that
 * would mislead a reviewer or break the files it is copied into is refused wherever it appears,
 * so that no field (present or future) can forget the check.
 */

export interface TextProblem {
  readonly segments: readonly PropertyKey[];
  readonly message: string;
  readonly fix: string;
}

/**
 * C0 and C1 controls (line breaks and tabs included), DEL, the Unicode line and paragraph
 * separators, and the bidirectional controls that make text display in another order than it is
 * stored (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/u;

/** Fields whose values are several lines by nature (PEM certificates): line feeds are allowed there, nothing else. */
const MULTI_LINE_FIELDS: ReadonlySet<string> = new Set(['caBundle']);

/** JavaScript gives this key a meaning of its own (the object's prototype): it could only be dropped or misread. */
const RESERVED_KEY = '__proto__';

/** Every string of `input` that breaks the rules above, by config path. */
export function inputTextProblems(input: unknown): TextProblem[] {
  const problems: TextProblem[] = [];
  const ancestors = new Set<object>();
  // The path of the value walked; copied only for a problem (a catalog's config has tens of thousands of strings).
  const path: PropertyKey[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      const multiLine = path.length > 0 && MULTI_LINE_FIELDS.has(String(path[path.length - 1]));
      const found = firstForbidden(multiLine ? value.replace(/\n/g, '') : value);
      if (found !== undefined) problems.push({ segments: [...path], message: `contains ${describe(found)}`, fix: fixFor(found) });
      return;
    }
    if (value === null || typeof value !== 'object' || ancestors.has(value)) return;
    ancestors.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    } else {
      for (const key of Object.keys(value)) {
        path.push(key);
        const found = firstForbidden(key);
        if (key === RESERVED_KEY) {
          problems.push({ segments: [...path], message: `"${RESERVED_KEY}" cannot be a key: JavaScript reserves the name (the entry would be dropped)`, fix: 'rename or remove it' });
        } else if (found !== undefined) {
          problems.push({ segments: [...path], message: `a key contains ${describe(found)}`, fix: fixFor(found) });
        } else {
          walk((value as Record<string, unknown>)[key]);
        }
        path.pop();
      }
    }
    ancestors.delete(value);
  };
  walk(input);
  return problems;
}

function firstForbidden(text: string): string | undefined {
  return FORBIDDEN.exec(text)?.[0];
}

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function describe(character: string): string {
  if (character === '\t') return 'a tab';
  if (LINE_BREAK.test(character)) return `a line break (${codePoint(character)})`;
  if (BIDI.test(character)) return `a bidirectional control character (${codePoint(character)})`;
  return `a control character (${codePoint(character)})`;
}

function fixFor(character: string): string {
  if (character === '\t') return 'use spaces';
  if (LINE_BREAK.test(character)) return 'write it on one line (a YAML block scalar, `|` or `>`, keeps a line break at its end: use a plain or quoted string)';
  if (BIDI.test(character)) return 'remove it: it makes the text display in another order than it is stored, so a review would read something else';
  return 'remove it: config text is printable characters only';
}
