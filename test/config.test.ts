import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/default';
import { ConfigError, didYouMean } from '../src/core/errors';
import { loadConfig, parseConfigText } from '../src/config/load';
import { isStrictSubnet, isValidCidr } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { configSchema } from '../src/config/config-schema';
import { configProblems, configWith } from './helpers';

const validYaml = `
app:
  name: aragora
  image: ghcr.io/aragora/aragora:1.0.0
features:
  billing: false
secrets:
  ANTHROPIC_API_KEY:
    purpose: Claude API access
    required: { oneOf: llm-provider }
  OPENAI_API_KEY:
    purpose: GPT API access
    required: { oneOf: llm-provider }
  STRIPE_SECRET_KEY:
    purpose: Billing
    required: { feature: billing }
environments:
  prod:
    namespace: aragora-prod
    tier: production
`;

describe('the embedded default', () => {
  test('is valid', () => {
    expect(() => validateConfig(DEFAULT_CONFIG, 'default')).not.toThrow();
  });

  test('holds the seed catalog with its requirement rules', () => {
    const s = DEFAULT_CONFIG.secrets;
    expect(Object.keys(s).sort()).toEqual([
      'ANTHROPIC_API_KEY',
      'ARAGORA_JWT_SECRET',
      'ARAGORA_SSO_CLIENT_SECRET',
      'GOOGLE_OAUTH_CLIENT_SECRET',
      'OPENAI_API_KEY',
      'OPENROUTER_API_KEY',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'SUPABASE_KEY',
    ]);
    expect(s.ANTHROPIC_API_KEY.required).toEqual({ oneOf: 'llm-provider' });
    expect(s.OPENAI_API_KEY.required).toEqual({ oneOf: 'llm-provider' });
    expect(s.OPENROUTER_API_KEY.required).toBe('recommended');
    expect(s.SUPABASE_KEY.required).toEqual({ tiers: ['production'] });
    expect(s.ARAGORA_JWT_SECRET.required).toEqual({ tiers: ['production'] });
    expect(s.STRIPE_SECRET_KEY.required).toEqual({ feature: 'billing' });
    expect(s.STRIPE_WEBHOOK_SECRET.required).toEqual({ feature: 'billing' });
    expect(s.GOOGLE_OAUTH_CLIENT_SECRET.required).toEqual({ feature: 'googleOAuth' });
    expect(s.ARAGORA_SSO_CLIENT_SECRET.required).toEqual({ feature: 'sso' });
    expect(Object.keys(DEFAULT_CONFIG.environments).sort()).toEqual(['dev', 'prod', 'qa', 'staging']);
  });
});

