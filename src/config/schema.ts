import { z } from 'zod';
import { externalDelivery, storesSchema } from '../delivery/external/schema';
import { awsSchema } from './aws-schema';
import { gcpEnvironmentSchema } from './gcp-schema';
import { PATH_SEGMENT_RULE, pathPattern } from './path-pattern';

/**
 * The schema of `aragora-secrets.yaml`.
 *
 * The schema only describes what a user may write; defaults are applied once, when the
 * plan is resolved (`src/model/plan.ts`), so that the config type stays exactly what the
 * file holds and the JSON Schema exported for editors matches it.
 */

export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;
export { DNS1123_LABEL } from '../core/names';
import { DNS1123_LABEL } from '../core/names';
export const ENVIRONMENT_KEY = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const FEATURE_NAME = /^[a-z][a-zA-Z0-9]*$/;
export const GROUP_NAME = /^[a-z][-a-z0-9]*$/;
// A label key's name part and a label value share this grammar (at most 63 characters).
export const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
export const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const TIERS = ['development', 'staging', 'production'] as const;
export const DELIVERY_METHODS = ['plain', 'sealed', 'external', 'vault'] as const;
export const SEAL_SCOPES = ['strict', 'namespace-wide', 'cluster-wide'] as const;
export const INJECTION_MODES = ['secretKeyRef', 'envFrom'] as const;
export const RELOADER_MODES = ['targeted', 'auto', 'none'] as const;

export type Tier = (typeof TIERS)[number];
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export type InjectionMode = (typeof INJECTION_MODES)[number];
export type ReloaderMode = (typeof RELOADER_MODES)[number];
export type SealScope = (typeof SEAL_SCOPES)[number];

