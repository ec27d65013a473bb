import { z } from 'zod';
import { PATH_SEGMENT_RULE, pathPattern } from './path-pattern';
import { cidr, dnsLabel, labels, port, resourceQuantities } from './fields';
export { DURATION, isStrictSubnet, isValidCidr, isValidLabelKey, LABEL_NAME, LABEL_PREFIX, parseCidr, VAULT_PATH } from './fields';

/**
 * The schema of `aragora-secrets.yaml`.
 *
 * The schema only describes what a user may write; defaults are applied once, when the
 * plan is resolved (`src/plan/resolve.ts`), so that the config type stays exactly what the
 * file holds and the JSON Schema exported for editors matches it.
 *
 * `delivery:` is whatever the registered methods accept: `configSchemaWith` builds the schema around
 * it (src/config/config-schema.ts passes the registry's), and each method adds the type of its
 * options to `DeliveryConfigs` from its own schema.ts.
 */

export { DNS1123_LABEL, ENV_VAR_NAME } from '../core/names';
import { ENV_VAR_NAME } from '../core/names';
export const ENVIRONMENT_KEY = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const FEATURE_NAME = /^[a-z][a-zA-Z0-9]*$/;
export const GROUP_NAME = /^[a-z][-a-z0-9]*$/;
export const TIERS = ['development', 'staging', 'production'] as const;
export const APP_ENVIRONMENT_VALUE = /^[A-Za-z0-9][-_A-Za-z0-9]{0,62}$/;
/**
 * The options of each delivery method (the long form of `delivery:`), keyed by its name: each method
 * adds its own from its schema.ts (`declare module '../../config-kit/schema'`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DeliveryConfigs {}
/**
 * The blocks of an environment that a cloud adds (`aws:`, `gcp:`), keyed by the block's name: each cloud
 * adds its own from its schema.ts; config/config-schema.ts composes the registered clouds' schemas.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface EnvironmentBlocks {}
/** Top-level blocks of the config that a delivery method adds (`stores:`), the same way. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ConfigBlocks {}
/** The zod schemas of such blocks, by name (each is optional in the config). */
export type BlockSchemas = Readonly<Record<string, z.ZodType>>;
export const INJECTION_MODES = ['secretKeyRef', 'envFrom', 'files'] as const;
export const RELOADER_MODES = ['targeted', 'auto', 'none'] as const;

export type Tier = (typeof TIERS)[number];
export type DeliveryMethod = keyof DeliveryConfigs & string;
/** `delivery:` as written: a method's name (its defaults), or its options. */
export type DeliveryConfig = DeliveryMethod | DeliveryConfigs[DeliveryMethod];
export type InjectionMode = (typeof INJECTION_MODES)[number];
export type ReloaderMode = (typeof RELOADER_MODES)[number];

const requirementRule = z.union(
  [
  z.enum(['always', 'recommended', 'optional']).describe(
    '`always`: required in every environment; `recommended`: reported when missing but never required; `optional`: neither.',
  ),
  z
    .strictObject({
      oneOf: z
        .string()
        .regex(GROUP_NAME, { error: 'a group name is lowercase letters, digits and "-" (e.g. "llm-provider")' })
        .describe('At least one secret of this group must be set (e.g. llm-provider: ANTHROPIC_API_KEY or OPENAI_API_KEY).'),
    })
    .describe('Required as one of a group.'),
  z
    .strictObject({
      tiers: z.array(z.enum(TIERS)).min(1, { error: 'list at least one tier' }).describe('Tiers in which the secret is required.'),
    })
    .describe('Required in environments of these tiers, optional elsewhere (e.g. [production]).'),
  z
    .strictObject({
      environments: z.array(z.string()).min(1, { error: 'list at least one environment' }).describe('Environment names.'),
    })
    .describe('Required in these environments, optional elsewhere.'),
  z
    .strictObject({
      feature: z.string().describe('A feature flag declared under `features`.'),
    })
    .describe('Required where the feature is enabled; not delivered where it is disabled (e.g. billing, for STRIPE_SECRET_KEY).'),
  ],
  {
    error:
      'write one of: always, recommended, optional, { oneOf: GROUP }, { tiers: [production] }, { environments: [prod] }, { feature: NAME }',
  },
);

