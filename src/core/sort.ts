/** Orders strings by UTF-16 code units: the same on every machine and locale, so output stays byte-identical. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `record` with its keys in `compareStrings` order (YAML and JSON keep insertion order). */
export function sortRecord<T>(record: Readonly<Record<string, T>> | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  if (record === undefined) return out;
  for (const key of Object.keys(record).sort(compareStrings)) out[key] = record[key];
  return out;
}