describe('config file parsing', () => {
  test('a valid file parses', () => {
    const config = parseConfigText(validYaml, 'aragora-secrets.yaml');
    expect(config.environments.prod.namespace).toBe('aragora-prod');
  });

  test('an unknown key is an error with a did-you-mean suggestion and the line', () => {
    const problems = configProblems(() => parseConfigText(validYaml.replace('    tier: production', '    tier: production\n    delviery: plain'), 'f.yaml'));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'environments.prod.delviery', message: 'unknown key "delviery"', fix: 'did you mean "delivery"?', line: 21 }),
    ]);
  });

  test('an unknown key far from any known one lists the allowed keys', () => {
    const problems = configProblems(() => parseConfigText(validYaml.replace('app:\n', 'app:\n  zzzzzzzzzz: 1\n'), 'f.yaml'));
    expect(problems[0].path).toBe('app.zzzzzzzzzz');
    expect(problems[0].fix).toMatch(/the keys allowed here are: name, image, labels/);
  });

  test('several errors are reported at once, in file order', () => {
    const text = validYaml
      .replace('name: aragora', 'name: Aragora')
      .replace('tier: production', 'tier: prodution')
      .replace('namespace: aragora-prod', 'namespace: aragora_prod');
    const problems = configProblems(() => parseConfigText(text, 'f.yaml'));
    expect(problems.map((p) => p.path)).toEqual(['app.name', 'environments.prod.namespace', 'environments.prod.tier']);
    expect(problems[0].fix).toBe('for example "aragora"');
    expect(problems[1].fix).toBe('for example "aragora-prod"');
    expect(problems[2].fix).toMatch(/did you mean "production"/);
  });

  test('the error message names the file, the path, the problem and the fix', () => {
    expect(() => parseConfigText(validYaml.replace('tier: production', 'tier: prod'), 'aragora-secrets.yaml')).toThrow(
      /Invalid config aragora-secrets.yaml \(1 problem\):\n {2}- environments\.prod\.tier \(line \d+\): "prod" is not allowed here\n {4}fix: use one of "development", "staging", "production"/,
    );
  });

  test('a missing required key names its path', () => {
    const problems = configProblems(() => parseConfigText(validYaml.replace('    tier: production\n', ''), 'f.yaml'));
    expect(problems).toEqual([expect.objectContaining({ path: 'environments.prod.tier', message: expect.stringMatching(/missing required key/) })]);
  });

  test.each([
    ['YAML syntax error', 'app: [unclosed', /YAML syntax/],
    ['duplicate key', 'app:\n  name: a\napp:\n  name: b\n', /Map keys must be unique/],
    ['empty file', '', /the config file is empty/],
    ['a list instead of a mapping', '- a\n- b\n', /expected object/],
    ['NUL bytes', 'app:\n  name: a\u0000b\n', /not UTF-8 text/],
    ['alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', /alias/i],
    ['wrong type', validYaml.replace('billing: false', 'billing: "no"'), /features\.billing.*expected boolean/s],
    ['invalid secret name', validYaml.replace('STRIPE_SECRET_KEY:', 'stripe-key:'), /environment variable name/],
    ['invalid requirement rule', validYaml.replace('required: { feature: billing }', 'required: sometimes'), /"sometimes" is not allowed here[\s\S]*"always", "recommended", "optional"/],
    ['requirement rule of the wrong form', validYaml.replace('required: { feature: billing }', 'required: [billing]'), /a list is not valid here[\s\S]*\{ oneOf: GROUP \}/],
    ['unknown delivery method', validYaml + '    delivery: plian\n', /"plian" is not allowed here[\s\S]*did you mean "plain"/],
    ['unknown delivery method in the long form', validYaml + '    delivery: { method: plian }\n', /environments\.prod\.delivery\.method.*"plian" is not allowed here[\s\S]*did you mean "plain"/],
    ['unknown feature in a rule', validYaml.replace('{ feature: billing }', '{ feature: biling }'), /unknown feature "biling"[\s\S]*did you mean "billing"/],
    ['group of one', validYaml.replace('required: { oneOf: llm-provider }\n  OPENAI', 'required: always\n  OPENAI'), /only one member/],
    ['no environments', validYaml.replace(/environments:[\s\S]*$/, 'environments: {}\n'), /no environments/],
    ['unknown feature in an environment', validYaml + '    features: { bilings: true }\n', /unknown feature "bilings"/],
  ])('%s is a clear error', (_name, text, pattern) => {
    let error: unknown;
    try {
      parseConfigText(text, 'f.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toMatch(/\n\s+at /);
  });
});

