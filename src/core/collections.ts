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
