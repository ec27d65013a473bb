import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { readPlainYaml } from '../src/core/plain-yaml';
import { root, spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';

/**
 * readPlainYaml is a fast reader for the plain block YAML of configs and manifests; the `yaml` library stays
 * the reference. Whenever the fast reader gives a value, the library must read the same text as one document,
 * with no error and no warning, into the same data: the same types, the same numbers, the same key order.
 * Anything else must be left to the library (undefined), which then reports what is wrong, with its line.
 */

/** The library's reading, as the config loader and the manifest checks use it. */
function reference(text: string): { value: unknown } | { problem: string } {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents) || documents.length !== 1) return { problem: `${Array.isArray(documents) ? documents.length : 0} documents` };
  const [doc] = documents;
  if (doc.errors.length > 0) return { problem: `error: ${doc.errors[0].message}` };
  if (doc.warnings.length > 0) return { problem: `warning: ${doc.warnings[0].message}` };
  return { value: doc.toJS() };
}

/** Equal data, and equal key order (the order of the secrets is the order of the output). */
function sameData(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b) && JSON.stringify(a) === JSON.stringify(b);
}

/** js-yaml's `load`, watched: the fast reader builds block texts itself and hands only flow style to js-yaml. */
const jsYamlLoad = jest.spyOn(require('js-yaml') as typeof import('js-yaml'), 'load');

/** How many texts the fast reader built itself (without js-yaml), and how many it had js-yaml read. */
const readers = { built: 0, parsed: 0 };

function expectAgrees(text: string): boolean {
  const loadsBefore = jsYamlLoad.mock.calls.length;
  const fast = readPlainYaml(text);
  if (fast === undefined) return false;
  if (jsYamlLoad.mock.calls.length === loadsBefore) readers.built++;
  else readers.parsed++;
  const expected = reference(text);
  if (!('value' in expected) || !sameData(fast.value, expected.value)) {
    throw new Error(`the fast reader read ${JSON.stringify(text)} as ${JSON.stringify(fast.value)}; the library: ${JSON.stringify(expected)}`);
  }
  return true;
}

/** Texts and words that YAML reads specially, or that a hostile file would try. */
const TRICKY = [
  'null', 'Null', 'NULL', '~', 'true', 'True', 'TRUE', 'false', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n',
  '0', '-0', '+1', '007', '0o17', '0o8', '0x1F', '0X1F', '0b101', '1_000', '1e3', '1E3', '1e+3', '-1.5e-3', '.5', '5.', '1.0', '-.0',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '-.nan', 'inf', 'NaN', '1'.repeat(400), '0x' + 'f'.repeat(300), '12:30', '2024-01-01',
  '::/0', '::1/128', 'a:b', 'x:', ':x', 'a: b', 'a #b', 'a#b', '#x', '-x', '--x', '---', '...', '- x', '?x', '? x', '=', '<<', '<x',
  '!tag x', '!!str x', '!!binary aGk=', '&anchor x', '*alias', '%YAML 1.2', '@x', '`x', '|', '|-', '>', '>+', ',x', 'x,',
  '[a, b]', '[ a ]', '[]', '{}', '{ a: b }', '{ a: [b, c] }', '{ a: { b: c } }', '[a, [b]]', '{a:b}', '{ a:b }', '[a,]', '{ null: x }',
  '"q"', '"a\\"b"', '"\\x41\\u00e9\\n"', '"\\ud83d\\ude00"', '"\\q"', "'s'", "'it''s'", "'open", '"open', 'a "b" c', "it's",
  'http://x/y?z=1#f', 'ghcr.io/aragora/aragora:1.0.0', 'app.kubernetes.io/name', 'ANTHROPIC_API_KEY', '$schema', '__proto__',
  'constructor', 'ключ', '日本', 'emoji 🙂', 'a\tb', '\ttab', 'cr\r', '\u0085', '\u2028', '\ufeff', '\u0001',
];

