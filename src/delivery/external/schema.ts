import { z } from 'zod';
import type { StoreKind } from '../../plan/eso-identity';
import { PATH_SEGMENT_RULE, pathPattern } from '../../config-kit/path-pattern';

/**
 * The config of delivery method `external` (External Secrets Operator) and of the secret
 * stores it reads from. Kept apart from `schema.ts`, which only adds the union member and the
 * top-level `stores` field; this module must not import `schema.ts` (it is imported by it).
 *
 * Field names follow ESO's own (`serviceAccountRef`, `accessKeyIDSecretRef`, `projectID`...) so
 * that a platform engineer who knows ESO recognises them; defaults are applied in the plan.
 */

export const ESO_API_VERSIONS = ['v1', 'v1beta1'] as const;
export const STORE_KINDS = ['SecretStore', 'ClusterSecretStore'] as const satisfies readonly StoreKind[];
export const STORE_PROVIDERS = ['vault', 'aws', 'gcpsm'] as const;
export const FETCH_MODES = ['properties', 'extract'] as const;
export const GENERATED_SOURCES = ['store', 'generator'] as const;
export const REFRESH_POLICIES = ['Periodic', 'OnChange', 'CreatedOnce'] as const;
/** `0.17`, `0.17.1`, `v0.17.1`: the External Secrets Operator release a cluster runs. */
export const ESO_VERSION = /^v?\d+\.\d+(\.\d+)?$/;
/** A Google service account e-mail (`name@project.iam.gserviceaccount.com`). */
export const GCP_SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;

export type EsoApiVersion = (typeof ESO_API_VERSIONS)[number];
export type { StoreKind } from '../../plan/eso-identity';
export type StoreProvider = (typeof STORE_PROVIDERS)[number];
export type FetchMode = (typeof FETCH_MODES)[number];
export type GeneratedSource = (typeof GENERATED_SOURCES)[number];
export type RefreshPolicy = (typeof REFRESH_POLICIES)[number];

// Local copies of the Kubernetes name grammars: importing them from schema.ts would be a cycle.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** A Go `time.ParseDuration` string, which is what ESO parses (`1h`, `30m`, `1h30m`, `0s`). */
export const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;

const DURATION_UNITS: Record<string, string> = {
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  ms: 'ms', millisecond: 'ms', milliseconds: 'ms',
};

/** `1 hour` → `1h`, `1h 30m` → `1h30m`, `90 Minutes` → `90m`; undefined when there is no sure reading. */
export function suggestDuration(input: string): string | undefined {
  const parts = [...input.trim().toLowerCase().matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*(?:and\s*)?/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== input.trim().toLowerCase()) return undefined;
  const out = parts.map(([, n, unit]) => (DURATION_UNITS[unit] ? n + DURATION_UNITS[unit] : undefined));
  if (out.some((p) => p === undefined)) return undefined;
  const candidate = out.join('');
  return GO_DURATION.test(candidate) ? candidate : undefined;
}

const namespaceName = z
  .string()
  .max(63)
  .regex(LABEL, { error: 'a namespace must be a DNS-1123 label: lowercase letters, digits and "-"' });
const objectName = (what: string) =>
  z
    .string()
    .max(253)
    .regex(SUBDOMAIN, { error: `${what} must be a DNS-1123 subdomain: lowercase letters, digits, "-" and "."` });

const secretKeySelector = z
  .strictObject({
    name: objectName('a Secret name'),
    key: z.string().max(253).regex(SECRET_KEY, { error: 'a Secret key is letters, digits, "-", "_" and "."' }),
    namespace: namespaceName.optional().describe('Only for a ClusterSecretStore. @default the namespace of the ExternalSecret'),
  })
  .describe('A key of a Kubernetes Secret (credentials are referenced, never written into the config).');

const serviceAccountSelector = z
  .strictObject({
    name: objectName('a ServiceAccount name'),
    namespace: namespaceName.optional().describe('Only for a ClusterSecretStore. @default the namespace of the ExternalSecret'),
    audiences: z.array(z.string().min(1)).min(1).optional().describe('Extra `aud` claims of the requested token.'),
  })
  .describe('A ServiceAccount whose token ESO requests to authenticate.');

const storeKind = z
  .enum(STORE_KINDS)
  .optional()
  .describe('`SecretStore`: one per environment, in its namespace; `ClusterSecretStore`: cluster-wide, shared by the environments that use it. @default SecretStore');

const PEM_CERTIFICATE = /^\s*(-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----\s*)+$/;

