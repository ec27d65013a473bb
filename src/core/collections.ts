/**
 * Appends `value` to the list `map` holds under `key`, making the list on first use. In place: building a list
 * by copying it at each step (`[...(map.get(key) ?? []), value]`) costs the square of its length, seconds for
 * the thousands of variables a large catalog keeps under one remote key.
 */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const sets = new WeakMap<readonly unknown[], ReadonlySet<unknown>>();

/**
 * Whether `list` holds `value`, by a Set made once per list: a plan's lists (keys left unsealed or left out)
 * are asked about every secret of the catalog, and `includes` on each would cost the square of its size.
 * For lists that are not changed after they are first asked about (a plan's are readonly).
 */
export function listHas<T>(list: readonly T[], value: T): boolean {
  if (list.length < 16) return list.includes(value);
  let set = sets.get(list);
  if (set === undefined) {
    set = new Set(list);
    sets.set(list, set);
  }
  return set.has(value);
}
