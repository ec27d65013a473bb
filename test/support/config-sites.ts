/**
 * The places of a config where text goes, enumerated from the committed JSON Schema (not picked
 * by hand): every string value and every key of a free-form mapping, with the concrete paths at
 * which a given config has them.
 */

/** A step of a schema path: a property, any value of a mapping (`*`), a key of a mapping (`<key>`), any list item (`[]`). */
export type SchemaStep = string;

export interface StringSite {
  /** e.g. `environments.*.workload.image`, `app.labels.<key>` */
  readonly schemaPath: string;
  /** The schema constrains the text (pattern, enum, const, or a check JSON Schema cannot express). */
  readonly constrained: boolean;
}

type JsonSchema = Record<string, unknown>;

/** Every string-typed place of the schema (values, and the keys of mappings). */
export function stringSites(schema: JsonSchema): StringSite[] {
  const found = new Map<string, boolean>();
  const visit = (node: unknown, path: SchemaStep[], depth: number) => {
    if (depth > 60 || node === null || typeof node !== 'object') return;
    const n = node as JsonSchema;
    const type = n.type;
    const isString = type === 'string' || (Array.isArray(type) && type.includes('string'));
    // z.toJSONSchema writes checks it cannot express (refinements) as an unconstrained schema: `{}`.
    const isUnconstrainedAny = Object.keys(n).length === 0 || (Object.keys(n).every((k) => k === 'description') && path.length > 0);
    if (isString || isUnconstrainedAny) {
      const key = path.join('.');
      const constrained = isUnconstrainedAny || 'pattern' in n || 'enum' in n || 'const' in n || 'format' in n;
      found.set(key, (found.get(key) ?? true) && constrained);
    }
    for (const union of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (Array.isArray(n[union])) for (const branch of n[union] as unknown[]) visit(branch, path, depth + 1);
    }
    if (n.properties && typeof n.properties === 'object') {
      for (const [name, child] of Object.entries(n.properties as JsonSchema)) visit(child, [...path, name], depth + 1);
    }
    if (n.additionalProperties && typeof n.additionalProperties === 'object') {
      visit(n.additionalProperties, [...path, '*'], depth + 1);
      // The keys of a free-form mapping are text the user writes too.
      visit(n.propertyNames ?? {}, [...path, '<key>'], depth + 1);
    }
    if (n.items && typeof n.items === 'object') visit(n.items, [...path, '[]'], depth + 1);
  };
  visit(schema, [], 0);
  return [...found].map(([schemaPath, constrained]) => ({ schemaPath, constrained })).sort((a, b) => (a.schemaPath < b.schemaPath ? -1 : 1));
}

/** A concrete place in a config object: the property path, and whether the site is the key itself. */
export interface Instance {
  readonly path: readonly (string | number)[];
  readonly isKey: boolean;
}

/** Where `config` has text at `schemaPath` (string values, or keys for `<key>` steps). */
export function instancesOf(config: unknown, schemaPath: string): Instance[] {
  const steps = schemaPath.split('.');
  const out: Instance[] = [];
  const walk = (node: unknown, i: number, path: (string | number)[]) => {
    if (i === steps.length) {
      if (typeof node === 'string') out.push({ path, isKey: false });
      return;
    }
    const step = steps[i];
    if (step === '[]') {
      if (Array.isArray(node)) node.forEach((item, index) => walk(item, i + 1, [...path, index]));
    } else if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      return;
    } else if (step === '*') {
      for (const [key, value] of Object.entries(node)) walk(value, i + 1, [...path, key]);
    } else if (step === '<key>') {
      if (i === steps.length - 1) for (const key of Object.keys(node)) out.push({ path: [...path, key], isKey: true });
    } else if (step in node) {
      walk((node as Record<string, unknown>)[step], i + 1, [...path, step]);
    }
  };
  walk(config, 0, []);
  return out;
}

/** A copy of `config` with the text at `instance` replaced by `text` (a key is renamed, keeping its value and position). */
export function plant<T>(config: T, instance: Instance, text: string): T {
  const copy = structuredClone(config) as unknown;
  const parentPath = instance.path.slice(0, -1);
  const last = instance.path[instance.path.length - 1];
  let parent = copy as Record<string | number, unknown>;
  for (const step of parentPath) parent = parent[step] as Record<string | number, unknown>;
  if (!instance.isKey) {
    parent[last] = text;
    return copy as T;
  }
  const entries = Object.entries(parent).map(([k, v]) => (k === last ? [text, v] : [k, v]));
  for (const key of Object.keys(parent)) delete parent[key];
  for (const [k, v] of entries) parent[k as string] = v;
  return copy as T;
}
