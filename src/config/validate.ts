import { z } from 'zod';
import { awsProblems } from '../cloud/aws/validate';
import { ConfigError, ConfigProblem, didYouMean, formatPath } from '../core/errors';
import { suggestDnsLabel } from '../core/names';
import { configSchema } from './config-schema';
import { AragoraSecretsConfig, DNS1123_LABEL, ENV_VAR_NAME, isStrictSubnet, RequirementRule } from '../config-kit/schema';
import { deliveryMethods } from '../delivery/registry';
import { networkProblems } from './network-validate';
import { gcpProblems } from './gcp-validate';
import { identityProblems, refreshOptionProblems } from './identity-validate';
import { GO_DURATION, suggestDuration } from '../delivery/external/schema';
import { inputTextProblems } from './input-text';
import { showable, shown as shownText, shownNames } from '../config-kit/shown';
import { pushTo } from '../core/collections';
import { compareStrings } from '../core/sort';

/** Maps a config path to a line of the source file, when the config came from one. */
export type LineLocator = (path: readonly PropertyKey[]) => number | undefined;

/**
 * Validates a config object: the rules for every string first (no control characters, no reserved
 * keys), then the schema, then the rules that span several fields
 * (feature and environment references, groups). Every problem is reported at once.
 *
 * @throws ConfigError listing each problem with its path and fix
 */
export function validateConfig(input: unknown, source: string, locate: LineLocator = () => undefined): AragoraSecretsConfig {
  const textProblems = inputTextProblems(input);
  if (textProblems.length > 0) {
    throw new ConfigError(source, sortProblems(textProblems.map((p) => ({ path: formatPath(p.segments), line: locate(p.segments), message: p.message, fix: p.fix }))));
  }
  const parsed = configSchema.safeParse(input, { jitless: secretCount(input) < COMPILED_PARSING_FROM });
  if (!parsed.success) {
    throw new ConfigError(source, sortProblems(parsed.error.issues.flatMap((issue) => describeIssue(issue, input, locate))));
  }
  const config = parsed.data as AragoraSecretsConfig;
  const problems = crossFieldProblems(config).map((p) => ({ ...p, line: locate(p.segments) }));
  if (problems.length > 0) {
    throw new ConfigError(source, sortProblems(problems.map(({ segments: _, ...p }) => p)));
  }
  return config;
}

/**
 * From this many secrets the schema parses with the parsers zod compiles (with `new Function`) for each object
 * schema on first use. Compiling them costs more than it saves on a config of some dozens of secrets (the
 * default: 26 ms compiled, 9 ms without) and up to a thousand; over thousands it pays.
 */
const COMPILED_PARSING_FROM = 2000;

