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
  return writeManifest(object);
}

type LibraryOptions = DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions;

/** cdk8s's options for `Yaml.stringify`. */
const LIBRARY_OPTIONS: LibraryOptions = { keepUndefined: true, lineWidth: 0, version: '1.1' };

/**
 * A writer whose output is byte for byte the library's `stringify(object, options)`, fast for the common
 * subset described above (manifests, Helm values). The options decide the schema (YAML 1.1 or 1.2), and with
 * it which bare texts read as another type; everything else goes to the library as for manifests.
 */
export function yamlWriter(options: LibraryOptions): (object: unknown) => string {
  const emitter = new Emitter(options);
  return (object) => emitter.document(object);
}

/**
 * Text that reads back as the same string when written bare: a letter first, then letters, digits and
 * `_ . / = + -` only (no `:`, `#`, space or quote to misread), and nothing the schema reads as another type
 * (`yes`, `off`, `null`, and `E5`, a float in YAML 1.1). Everything else is asked of the library.
 */
const PLAIN = /^[A-Za-z][A-Za-z0-9_./=+-]*$/;

class Emitter {
  private readonly otherTypes: readonly RegExp[];
  private readonly renderedScalars = new Map<string, string | undefined>();
  private readonly bareTexts = new Map<string, boolean>();

  constructor(private readonly options: LibraryOptions) {
    this.otherTypes = new Document(null, options).schema.tags.flatMap((tag) => (tag.test ? [tag.test] : []));
  }

  public document(object: unknown): string {
    if (!isPlainObject(object) || Object.keys(object).length === 0) return stringify(object, this.options);
    const lines: string[] = [];
    return this.writeMap(object, '', lines) ? lines.join('\n') + '\n' : stringify(object, this.options);
  }

  private isBare(text: string): boolean {
    // Keys and values recur across a catalog's objects (`name`, `secretKeyRef`, each secret's name): the
    // schema's patterns are tried once per distinct text.
    let bare = this.bareTexts.get(text);
    if (bare === undefined) {
      bare = PLAIN.test(text) && !this.otherTypes.some((pattern) => pattern.test(text));
      if (this.bareTexts.size < 50_000) this.bareTexts.set(text, bare);
    }
    return bare;
  }

  /** The string as a value on a line: bare when safe, else as the library quotes it; undefined when that spans lines. */
  private scalar(text: string): string | undefined {
    if (this.isBare(text)) return text;
    if (this.renderedScalars.has(text)) return this.renderedScalars.get(text);
    const rendered = stringify(text, this.options).replace(/\n$/, '');
    const oneLine = rendered.includes('\n') ? undefined : rendered;
    if (this.renderedScalars.size < 50_000) this.renderedScalars.set(text, oneLine);
    return oneLine;
  }

  /** A value written after `key:` or `- ` on the same line; undefined when it needs lines of its own or the library. */
  private inline(value: unknown): string | undefined {
    if (typeof value === 'string') return this.scalar(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value === null) return 'null';
    if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
    if (Array.isArray(value) && value.length === 0) return '[]';
    if (isPlainObject(value) && Object.keys(value).length === 0) return '{}';
    return undefined;
  }

  /** Writes the entries of a non-empty map at `indent`; false when the library must write the object. */
  private writeMap(map: Record<string, unknown>, indent: string, lines: string[], firstPrefix?: string): boolean {
    let first = true;
    for (const key of Object.keys(map)) {
      if (!this.isBare(key)) return false;
      const prefix = first && firstPrefix !== undefined ? firstPrefix : indent;
      first = false;
      const value = map[key];
      const simple = this.inline(value);
      if (simple !== undefined) {
        lines.push(`${prefix}${key}: ${simple}`);
      } else if (isPlainObject(value)) {
        lines.push(`${prefix}${key}:`);
        if (!this.writeMap(value, indent + '  ', lines)) return false;
      } else if (Array.isArray(value)) {
        lines.push(`${prefix}${key}:`);
        if (!this.writeList(value, indent + '  ', lines)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  /** Writes the items of a non-empty list at `indent`; false when the library must write the object. */
  private writeList(list: readonly unknown[], indent: string, lines: string[]): boolean {
    for (const item of list) {
      const simple = this.inline(item);
      if (simple !== undefined) {
        lines.push(`${indent}- ${simple}`);
      } else if (isPlainObject(item)) {
        // The map's first entry shares the line of its dash; the others align with it.
        if (!this.writeMap(item, indent + '  ', lines, `${indent}- `)) return false;
      } else {
        return false;
      }
    }
    return true;
  }
}

const writeManifest = yamlWriter(LIBRARY_OPTIONS);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `stringify(object, { lineWidth: 0 })` of the library (YAML 1.2, no folding), written as fast: Helm values files. */
export const valuesYaml = yamlWriter({ lineWidth: 0 });
