import type * as JsYaml from 'js-yaml';

/**
 * The data of YAML text written in the plain block style configs and manifests use, read fast, or
 * `undefined` when the text uses anything else (or is not valid): then the caller reads it with the `yaml`
 * library, which stays the reference (its document parser gives every error its line). That library takes
 * some ten times longer, a quarter of a synth at 5,000 secrets and most of the validation plugin's reading.
 *
 * The subset is checked line by line, and holds only what both libraries read the same way by the YAML 1.2
 * specification (js-yaml and `yaml` each pass the YAML test suite): block mappings and sequences, one
 * scalar or flow list per line, comment lines. Block structures of scalars are built in the same pass
 * (`readBlocks`); a text with flow style is read by js-yaml. Left to the library are tags,
 * anchors and aliases, directives and document markers, block and multi-line scalars, comments after a
 * value, `?` keys, keys that are not plain strings (`null:`, `1:`, `<<:`, `__proto__`), tabs, CR and
 * other control characters. Duplicate keys make js-yaml throw, so they reach the library too. Plain
 * scalars resolve by the `yaml` library's own core schema (below), so `1_000` stays a string as there.
 * test/plain-yaml.test.ts compares the two readers on hostile and generated texts.
 */
export function readPlainYaml(text: string): { value: unknown } | undefined {
  if (OUTSIDE_TEXT.test(text)) return undefined;
  const read = readBlocks(text);
  if (read === NOT_IN_SUBSET) return undefined;
  if (read !== NEEDS_PARSER) return read;
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

/** The text uses something outside the subset: the `yaml` library reads it. */
const NOT_IN_SUBSET = Symbol('not in the subset');
/** In the subset, but with flow collections or a structure this reader does not build: js-yaml reads it. */
const NEEDS_PARSER = Symbol('needs a parser');

/** A collection being read: a mapping at the column of its keys, or a sequence at the column of its dashes. */
interface Open {
  readonly column: number;
  readonly value: Record<string, unknown> | unknown[];
  /** A key (or, in a sequence, an item) whose value is on the lines below: a block, or null when none comes. */
  pending?: { readonly key: string | number };
  /** A sequence that is a mapping's value at the mapping's own column (`key:` then `- item`). */
  compact?: boolean;
}

/**
 * Checks the subset line by line and, for block mappings and sequences of scalars, builds the data in the
 * same pass: a tenth of what a general parser costs on the 26,000 lines of a 5,000-secret config. A line of
 * flow style, or a structure it does not build, leaves the text to js-yaml (`NEEDS_PARSER`); any doubt about
 * the structure does too, and js-yaml then reads it or throws, as it did before this reader.
 */
function readBlocks(text: string): { value: unknown } | typeof NOT_IN_SUBSET | typeof NEEDS_PARSER {
  /** After a line ending in a plain scalar: the column its next lines must be indented past. */
  let continuesPast: number | undefined;
  /** The plain scalar those lines continue: where it is, and its text so far. */
  let folding: { readonly into: Open; readonly key: string | number; text: string; blankLines: number } | undefined;
  let buildable = true;
  const stack: Open[] = [];
  let root: unknown;
  let rootSet = false;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') {
      if (folding) folding.blankLines++;
      continue;
    }
    if (/^ *#/.test(line)) {
      continuesPast = undefined;
      folding = undefined;
      continue;
    }
    const [, lead, key, rest] = HEAD.exec(line) ?? [];
    if (key === undefined && !lead.includes('-')) {
      // Neither a key nor a list item: the line can only continue a plain scalar above.
      const continuation = CONTINUATION.exec(line);
      if (continuation === null || continuesPast === undefined || continuation[1].length <= continuesPast) return NOT_IN_SUBSET;
      if (buildable && folding) {
        folding.text += folding.blankLines > 0 ? '\n'.repeat(folding.blankLines) : ' ';
        folding.text += line.slice(continuation[1].length);
        folding.blankLines = 0;
        const { into, key: at, text: folded } = folding;
        (into.value as Record<string | number, unknown>)[at] = resolvePlain(folded);
      }
      continue;
    }
    folding = undefined;
    const value = VALUE.exec(rest);
    let scalar: { readonly value: unknown; readonly plain?: string } | undefined;
    if (value !== null) {
      const [, plain, comment] = value;
      continuesPast = plain !== undefined && comment === undefined ? lead.length : undefined;
      if (buildable) scalar = scalarOf(rest, plain, comment);
    } else {
      flowLine ??= new RegExp(`^(?:${FLOW})( +#.*)?$`);
      if (!flowLine.test(rest)) return NOT_IN_SUBSET;
      continuesPast = undefined;
      buildable = false;
    }
    if (!buildable) continue;
    const placed = place(lead, key, scalar);
    if (placed === undefined) {
      buildable = false;
      continue;
    }
    if (placed.folds) folding = { into: placed.folds.into, key: placed.folds.key, text: placed.folds.text, blankLines: 0 };
  }
  if (!buildable) return NEEDS_PARSER;
  closeTo(-1);
  return rootSet ? { value: root } : NEEDS_PARSER;

  /** Closes the collections deeper than `column`; a value still pending below one is null. */
  function closeTo(column: number): void {
    while (stack.length > 0 && stack[stack.length - 1].column > column) settle(stack.pop()!);
  }

  function settle(open: Open): void {
    if (open.pending) (open.value as Record<string | number, unknown>)[open.pending.key] = null;
    open.pending = undefined;
  }

  /** Adds `node` where the line's first token (at `column`) belongs; false when the structure is not one it builds. */
  function attach(node: Open, column: number): boolean {
    // A value pending above takes the first node below it: deeper, or a sequence at a mapping key's own column.
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (rootSet) return false;
      root = node.value;
      rootSet = true;
      stack.push(node);
      return true;
    }
    if (!top.pending) return false;
    const compact = column === top.column && !Array.isArray(top.value) && Array.isArray(node.value);
    if (column <= top.column && !compact) return false;
    (top.value as Record<string | number, unknown>)[top.pending.key] = node.value;
    top.pending = undefined;
    if (compact) node.compact = true;
    stack.push(node);
    return true;
  }

  /**
   * Puts a line's dashes, key and value into the data. Returns where a plain scalar was put (its next lines
   * may continue it), or undefined when the line does not fit the structure above it.
   */
  function place(
    lead: string,
    key: string | undefined,
    scalar: { readonly value: unknown; readonly plain?: string } | undefined,
  ): { folds?: { into: Open; key: string | number; text: string } } | undefined {
    const indent = lead.length - lead.trimStart().length;
    const dashes: number[] = [];
    for (let i = indent; i < lead.length; i++) if (lead[i] === '-') dashes.push(i);
    const contentColumn = lead.length;
    const firstColumn = dashes.length > 0 ? dashes[0] : indent;
    const firstIsDash = dashes.length > 0;
    // Close what the line is not inside of.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      if (top.pending) {
        const nests = firstColumn > top.column || (firstColumn === top.column && firstIsDash && !Array.isArray(top.value));
        if (nests) break;
        settle(top);
      }
      if (top.column > firstColumn) {
        stack.pop();
        continue;
      }
      if (top.column === firstColumn) {
        const sameKind = Array.isArray(top.value) === firstIsDash;
        if (sameKind) break;
        if (top.compact && !firstIsDash) {
          stack.pop(); // the key after a compact sequence belongs to the mapping at the same column
          continue;
        }
        return undefined;
      }
      return undefined; // deeper than a collection with nothing pending: `a: b` then `  c: d`
    }
    // The dashes: each opens (or continues) a sequence at its column, the next one nested in its item.
    let item: Open | undefined;
    for (const column of dashes) {
      const top = stack[stack.length - 1];
      let sequence: Open;
      if (top !== undefined && !top.pending && top.column === column && Array.isArray(top.value)) {
        sequence = top;
      } else {
        sequence = { column, value: [] };
        if (!attach(sequence, column)) return undefined;
      }
      const list = sequence.value as unknown[];
      sequence.pending = { key: list.length };
      list.push(null);
      item = sequence;
    }
    if (key !== undefined) {
      const top = stack[stack.length - 1];
      let mapping: Open;
      if (top !== undefined && !top.pending && top.column === contentColumn && !Array.isArray(top.value)) {
        mapping = top;
      } else {
        mapping = { column: contentColumn, value: {} };
        if (!attach(mapping, contentColumn)) return undefined;
      }
      const record = mapping.value as Record<string, unknown>;
      const name = unquoteKey(key);
      if (Object.hasOwn(record, name)) return undefined; // a duplicate (`a` and `"a"` too): js-yaml throws, the library names its line
      record[name] = null;
      mapping.pending = { key: name };
      item = mapping;
    }
    if (item === undefined) return undefined;
    if (scalar === undefined) return {}; // the value is on the lines below (or null)
    const at = item.pending!.key;
    (item.value as Record<string | number, unknown>)[at] = scalar.value;
    item.pending = undefined;
    return scalar.plain !== undefined ? { folds: { into: item, key: at, text: scalar.plain } } : {};
  }
}

