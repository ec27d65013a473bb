import { stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { ConfigError, UserError } from '../src/core/errors';
import { parseConfigText } from '../src/config/load';
import { resolvePlan } from '../src/app/resolve-plan';
import type { Plan } from '../src/plan/plan';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan } from '../src/app/synthesize';

// Every name plain objects inherit ("constructor", "toString", "__proto__", ...): used wherever the
// user chooses a name, each must either work like any other name or be a clear config error.
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Sets `record[key]` as an own entry, even for "__proto__" (plain assignment would replace the prototype). */
function put(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The default without AWS (slow to synthesize, covered by its own case below). */
function baseConfig(): any {
  const config: any = structuredClone(DEFAULT_CONFIG);
  delete config.environments.prod.aws;
  return config;
}

type Outcome = { ok: true; plan: Plan; files: OutputFile[] } | { ok: false; message: string };

/** Through the YAML loader, the plan and the synthesis, as `synth` runs them. */
function attempt(config: unknown): Outcome {
  try {
    const plan = resolvePlan(parseConfigText(stringify(config), 'names.yaml'));
    return { ok: true, plan, files: synthesizePlan(plan) };
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UserError) return { ok: false, message: e.message };
    throw e;
  }
}

interface Position {
  /** Puts `name` where the user chooses a name. */
  readonly use: (config: any, name: string) => void;
  /** When the config is accepted: the name is honored, not dropped or misread. */
  readonly honored: (outcome: { plan: Plan; files: OutputFile[] }, name: string) => boolean;
}

const chosenNames: Record<string, Position> = {
  'an environment': {
    use: (c, name) => put(c.environments, name, { ...structuredClone(c.environments.dev), namespace: 'aragora-named' }),
    honored: ({ plan, files }, name) => plan.environments.some((e) => e.name === name) && files.some((f) => f.path.startsWith(`${name}/`)),
  },
  'a sealed environment': {
    use: (c, name) => put(c.environments, name, { ...structuredClone(c.environments.qa), namespace: 'aragora-named' }),
    honored: ({ files }, name) => files.some((f) => f.path.startsWith(`${name}/`) && f.content.includes('kind: SealedSecret')),
  },
  'a store': {
    use: (c, name) => {
      put(c.stores, name, structuredClone(c.stores['vault-backend']));
      c.stores[name].kind = 'SecretStore';
      delete c.stores[name].auth.kubernetes.serviceAccountRef.namespace;
      c.environments.staging.delivery.store = name;
    },
    honored: ({ files }, name) => files.some((f) => f.path.startsWith('staging/') && f.content.includes(`name: ${name}\n`) && f.content.includes('kind: SecretStore')),
  },
  'a feature': {
    use: (c, name) => {
      put(c.features, name, true);
      c.secrets.STRIPE_SECRET_KEY.required = { feature: name };
      put((c.environments.dev.features ??= {}), name, false);
    },
    honored: ({ plan }) => {
      const secretIn = (env: string) => plan.environments.find((e) => e.name === env)!.secrets.some((s) => s.name === 'STRIPE_SECRET_KEY');
      return secretIn('prod') && !secretIn('dev');
    },
  },
  'a "one of" group': {
    use: (c, name) => {
      c.secrets.ANTHROPIC_API_KEY.required = { oneOf: name };
      c.secrets.OPENAI_API_KEY.required = { oneOf: name };
    },
    honored: ({ plan }, name) => plan.environments[0].secrets.some((s) => s.group === name),
  },
  'a label key': {
    use: (c, name) => put((c.app.labels ??= {}), name, 'yes'),
    honored: ({ files }, name) => files.some((f) => f.content.includes(`    ${name}: "yes"`) || f.content.includes(`    ${name}: yes`)),
  },
  'a pod label key': {
    use: (c, name) => put((c.environments.dev.workload.podLabels ??= {}), name, 'yes'),
    honored: ({ files }, name) => files.some((f) => f.path === 'dev/manifests/40-Deployment.aragora.k8s.yaml' && f.content.includes(`${name}: "yes"`)),
  },
  'a secret': {
    use: (c, name) => put(c.secrets, name, { purpose: 'named after an inherited property' }),
    honored: ({ plan }, name) => plan.environments[0].secrets.some((s) => s.name === name),
  },
};

// References to something that does not exist under that name must be errors, never inherited values.
const danglingReferences: Record<string, (config: any, name: string) => void> = {
  'delivery.store': (c, name) => (c.environments.staging.delivery.store = name),
  'required.feature': (c, name) => (c.secrets.STRIPE_SECRET_KEY.required = { feature: name }),
  'required.environments': (c, name) => (c.secrets.SUPABASE_KEY.required = { environments: [name] }),
  'an environment feature': (c, name) => put((c.environments.dev.features ??= {}), name, true),
  'delivery.keys': (c, name) => (c.environments.staging.delivery.keys = ['ANTHROPIC_API_KEY', name]),
};

describe('names every object inherits ("constructor", "toString", "__proto__"...)', () => {
  test.each(Object.keys(chosenNames))('as %s: honored like any name, or a config error; never a crash or a silent drop', (position) => {
    const { use, honored } = chosenNames[position];
    for (const name of INHERITED_NAMES) {
      const config = baseConfig();
      use(config, name);
      const outcome = attempt(config);
      if (outcome.ok) expect({ name, honored: honored(outcome, name) }).toEqual({ name, honored: true });
      else expect(outcome.message).toMatch(/^Invalid config names\.yaml \(\d+ problems?\):\n  - \S/);
    }
  });

  test.each(Object.keys(danglingReferences))('as an undefined %s: a config error naming the path', (position) => {
    for (const name of INHERITED_NAMES) {
      const config = baseConfig();
      danglingReferences[position](config, name);
      const outcome = attempt(config);
      expect({ name, accepted: outcome.ok }).toEqual({ name, accepted: false });
    }
  });

  test('"constructor" works as an environment name end to end, AWS stack included', () => {
    const config: any = structuredClone(DEFAULT_CONFIG);
    put(config.environments, 'constructor', { ...config.environments.prod, namespace: 'aragora-named' });
    config.environments.constructor.aws = { ...config.environments.prod.aws, tags: { toString: 'x', constructor: 'y' } };
    delete config.environments.prod;
    const outcome = attempt(config);
    expect(outcome.ok ? outcome.files.map((f) => f.path) : outcome.message).toContainEqual(expect.stringMatching(/^constructor\/aws\/.*\.template\.json$/));
    const template = JSON.parse((outcome as { files: OutputFile[] }).files.find((f) => f.path.startsWith('constructor/aws/') && f.path.endsWith('.template.json'))!.content);
    expect(JSON.stringify(template)).toContain('{"Key":"constructor","Value":"y"}');
  });

  test('"__proto__" as a key anywhere is refused with its path', () => {
    const config = baseConfig();
    put(config.secrets, '__proto__', { purpose: 'x' });
    const outcome = attempt(config);
    expect(outcome.ok ? 'accepted' : outcome.message).toContain('- secrets.__proto__ (line');
  });
});
