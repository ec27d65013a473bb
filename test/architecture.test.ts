import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { architectureMermaid, cruiseSrc } from '../scripts/architecture';
import { configJsonSchema } from '../src/config/json-schema';
import { DELIVERY_METHODS } from '../src/config/config-schema';
import { deliveryMethods } from '../src/delivery/registry';

const root = join(__dirname, '..');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** dependency-cruiser over `dir`'s src/ with the project's rules: the violations it reports. */
async function violationsIn(dir: string): Promise<Violation[]> {
  return (await cruiseSrc(dir)).summary.violations;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

/** The folder of a file of src/ (`src/plan`), or `src` for the entry points at its top. */
function folderOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'src') return undefined;
  return parts.length > 2 ? `src/${parts[1]}` : 'src';
}

/** Which folder of src/ imports which (type imports included). */
function folderEdges(modules: readonly { readonly source: string; readonly dependencies: readonly { readonly resolved: string }[] }[]): [string, string][] {
  const edges = new Set<string>();
  for (const module of modules) {
    const from = folderOf(module.source);
    for (const dependency of module.dependencies) {
      const to = folderOf(dependency.resolved);
      if (from && to && from !== to) edges.add(`${from} ${to}`);
    }
  }
  return [...edges].sort().map((edge) => edge.split(' ') as [string, string]);
}

/** The folders that reach themselves through imports, each with the path that closes its cycle. */
function folderCycles(edges: readonly (readonly [string, string])[]): string[] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const cycles: string[] = [];
  for (const start of next.keys()) {
    const seen = new Set<string>();
    const walk = (folder: string, path: string[]): boolean => {
      for (const to of next.get(folder) ?? []) {
        if (to === start) return cycles.push([...path, to].join(' → ')) > 0;
        if (!seen.has(to)) {
          seen.add(to);
          if (walk(to, [...path, to])) return true;
        }
      }
      return false;
    };
    walk(start, [start]);
  }
  return cycles;
}

describe('the shape of src/ (.dependency-cruiser.cjs)', () => {
  let cruise: Awaited<ReturnType<typeof cruiseSrc>>;
  beforeAll(async () => {
    cruise = await cruiseSrc();
  });

  test('src/ breaks no rule: no cycle, no upward import, no method importing another, a pure plan', () => {
    expect(cruise.summary.violations.map((v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(cruise.summary.totalCruised).toBeGreaterThan(100);
  });

  test('the folders of src/ form a DAG (a folder that imports another is never imported back, even through others)', () => {
    const edges = folderEdges(cruise.modules);
    expect(edges.length).toBeGreaterThan(30);
    expect(folderCycles(edges)).toEqual([]);
    // The check itself finds a cycle through three folders when there is one.
    expect(folderCycles([...edges, ['src/core', 'src/app']])).not.toEqual([]);
  });

  test('each rule fails on a planted violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-architecture-'));
    const plant = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    plant('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true } }));
    plant('src/core/names.ts', "import { resolved } from '../plan/resolve';\nexport const name = resolved;\n");
    plant('src/plan/resolve.ts', "import { readFileSync } from 'node:fs';\nimport { sealed } from '../delivery/sealed/method';\nexport const resolved = [readFileSync, sealed];\n");
    plant('src/delivery/sealed/method.ts', "import { vault } from '../vault/method';\nexport const sealed = vault;\n");
    plant('src/delivery/vault/method.ts', 'export const vault = 1;\n');
    plant('src/k8s/a.ts', "import { b } from './b';\nexport const a = () => b;\n");
    plant('src/k8s/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    const broken = new Set((await violationsIn(dir)).map((v) => v.rule.name));
    for (const rule of ['no-circular', 'core-imports-nothing-of-ours', 'layer-core', 'layer-plan', 'plan-is-pure', 'one-method-never-imports-another']) {
      expect({ rule, broken: broken.has(rule) }).toEqual({ rule, broken: true });
    }
  });

  test("src/ loads cdk8s-plus-27's generated Kubernetes classes, not its index (types from the index are free)", () => {
    // The index loads every cdk8s-plus construct, about a tenth of a synth, for the `k8s` classes that one file holds.
    // A method that hands a caller cdk8s-plus objects may require it when called (an indented require).
    const valueImportOfIndex = /^\s*import\s+(?!type\b)[^;]*?from\s+'cdk8s-plus-27'|^\S.*require\(\s*'cdk8s-plus-27'\s*\)/m;
    expect(valueImportOfIndex.test("import { k8s } from 'cdk8s-plus-27';")).toBe(true);
    expect(valueImportOfIndex.test("const kplus = require('cdk8s-plus-27');")).toBe(true);
    expect(valueImportOfIndex.test("import type * as kplus from 'cdk8s-plus-27';")).toBe(false);
    expect(valueImportOfIndex.test("    const { EnvValue } = require('cdk8s-plus-27') as typeof kplus;")).toBe(false);
    const offenders = filesUnder(join(root, 'src')).filter((file) => valueImportOfIndex.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test("src/ imports aws-cdk-lib's modules (aws-cdk-lib/core, aws-cdk-lib/aws-iam...), never the package root", () => {
    // The root's declarations name every AWS service: a program type-checking against ours (a user's app, the API
    // report) would load some 3,000 declaration files instead of the 1,300 of the services we use.
    const rootImport = /from\s+'aws-cdk-lib'|require\(\s*'aws-cdk-lib'\s*\)/;
    expect(rootImport.test("import { Stack } from 'aws-cdk-lib';")).toBe(true);
    expect(rootImport.test("import { Stack } from 'aws-cdk-lib/core';")).toBe(false);
    const offenders = filesUnder(join(root, 'src')).filter((file) => rootImport.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test('the plan reads no environment variable', () => {
    const offenders = filesUnder(join(root, 'src', 'plan')).filter((file) => /process\s*\.\s*env|process\s*\[/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test("the diagram of docs/architecture.md is the one scripts/architecture.ts draws from the layers and the registries", () => {
    const readme = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const block = /```mermaid\ngraph BT\n[\s\S]*?```/.exec(readme)?.[0];
    expect(block).toBe(architectureMermaid(cruise));
  });
});

describe('the registry of delivery methods', () => {
  test('the config schema is composed of the registered methods, in their order', () => {
    expect(DELIVERY_METHODS).toEqual(deliveryMethods.map((method) => method.name));
    const environment = (configJsonSchema() as any).properties.environments.additionalProperties;
    const [short, long] = environment.properties.delivery.anyOf;
    expect(short.enum).toEqual(deliveryMethods.map((method) => method.name));
    expect(long.oneOf.map((option: any) => option.properties.method.const)).toEqual(deliveryMethods.map((method) => method.name));
  });

  test('the registry line docs/architecture.md shows is the registry', () => {
    const readme = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const line = /^export const deliveryMethods\b.*$/m.exec(readme)?.[0];
    expect(line).toBeDefined();
    expect(readFileSync(join(root, 'src', 'delivery', 'registry.ts'), 'utf8')).toContain(line!);
  });

  test('outside src/delivery/<method>/ no code compares against a method name', () => {
    const comparison = /(method|\.method)\s*[!=]==\s*'[a-z]+'|case '(plain|sealed|external|vault)'/;
    const offenders = filesUnder(join(root, 'src'))
      .filter((file) => !/[/\\]src[/\\]delivery[/\\][^/\\]+[/\\]/.test(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ file, line: i + 1, text: line }))
          .filter(({ text }) => comparison.test(text)),
      )
      .map(({ file, line }) => `${file.slice(root.length + 1)}:${line}`);
    expect(offenders).toEqual([]);
  });
});