const word = fc.oneof(fc.constantFrom(...TRICKY), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9 _./:#-]{0,12}$/), fc.constantFrom('a', 'b', 'name', 'x y'), fc.string({ maxLength: 8 }));
/** One line: indentation, dashes, a key or not, a value or not, a comment or not, trailing spaces or not. */
const line = fc
  .record({
    indent: fc.constantFrom(0, 0, 0, 2, 2, 4, 1, 3, 6),
    dashes: fc.constantFrom('', '', '- ', '-', '- - ', '-  '),
    key: fc.option(word, { nil: undefined }),
    value: fc.option(word, { nil: undefined }),
    comment: fc.constantFrom('', '', ' # note', '# x', ' #'),
    trailing: fc.constantFrom('', '', '  '),
  })
  .map(({ indent, dashes, key, value, comment, trailing }) => {
    const body = key === undefined ? (value ?? '') : `${key}:${value === undefined ? '' : ` ${value}`}`;
    return `${' '.repeat(indent)}${dashes}${body}${comment}${trailing}`;
  });
const blankOrComment = fc.constantFrom('', '   ', '# comment', '  # indented comment');

describe('readPlainYaml reads what the yaml library reads, or leaves the text to it', () => {
  test('every committed manifest and the examples: the same data wherever the fast reader reads', () => {
    const files = [
      ...readdirSync(join(root, 'dist'), { recursive: true }).map(String).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'dist', f)),
      ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'examples', f)),
    ];
    const read = files.filter((file) => expectAgrees(readFileSync(file, 'utf8')));
    // The point is speed: most manifests are in the subset (the rest, e.g. block scalars, go to the library).
    expect(read.length).toBeGreaterThan(files.length / 2);
  });

  test('each tricky word as a key, a value, a list item and in a flow list', () => {
    for (const w of TRICKY) {
      for (const text of [`${w}: x\n`, `k: ${w}\n`, `- ${w}\n`, `k: [${w}]\n`, `k: { a: ${w} }\n`, `k:\n  - ${w}\n`, `k: a\n  ${w}\n`, `"${w}": x\n`, `'${w}': x\n`]) {
        expectAgrees(text);
      }
    }
  });

  test('on generated lines: keys, values, dashes, indentation, comments in any combination', () => {
    let read = 0;
    const built = readers.built;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: line }, { weight: 1, arbitrary: blankOrComment }), { minLength: 1, maxLength: 6 }), (lines) => {
        if (expectAgrees(lines.join('\n') + '\n')) read++;
      }),
      { numRuns: 5000 },
    );
    expect(read).toBeGreaterThan(200); // the fast reader took part, not only the library
    expect(readers.built - built).toBeGreaterThan(150); // and built most of those itself
  });

  test('on data the library writes, block and flow, folded into short lines', () => {
    const built = readers.built;
    const scalar = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('value'), { maxLength: 4 }),
      map: fc.dictionary(fc.oneof(fc.constantFrom(...TRICKY), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_./-]{0,10}$/)), tie('value'), { maxKeys: 4 }),
    }));
    let read = 0;
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/), value, { minKeys: 1, maxKeys: 5 }), fc.constantFrom(20, 40, 80, 0), fc.constantFrom(0, 1, 2), (data, lineWidth, flowLevel) => {
        const text = stringify(data, { lineWidth, minContentWidth: 0, ...(flowLevel > 0 ? { collectionStyle: flowLevel === 1 ? 'flow' : 'any' } : {}) });
        if (expectAgrees(text)) read++;
      }),
      { numRuns: 1500 },
    );
    expect(read).toBeGreaterThan(100);
    expect(readers.built - built).toBeGreaterThan(100);
  });

  test('a config of thousands of secrets, as the library writes it, is read fast', () => {
    const secrets = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`SERVICE_${i}_API_KEY`, { purpose: `Service ${i}, a long purpose that the library folds over several lines when it writes it`, required: i % 2 ? 'always' : { tiers: ['production'] }, remote: { property: `service_${i}` } }]),
    );
    const built = readers.built;
    expect(expectAgrees(stringify({ version: 1, secrets }))).toBe(true);
    expect(readers.built - built).toBe(1);
  });

  test('builds block structures itself, as the library reads them: folding, compact and nested sequences, empty values', () => {
    const texts = [
      'k: a\n\n  b\n', // a blank line in a plain scalar is a line break
      'k: a\n\n\n  b c\nz: 1\n',
      'k: a\n  b\n  c\n', // folded lines join with a space
      '- a\n\n   b\n',
      'a:\n- x\n- y\nb: 1\n', // a sequence at its key's column, then the next key
      'a:\n  - x\n  -\n  - - y\n    - z\n', // an empty item, a sequence in a sequence
      '- a: 1\n  b: [] \n- c: {}\n  d:\n', // mappings in sequences, empty collections, a null
      '-\n  k: v\n- - - deep\n', // an item whose mapping starts on the next line
      'a:\n-\n  k: v\n- x\nb: 1\n', // the same in a sequence at its key's column
      'x:\n  y:\n    z: 1\n  w: 2\nv: 3\n', // closing two levels at once
      '"quoted key": 1\n\'single key\': 2\nplain: "a\\"b\\\\c\\/\\n\\t\\x41\\u00e9"\nit: \'it\'\'s\'\n',
      '  indented: root\n  second: key\n',
      'a: 1 # a comment\n# a line of comment\nb: ~\nc: null\nd: true\ne: 0x1F\nf: 1_000\ng: -.5e3\nh: .inf\n',
    ];
    for (const text of texts) {
      const before = readers.built;
      expect(expectAgrees(text)).toBe(true);
      expect({ text, built: readers.built - before }).toEqual({ text, built: 1 });
    }
  });

  test('leaves to the library what it must report or read its own way', () => {
    for (const text of [
      'a: 1\na: 2\n', // a duplicate key: the library names its line
      'a: 1\n"a": 2\n', // the same key, once quoted
      "x:\n  'b': 1\n  b: 2\n",
      'a: &x 1\nb: *x\n', // anchors and aliases
      'a: !!str 1\n', // tags
      '<<: { a: 1 }\n', // merge keys
      'a: |\n  text\n', // block scalars
      '? a\n: b\n', // explicit keys
      '%YAML 1.2\n---\na: 1\n', // directives
      'a: 1\n---\nb: 2\n', // several documents
      'a:\tb\n', // tabs
      'a: b\r\nc: d\r\n', // CR
      '', // empty
      '# only a comment\n',
      'a: b\n  c: d\n', // bad indentation
      'a: "unterminated\n',
      'key: value\nplain words\n', // a line that continues nothing
      `${'k'.repeat(600)}: x\n`, // a long implicit key
    ]) {
      expect(readPlainYaml(text)).toBeUndefined();
    }
  });
});