/** A key as written (plain, or quoted without escapes: the KEY pattern allows no other) as the string it names. */
function unquoteKey(key: string): string {
  return key[0] === '"' || key[0] === "'" ? key.slice(1, -1) : key;
}

/** The value of the rest of a line that VALUE matched: undefined when it holds none (the value is below). */
function scalarOf(rest: string, plain: string | undefined, comment: string | undefined): { readonly value: unknown; readonly plain?: string } | undefined {
  if (plain !== undefined) {
    const text = plain.trimEnd();
    return { value: resolvePlain(text), plain: comment === undefined ? text : undefined };
  }
  const body = comment === undefined ? rest : rest.slice(0, rest.length - comment.length);
  if (body === '' || body[0] === '#') return undefined;
  if (body === '[]') return { value: [] };
  if (body === '{}') return { value: {} };
  if (body[0] === "'") return { value: body.slice(1, -1).replace(/''/g, "'") };
  return { value: unescapeDoubleQuoted(body.slice(1, -1)) };
}

const DOUBLE_QUOTED_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', r: '\r', t: '\t', '0': '\0' };

/** The escapes DOUBLE_QUOTED allows: `\"`, `\\`, `\/`, `\n`, `\r`, `\t`, `\0`, `\xXX`, `\uXXXX`. */
function unescapeDoubleQuoted(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|(.))/g, (_, x2: string | undefined, u4: string | undefined, single: string) =>
    x2 !== undefined ? String.fromCharCode(parseInt(x2, 16)) : u4 !== undefined ? String.fromCharCode(parseInt(u4, 16)) : DOUBLE_QUOTED_ESCAPES[single],
  );
}