const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, { error: `${what} must be at most ${max} characters` })
    .regex(DNS1123_LABEL, {
      error: `${what} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });

// Vault paths, role and policy names: no spaces, no wildcards, nothing a shell or HCL would interpret.
export const VAULT_PATH = pathPattern({ characters: 'A-Za-z0-9_.-' });
export const DURATION = /^[1-9]\d*(s|m|h)$/;
const vaultName = (what: string) =>
  z.string().max(128).regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, { error: `${what} is letters, digits, "-", "_" and ".", starting and ending with a letter or digit` });

const labelKey = z
  .string()
  .refine(isValidLabelKey, {
    error: 'not a valid label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters of letters, digits, "-", "_" and "." that starts and ends alphanumeric',
  })
  // cdk8s takes an object with an own "constructor" entry for a class instance and refuses to render it.
  .refine((key) => key !== 'constructor', { error: 'the label key "constructor" cannot be rendered by cdk8s, which generates the manifests: use another key (e.g. with a prefix, example.com/constructor)' });
const labelValue = z.string().refine((v) => v === '' || (v.length <= 63 && LABEL_NAME.test(v)), {
  error: 'not a valid label value: at most 63 characters of letters, digits, "-", "_" and ".", starting and ending alphanumeric',
});
const labels = z.record(labelKey, labelValue);

export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !LABEL_PREFIX.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

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
        .describe('At least one secret of this group must be set (the seed: ANTHROPIC or OPENAI).'),
    })
    .describe('Required as one of a group.'),
  z
    .strictObject({
      tiers: z.array(z.enum(TIERS)).min(1, { error: 'list at least one tier' }).describe('Tiers in which the secret is required.'),
    })
    .describe('Required in environments of these tiers, optional elsewhere (the seed: "Production").'),
  z
    .strictObject({
      environments: z.array(z.string()).min(1, { error: 'list at least one environment' }).describe('Environment names.'),
    })
    .describe('Required in these environments, optional elsewhere.'),
  z
    .strictObject({
      feature: z.string().describe('A feature flag declared under `features`.'),
    })
    .describe('Required where the feature is enabled; not delivered where it is disabled (the seed: "If billing enabled").'),
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
    remote: remoteRef.optional(),
  })
  .describe('One secret of the catalog: an environment variable of the application.');

const port = z.number().int().min(1).max(65535);

const cidr = z.string().refine(isValidCidr, {
  error: 'not a valid CIDR: write an address and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"',
});

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

const resourceQuantities = z.strictObject({
  cpu: z.string().regex(/^\d+(\.\d+)?m?$/, { error: 'a CPU quantity such as "250m" or "1"' }).optional(),
  memory: z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: 'a memory quantity such as "256Mi"' }).optional(),
});

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
      .describe('`secretKeyRef`: one env entry per key (required keys fail the pod early); `envFrom`: the whole Secret. @default secretKeyRef'),
    runAsNonRoot: z.boolean().optional().describe('@default true'),
    readsSecretsThroughApi: z
      .boolean()
      .optional()
      .describe(
        "The application reads its Secrets with a Kubernetes API client (not only from its environment): its ServiceAccount gets a Role with get on exactly those Secrets, and an API token. The kubelet, not the pod, reads secretKeyRef and envFrom, which need neither. @default false",
      ),
    resources: z.strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() }).optional(),
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

const plainDelivery = z
  .strictObject({ method: z.literal('plain') })
  .describe('A Kubernetes Secret created at deploy time from .env (`aragora-secrets render`); never committed.');

const sealedDelivery = z
  .strictObject({
    method: z.literal('sealed'),
    scope: z
      .enum(SEAL_SCOPES)
      .optional()
      .describe('Where the values may be unsealed: `strict` (this name in this namespace), `namespace-wide`, `cluster-wide`. @default strict'),
    certificate: z
      .string()
      .min(1)
      .optional()
      .describe("Path of the controller's current certificate (`kubeseal --fetch-cert`); synth warns about values sealed for another. @default - no check"),
    manageExisting: z
      .boolean()
      .optional()
      .describe('The SealedSecret takes over a Secret that exists already: its template carries sealedsecrets.bitnami.com/managed: "true", so the Secret keeps the mark the controller requires. Annotate the existing Secret once by hand before the first apply. @default false'),
  })
  .describe('A SealedSecret from the encrypted values in sealed/<env>.yaml (`aragora-secrets seal`).');

const vaultDelivery = z
  .strictObject({
    method: z.literal('vault'),
    role: vaultName('a Vault role name')
      .optional()
      .describe("Role of Vault's kubernetes auth method that binds the ServiceAccount and namespace. @default <app.name>-<environment>"),
    path: z
      .string()
      .regex(VAULT_PATH, { error: `a Vault API path such as "secret/data/aragora/env": segments of letters, digits, "-", "_" and ".", separated by "/" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('API path of the one KV secret holding every field (KV v2 paths carry /data/, e.g. secret/data/aragora/env). @default <mount>/data/<remote.key> per secret'),
    mount: z
      .string()
      .regex(VAULT_PATH, { error: `a KV mount path such as "secret" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Mount of the KV engine, used to derive the paths when `path` is not set. @default secret'),
    kvVersion: z
      .union([z.literal(1), z.literal(2)], { error: 'the KV engine version is 1 or 2' })
      .optional()
      .describe('Version of the KV secrets engine: v2 reads .Data.data.<field>, v1 .Data.<field>. @default 2'),
    file: z
      .string()
      .max(40, { error: 'a file name of at most 40 characters (it ends an annotation key)' })
      .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/, { error: 'a file name of lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit' })
      .optional()
      .describe('Name of the rendered file under /vault/secrets. @default env'),
    authPath: z
      .string()
      .regex(pathPattern({ prefix: 'auth/', characters: 'A-Za-z0-9_.-' }), { error: `an auth mount path such as "auth/kubernetes" or "auth/k8s-prod" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe("Mount path of Vault's kubernetes auth method. @default auth/kubernetes (the injector's default)"),
    vaultNamespace: z
      .string()
      .regex(VAULT_PATH, { error: `a Vault Enterprise namespace such as "admin/aragora" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Vault Enterprise namespace of the role and the secret. @default none (the root namespace)'),
    prePopulateOnly: z
      .boolean()
      .optional()
      .describe('Render the file once, in an init container, with no sidecar: values change only when the pod restarts. @default false (a sidecar re-renders the file)'),
    renderInterval: z
      .string()
      .regex(DURATION, { error: 'a duration such as "5m" or "1h"' })
      .optional()
      .describe("How often the sidecar re-reads the KV secret to re-render the file. @default the agent's (5m)"),
    tokenTtl: z
      .string()
      .regex(DURATION, { error: 'a duration such as "1h"' })
      .optional()
      .describe('TTL of the Vault token the role issues to the agent. @default 1h'),
    tokenMaxTtl: z
      .string()
      .regex(DURATION, { error: 'a duration such as "24h"' })
      .optional()
      .describe('Longest life of that token, renewals included (the role\'s token_max_ttl); the agent then logs in again. @default 24h, or tokenTtl when longer'),
    policyName: vaultName('a Vault policy name').optional().describe('Name of the read-only Vault policy. @default <app.name>-<environment>-read'),
    server: z
      .strictObject({
        address: z
          .string()
          .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/?$/, { error: 'an address such as "https://vault.vault.svc:8200" (no user or password in it: credentials never go into the config)' })
          .optional()
          .describe("Vault's address for this pod (vault.hashicorp.com/service). @default the injector's (AGENT_INJECT_VAULT_ADDR)"),
        namespace: dnsLabel('a namespace').optional().describe('Namespace of in-cluster Vault pods.'),
        podLabels: labels.optional().describe('Labels of the Vault server pods. @default all pods of `namespace`'),
        cidr: cidr.optional().describe('Address range of a Vault outside the cluster.'),
        port: port.optional().describe('@default 8200'),
      })
      .optional()
      .describe('Where Vault runs, for the egress NetworkPolicy (and the agent, with `address`). Required while the NetworkPolicy is on.'),
    tls: z
      .strictObject({
        secret: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a Secret name (DNS-1123 subdomain)' })
          .optional()
          .describe('Kubernetes Secret with the CA and client certificates, mounted into the agent at /vault/tls (vault.hashicorp.com/tls-secret).'),
        caCert: z.string().regex(pathPattern({ leadingSlash: 'required', characters: '^/\\s' }), { error: `an absolute path inside the agent container, e.g. /vault/tls/ca.crt (${PATH_SEGMENT_RULE})` }).optional().describe('Path of the CA certificate that signs Vault\'s (vault.hashicorp.com/ca-cert).'),
        serverName: z.string().min(1).optional().describe('Name to verify in Vault\'s certificate (vault.hashicorp.com/tls-server-name).'),
        skipVerify: z.boolean().optional().describe('Refused when true: the agent would hand its token to whoever answers.'),
      })
      .optional(),
    agentResources: z
      .strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() })
      .optional()
      .describe("CPU and memory of the injected agent containers. @default the injector's"),
  })
  .describe('Vault Agent injection: a sidecar renders the values into /vault/secrets/<file>; no Kubernetes Secret exists.');

const deliverySchema = z.union(
  [
    z.enum(DELIVERY_METHODS).describe('A delivery method with its defaults.'),
    z.discriminatedUnion('method', [plainDelivery, sealedDelivery, externalDelivery, vaultDelivery]),
  ],
  { error: `write a delivery method (${DELIVERY_METHODS.join(', ')}) or a mapping with \`method:\` and its options` },
);

export const environmentSchema = z
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
    aws: awsSchema.optional(),
    gcp: gcpEnvironmentSchema.optional(),
  })
  .describe('One deployment environment: a namespace, a delivery method and the workload.');

export const configSchema = z
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
    stores: storesSchema.optional(),
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

/** The config as written in `aragora-secrets.yaml` (or composed in TypeScript). */
export type AragoraSecretsConfig = z.input<typeof configSchema>;
export type SecretConfig = z.input<typeof secretSchema>;
export type EnvironmentConfig = z.input<typeof environmentSchema>;
export type RequirementRule = NonNullable<SecretConfig['required']>;
export type BackendConfig = z.input<typeof backendSchema>;
export type DeliveryConfig = z.input<typeof deliverySchema>;
export type VaultDeliveryConfig = z.input<typeof vaultDelivery>;

export function isValidCidr(value: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return false;
  const [, address, prefix] = m;
  const bits = Number(prefix);
  if (isIPv4(address)) return bits <= 32;
  if (isIPv6(address)) return bits <= 128;
  return false;
}

/**
 * Whether `inner` lies strictly inside `outer` (same family, longer prefix, same network bits),
 * as the API server requires of a NetworkPolicy's `ipBlock.except`.
 */
export function isStrictSubnet(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a.bits !== b.bits || a.prefix <= b.prefix) return false;
  const shift = BigInt(b.bits - b.prefix);
  return a.address >> shift === b.address >> shift;
}

export function parseCidr(value: string): { address: bigint; prefix: number; bits: number } | undefined {
  if (!isValidCidr(value)) return undefined;
  const [address, prefix] = value.split('/');
  if (isIPv4(address)) {
    return { address: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n), prefix: Number(prefix), bits: 32 };
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (s: string) => (s ? s.split(':').flatMap(expandEmbeddedIPv4) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return { address: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), prefix: Number(prefix), bits: 128 };
}

function expandEmbeddedIPv4(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a, b, c, d] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

function isIPv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(address: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(address) || address.split('::').length > 2) return false;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const all = [...groups(head), ...groups(tail)];
  let count = 0;
  for (const [i, g] of all.entries()) {
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return tail === undefined ? count === 8 : count < 8;
}