/** A secret's name or path in a store (Secrets Manager, Parameter Store, Vault KV): "/"-separated, an optional leading "/". */
const remoteKey = z
  .string()
  .regex(pathPattern({ characters: '^/', leadingSlash: 'allowed' }), { error: `a key such as "aragora/api-keys": segments separated by "/" (${PATH_SEGMENT_RULE}, no trailing "/")` });

const remoteRef = z
  .strictObject({
    key: remoteKey.optional().describe('Key of the secret in the backend. @default the top-level `remoteKey`'),
    property: z
      .string()
      .min(1)
      .optional()
      .describe('Property inside that secret. @default the name in lower snake case without an `_API_KEY` suffix'),
  })
  .describe('Where the value lives in an external store.');

export const secretSchema = z
  .strictObject({
    purpose: z.string().min(1, { error: 'say what the secret is for' }).describe('What the secret is for (shown in `.env.example` and reports).'),
    required: requirementRule.optional().describe('When the secret is required. @default optional'),
    generated: z
      .boolean()
      .optional()
      .describe('The value is random, not issued by a provider (the JWT secret), so tools may generate it. @default false'),
    critical: z
      .boolean()
      .optional()
      .describe(
        "The application refuses this secret from its environment in strict mode (its loader's CRITICAL_SECRETS list): it must reach the app through a custody the app reads itself (protected files, Secrets Manager). @default true for a name in the application's list (ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY, ARAGORA_JWT_SECRET, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, DATABASE_URL, ...), else false",
      ),
    remote: remoteRef.optional(),
  })
  .describe('One secret of the catalog: an environment variable of the application.');

const backendSchema = z
  .strictObject({
    name: dnsLabel('a backend name'),
    cidr: cidr.optional().describe('Address range of the backend (use for backends outside the cluster).'),
    except: z.array(cidr).optional().describe('Ranges excluded from `cidr`.'),
    namespace: dnsLabel('a namespace').optional().describe('Namespace of in-cluster backend pods.'),
    podLabels: labels.optional().describe('Labels of in-cluster backend pods. @default all pods of `namespace`'),
    ports: z.array(port).min(1, { error: 'list at least one port' }).describe('TCP ports the pods may reach.'),
  })
  .describe('A secret backend the pods must reach (in-cluster by namespace/labels, or by CIDR).');

const workloadSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe('Generate the Deployment. When false, a patch with the wiring to add to your own workload is written instead. @default true'),
    name: dnsLabel('a workload name').optional().describe('Deployment and container name. @default app.name'),
    image: z.string().min(1).optional().describe('Container image. @default app.image'),
    replicas: z.number().int().min(0).max(1000).optional().describe('@default 1'),
    port: port.optional().describe('Container port the application listens on. @default no port declared'),
    injection: z
      .enum(INJECTION_MODES)
      .optional()
      .describe(
        "`secretKeyRef`: one env entry per key (required keys fail the pod early); `envFrom`: the whole Secret; `files`: protected files the application reads itself (ARAGORA_SECRETS_DIR=/run/aragora-secrets), copied from the Secret by an init container running as the application's user into a 0700 directory of a memory emptyDir (what strict mode accepts; no rotation until the pod restarts; the image needs /bin/sh). @default secretKeyRef",
      ),
    runAsNonRoot: z.boolean().optional().describe('@default true'),
    runAsUser: z
      .number()
      .int()
      .min(1, { error: 'a non-root uid (the application refuses files a non-root process cannot own)' })
      .max(2147483647)
      .optional()
      .describe("The application's uid, which owns its protected files (`injection: files`). @default 1000, the application image's user"),
    readsSecretsThroughApi: z
      .boolean()
      .optional()
      .describe(
        "The application reads its Secrets with a Kubernetes API client (not only from its environment): its ServiceAccount gets a Role with get on exactly those Secrets, and an API token. The kubelet, not the pod, reads secretKeyRef and envFrom, which need neither. @default false",
      ),
    resources: z.strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() }).optional(),
    appEnvironment: z
      .string()
      .regex(APP_ENVIRONMENT_VALUE, { error: 'a word such as "production", "staging" or "development": letters, digits, "-" and "_"' })
      .optional()
      .describe(
        'The value of ARAGORA_ENV on the workload. The application runs in strict mode for production, prod, staging and stage (unless `strictMode` says otherwise). @default the tier: production, staging or development',
      ),
    strictMode: z
      .strictObject({
        enabled: z.boolean().describe('ARAGORA_SECRETS_STRICT: true or false, which wins over ARAGORA_ENV.'),
        reason: z.string().trim().min(1, { error: 'say why this environment overrides strict mode (shown in SECRETS.md and `check`)' }).describe('Why, for reviewers.'),
      })
      .optional()
      .describe(
        "Set the application's strict mode explicitly (ARAGORA_SECRETS_STRICT) instead of from ARAGORA_ENV. Off lets critical secrets come from environment variables (the four Kubernetes methods); on needs a custody the app reads itself. @default - from appEnvironment",
      ),
    podLabels: labels.optional().describe('Labels that select the application pods (NetworkPolicy, Deployment). @default { app: <app.name> }'),
    command: z
      .array(z.string().min(1, { error: 'an empty argument' }))
      .min(1, { error: 'list the program and its arguments, e.g. [aragora, serve]' })
      .optional()
      .describe(
        "The application's program and arguments (the image's entrypoint). Vault delivery needs it: the container sources the rendered file, then runs it. @default the image's entrypoint",
      ),
  })
  .describe('The application workload that consumes the secrets.');

const networkSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Generate the egress NetworkPolicy. @default true'),
    dns: z
      .strictObject({
        namespace: dnsLabel('a namespace').optional().describe('@default kube-system'),
        podLabels: labels.optional().describe('@default { k8s-app: kube-dns }'),
      })
      .optional()
      .describe('Where the cluster DNS runs (egress on port 53 is always allowed to it).'),
    publicHttps: z
      .strictObject({
        enabled: z.boolean().optional().describe('@default true'),
        ports: z.array(port).min(1).optional().describe('@default [443]'),
        except: z
          .array(cidr)
          .optional()
          .describe(
            'Ranges excluded from 0.0.0.0/0 and ::/0; the ranges of one family replace that family\'s defaults, and must keep the cloud metadata endpoints out (169.254.169.254, fd00:ec2::254). @default every non-public range: private, shared (100.64.0.0/10), loopback, link-local, special-purpose; IPv6 unique local, link-local, loopback, IPv4-mapped and the NAT64 images of the IPv4 ones',
          ),
      })
      .optional()
      .describe('HTTPS to the internet (IPv4 and IPv6), which the LLM provider APIs need (they publish no stable address ranges).'),
    backends: z.array(backendSchema).optional().describe('Secret backends and other services the pods must reach.'),
  })
  .describe('Egress NetworkPolicy for the pods that read secrets.');


/** `delivery:` from the methods' long forms (each a strict object with its `method` literal): a name, or the options. */
export function deliverySchemaOf(methods: readonly z.ZodObject[]): z.ZodType<DeliveryConfig, DeliveryConfig> {
  const names = methods.map((schema) => (schema.shape.method as z.ZodLiteral<string>).value);
  return z.union(
    [
      z.enum(names as [string, ...string[]]).describe('A delivery method with its defaults.'),
      z.discriminatedUnion('method', methods as unknown as [z.ZodObject<{ method: z.ZodLiteral<string> }>, ...z.ZodObject<{ method: z.ZodLiteral<string> }>[]]),
    ],
    { error: `write a delivery method (${names.join(', ')}) or a mapping with \`method:\` and its options` },
  ) as unknown as z.ZodType<DeliveryConfig, DeliveryConfig>;
}

/**
 * The schema of the config and of one environment, around the given `delivery:` schema and the blocks
 * the registered clouds add to an environment and the methods add to the config.
 */
