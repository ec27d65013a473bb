import type * as JsYaml from 'js-yaml';

/**
 * The data of YAML text written in the plain block style configs and manifests use, read fast, or
 * `undefined` when the text uses anything else (or is not valid): then the caller reads it with the `yaml`
 * library, which stays the reference (its document parser gives every error its line). That library takes
 * some ten times longer, a quarter of a synth at 5,000 secrets and most of the validation plugin's reading.
 *
 * The subset is checked line by line before anything is parsed, and holds only what both libraries read
 * the same way by the YAML 1.2 specification (js-yaml and `yaml` each pass the YAML test suite): block
 * mappings and sequences, one scalar or flow list per line, comment lines. Left to the library are tags,
 * anchors and aliases, directives and document markers, block and multi-line scalars, comments after a
 * value, `?` keys, keys that are not plain strings (`null:`, `1:`, `<<:`, `__proto__`), tabs, CR and
 * other control characters. Duplicate keys make js-yaml throw, so they reach the library too. Plain
 * scalars resolve by the `yaml` library's own core schema (below), so `1_000` stays a string as there.
 * test/plain-yaml.test.ts compares the two readers on hostile and generated texts.
 */
export function readPlainYaml(text: string): { value: unknown } | undefined {
  if (OUTSIDE_TEXT.test(text) || !inSubset(text)) return undefined;
  try {
    const value = jsYaml().load(text, { schema: coreSchema() });
    return value === undefined ? undefined : { value };
  } catch {
    return undefined; // invalid, or a duplicate key: the library says what is wrong, and where
  }
}

/** Tabs, CR, control characters, a byte order mark and the line breaks of YAML 1.1 (NEL, LS, PS). */
const OUTSIDE_TEXT = /[\x00-\x09\x0B-\x1F\x7F-\x9F\uFEFF\u2028\u2029]/;

/** A plain string key, at most 500 characters (the `yaml` library refuses implicit keys over 1024); never `null`, `true`... or `__proto__`. */
const KEY = String.raw`(?!(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|__proto__):)[A-Za-z_$][A-Za-z0-9_./$-]{0,500}|"(?!__proto__")[^"\\]{0,500}"|'(?!__proto__')[^']{0,500}'`;
const DOUBLE_QUOTED = String.raw`"(?:[^"\\]|\\["\\/nrt0]|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})*"`;
const SINGLE_QUOTED = String.raw`'(?:[^']|'')*'`;
/** A plain scalar of a block: no indicator first (`-`, `?`, `:` only before a non-space), no `: ` or ` #` inside, no `:` last. */
const PLAIN = String.raw`(?:[^\s\-?:,\[\]{}#&*!|>'"%@\x60<]|[-?:](?=\S))(?:[^:#]|:(?=[^ ])|(?<! )#)*`;
/** A plain scalar inside [ ] or { }: none of , [ ] { } either, and no space last. */
const FLOW_PLAIN = String.raw`[A-Za-z0-9_(](?:[^\s,\[\]{}:#]|:(?=[^\s,\[\]{}])|(?<! )#| +(?=[^\s,\[\]{}:#]))*`;
const flowCollection = (item: string) =>
  String.raw`\[ *(?:(?:${item})(?: *, *(?:${item}))*)? *\]|\{ *(?:(?:${KEY}): +(?:${item})(?: *, *(?:${KEY}): +(?:${item}))*)? *\}`;
const FLOW_SCALAR = `${FLOW_PLAIN}|${DOUBLE_QUOTED}|${SINGLE_QUOTED}`;
/** One line of flow style, two levels deep: `{ tiers: [ production ] }`. */
const FLOW = flowCollection(`${FLOW_SCALAR}|${flowCollection(FLOW_SCALAR)}`);
/** Indentation and list dashes, perhaps a `key:` (before a space or the end), and the rest of the line. */
const HEAD = new RegExp(`^( *(?:-(?: +|$))*)(?:(${KEY}):(?= |$))? *(.*)$`);
/** The rest: a scalar or an empty collection, perhaps a comment after it; or only a comment. Groups: a plain scalar, a comment after it. */
const VALUE = new RegExp(`^(?:(?:${DOUBLE_QUOTED}|${SINGLE_QUOTED}|\\[\\]|\\{\\}|(${PLAIN}))( +#.*)?|#.*)?$`);
/** The rest as a flow collection on one line (a large pattern: made when a file first has one). */
let flowLine: RegExp | undefined;
/** The next line of a plain scalar, folded into it (indented deeper than where the scalar's line starts). */
const CONTINUATION = new RegExp(`^( +)[A-Za-z0-9_(](?:[^:#]|:(?=[^ ])|(?<! )#)*$`);

function inSubset(text: string): boolean {
  /** After a line ending in a plain scalar: the column its next lines must be indented past. */
  let continuesPast: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (/^ *#/.test(line)) {
      continuesPast = undefined;
      continue;
    }
    const [, lead, key, rest] = HEAD.exec(line) ?? [];
    if (key === undefined && !lead.includes('-')) {
      // Neither a key nor a list item: the line can only continue a plain scalar above.
      const continuation = CONTINUATION.exec(line);
      if (continuation === null || continuesPast === undefined || continuation[1].length <= continuesPast) return false;
      continue;
    }
    const value = VALUE.exec(rest);
    if (value !== null) {
      const [, plain, comment] = value;
      continuesPast = plain !== undefined && comment === undefined ? lead.length : undefined;
      continue;
    }
    flowLine ??= new RegExp(`^(?:${FLOW})( +#.*)?$`);
    if (!flowLine.test(rest)) return false;
    continuesPast = undefined;
  }
  return true;
}

// Loaded on first use: a synth of a project without a config file (the embedded default) reads no YAML.
let library: typeof JsYaml | undefined;
const jsYaml = (): typeof JsYaml => (library ??= require('js-yaml') as typeof JsYaml);

let core: JsYaml.Schema | undefined;

/** The `yaml` library's YAML 1.2 core schema (yaml/dist/schema/core): which plain scalars are null, booleans and numbers. */
function coreSchema(): JsYaml.Schema {
  if (core) return core;
  const { defineScalarTag, mapTag, NOT_RESOLVED, Schema, seqTag, strTag } = jsYaml();
  const plainTag = <T>(name: string, firstChars: string[], resolve: (source: string) => T | typeof JsYaml.NOT_RESOLVED) =>
    defineScalarTag<T>(`tag:yaml.org,2002:${name}`, { implicit: true, implicitFirstChars: firstChars, resolve, identify: () => false });
  const digits = [...'0123456789'];
  core = new Schema([
    strTag,
    seqTag,
    mapTag,
    plainTag('null', ['', '~', 'n', 'N'], (s) => (/^(?:~|[Nn]ull|NULL)?$/.test(s) ? null : NOT_RESOLVED)),
    plainTag('bool', ['t', 'T', 'f', 'F'], (s) => (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s) ? s[0] === 't' || s[0] === 'T' : NOT_RESOLVED)),
    plainTag('int', ['-', '+', ...digits], (s) =>
      /^0o[0-7]+$/.test(s) ? parseInt(s.substring(2), 8) : /^[-+]?[0-9]+$/.test(s) ? parseInt(s, 10) : /^0x[0-9a-fA-F]+$/.test(s) ? parseInt(s.substring(2), 16) : NOT_RESOLVED,
    ),
    plainTag('float', ['-', '+', '.', ...digits], (s) => {
      if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
      return /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s) ? parseFloat(s) : NOT_RESOLVED;
    }),
  ]);
  return core;
}