integration.describe('a config read fast is refused as precisely as before, through the CLI', () => {
  // The config `init` writes is in the fast reader's subset; each edit below keeps it there (or not: a
  // duplicate key) and must still be reported with the path, the line and the fix, and nothing written.
  const initialized = (): { dir: string; lines: string[] } => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-plain-yaml-'));
    expect(spawnCli(dir, ['init']).status).toBe(0);
    const text = readFileSync(join(dir, 'aragora-secrets.yaml'), 'utf8');
    expect(readPlainYaml(text)).toBeDefined();
    return { dir, lines: text.split('\n') };
  };
  const synthWith = (dir: string, lines: string[]) => {
    writeFileSync(join(dir, 'aragora-secrets.yaml'), lines.join('\n'));
    const run = spawnCli(dir, ['synth']);
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    return run.stderr;
  };

  test('an unknown key: its path, its line, a suggestion', () => {
    const { dir, lines } = initialized();
    const at = lines.findIndex((l) => /^ {2}name: aragora$/.test(l));
    lines.splice(at + 1, 0, '  imgae: ghcr.io/aragora/aragora:1.0.0');
    const stderr = synthWith(dir, lines);
    expect(stderr).toContain(`app.imgae (line ${at + 2}): unknown key "imgae"`);
    expect(stderr).toContain('did you mean "image"?');
  });

  test('a value of the wrong type: its path and its line', () => {
    const { dir, lines } = initialized();
    const at = lines.findIndex((l) => /^version: 1$/.test(l));
    lines[at] = 'version: 1_000'; // a string in YAML 1.2 (the fast reader agrees), not the number 1
    expect(synthWith(dir, lines)).toMatch(new RegExp(`version \\(line ${at + 1}\\)`));
  });

  test('a duplicate key: the line of the repeated key', () => {
    const { dir, lines } = initialized();
    const at = lines.findIndex((l) => /^ {2}name: aragora$/.test(l));
    lines.splice(at + 1, 0, '  name: other');
    expect(synthWith(dir, lines)).toContain(`app.name (line ${at + 2}): YAML syntax: Map keys must be unique`);
  });
});