test('a credential pasted into the wrong field is not echoed in the error', () => {
  const key = 'sk-ant-' + 'api03-' + 'Q'.repeat(40) + '_x';
  let message = '';
  try {
    parseConfigText(validYaml.replace('namespace: aragora-prod', `namespace: ${key}`).replace('tier: production', `tier: ${key}`), 'f.yaml');
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toMatch(/environments\.prod\.namespace.*the value \(not shown\)/);
  expect(message).toMatch(/environments\.prod\.tier.*the value \(not shown\)/);
  expect(message).not.toContain('Q'.repeat(40));
  expect(message.toLowerCase()).not.toContain('q'.repeat(40));
});

describe('cross-field rules', () => {
  test('two environments may not share a namespace', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          c.environments.staging.namespace = 'aragora-dev';
        }),
        't',
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ path: 'environments.staging.namespace', message: expect.stringMatching(/also used by environment "dev"/) })]);
  });

  test('a workload needs an image', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          delete c.app.image;
        }),
        't',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['environments.dev.workload.image', 'environments.prod.workload.image', 'environments.qa.workload.image', 'environments.staging.workload.image']);
  });

  test('a backend needs exactly one kind of destination', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          c.environments.dev.network = {
            backends: [
              { name: 'nowhere', ports: [8200] },
              { name: 'both', cidr: '10.0.0.0/8', namespace: 'vault', ports: [8200] },
            ],
          };
        }),
        't',
      ),
    );
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/"nowhere" has no destination/), expect.stringMatching(/"both" sets both/)]);
  });

  test('except ranges must lie strictly inside their cidr (the API server refuses others)', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          c.environments.dev.network = {
            publicHttps: { except: ['10.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', 'fd00::/8', '0.0.0.0/0', '::/0'] },
            backends: [{ name: 'db', cidr: '10.0.0.0/16', except: ['10.0.1.0/24', '192.168.0.0/24', '10.0.0.0/16'], ports: [5432] }],
          };
        }),
        't',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'environments.dev.network.backends[0].except[1]',
      'environments.dev.network.backends[0].except[2]',
      'environments.dev.network.publicHttps.except[4]',
      'environments.dev.network.publicHttps.except[5]',
    ]);
  });

  test('label values derived from names stay within 63 characters', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          c.app.name = 'a'.repeat(40);
          c.environments['e'.repeat(30)] = { namespace: 'long-env', tier: 'staging' };
        }),
        't',
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ path: `environments.${'e'.repeat(30)}`, message: expect.stringMatching(/app.kubernetes.io\/instance.*71 characters/) })]);
  });

  test('a root-capable workload conflicts with the restricted namespace we generate', () => {
    const problems = configProblems(() => validateConfig(configWith((c) => (c.environments.dev.workload = { runAsNonRoot: false })), 't'));
    expect(problems).toEqual([expect.objectContaining({ path: 'environments.dev.workload.runAsNonRoot', fix: expect.stringMatching(/createNamespace: false/) })]);
    expect(() => validateConfig(configWith((c) => (c.environments.dev = { ...c.environments.dev, createNamespace: false, workload: { runAsNonRoot: false } })), 't')).not.toThrow();
  });

  test('unknown environments in a rule are named with a suggestion', () => {
    const problems = configProblems(() =>
      validateConfig(
        configWith((c) => {
          c.secrets.SUPABASE_KEY.required = { environments: ['prd'] };
        }),
        't',
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ path: 'secrets.SUPABASE_KEY.required.environments[0]', fix: 'did you mean "prod"?' })]);
  });
});

describe('lookup order', () => {
  const project = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-config-'));
    writeFileSync(join(dir, 'aragora-secrets.yaml'), validYaml);
    writeFileSync(join(dir, 'other.yaml'), validYaml.replace('aragora-prod', 'other-prod'));
    return dir;
  };

  test('--config wins over the environment variable and the project file', () => {
    const dir = project();
    const loaded = loadConfig({ cwd: dir, path: 'other.yaml', env: { ARAGORA_SECRETS_CONFIG: 'missing.yaml' } });
    expect(loaded.config.environments.prod.namespace).toBe('other-prod');
  });

  test('$ARAGORA_SECRETS_CONFIG wins over the project file', () => {
    const dir = project();
    expect(loadConfig({ cwd: dir, env: { ARAGORA_SECRETS_CONFIG: 'other.yaml' } }).source).toBe('other.yaml');
  });

  test('aragora-secrets.yaml in the project root, then the embedded default', () => {
    const dir = project();
    expect(loadConfig({ cwd: dir, env: {} }).source).toBe('aragora-secrets.yaml');
    const empty = mkdtempSync(join(tmpdir(), 'aragora-empty-'));
    const loaded = loadConfig({ cwd: empty, env: {} });
    expect(loaded.source).toBe('(embedded default)');
    expect(loaded.config).toEqual(DEFAULT_CONFIG);
  });

  test('a named file that does not exist is an error, not a silent fallback', () => {
    const empty = mkdtempSync(join(tmpdir(), 'aragora-empty-'));
    expect(() => loadConfig({ cwd: empty, env: { ARAGORA_SECRETS_CONFIG: 'nope.yaml' } })).toThrow(/config file not found \(from \$ARAGORA_SECRETS_CONFIG\)/);
  });
});