const vaultStore = z
  .strictObject({
    provider: z.literal('vault'),
    kind: storeKind,
    server: z
      .string()
      .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/?$/, { error: 'the Vault address is a URL with scheme, host and optional port, e.g. "https://vault.vault.svc:8200" (no user or password in it: credentials never go into the config)' })
      .describe('Vault address.'),
    path: z
      .string()
      .regex(pathPattern({ characters: '^/\\s' }), { error: `the mount path has no leading or trailing "/" (e.g. "secret"; ${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Mount path of the KV secrets engine. @default secret'),
    version: z.enum(['v1', 'v2']).optional().describe('Version of the KV secrets engine. @default v2'),
    vaultNamespace: z
      .string()
      .regex(pathPattern({ characters: '^/\\s' }), { error: `a Vault namespace such as "admin/aragora" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Vault Enterprise / HCP namespace. @default - none'),
    caBundle: z
      .string()
      .regex(PEM_CERTIFICATE, { error: 'write the CA certificate(s) in PEM ("-----BEGIN CERTIFICATE-----" ...)' })
      .optional()
      .describe('PEM CA certificate(s) that signed the Vault server certificate (public data). @default the system trust store'),
    caProvider: z
      .strictObject({
        type: z.enum(['Secret', 'ConfigMap']),
        name: objectName('a name'),
        key: z.string().regex(SECRET_KEY, { error: 'a key is letters, digits, "-", "_" and "."' }),
        namespace: namespaceName.optional().describe('Required for a ClusterSecretStore; not allowed for a SecretStore.'),
      })
      .optional()
      .describe('A Secret or ConfigMap holding the CA certificate.'),
    auth: z
      .strictObject({
        kubernetes: z
          .strictObject({
            mountPath: z
              .string()
              .regex(pathPattern({ characters: '^/\\s' }), { error: `a mount path such as "kubernetes" or "k8s/prod" (${PATH_SEGMENT_RULE})` })
              .optional()
              .describe('Where the Kubernetes auth method is mounted. @default kubernetes'),
            role: z.string().min(1).describe('Vault role bound to the ServiceAccount.'),
            serviceAccountRef: serviceAccountSelector.optional().describe('@default the ESO controller\'s own ServiceAccount'),
          })
          .describe('Vault Kubernetes auth: ESO presents a ServiceAccount token.'),
      })
      .describe('How ESO authenticates to Vault.'),
  })
  .describe('HashiCorp Vault (KV v1 or v2).');

const awsStore = z
  .strictObject({
    provider: z.literal('aws'),
    kind: storeKind,
    service: z.enum(['SecretsManager', 'ParameterStore']).describe('Which AWS service holds the secrets.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/, { error: 'an AWS region such as "us-east-1"' }),
    role: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: 'an IAM role ARN such as "arn:aws:iam::123456789012:role/aragora-secrets"' })
      .optional()
      .describe('Role to assume after authenticating. @default - none'),
    prefix: z
      .string()
      .regex(pathPattern({ characters: '^/\\s', leadingSlash: 'allowed', trailingSlash: true }), { error: `a key prefix such as "staging/" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Prefix added to every remote key (e.g. "staging/" to isolate environments). @default - none'),
    auth: z
      .strictObject({
        jwt: z
          .strictObject({ serviceAccountRef: serviceAccountSelector })
          .optional()
          .describe('IRSA: a ServiceAccount annotated with eks.amazonaws.com/role-arn.'),
        secretRef: z
          .strictObject({
            accessKeyIDSecretRef: secretKeySelector,
            secretAccessKeySecretRef: secretKeySelector,
            sessionTokenSecretRef: secretKeySelector.optional(),
          })
          .optional()
          .describe('Static credentials in a Kubernetes Secret.'),
      })
      .optional()
      .describe('Set one of `jwt` or `secretRef`. @default the ESO controller\'s own credentials (its IRSA role or the node role)'),
  })
  .describe('AWS Secrets Manager or SSM Parameter Store.');

const gcpStore = z
  .strictObject({
    provider: z.literal('gcpsm'),
    kind: storeKind,
    projectID: z
      .string()
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, { error: 'a GCP project ID: 6 to 30 lowercase letters, digits and "-", starting with a letter' }),
    location: z.string().min(1).optional().describe('Region of regional secrets. @default global secrets'),
    auth: z
      .strictObject({
        workloadIdentity: z
          .strictObject({
            serviceAccountRef: serviceAccountSelector,
            clusterLocation: z.string().min(1).optional(),
            clusterName: z.string().min(1).optional(),
            clusterProjectID: z.string().min(1).optional(),
            gcpServiceAccount: z
              .string()
              .regex(GCP_SERVICE_ACCOUNT, { error: 'a Google service account e-mail such as "eso-reader@aragora-prod.iam.gserviceaccount.com"' })
              .optional()
              .describe('The Google service account the Kubernetes ServiceAccount acts as (its iam.gke.io/gcp-service-account annotation, and the member of the roles/iam.workloadIdentityUser binding). @default - none: the ServiceAccount is annotated by hand'),
            createServiceAccount: z
              .boolean()
              .optional()
              .describe('Emit the Kubernetes ServiceAccount of `serviceAccountRef`, annotated with `gcpServiceAccount`, into the environment folders that use the store. @default false'),
          })
          .optional()
          .describe('GKE Workload Identity: a ServiceAccount annotated with iam.gke.io/gcp-service-account. Cluster fields default to the metadata server.'),
        secretRef: z
          .strictObject({ secretAccessKeySecretRef: secretKeySelector })
          .optional()
          .describe('A service account key (JSON) in a Kubernetes Secret.'),
      })
      .optional()
      .describe('Set one of `workloadIdentity` or `secretRef`. @default the ESO controller\'s own identity'),
  })
  .describe('Google Cloud Secret Manager.');

export const storeSchema = z.discriminatedUnion('provider', [vaultStore, awsStore, gcpStore]);

export const storesSchema = z
  .record(
    z.string().max(63).regex(LABEL, { error: 'a store name is a DNS-1123 label (e.g. "vault-backend")' }),
    storeSchema,
  )
  .describe('Secret stores of External Secrets Operator, keyed by name (the SecretStore/ClusterSecretStore name).');

export const externalDelivery = z
  .strictObject({
    method: z.literal('external'),
    store: z.string().min(1).optional().describe('Name of a store under `stores`. @default the only store, when exactly one is defined'),
    refreshInterval: z
      .string()
      .regex(GO_DURATION, { error: 'a Go duration such as "1h", "30m" or "1h30m" (no spaces; units ns, us, ms, s, m, h)' })
      .optional()
      .describe('How often ESO re-reads the store (rotation reaches the cluster within this time). @default 1h'),
    refreshPolicy: z
      .enum(REFRESH_POLICIES)
      .optional()
      .describe('`Periodic`: every refreshInterval and on spec changes; `OnChange`: only when the ExternalSecret changes; `CreatedOnce`: made once, never updated. apiVersion v1 only (ESO 0.16+). @default - ESO\'s (Periodic)'),
    acknowledgeNoRefresh: z
      .boolean()
      .optional()
      .describe('Keep `refreshInterval: 0s` under the Periodic policy, which ESO (0.11+) treats as "create once": no polling, and no sync on spec changes or force-sync annotations either. Without it synth refuses the zero interval. @default false'),
    esoVersion: z
      .string()
      .regex(ESO_VERSION, { error: 'an External Secrets Operator version such as "0.17.1" or "v0.16.2"' })
      .optional()
      .describe('The External Secrets Operator release in this environment\'s cluster: synth checks the API version against it (0.17+ serves only v1; before 0.16 only v1beta1). @default - not checked'),
    apiVersion: z
      .enum(ESO_API_VERSIONS)
      .optional()
      .describe('`v1` (ESO 0.16 and later; the only version ESO 0.17+ serves) or `v1beta1` for clusters still on ESO < 0.17. @default v1'),
    fetch: z
      .enum(FETCH_MODES)
      .optional()
      .describe('`properties`: one `data` entry per key (a missing property fails the whole sync); `extract`: each remote key read whole, properties renamed to the variable names (missing ones are skipped). @default properties'),
    keys: z
      .array(z.string().min(1))
      .min(1, { error: 'list at least one key, or remove `keys` to deliver every key' })
      .optional()
      .describe('With `fetch: properties`: the secrets the store holds for this environment. @default every secret delivered here'),
    generated: z
      .enum(GENERATED_SOURCES)
      .optional()
      .describe('Where secrets marked `generated: true` come from: the store, or an in-cluster Password generator (made once, never rotated by refresh). @default store'),
  })
  .describe('External Secrets Operator: an ExternalSecret reads the values from a SecretStore or ClusterSecretStore.');

export type StoreConfig = z.input<typeof storeSchema>;
export type StoresConfig = z.input<typeof storesSchema>;

declare module '../../config-kit/schema' {
  interface ConfigBlocks {
    stores: StoresConfig;
  }
}
export type VaultStoreConfig = z.input<typeof vaultStore>;
export type AwsStoreConfig = z.input<typeof awsStore>;
export type GcpStoreConfig = z.input<typeof gcpStore>;
export type ExternalDeliveryConfig = z.input<typeof externalDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    external: ExternalDeliveryConfig;
  }
}