function secretCount(input: unknown): number {
  const secrets = typeof input === 'object' && input !== null ? (input as { secrets?: unknown }).secrets : undefined;
  return typeof secrets === 'object' && secrets !== null ? Object.keys(secrets).length : 0;
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || compareStrings(a.path, b.path));
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, locate: LineLocator): ConfigProblem[] {
  const segments = issue.path;
  const path = formatPath(segments);
  const line = locate(segments);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeysAt(segments, valueAt(input, segments));
        const suggestion = didYouMean(key, known);
        const keyPath = [...segments, key];
        return {
          path: formatPath(keyPath),
          line: locate(keyPath) ?? line,
          message: `unknown key ${shownText(key, 253)}`,
          fix: suggestion
            ? `did you mean "${suggestion}"?`
            : (misplacedKeyFix(segments, key, valueAt(input, keyPath)) ?? `remove it; the keys allowed here are: ${known.join(', ')}`),
        };
      });
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const actual = valueAt(input, segments);
      if (actual === undefined) {
        return [{ path, line, message: 'missing required key', fix: `add "${String(segments.at(-1))}" with one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` }];
      }
      const suggestion = typeof actual === 'string' && showable(actual) ? didYouMean(actual, allowed) : undefined;
      return [
        {
          path,
          line,
          message: `${shown(actual)} is not allowed here`,
          fix: `use one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        },
      ];
    }
    case 'invalid_type': {
      const actual = valueAt(input, segments);
      if (actual === undefined) {
        return [{ path, line, message: `missing required key (expected ${issue.expected})`, fix: `add "${String(segments.at(-1))}"` }];
      }
      if (actual === null && issue.expected === 'object') {
        return [{ path, line, message: 'has no value (expected a mapping)', fix: 'write its fields under it, indented one level deeper (or remove it)' }];
      }
      // A schema-specific message (not zod's generic one) says how to fix it.
      const fix =
        segments.length === 0
          ? 'a config is a YAML mapping (app:, secrets:, environments:): is this the right file?'
          : issue.message.startsWith('Invalid input')
            ? undefined
            : issue.message;
      return [{ path, line, message: `expected ${issue.expected}, got ${describeValue(actual)}`, fix }];
    }
    case 'invalid_union': {
      const actual = valueAt(input, segments);
      if ('discriminator' in issue && Array.isArray((issue as { options?: unknown[] }).options)) {
        const allowed = ((issue as { options: unknown[] }).options).map(String);
        const suggestion = typeof actual === 'string' && showable(actual) ? didYouMean(actual, allowed) : undefined;
        return [
          {
            path,
            line,
            message: actual === undefined ? 'missing required key' : `${shown(actual)} is not allowed here`,
            fix: `use one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
          },
        ];
      }
      // Keep the alternatives whose shape matches the value (a string for the short form, a
      // mapping for the long one): their issues say what is wrong; otherwise the union's own message.
      const scalar = actual === null || typeof actual !== 'object';
      const shapeMismatch = (i: z.core.$ZodIssue) => i.path.length === 0 && (i.code === 'invalid_type' || (i.code === 'invalid_value' && !scalar));
      const matching = issue.errors.filter((inner) => !inner.some(shapeMismatch));
      if (matching.length === 1) {
        return matching[0].flatMap((inner) => describeIssue({ ...inner, path: [...segments, ...inner.path] } as z.core.$ZodIssue, input, locate));
      }
      return [{ path, line, message: `${describeValue(actual)} is not valid here`, fix: issue.message }];
    }
    case 'invalid_key': {
      // A field of an entry written at the entries' depth ("purpose:" beside the secret names) is an indentation slip.
      const key = String(segments.at(-1));
      const fieldOfEntry = knownKeysAt(segments).includes(key);
      return issue.issues.map((inner) => ({
        path,
        line,
        message: `key ${shownText(key, 253)}: ${inner.message}`,
        fix: fieldOfEntry ? `"${key}" is a field of an entry: indent it under the entry's name above it, one level deeper` : undefined,
      }));
    }
    case 'invalid_format': {
      const actual = valueAt(input, segments);
      const suggestion =
        typeof actual !== 'string' || !showable(actual) || issue.format !== 'regex'
          ? undefined
          : issue.pattern === String(DNS1123_LABEL)
            ? suggestDnsLabel(actual)
            : issue.pattern === String(GO_DURATION)
              ? suggestDuration(actual)
              : undefined;
      return [{ path, line, message: `${shown(actual)} is invalid: ${issue.message}`, fix: suggestion ? `for example "${suggestion}"` : undefined }];
    }
    default:
      return [{ path, line, message: issue.message }];
  }
}

/**
 * The fix for a key the schema does not know that is something else in the wrong place: a secret
 * (or its value) outside `secrets:`, an environment or a store at the top level.
 */
function misplacedKeyFix(segments: readonly PropertyKey[], key: string, value: unknown): string | undefined {
  const mapping = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (ENV_VAR_NAME.test(key)) {
    if (mapping === undefined && value !== null) {
      return 'values never go into this file (it is committed): put the value in .env or your secret store, and declare the secret under `secrets:` with a purpose';
    }
    return segments.length === 0 ? 'move it under `secrets:`, where secrets are declared by variable name' : 'secrets are declared under the top-level `secrets:`, by variable name: move it there';
  }
  if (segments.length === 0 && mapping !== undefined) {
    if (['tier', 'namespace', 'delivery'].some((field) => Object.hasOwn(mapping, field))) return 'move it under `environments:`';
    if (Object.hasOwn(mapping, 'provider')) return 'move it under `stores:`';
    if (Object.hasOwn(mapping, 'purpose')) return 'move it under `secrets:` (secret names are upper case, e.g. MY_API_KEY)';
  }
  return undefined;
}

