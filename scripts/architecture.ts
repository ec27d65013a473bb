// The README's architecture diagram, generated from the layers of src/ (scripts/layers.cjs), the imports
// dependency-cruiser finds between them and the registries of delivery methods and clouds:
// `npx tsx scripts/architecture.ts` prints it; test/architecture.test.ts fails when the one in docs/architecture.md differs.
import { join } from 'node:path';
import { clouds } from '../src/cloud/registry';
import { deliveryMethods } from '../src/delivery/registry';

const root = join(__dirname, '..');
const { LAYERS } = require('./layers.cjs') as { LAYERS: [string, string][] };

interface Cruise {
  readonly modules: readonly { readonly source: string; readonly dependencies: readonly { readonly resolved: string }[] }[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly summary: any;
}

/** The layer of a file of src/ (the lowest whose pattern matches: a method's schema.ts sits with the config's). */
function layerOf(file: string): number {
  return LAYERS.findIndex(([, pattern]) => new RegExp(pattern).test(file));
}

/** Which layer imports which, as dependency-cruiser reads src/ (type imports included). */
export function layerEdges(cruise: Cruise): Set<string> {
  const edges = new Set<string>();
  for (const module of cruise.modules) {
    const from = layerOf(module.source);
    if (from < 0) continue;
    for (const dependency of module.dependencies) {
      const to = layerOf(dependency.resolved);
      if (to >= 0 && to !== from) edges.add(`${from} ${to}`);
    }
  }
  return edges;
}

/** Only the edges no longer path implies, so that the diagram stays readable. */
function withoutImplied(edges: Set<string>): [number, number][] {
  const next = new Map<number, number[]>();
  for (const edge of edges) {
    const [from, to] = edge.split(' ').map(Number);
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const reachesOtherwise = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const stack = (next.get(from) ?? []).filter((n) => n !== to);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node === to) return true;
      if (seen.has(node)) continue;
      seen.add(node);
      stack.push(...(next.get(node) ?? []));
    }
    return false;
  };
  return [...edges]
    .map((edge) => edge.split(' ').map(Number) as [number, number])
    .filter(([from, to]) => !reachesOtherwise(from, to))
    .sort(([a, b], [c, d]) => a - c || b - d);
}

function label(name: string): string {
  if (name === 'methods') return `delivery/{${deliveryMethods.map((m) => m.name).join(', ')}}`;
  if (name === 'cloud') return `cloud/{${clouds.map((c) => c.name).join(', ')}}`;
  if (name === 'method registry') return 'delivery/registry.ts';
  if (name === 'method interface') return 'delivery/method.ts';
  if (name === 'cloud registry') return 'cloud/registry.ts';
  return name;
}

export function architectureMermaid(cruise: Cruise): string {
  const lines = ['```mermaid', 'graph BT'];
  LAYERS.forEach(([name], index) => lines.push(`  L${index}["${label(name)}"]`));
  for (const [from, to] of withoutImplied(layerEdges(cruise))) lines.push(`  L${from} --> L${to}`);
  lines.push('```');
  return lines.join('\n');
}

/**
 * dependency-cruiser over the src/ of `dir` (this repository by default) with this repository's rules
 * (.dependency-cruiser.cjs) and `dir`'s tsconfig.json, in this process.
 */
export async function cruiseSrc(dir = root): Promise<Cruise> {
  // dependency-cruiser is ES modules only: loaded with import(), which tsx (what runs the scripts and the tests)
  // keeps as it is. A specifier in a variable, because its types are for ES module resolution.
  const load = (specifier: string) => import(specifier);
  const { cruise } = await load('dependency-cruiser');
  const { default: extractDepcruiseOptions } = await load('dependency-cruiser/config-utl/extract-depcruise-options');
  const { default: extractTSConfig } = await load('dependency-cruiser/config-utl/extract-ts-config');
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(dir, 'tsconfig.json'));
  const result = await cruise(['src'], { ...options, baseDir: dir, outputType: 'json' }, undefined, { tsConfig });
  return JSON.parse(result.output);
}

if (require.main === module) {
  cruiseSrc().then((cruise) => process.stdout.write(`${architectureMermaid(cruise)}\n`));
}