describe('helpers', () => {
  test.each([
    ['delviery', ['delivery', 'namespace'], 'delivery'],
    ['namespase', ['delivery', 'namespace'], 'namespace'],
    ['zzz', ['delivery', 'namespace'], undefined],
  ])('didYouMean(%s)', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  test.each([
    ['10.0.0.0/8', true],
    ['0.0.0.0/0', true],
    ['fd00::/8', true],
    ['::/0', true],
    ['10.0.0.0', false],
    ['10.0.0.256/8', false],
    ['10.0.0.0/33', false],
    ['fd00::/129', false],
    ['01.0.0.0/8', false],
  ])('isValidCidr(%s) = %s', (cidr, expected) => {
    expect(isValidCidr(cidr)).toBe(expected);
  });

  test.each([
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.0.0.0/8', false],
    ['11.0.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.0/8', '0.0.0.0/0', true],
    ['fd00::/16', 'fd00::/8', true],
    ['fe00::/16', 'fd00::/8', false],
    ['::ffff:10.0.0.0/104', '::ffff:0.0.0.0/96', true],
    ['fd00::/16', '0.0.0.0/0', false],
  ])('isStrictSubnet(%s, %s) = %s', (inner, outer, expected) => {
    expect(isStrictSubnet(inner, outer)).toBe(expected);
  });
});

describe('small and large catalogs are validated alike (zod parses a large one with the parsers it compiles)', () => {
  const withSecrets = (count: number, broken = false): unknown => {
    const config = structuredClone(DEFAULT_CONFIG) as Record<string, any>;
    for (let i = 0; i < count; i++) {
      config.secrets[`SERVICE_${String(i).padStart(5, '0')}_API_KEY`] = { purpose: `Service ${i}`, required: i % 3 === 0 ? 'always' : 'optional', remote: { property: `service_${i}` } };
    }
    if (broken) config.secrets.ANTHROPIC_API_KEY.requierd = 'always';
    return config;
  };

  test.each([0, 2500])('%i generated secrets: the same data, in the same order, either way', (count) => {
    const input = withSecrets(count);
    const compiled = configSchema.safeParse(input);
    const interpreted = configSchema.safeParse(input, { jitless: true });
    expect(compiled.success && interpreted.success).toBe(true);
    expect(JSON.stringify(compiled.data)).toBe(JSON.stringify(interpreted.data));
    expect(JSON.stringify(validateConfig(input, 'aragora-secrets.yaml'))).toBe(JSON.stringify(compiled.data));
  });

  test('a config of some dozens of secrets is parsed without compiling parsers; one of thousands with them', () => {
    const parse = jest.spyOn(configSchema, 'safeParse');
    try {
      validateConfig(withSecrets(0), 'aragora-secrets.yaml');
      validateConfig(withSecrets(2500), 'aragora-secrets.yaml');
      expect(parse.mock.calls.map(([, options]) => options)).toEqual([{ jitless: true }, { jitless: false }]);
    } finally {
      parse.mockRestore();
    }
  });

  test.each([0, 2500])('%i generated secrets and a typo: the same problems either way', (count) => {
    const input = withSecrets(count, true);
    const issues = (jitless: boolean) => JSON.stringify(configSchema.safeParse(input, { jitless }).error?.issues);
    expect(issues(true)).toBe(issues(false));
    expect(() => validateConfig(input, 'aragora-secrets.yaml')).toThrow(/secrets\.ANTHROPIC_API_KEY\.requierd/);
  });
});