export function configSchemaWith(deliverySchema: z.ZodType<DeliveryConfig, DeliveryConfig>, blocks: { readonly environment?: BlockSchemas; readonly config?: BlockSchemas } = {}) {
  const environmentSchema = z
  .strictObject({
    namespace: dnsLabel('a namespace').describe('Kubernetes namespace of the environment.'),
    createNamespace: z
      .boolean()
      .optional()
      .describe('Generate the Namespace object (with the restricted Pod Security label). @default true'),
    tier: z.enum(TIERS).describe('Which tier the environment is; requirement rules such as "Production" use it.'),
    delivery: deliverySchema.optional().describe('How secret values reach the cluster. @default plain'),
    secretName: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a Secret name must be a DNS-1123 subdomain: lowercase letters, digits, "-" and "."' })
      .optional()
      .describe('Name of the Kubernetes Secret holding the values. @default <app.name>-secrets'),
    features: z.record(z.string(), z.boolean()).optional().describe('Feature flags overriding the top-level `features`.'),
    labels: labels.optional().describe('Extra labels on every object of the environment.'),
    workload: workloadSchema.optional(),
    rotation: z
      .strictObject({
        reloader: z
          .enum(RELOADER_MODES)
          .optional()
          .describe('Stakater Reloader annotation: `targeted` restarts on this Secret only, `auto` on any referenced one. @default targeted'),
      })
      .optional(),
    network: networkSchema.optional(),
    ...optionalBlocks(blocks.environment),
  })
  .describe('One deployment environment: a namespace, a delivery method and the workload.');

  const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    version: z.literal(1, { error: 'the only config version is 1' }).optional().describe('Config format version. @default 1'),
    app: z
      .strictObject({
        name: dnsLabel('the application name', 40).describe('Base of every derived name (Secret, ServiceAccount, Role...).'),
        image: z.string().min(1).optional().describe('Default container image for the workloads.'),
        labels: labels.optional().describe('Labels on every generated object.'),
      })
      .describe('The application whose secrets are managed.'),
    remoteKey: remoteKey
      .optional()
      .describe('Default key of the secrets in an external store. @default <app.name>/api-keys'),
    ...optionalBlocks(blocks.config),
    features: z
      .record(z.string().regex(FEATURE_NAME, { error: 'a feature name is camelCase letters and digits (e.g. "googleOAuth")' }), z.boolean())
      .optional()
      .describe('Feature flags and their default state; environments may override them.'),
    secrets: z
      .record(z.string().regex(ENV_VAR_NAME, { error: 'a secret name must be an environment variable name: A-Z, 0-9 and "_", not starting with a digit' }), secretSchema)
      .refine((s) => Object.keys(s).length > 0, { error: 'the catalog is empty: list at least one secret' })
      .describe('The secret catalog, keyed by environment variable name.'),
    gitops: z
      .strictObject({
        argoSyncWaves: z
          .boolean()
          .optional()
          .describe('Annotate objects with Argo CD sync waves: namespace and identity, then stores, then secrets, then the workload. @default false'),
      })
      .optional()
      .describe('Hints for GitOps controllers (every dist/<env> also gets a kustomization.yaml).'),
    environments: z
      .record(
        z.string().max(40).regex(ENVIRONMENT_KEY, { error: 'an environment name is lowercase letters, digits and "-", starting with a letter' }),
        environmentSchema,
      )
      .refine((s) => Object.keys(s).length > 0, { error: 'no environments: define at least one (e.g. dev)' })
      .describe('Deployment environments, keyed by name (the output folder dist/<name>).'),
  })
  .describe('aragora-secrets configuration');
  return { configSchema, environmentSchema };
}

function optionalBlocks(schemas: BlockSchemas = {}): Record<string, z.ZodOptional<z.ZodType>> {
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, schema.optional()]));
}

/** The schemas as far as types go (validation uses src/config/config-schema.ts, composed of the registered methods and clouds). */
const typed = configSchemaWith(z.custom<DeliveryConfig>());

type OptionalBlocks<T> = { [K in keyof T]?: T[K] };
/** One environment as written in the config. */
export type EnvironmentConfig = z.input<typeof typed.environmentSchema> & OptionalBlocks<EnvironmentBlocks>;
/** The config as written in `aragora-secrets.yaml` (or composed in TypeScript). */
export type AragoraSecretsConfig = Omit<z.input<typeof typed.configSchema>, 'environments'> &
  OptionalBlocks<ConfigBlocks> & { environments: Record<string, EnvironmentConfig> };
export type SecretConfig = z.input<typeof secretSchema>;
export type RequirementRule = NonNullable<SecretConfig['required']>;
export type BackendConfig = z.input<typeof backendSchema>;

