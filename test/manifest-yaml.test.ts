import { readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Yaml } from 'cdk8s';
import fc from 'fast-check';
import * as yaml from 'yaml';
import { parse } from 'yaml';
import { loadPlanInputs, resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlanWithObjects } from '../src/app/synthesize';
import { DEFAULT_CONFIG } from '../src/config/default';
import { loadConfig } from '../src/config/load';
import { manifestYaml, valuesYaml } from '../src/core/manifest-yaml';
import { root } from './support/cli';

// The library, counted: the emitter must not call it for the shapes it writes itself. The spy sits on the module's
// own exports object, which the compiled sources read `stringify` from at each call.
import yamlModule = require('yaml');

let library: jest.SpiedFunction<typeof yaml.stringify>;
beforeAll(() => {
  library = jest.spyOn(yamlModule, 'stringify');
});
afterAll(() => library.mockRestore());

/**
 * manifestYaml must write exactly what cdk8s's Yaml.stringify writes (the committed dist/ and every user's
 * diff depend on it), only faster. Compared on generated objects built from the texts YAML 1.1 treats
 * specially, and on every manifest the default config and the examples make.
 */

/** Words and characters that change how YAML 1.1 reads a bare scalar, and ordinary manifest texts. */
const TRICKY = [
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'No', 'ON', 'off', 'OFF', 'true', 'False', 'null', 'Null', '~', 'NaN', '.nan', '.inf', '-.inf', 'inf',
  'E0', 'e5', 'e+5', 'E-10', 'e5x', 'x1e5',
  '0', '07', '0777', '0x1F', '0b101', '1_000', '1e3', '1.5', '-1', '+1', '12:30', '190:20:30', '2024-01-01', '2024-01-01T00:00:00Z',
  '', ' ', ' lead', 'trail ', 'a: b', 'a:b', 'x:', ':x', 'a #b', 'a#b', '#x', '- x', '-', '--', '---', '...', '? x', '?x', '|', '>', '| x',
  '!tag', '&anchor', '*alias', '%x', '@x', '`x', '{x}', '[x]', ',x', 'x,', '"q"', "'s", "it's", 'multi\nline', 'multi\nline\n', '\ttab',
  'tab\there', 'cr\r\nlf', '\u0001', 'ключ', '日本', 'emoji 🙂', '=', '<<', 'a=b', 'a+b', 'a/b', 'base64+/AB==', 'QUJDREVGR0hJSktMTU5PUA==',
  'http://x/y?z=1#f', 'vault.hashicorp.com/agent-inject', 'app.kubernetes.io/name', 'ANTHROPIC_API_KEY', 'aragora-secrets', 'v1', 'Secret',
  'x'.repeat(200), `long ${'word '.repeat(40)}end`,
];

const key = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 12 }), fc.stringMatching(/^[a-z][a-zA-Z0-9_./-]{0,15}$/));
const scalar = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./=+-]{0,30}$/),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));

