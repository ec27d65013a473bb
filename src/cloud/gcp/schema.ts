import { DNS1123_LABEL } from '../../core/names';
import { z } from 'zod';

/**
 * The config of an environment that targets Google Cloud (`environments.<env>.gcp`): Secret
 * Manager secrets (one per variable, as in the guide), the runtime service account that reads
 * them, an optional Cloud Run service, and optional Config Connector resources. Kept apart from
 * `schema.ts`, which only adds the field; this module must not import `schema.ts` (it is
 * imported by it). Defaults are applied in the plan (`src/cloud/gcp/plan.ts`).
 */

/** Project IDs: 6 to 30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export const GCP_PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
/** Service account IDs (the part before "@") follow the same grammar as project IDs. */
export const GCP_ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
/** A user-managed service account: `<account>@<project>.iam.gserviceaccount.com`. */
export const GCP_SERVICE_ACCOUNT_EMAIL = /^([a-z][-a-z0-9]{4,28}[a-z0-9])@([a-z][-a-z0-9]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;
/** Secret Manager secret IDs: at most 255 letters, digits, "-" and "_". */
export const GCP_SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
/** Region names such as `europe-west1`, `us-central1`, `northamerica-northeast2`. */
export const GCP_REGION = /^[a-z]+(-[a-z]+)+[0-9]+$/;
/** A Secret Manager version as Cloud Run and ESO take it: `latest` or a version number. */
export const SECRET_VERSION = /^(latest|[1-9][0-9]*)$/;
/** Cloud Run service names: a DNS-1035 label of at most 49 characters. */
export const CLOUD_RUN_SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const CLOUD_RUN_SERVICE_NAME_MAX = 49;
export const CLOUD_RUN_INGRESS = ['all', 'internal', 'internal-and-cloud-load-balancing'] as const;

// Local copies: importing them from schema.ts would be a cycle.
const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

export type CloudRunIngress = (typeof CLOUD_RUN_INGRESS)[number];

const projectId = (what: string) =>
  z.string().regex(GCP_PROJECT_ID, {
    error: `${what} is a GCP project ID: 6 to 30 lowercase letters, digits and "-", starting with a letter and not ending with "-" (e.g. "aragora-prod")`,
  });

const region = z.string().regex(GCP_REGION, { error: 'a GCP region such as "europe-west1" or "us-central1"' });

const secretVersion = z
  .union([z.string().regex(SECRET_VERSION, { error: 'a secret version is "latest" or a version number such as "3"' }), z.number().int().positive()], {
    error: 'a secret version is "latest" or a version number such as 3',
  })
  .describe('Which version of the secret Cloud Run and ESO read: "latest" or a version number (pinned). @default latest');

const secretOverride = z
  .strictObject({
    name: z
      .string()
      .regex(GCP_SECRET_ID, { error: 'a Secret Manager secret ID is at most 255 letters, digits, "-" and "_"' })
      .optional()
      .describe('Secret Manager secret ID. @default the variable name in lower kebab case, after `secretPrefix` (ANTHROPIC_API_KEY → anthropic-api-key)'),
    version: secretVersion.optional(),
  })
  .describe('Where one variable lives in Secret Manager.');

const quantity = (what: string, pattern: RegExp, example: string) => z.string().regex(pattern, { error: `${what} such as "${example}"` });

const cloudRunSchema = z
  .strictObject({
    service: z
      .string()
      .max(CLOUD_RUN_SERVICE_NAME_MAX, { error: `a Cloud Run service name is at most ${CLOUD_RUN_SERVICE_NAME_MAX} characters` })
      .regex(CLOUD_RUN_SERVICE_NAME, { error: 'a Cloud Run service name is lowercase letters, digits and "-", starting with a letter and not ending with "-"' })
      .optional()
      .describe('Name of the Cloud Run service. @default app.name'),
    image: z.string().min(1).optional().describe('Container image. @default workload.image, then app.image'),
    port: z.number().int().min(1).max(65535).optional().describe('Port the container listens on (Cloud Run sets $PORT to it). @default workload.port, then 8080'),
    command: z.array(z.string().min(1)).min(1).optional().describe("Entrypoint. @default the image's"),
    args: z.array(z.string()).optional().describe("Arguments. @default the image's CMD"),
    cpu: quantity('a CPU limit', /^(\d+(\.\d+)?|\d+m)$/, '1').optional().describe("CPU limit. @default Cloud Run's (1)"),
    memory: quantity('a memory limit', /^\d+(Mi|Gi)$/, '512Mi').optional().describe("Memory limit. @default Cloud Run's (512Mi)"),
    minInstances: z.number().int().min(0).max(1000).optional().describe('autoscaling.knative.dev/minScale. @default 0'),
    maxInstances: z.number().int().min(1).max(1000).optional().describe("autoscaling.knative.dev/maxScale. @default Cloud Run's (100)"),
    concurrency: z.number().int().min(1).max(1000).optional().describe("Requests served at once by one instance. @default Cloud Run's (80)"),
    timeoutSeconds: z.number().int().min(1).max(3600).optional().describe("Request timeout. @default Cloud Run's (300)"),
    ingress: z.enum(CLOUD_RUN_INGRESS).optional().describe('run.googleapis.com/ingress. @default all'),
  })
  .describe('A Cloud Run service whose container reads the secrets from Secret Manager (`valueFrom.secretKeyRef`).');

export const gcpEnvironmentSchema = z
  .strictObject({
    project: projectId('the project').describe('The GCP project that holds the secrets (and runs the Cloud Run service).'),
    region: region.optional().describe('Region of the Cloud Run service. Required with `cloudRun`.'),
    serviceAccount: z
      .string()
      .refine((v) => GCP_SERVICE_ACCOUNT_EMAIL.test(v) || GCP_ACCOUNT_ID.test(v), {
        error:
          'a user-managed service account: an email such as "aragora-runtime@aragora-prod.iam.gserviceaccount.com", or an account ID such as "aragora-runtime" (6 to 30 lowercase letters, digits and "-") in `project`',
      })
      .describe(
        'The runtime service account: Cloud Run runs as it, the only principal granted roles/secretmanager.secretAccessor on these secrets, and the identity ESO reads them with (Workload Identity). An email, or an account ID in `project`.',
      ),
    secretPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/, { error: 'a prefix of letters, digits, "-" and "_"' })
      .optional()
      .describe('Prepended to every derived secret ID (e.g. "aragora-" in a project shared with other applications). @default none'),
    secrets: z
      .record(z.string().regex(ENV_VAR_NAME, { error: 'a variable name of the secret catalog' }), secretOverride)
      .optional()
      .describe('Per-variable secret ID and version, overriding the derived ones.'),
    keys: z
      .array(z.string().min(1))
      .min(1, { error: 'list at least one key, or remove `keys` to use every secret delivered here' })
      .optional()
      .describe(
        'The variables kept in Secret Manager for this environment (Cloud Run refuses to deploy while a referenced secret has no version). @default every secret delivered here',
      ),
    replication: z
      .union([z.literal('automatic'), z.strictObject({ locations: z.array(region).min(1, { error: 'list at least one location' }) })], {
        error: 'write automatic, or { locations: [europe-west1, ...] } for user-managed replication',
      })
      .optional()
      .describe('Where Secret Manager keeps the secret data (immutable after creation). @default automatic'),
    cloudRun: cloudRunSchema.optional(),
    configConnector: z
      .union([
        z.boolean(),
        z.strictObject({
          namespace: z
            .string()
            .max(63)
            .regex(DNS1123_LABEL, { error: 'a namespace must be a DNS-1123 label' })
            .optional()
            .describe('Namespace of the Config Connector objects. @default the environment namespace'),
        }),
      ])
      .optional()
      .describe('Emit SecretManagerSecret and IAMPolicyMember objects for Config Connector instead of creating them with gcloud (setup.sh). @default false'),
    createStoreServiceAccount: z
      .boolean()
      .optional()
      .describe(
        'Emit the Kubernetes ServiceAccount that the gcpsm store names (auth.workloadIdentity.serviceAccountRef), annotated with iam.gke.io/gcp-service-account. Turn off when it is managed elsewhere (setup.sh then prints the annotation to add). @default true',
      ),
  })
  .describe('Google Cloud: Secret Manager secrets, their reader, an optional Cloud Run service and optional Config Connector objects.');

export type GcpEnvironmentConfig = z.input<typeof gcpEnvironmentSchema>;

declare module '../../config-kit/schema' {
  interface EnvironmentBlocks {
    gcp: GcpEnvironmentConfig;
  }
}
export type CloudRunConfig = z.input<typeof cloudRunSchema>;