/** A plain scalar by the `yaml` library's YAML 1.2 core schema (yaml/dist/schema/core): null, a boolean, a number or the string. */
function resolvePlain(text: string): unknown {
  const first = text[0];
  if (text === '' || first === '~' || first === 'n' || first === 'N') {
    const isNull = resolveNull(text);
    if (isNull !== UNRESOLVED) return isNull;
  }
  if (first === 't' || first === 'T' || first === 'f' || first === 'F') {
    const bool = resolveBool(text);
    if (bool !== UNRESOLVED) return bool;
  }
  if (first === '-' || first === '+' || first === '.' || (first >= '0' && first <= '9')) {
    const int = first === '.' ? UNRESOLVED : resolveInt(text);
    if (int !== UNRESOLVED) return int;
    const float = resolveFloat(text);
    if (float !== UNRESOLVED) return float;
  }
  return text;
}

const UNRESOLVED = Symbol('unresolved');

const resolveNull = (s: string): null | typeof UNRESOLVED => (/^(?:~|[Nn]ull|NULL)?$/.test(s) ? null : UNRESOLVED);
const resolveBool = (s: string): boolean | typeof UNRESOLVED => (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s) ? s[0] === 't' || s[0] === 'T' : UNRESOLVED);
const resolveInt = (s: string): number | typeof UNRESOLVED =>
  /^0o[0-7]+$/.test(s) ? parseInt(s.substring(2), 8) : /^[-+]?[0-9]+$/.test(s) ? parseInt(s, 10) : /^0x[0-9a-fA-F]+$/.test(s) ? parseInt(s.substring(2), 16) : UNRESOLVED;
function resolveFloat(s: string): number | typeof UNRESOLVED {
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  return /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s) ? parseFloat(s) : UNRESOLVED;
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
  const orUnresolved = <T>(resolve: (source: string) => T | typeof UNRESOLVED) => (source: string): T | typeof JsYaml.NOT_RESOLVED => {
    const value = resolve(source);
    return value === UNRESOLVED ? (NOT_RESOLVED as typeof JsYaml.NOT_RESOLVED) : (value as T);
  };
  core = new Schema([
    strTag,
    seqTag,
    mapTag,
    plainTag('null', ['', '~', 'n', 'N'], orUnresolved(resolveNull)),
    plainTag('bool', ['t', 'T', 'f', 'F'], orUnresolved(resolveBool)),
    plainTag('int', ['-', '+', ...digits], orUnresolved(resolveInt)),
    plainTag('float', ['-', '+', '.', ...digits], orUnresolved(resolveFloat)),
  ]);
  return core;
}
