/**
 * The first item of `items` whose key is `key`, found through an index built once per list and key
 * function: the review report asks each of thousands of catalog names where it comes from, and a
 * linear search per name makes that quadratic. Pass a key function defined once (a module-level
 * constant), so that its index is reused; lists are plan data, never changed after they are made.
 */
export function findByKey<T>(items: readonly T[], keyOf: (item: T) => string, key: string): T | undefined {
  let byFunction = indexes.get(items);
  if (!byFunction) indexes.set(items, (byFunction = new Map()));
  let index = byFunction.get(keyOf) as Map<string, T> | undefined;
  if (!index) {
    index = new Map();
    for (const item of items) {
      const k = keyOf(item);
      if (!index.has(k)) index.set(k, item);
    }
    byFunction.set(keyOf, index);
  }
  return index.get(key);
}

const indexes = new WeakMap<readonly unknown[], Map<Function, Map<string, unknown>>>();
