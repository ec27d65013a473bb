import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { JSON_SCHEMA_PATH, renderJsonSchema } from '../src/config/json-schema';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { withOutputMarker } from '../src/output/replace-output';
import { synthesizeProject } from '../src/synth';
import { find, manifests, synth } from './helpers';
import { integration } from './support/tiers';

const root = resolve(__dirname, '..');
/** The app command of cdk8s.yaml, so that the tests run what `cdk8s synth` runs. */
const appCommand = /^app: (.*)$/m.exec(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'))![1].split(' ');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).sort().map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
}

/** Runs the app as `cdk8s synth` does: the command of cdk8s.yaml with $CDK8S_OUTDIR, from another folder. */
function runApp(cwd: string, env: NodeJS.ProcessEnv = {}) {
  const outdir = join(cwd, 'dist');
  const [node, ...args] = appCommand;
  expect(node).toBe('node');
  const result = spawnSync(process.execPath, args.map((a) => (a.includes('/') ? join(root, a) : a)), {
    cwd,
    env: { PATH: process.env.PATH, CDK8S_OUTDIR: outdir, ...env },
    encoding: 'utf8',
  });
  return { ...result, outdir };
}

/** The same object with every mapping's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
  }
  return value;
}

describe('synthesized output of the embedded default', () => {
  const files = synth();

  test('one folder per environment, one resource per file, in manifests/ named by apply phase, kind and name', () => {
    expect([...new Set(files.map((f) => f.path.split('/')[0]))]).toEqual(['dev', 'prod', 'qa', 'staging']);
    for (const f of files.filter((f) => f.path.endsWith('.k8s.yaml'))) {
      expect(f.content.split(/^---$/m)).toHaveLength(1);
      const object = manifests([f], f.path.split('/')[0])[0];
      expect(f.path).toMatch(new RegExp(`^${f.path.split('/')[0]}/manifests/\\d0-${object.kind}\\.${object.metadata.name.replace(/\./g, '\\.')}\\.k8s\\.yaml$`));
    }
    // Only objects in manifests/: what `kubectl apply -f dist/<env>/manifests/` reads.
    expect(files.filter((f) => f.path.split('/')[1] === 'manifests' && !f.path.endsWith('.k8s.yaml'))).toEqual([]);
    expect(files.find((f) => f.path === 'staging/manifests/00-Namespace.aragora-staging.k8s.yaml')).toBeDefined();
  });

  test.each(['dev', 'qa', 'staging', 'prod'])('%s matches its snapshot', (env) => {
    const tree = Object.fromEntries(files.filter((f) => f.path.startsWith(`${env}/`)).map((f) => [f.path, f.content]));
    expect(tree).toMatchSnapshot();
  });

  test('the committed dist/ is what synth produces now', () => {
    const committed = readTree(join(root, 'dist'));
    expect(committed).toEqual(Object.fromEntries(withOutputMarker(files).map((f) => [f.path, f.content])));
  });
});

describe('determinism', () => {
  test('two synths are byte-identical', () => {
    expect(synth()).toEqual(synth());
  });

  test('the order of keys in the config does not change the output', () => {
    expect(synth(reverseKeys(DEFAULT_CONFIG) as AragoraSecretsConfig)).toEqual(synth());
  });

  integration.test('time zone and locale do not change the output of the real entry point', () => {
    const a = mkdtempSync(join(tmpdir(), 'aragora-det-'));
    const b = mkdtempSync(join(tmpdir(), 'aragora-det-'));
    const first = runApp(a, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
    const second = runApp(b, { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    expect(readTree(second.outdir)).toEqual(readTree(first.outdir));
    expect(readTree(first.outdir)).toEqual(readTree(join(root, 'dist')));
  });

  test('no source orders or formats text by locale: localeCompare, toLocale…, Intl depend on the machine\'s language settings and ICU data', () => {
    const offending = listFiles(join(root, 'src'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${relative(root, f)}:${i + 1}`, line }))
          .filter(({ line }) => /\.localeCompare\(|\.toLocale[A-Za-z]*\(|\bIntl\./.test(line)),
      );
    expect(offending).toEqual([]);
  });

  integration.test('a catalog whose order differs by locale (Lithuanian sorts Y before J) synthesizes the same under every locale', () => {
    // GIVEN secrets a locale-aware sort would order differently: lt_LT collates I < Y < J
    const config = structuredClone(DEFAULT_CONFIG) as any;
    for (const name of ['JWT_SIGNING_KEY', 'YUBIKEY_API_SECRET', 'IAM_TOKEN']) config.secrets[name] = { purpose: `Test ${name}`, required: 'always' };
    config.secrets.YOKE_OPTIONAL_KEY = { purpose: 'Test', required: 'optional' };
    config.secrets.JOLT_OPTIONAL_KEY = { purpose: 'Test', required: 'optional' };
    const runs = ['C', 'lt_LT.UTF-8', 'et_EE.UTF-8'].map((locale) => {
      const dir = mkdtempSync(join(tmpdir(), 'aragora-det-'));
      writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
      const run = runApp(dir, { LANG: locale, LC_ALL: locale });
      return { status: run.status, stderr: run.stderr, tree: readTree(run.outdir) };
    });
    // THEN the files and the warnings are the same, and the unsealed keys are listed in code-unit order
    expect(runs[0].status).toBe(0);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0].stderr).toMatch(/IAM_TOKEN, JWT_SIGNING_KEY, OPENAI_API_KEY, YUBIKEY_API_SECRET/);
  });
});

describe('the app entry point (what cdk8s synth runs)', () => {
  integration.test('a bad config exits 1 with the config error alone, and writes nothing', () => {
    // GIVEN a project whose config has a typo
    const dir = mkdtempSync(join(tmpdir(), 'aragora-bad-'));
    const bad = structuredClone(DEFAULT_CONFIG) as any;
    bad.environments.prod.namepsace = bad.environments.prod.namespace;
    delete bad.environments.prod.namespace;
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(bad));
    // WHEN the app runs
    const result = runApp(dir);
    // THEN it says which path, what and how to fix, without a stack trace
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/environments\.prod\.namepsace \(line \d+\): unknown key "namepsace"\n\s+fix: did you mean "namespace"\?/);
    expect(result.stderr).toMatch(/environments\.prod\.namespace/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(result.outdir)).toBe(false);
  });

  integration.test('the cached AWS output follows the config: a changed account is never served from the cache', () => {
    // GIVEN the default synthesized once through the runner (its AWS templates are now cached)
    const first = runApp(mkdtempSync(join(tmpdir(), 'aragora-cache-a-')));
    expect(first.status).toBe(0);
    // WHEN only the AWS account changes
    const dir = mkdtempSync(join(tmpdir(), 'aragora-cache-b-'));
    const config = structuredClone(DEFAULT_CONFIG) as any;
    config.environments.prod.aws.account = '210987654321';
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const second = runApp(dir);
    expect(second.stderr).not.toMatch(/error/i);
    // THEN the template carries the new account, and the first output still equals the committed dist/
    const template = readFileSync(join(second.outdir, 'prod/aws/aragora-prod-secrets.template.json'), 'utf8');
    expect(template).toContain('210987654321');
    expect(template).not.toContain('123456789012');
    expect(readTree(first.outdir)).toEqual(readTree(join(root, 'dist')));
  });

  test('the AWS output is cached per environment: a change elsewhere reuses a stack, a change to its environment makes a new one', () => {
    // GIVEN a build cache of its own, and two environments with an AWS stack
    const cache = mkdtempSync(join(tmpdir(), 'aragora-cache-env-'));
    const saved = { build: process.env.ARAGORA_SECRETS_BUILD, cache: process.env.ARAGORA_SECRETS_CACHE };
    process.env.ARAGORA_SECRETS_BUILD = `per-environment-${process.pid}`;
    process.env.ARAGORA_SECRETS_CACHE = cache;
    const stacks = () => readdirSync(cache).filter((file) => /^aws-[0-9a-f]{12}-[0-9a-f]{24}\.json$/.test(file)).sort();
    const synthesize = (config: AragoraSecretsConfig) => {
      const dir = mkdtempSync(join(tmpdir(), 'aragora-cache-env-project-'));
      writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
      return synthesizeProject({ cwd: dir, env: {} }).files;
    };
    try {
      const config = structuredClone(DEFAULT_CONFIG) as any;
      config.environments.staging.aws = { ...structuredClone(config.environments.prod.aws), account: '210987654321' };
      const first = synthesize(config);
      expect(stacks()).toHaveLength(2);
      // WHEN only dev changes, THEN both stacks come from the cache, and the files are the same
      const devOnly = structuredClone(config);
      devOnly.environments.dev.namespace = 'aragora-dev-2';
      const second = synthesize(devOnly);
      expect(stacks()).toHaveLength(2);
      const awsFiles = (files: { path: string; content: string }[]) => files.filter((f) => /^(prod|staging)\/aws\//.test(f.path));
      expect(awsFiles(second)).toEqual(awsFiles(first));
      expect(awsFiles(first).length).toBeGreaterThan(2);
      // WHEN prod's account changes, THEN prod's stack is made again (with it), and staging's still comes from the cache
      const prodChanged = structuredClone(config);
      prodChanged.environments.prod.aws.account = '333333333333';
      const third = synthesize(prodChanged);
      expect(stacks()).toHaveLength(3);
      expect(third.find((f) => f.path === 'prod/aws/aragora-prod-secrets.template.json')!.content).toContain('333333333333');
      expect(awsFiles(third).filter((f) => f.path.startsWith('staging/'))).toEqual(awsFiles(first).filter((f) => f.path.startsWith('staging/')));
    } finally {
      for (const [name, value] of [['ARAGORA_SECRETS_BUILD', saved.build], ['ARAGORA_SECRETS_CACHE', saved.cache]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  integration.test('$ARAGORA_SECRETS_CONFIG selects the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-env-'));
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments = { qa: { namespace: 'aragora-qa', tier: 'staging', workload: { strictMode: { enabled: false, reason: 'values as env' } } } };
    writeFileSync(join(dir, 'qa.yaml'), stringify(config));
    const result = runApp(dir, { ARAGORA_SECRETS_CONFIG: 'qa.yaml' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(result.outdir)).toEqual(['.aragora-secrets', 'qa']);
    expect(find(manifests(Object.entries(readTree(result.outdir)).map(([path, content]) => ({ path, content })), 'qa'), 'ServiceAccount').metadata.namespace).toBe('aragora-qa');
  });
});

describe('JSON Schema for editors', () => {
  test(`${JSON_SCHEMA_PATH} is in sync with the config schema (run \`npm run schema\`)`, () => {
    expect(readFileSync(join(root, JSON_SCHEMA_PATH), 'utf8')).toBe(renderJsonSchema());
  });

  test('it rejects unknown keys and describes the fields', () => {
    const schema = JSON.parse(renderJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['app', 'secrets', 'environments']);
    const env = schema.properties.environments.additionalProperties;
    expect(env.additionalProperties).toBe(false);
    expect(env.properties.tier.enum).toEqual(['development', 'staging', 'production']);
    expect(env.properties.namespace.pattern).toBeDefined();
  });

  test('the embedded default validates against the exported JSON Schema', () => {
    const Ajv2020 = require('ajv/dist/2020').default;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(renderJsonSchema()));
    expect(validate(DEFAULT_CONFIG) ? [] : validate.errors).toEqual([]);
    const typo = { ...DEFAULT_CONFIG, secrect: {} };
    expect(validate(typo)).toBe(false);
  });
});
