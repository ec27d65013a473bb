import { z } from 'zod';
import { DURATION, VAULT_PATH, vaultName } from '../../config-kit/fields';
import { PATH_SEGMENT_RULE, pathPattern } from '../../config-kit/path-pattern';
import { OIDC_PROVIDER_ARN } from '../../cloud/aws/schema';

const vaultProvider = z
  .strictObject({
    address: z
      .string()
      .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/?$/, { error: 'an address such as "https://vault.vault.svc:8200" (no user or password in it: credentials never go into the config)' })
      .describe("Vault's address as the Vault CSI provider reaches it (the `vaultAddress` parameter)."),
    role: vaultName('a Vault role name').optional().describe("Role of Vault's kubernetes auth method that binds the workload's ServiceAccount. @default <app.name>-<environment>"),
    authMount: z
      .string()
      .regex(VAULT_PATH, { error: `an auth mount such as "kubernetes" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe("Mount of Vault's kubernetes auth method, without `auth/`. @default kubernetes"),
    mount: z.string().regex(VAULT_PATH, { error: `a KV mount path such as "secret" (${PATH_SEGMENT_RULE})` }).optional().describe('Mount of the KV engine. @default secret'),
    kvVersion: z.union([z.literal(1), z.literal(2)], { error: 'the KV engine version is 1 or 2' }).optional().describe('Version of the KV engine. @default 2'),
    vaultNamespace: z.string().regex(VAULT_PATH, { error: `a Vault Enterprise namespace such as "admin/aragora" (${PATH_SEGMENT_RULE})` }).optional().describe('Vault Enterprise namespace. @default none'),
    caCertPath: z
      .string()
      .regex(pathPattern({ leadingSlash: 'required', characters: '^/\\s' }), { error: `an absolute path on the node where the provider runs, e.g. /etc/vault/ca.crt (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe("Path of Vault's CA certificate in the Vault CSI provider's container (`vaultCACertPath`). @default the provider's"),
    tlsServerName: z.string().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/, { error: 'a host name such as "vault.example.com"' }).optional().describe("Name to verify in Vault's certificate."),
    skipVerify: z.boolean().optional().describe('Refused when true: the provider would hand the pod\'s token to whoever answers.'),
    policyName: vaultName('a Vault policy name').optional().describe('Name of the read-only Vault policy. @default <app.name>-<environment>-read'),
    tokenTtl: z.string().regex(DURATION, { error: 'a duration such as "1h"' }).optional().describe('TTL of the Vault token the role issues. @default 1h'),
  })
  .describe('The Vault CSI provider: logs in with the pod\'s ServiceAccount token and reads the KV secrets.');

const awsProvider = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, { error: 'an AWS region code such as "us-east-1"' })
      .optional()
      .describe("Region of the secrets. @default the environment's `aws.region`, else the provider's (the node's region)"),
    identity: z
      .enum(['irsa', 'podIdentity'], { error: 'identity is "irsa" (the ServiceAccount carries the role ARN) or "podIdentity" (an EKS Pod Identity association)' })
      .optional()
      .describe('How the pods\' ServiceAccount gets its IAM role: IRSA (the eks.amazonaws.com/role-arn annotation) or EKS Pod Identity (`usePodIdentity`). @default irsa'),
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/, { error: 'an IAM role ARN such as "arn:aws:iam::123456789012:role/aragora-prod-secrets"' })
      .optional()
      .describe("With IRSA: an IAM role made elsewhere that the pods' ServiceAccount assumes (its eks.amazonaws.com/role-arn annotation). @default the role the environment's AWS stack makes (`oidcProvider`)"),
    oidcProvider: z
      .string()
      .regex(OIDC_PROVIDER_ARN, { error: 'the ARN of the cluster\'s IAM OIDC provider, such as "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"' })
      .optional()
      .describe(
        "With IRSA: the EKS cluster's IAM OIDC provider. The environment's AWS stack (`aws:`) makes the role <app.name>-<environment>-pods, trusted by the application's ServiceAccount only and allowed to read exactly the stack's secrets, and the ServiceAccount is annotated with it.",
      ),
    clusterName: z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { error: 'an EKS cluster name: 1 to 100 letters, digits, "-" and "_", starting with a letter or digit' })
      .optional()
      .describe(
        "With EKS Pod Identity: the cluster. The environment's AWS stack makes the role <app.name>-<environment>-pods (trusted by that cluster's pods of the application's ServiceAccount only, allowed to read exactly the stack's secrets) and the Pod Identity association. @default - the association is made elsewhere",
      ),
  })
  .describe('The AWS provider: reads Secrets Manager secrets (JSON, one key per variable) with the pods\' IAM role.');

const gcpProvider = z
  .strictObject({
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'a Google Cloud project ID such as "aragora-prod"' })
      .optional()
      .describe("Project of the Secret Manager secrets. @default the environment's `gcp.project`"),
    serviceAccount: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, { error: 'a Google service account email such as "aragora-secrets@aragora-prod.iam.gserviceaccount.com"' })
      .optional()
      .describe(
        "The Google service account the pods' ServiceAccount acts as through Workload Identity (its iam.gke.io/gcp-service-account annotation). @default the environment's `gcp.serviceAccount`, bound to the application's ServiceAccount by gcp/setup.sh (or Config Connector)",
      ),
    clusterProject: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'a Google Cloud project ID such as "aragora-gke"' })
      .optional()
      .describe("With the environment's `gcp:` block: the project of the GKE cluster, whose workload identity pool (<project>.svc.id.goog) the binding names. @default the secrets' project"),
    secretPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,100}$/, { error: 'letters, digits, "_" and "-"' })
      .optional()
      .describe("Without the environment's `gcp:` block: prefix of the secret IDs. @default none (ANTHROPIC_API_KEY reads anthropic-api-key)"),
    version: z
      .string()
      .regex(/^(latest|[1-9]\d*)$/, { error: 'a version number or "latest"' })
      .optional()
      .describe("Without the environment's `gcp:` block: the version of every secret to mount. @default latest"),
  })
  .describe('The Google Cloud provider: reads one Secret Manager secret per variable with the Google service account of the pods (Workload Identity).');

export const csiDelivery = z
  .strictObject({
    method: z.literal('csi'),
    provider: z.enum(['vault', 'aws', 'gcp'], { error: 'provider is "vault", "aws" or "gcp"' }).describe('The Secrets Store CSI provider that reads the values.'),
    vault: vaultProvider.optional(),
    aws: awsProvider.optional(),
    gcp: gcpProvider.optional(),
    sync: z
      .boolean()
      .optional()
      .describe('Also sync the values into the environment\'s Secret (`secretObjects`), read by env or envFrom; it exists only while a pod mounts the volume. false: the application reads the files. @default true'),
    mountPath: z
      .string()
      .regex(pathPattern({ leadingSlash: 'required', characters: 'A-Za-z0-9_.-' }), { error: `an absolute path in the container such as /mnt/secrets-store (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Where the container mounts the volume: one file per variable, named after it. @default /mnt/secrets-store'),
  })
  .describe('Secrets Store CSI driver: a SecretProviderClass, and a read-only CSI volume in the pod; optionally synced into a Secret.');

export type CsiDeliveryConfig = z.input<typeof csiDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    csi: CsiDeliveryConfig;
  }
}
