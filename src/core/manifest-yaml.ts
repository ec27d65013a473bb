import { Document, stringify, type ToStringOptions, type CreateNodeOptions, type DocumentOptions, type SchemaOptions } from 'yaml';

/**
 * The YAML text of one manifest, byte for byte what cdk8s's `Yaml.stringify(object)` writes (the `yaml`
 * library with YAML 1.1 scalars, no line folding), in a fraction of its time for what manifests mostly
 * hold: maps, lists and short strings that need no quotes. A Deployment that reads thousands of catalog
 * variables spends seconds in the library's general emitter; this one writes those lines directly.
 *
 * Anything outside that common subset is left to the library: a scalar that may need quoting is rendered
 * by it (once per distinct text), and an object that holds what this emitter does not write (a multi-line
 * string, a list directly in a list, an unusual key or number) is written by it whole. So the output is
 * the library's by construction; test/manifest-yaml.test.ts compares the two on generated objects and on
 * every manifest of the default config and the examples.
 */
export function manifestYaml(object: unknown): string {
  if (!isPlainObject(object) || Object.keys(object).length === 0) return stringify(object, LIBRARY_OPTIONS);
  const lines: string[] = [];
  return writeMap(object, '', lines) ? lines.join('\n') + '\n' : stringify(object, LIBRARY_OPTIONS);
}

/** cdk8s's options for `Yaml.stringify`. */
const LIBRARY_OPTIONS: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = { keepUndefined: true, lineWidth: 0, version: '1.1' };

/**
 * Text that YAML 1.1 reads back as the same string when written bare: a letter first, then letters, digits
 * and `_ . / = + -` only (no `:`, `#`, space or quote to misread), and nothing the library's own 1.1 schema
 * reads as another type (`yes`, `off`, `null`, and `E5`, a float there). Everything else is asked of the library.
 */
const PLAIN = /^[A-Za-z][A-Za-z0-9_./=+-]*$/;
const OTHER_TYPES: readonly RegExp[] = new Document(null, LIBRARY_OPTIONS).schema.tags.flatMap((tag) => (tag.test ? [tag.test] : []));

function isBare(text: string): boolean {
  return PLAIN.test(text) && !OTHER_TYPES.some((pattern) => pattern.test(text));
}

const renderedScalars = new Map<string, string | undefined>();

/** The string as a value on a line: bare when safe, else as the library quotes it; undefined when that spans lines. */
function scalar(text: string): string | undefined {
  if (isBare(text)) return text;
  if (renderedScalars.has(text)) return renderedScalars.get(text);
  const rendered = stringify(text, LIBRARY_OPTIONS).replace(/\n$/, '');
  const oneLine = rendered.includes('\n') ? undefined : rendered;
  if (renderedScalars.size < 50_000) renderedScalars.set(text, oneLine);
  return oneLine;
}

/** A value written after `key:` or `- ` on the same line; undefined when it needs lines of its own or the library. */
function inline(value: unknown): string | undefined {
  if (typeof value === 'string') return scalar(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (isPlainObject(value) && Object.keys(value).length === 0) return '{}';
  return undefined;
}

/** Writes the entries of a non-empty map at `indent`; false when the library must write the object. */
function writeMap(map: Record<string, unknown>, indent: string, lines: string[], firstPrefix?: string): boolean {
  let first = true;
  for (const key of Object.keys(map)) {
    if (!isBare(key)) return false;
    const prefix = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const value = map[key];
    const simple = inline(value);
    if (simple !== undefined) {
      lines.push(`${prefix}${key}: ${simple}`);
    } else if (isPlainObject(value)) {
      lines.push(`${prefix}${key}:`);
      if (!writeMap(value, indent + '  ', lines)) return false;
    } else if (Array.isArray(value)) {
      lines.push(`${prefix}${key}:`);
      if (!writeList(value, indent + '  ', lines)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** Writes the items of a non-empty list at `indent`; false when the library must write the object. */
function writeList(list: readonly unknown[], indent: string, lines: string[]): boolean {
  for (const item of list) {
    const simple = inline(item);
    if (simple !== undefined) {
      lines.push(`${indent}- ${simple}`);
    } else if (isPlainObject(item)) {
      // The map's first entry shares the line of its dash; the others align with it.
      if (!writeMap(item, indent + '  ', lines, `${indent}- `)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