/** A rejected value as a message may print it: a short name-shaped string, a number or a boolean; never free text. */
function shown(value: unknown): string {
  if (typeof value === 'string') return shownText(value);
  if (value === null || typeof value !== 'object') return String(JSON.stringify(value));
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return showable(value) ? `the string ${JSON.stringify(value)}` : 'a string (not shown)';
  return `${typeof value} ${String(value)}`;
}

function valueAt(input: unknown, segments: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const s of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[s as string];
  }
  return current;
}

/**
 * The keys the schema allows for the object at `segments`, for did-you-mean hints. `value` (the
 * object itself) picks the alternative of a union by its discriminator (`provider: vault`).
 */
export function knownKeysAt(segments: readonly PropertyKey[], value?: unknown): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const segment of segments) {
    schema = schema && childSchema(unwrap(schema), segment);
  }
  const target = schema && unwrap(schema);
  if (target instanceof z.ZodObject) return Object.keys(target.shape);
  if (target instanceof z.ZodUnion) return unionKeys(target, value);
  return [];
}

function unionKeys(union: z.ZodUnion, value: unknown): string[] {
  const objects = union.options.flatMap((option) => {
    const o = unwrap(option as z.core.$ZodType);
    if (o instanceof z.ZodUnion) return o.options.map((inner) => unwrap(inner as z.core.$ZodType));
    return [o];
  }).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
  const record = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const matching = objects.filter((o) =>
    Object.entries(o.shape).every(([key, field]) => !(field instanceof z.ZodLiteral) || !(key in record) || field.values.has(record[key] as never)),
  );
  return [...new Set((matching.length > 0 ? matching : objects).flatMap((o) => Object.keys(o.shape)))];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.core.$ZodType;
  }
  return current;
}

function childSchema(schema: z.core.$ZodType, segment: PropertyKey): z.core.$ZodType | undefined {
  if (schema instanceof z.ZodObject) return schema.shape[segment as string];
  if (schema instanceof z.ZodRecord) return schema.valueType as z.core.$ZodType;
  if (schema instanceof z.ZodArray) return schema.element as z.core.$ZodType;
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options) {
      const child = childSchema(unwrap(option as z.core.$ZodType), segment);
      if (child) return child;
    }
  }
  return undefined;
}

interface LocatedProblem extends ConfigProblem {
  readonly segments: readonly PropertyKey[];
}