describe('manifestYaml writes what cdk8s Yaml.stringify writes', () => {
  test('on generated maps of lists, maps and scalars that YAML 1.1 reads specially', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (object) => {
        expect(manifestYaml(object)).toBe(Yaml.stringify(object));
      }),
      { numRuns: 2000 },
    );
  });

  test('on manifest-shaped objects: a Deployment reading many variables, labels, annotations, a Secret', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 30 }),
        fc.array(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/), { minLength: 1, maxLength: 50 }),
        (texts, names) => {
          const deployment = {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'aragora', labels: Object.fromEntries(texts.map((t, i) => [`example.com/k${i}`, t])), annotations: { note: texts.join('\n') } },
            spec: {
              replicas: texts.length,
              template: {
                spec: {
                  containers: [
                    {
                      name: 'app',
                      args: texts,
                      env: names.map((name, i) => ({ name, valueFrom: { secretKeyRef: { name: 'aragora-secrets', key: name, optional: i % 2 === 0 } } })),
                      envFrom: [],
                      resources: {},
                    },
                  ],
                },
              },
            },
          };
          const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: Object.fromEntries(names.map((n, i) => [n, texts[i % texts.length]])) };
          expect(manifestYaml(deployment)).toBe(Yaml.stringify(deployment));
          expect(manifestYaml(secret)).toBe(Yaml.stringify(secret));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('writes the common shapes itself: a Deployment reading 1,000 catalog variables asks the library nothing', () => {
    const env = Array.from({ length: 1000 }, (_, i) => {
      const name = `SERVICE_${String(i).padStart(5, '0')}_API_KEY`;
      return { name, valueFrom: { secretKeyRef: { name: 'aragora-secrets', key: name, optional: i % 2 === 0 } } };
    });
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'aragora', labels: { 'app.kubernetes.io/name': 'aragora' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', env, envFrom: [] }] } } } };
    const expected = Yaml.stringify(deployment);
    library.mockClear();
    expect(manifestYaml(deployment)).toBe(expected);
    expect(library).not.toHaveBeenCalled();
    // The count is real: a value that needs quotes is asked of the library.
    manifestYaml({ ...deployment, metadata: { name: 'a: text no other test writes' } });
    expect(library).toHaveBeenCalled();
  });

  test('on every manifest of the default config and the examples, which read back as the same objects', () => {
    const examples = readdirSync(join(root, 'examples')).filter((f) => /\.ya?ml$/.test(f));
    const plans = [
      resolvePlan(DEFAULT_CONFIG, loadPlanInputs(DEFAULT_CONFIG, mkdtempSync(join(tmpdir(), 'aragora-yaml-')), 'embedded')),
      ...examples.map((name) => {
        const { config, source } = loadConfig({ cwd: join(root, 'examples'), path: join(root, 'examples', name), env: {} });
        return resolvePlan(config, loadPlanInputs(config, join(root, 'examples'), source));
      }),
    ];
    let compared = 0;
    for (const plan of plans) {
      const { files, manifests } = synthesizePlanWithObjects(plan);
      for (const file of files.filter((f) => f.path.endsWith('.k8s.yaml'))) {
        const object = manifests.get(file.path);
        expect(file.content).toBe(Yaml.stringify(object));
        expect(parse(file.content, { version: '1.1' })).toEqual(object);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(60);
  });
});

describe('valuesYaml writes what the library writes with YAML 1.2 (Helm values, the workload patch)', () => {
  const library12 = (object: unknown) => yaml.stringify(object, { lineWidth: 0 });

  test('on generated maps of lists, maps and scalars, some of which only YAML 1.1 or only 1.2 reads specially', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (object) => {
        expect(valuesYaml(object)).toBe(library12(object));
      }),
      { numRuns: 500 },
    );
  });

  test('texts the two versions read differently are bare in one and quoted in the other', () => {
    // YAML 1.1 reads these as booleans and numbers, YAML 1.2 as strings (and the reverse for none of them).
    for (const text of ['yes', 'No', 'on', 'OFF', 'y', '0777', '1_000', '190:20:30']) {
      expect(valuesYaml({ text })).toBe(library12({ text }));
      expect(manifestYaml({ text })).toBe(Yaml.stringify({ text }));
    }
    expect(valuesYaml({ text: 'yes' })).toBe('text: yes\n');
    expect(manifestYaml({ text: 'yes' })).toBe('text: "yes"\n');
  });

  test('Helm values of 1,000 variables are written without the library, and read back as the same object', () => {
    const extraEnv = Array.from({ length: 1000 }, (_, i) => {
      const name = `SERVICE_${String(i).padStart(5, '0')}_API_KEY`;
      return { name, valueFrom: { secretKeyRef: { name: 'aragora-secrets', key: name, ...(i % 2 === 0 ? { optional: true } : {}) } } };
    });
    const values = { config: { environment: 'production' }, secrets: { create: false, existingSecret: 'aragora-secrets' }, serviceAccount: { create: false, name: 'aragora' }, backend: { extraEnv } };
    const expected = library12(values);
    library.mockClear();
    expect(valuesYaml(values)).toBe(expected);
    expect(library).not.toHaveBeenCalled();
    expect(parse(expected)).toEqual(values);
  });
});