function crossFieldProblems(config: AragoraSecretsConfig): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const add = (segments: PropertyKey[], message: string, fix?: string) =>
    problems.push({ segments, path: formatPath(segments), message, fix });

  const features = Object.keys(config.features ?? {});
  const environments = Object.keys(config.environments);
  const groups = new Map<string, string[]>();

  for (const [name, secret] of Object.entries(config.secrets)) {
    const rule: RequirementRule | undefined = secret.required;
    if (rule === undefined || typeof rule === 'string') continue;
    if ('feature' in rule && !features.includes(rule.feature)) {
      const suggestion = didYouMean(rule.feature, features);
      add(
        ['secrets', name, 'required', 'feature'],
        `unknown feature ${shownText(rule.feature)}`,
        suggestion ? `did you mean "${suggestion}"?` : `declare it under "features" (e.g. features: { ${showable(rule.feature) ? rule.feature : 'myFeature'}: false })`,
      );
    }
    if ('environments' in rule) {
      rule.environments.forEach((env, i) => {
        if (!environments.includes(env)) {
          const suggestion = didYouMean(env, environments.filter((e) => showable(e)));
          add(
            ['secrets', name, 'required', 'environments', i],
            `unknown environment ${shownText(env)}`,
            suggestion ? `did you mean "${suggestion}"?` : `use one of: ${shownNames(environments)}`,
          );
        }
      });
    }
    if ('oneOf' in rule) pushTo(groups, rule.oneOf, name);
  }
  for (const [group, members] of groups) {
    if (members.length < 2) {
      add(
        ['secrets', members[0], 'required', 'oneOf'],
        `group ${shownText(group)} has only one member, so "one of" means "always"`,
        `add the alternatives to the group, or write required: always`,
      );
    }
  }

  const namespaces = new Map<string, string>();
  for (const [envName, env] of Object.entries(config.environments)) {
    for (const feature of Object.keys(env.features ?? {})) {
      if (!features.includes(feature)) {
        const suggestion = didYouMean(feature, features);
        add(
          ['environments', envName, 'features', feature],
          `unknown feature ${shownText(feature)}`,
          suggestion ? `did you mean "${suggestion}"?` : `declare it under the top-level "features" first`,
        );
      }
    }
    const other = namespaces.get(env.namespace);
    if (other) {
      add(
        ['environments', envName, 'namespace'],
        `namespace ${shownText(env.namespace)} is also used by environment ${shownText(other)}`,
        'give every environment its own namespace, so that names and RBAC stay isolated',
      );
    } else {
      namespaces.set(env.namespace, envName);
    }
    const instance = `${config.app.name}-${envName}`;
    if (instance.length > 63) {
      add(
        ['environments', envName],
        `the label app.kubernetes.io/instance would be ${shownText(instance, 100)} (${instance.length} characters; label values are at most 63)`,
        'shorten the environment name or app.name',
      );
    }
    const workload = env.workload ?? {};
    if (workload.runAsNonRoot === false && (env.createNamespace ?? true)) {
      add(
        ['environments', envName, 'workload', 'runAsNonRoot'],
        'the generated Namespace enforces the restricted Pod Security Standard, which admits no pod that may run as root',
        'make the image run as a non-root user, or set createNamespace: false and manage the namespace\'s Pod Security level yourself',
      );
    }
    (env.network?.publicHttps?.except ?? []).forEach((range, i) => {
      if (!isStrictSubnet(range, '0.0.0.0/0') && !isStrictSubnet(range, '::/0')) {
        add(['environments', envName, 'network', 'publicHttps', 'except', i], `"${range}" is not a range strictly inside 0.0.0.0/0 or ::/0`, 'list ranges such as "10.0.0.0/8" or "fc00::/7"');
      }
    });
    if ((workload.enabled ?? true) && !workload.image && !config.app.image) {
      add(
        ['environments', envName, 'workload', 'image'],
        'no container image for the workload',
        'set app.image, or this environment\'s workload.image, or workload.enabled: false to wire your own Deployment',
      );
    }
    (env.network?.backends ?? []).forEach((backend, i) => {
      const at = ['environments', envName, 'network', 'backends', i];
      if (!backend.cidr && !backend.namespace) {
        add(at, `backend ${shownText(backend.name)} has no destination`, 'set "cidr" (outside the cluster) or "namespace" (in-cluster pods)');
      } else if (backend.cidr && (backend.namespace || backend.podLabels)) {
        add(at, `backend ${shownText(backend.name)} sets both "cidr" and "namespace"/"podLabels"`, 'split it into two backends');
      } else if (backend.except && !backend.cidr) {
        add([...at, 'except'], '"except" only applies to "cidr"', 'remove "except" or set "cidr"');
      } else if (backend.cidr) {
        (backend.except ?? []).forEach((range, j) => {
          if (!isStrictSubnet(range, backend.cidr!)) {
            add([...at, 'except', j], `"${range}" is not strictly inside ${backend.cidr}`, 'list only smaller ranges within the backend\'s cidr (the API server refuses others)');
          }
        });
      }
    });
  }
  // Each delivery method checks its own options (before the generic rules, as it always did).
  for (const method of deliveryMethods) method.configProblems?.(config, add);
  networkProblems(config, add);
  identityProblems(config, add);
  refreshOptionProblems(config, add);
  for (const p of awsProblems(config)) add(p.segments, p.message, p.fix);
  gcpProblems(config, add);
  return problems;
}
