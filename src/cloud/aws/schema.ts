import { DNS1123_LABEL } from '../../core/names';
import { z } from 'zod';
import { PATH_SEGMENT_RULE, pathPattern } from '../../config-kit/path-pattern';

/**
 * The `aws:` block of an environment: the AWS side of the secrets (Secrets Manager, Parameter
 * Store, KMS, IAM, ECS, rotation, CloudTrail), synthesized into one CloudFormation stack.
 *
 * Kept apart from `schema.ts` (which imports it) so that the AWS options stay in one place; the
 * few patterns shared with the rest of the schema are repeated here rather than imported back,
 * which would be a circular import.
 */

export const AWS_ACCOUNT = /^\d{12}$/;
/** us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1 ... */
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
export const LAMBDA_FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]{1,128})?$/;
export const OIDC_PROVIDER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider\/([A-Za-z0-9.-]+(\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)*)$/;

const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Characters AWS allows in tag keys and values (letters, digits, spaces and _ . : / = + - @).
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Fargate task sizes: CPU units and the memory (MiB) each allows. */
export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
export function fargateMemoryOptions(cpu: number): number[] {
  const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/** The cdk-nag rule packs, by the names cdk-nag prefixes their rule IDs with. AwsSolutions always runs. */
export const NAG_PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;
export type NagPackName = (typeof NAG_PACKS)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const logRetentionDays = z.literal(LOG_RETENTION_DAYS);

const region = z.string().regex(AWS_REGION, { error: 'an AWS region code such as "us-east-1" or "eu-central-1"' });

const catalogNames = z
  .array(z.string().regex(ENV_VAR_NAME, { error: 'a catalog secret name (an environment variable name such as ANTHROPIC_API_KEY)' }))
  .min(1, { error: 'list at least one catalog secret, or remove the key' });

const awsTags = z.record(
  z
    .string()
    .min(1)
    .max(128, { error: 'a tag key is at most 128 characters' })
    .regex(AWS_TAG_TEXT, { error: 'a tag key may hold letters, digits, spaces and _ . : / = + - @' })
    .refine((key) => !key.toLowerCase().startsWith('aws:'), { error: 'tag keys starting with "aws:" are reserved by AWS' }),
  z
    .string()
    .max(256, { error: 'a tag value is at most 256 characters' })
    .regex(AWS_TAG_TEXT, { error: 'a tag value may hold letters, digits, spaces and _ . : / = + - @' }),
);

const secretsManagerSchema = z
  .strictObject({
    secrets: catalogNames
      .optional()
      .describe('Catalog secrets kept in Secrets Manager. @default every delivered secret that `parameterStore.secrets` does not list'),
    replicaRegions: z
      .array(region)
      .optional()
      .describe('Regions the secrets are replicated to (read-only replicas, same name). @default no replicas'),
    rotation: z
      .strictObject({
        lambdaArn: z
          .string()
          .regex(LAMBDA_FUNCTION_ARN, { error: 'a Lambda function ARN such as "arn:aws:lambda:us-east-1:123456789012:function:rotate-aragora-keys"' })
          .describe('The rotation function (in the same account and region as the secrets).'),
        days: z.number().int().min(1, { error: 'at least 1 day' }).max(1000, { error: 'Secrets Manager rotates at least every 1000 days' }).describe('Days between rotations.'),
      })
      .optional()
      .describe('A rotation schedule on every Secrets Manager secret of the environment. @default no rotation'),
  })
  .describe('AWS Secrets Manager: one JSON secret per remote key of the catalog (`remote.key`), one JSON key per secret (`remote.property`).');

const appCustodySchema = z
  .strictObject({
    secretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'a Secrets Manager secret name: at most 512 letters, digits and / _ + = . @ -' })
      .optional()
      .describe("The secret the application reads (ARAGORA_SECRET_NAME). @default aragora/production, the application's own default"),
    oidcProvider: z
      .string()
      .regex(OIDC_PROVIDER_ARN, { error: 'the ARN of the cluster\'s IAM OIDC provider, such as "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"' })
      .optional()
      .describe(
        "The EKS cluster's IAM OIDC provider: the application's ServiceAccount gets an IAM role (IRSA) that may read exactly that secret, and the Kubernetes workload reads it itself (ARAGORA_USE_SECRETS_MANAGER). @default - only the ECS task reads it",
      ),
  })
  .describe(
    "The application reads Secrets Manager itself (ARAGORA_USE_SECRETS_MANAGER): the environment's Secrets Manager values are kept in one secret, a JSON string map keyed by variable name, replicated to the regions the application falls back to; ECS's task role may read exactly that secret, and the task passes only the non-critical values as `secrets`. What the application accepts in strict mode.",
  );

const parameterStoreSchema = z
  .strictObject({
    prefix: z
      .string()
      .max(900)
      .regex(pathPattern({ characters: 'A-Za-z0-9_.-', leadingSlash: 'required' }), { error: `a parameter path such as "/aragora": "/"-separated segments of letters, digits, "_", "." and "-", no trailing "/" (${PATH_SEGMENT_RULE})` })
      .refine((p) => !/^\/(aws|ssm)(\/|$)/i.test(p), { error: 'parameter names under /aws and /ssm are reserved by AWS' })
      .optional()
      .describe('Path the parameters live under: <prefix>/<secret-name-in-kebab-case>. @default /<app.name>'),
    secrets: catalogNames
      .optional()
      .describe('Catalog secrets kept in Parameter Store (SecureString). @default every delivered secret that `secretsManager.secrets` does not list'),
  })
  .describe('AWS Systems Manager Parameter Store: one SecureString parameter per secret, created by the generated put-secret-values.sh (CloudFormation cannot create SecureString parameters).');

const ecsSchema = z
  .strictObject({
    family: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'a task definition family is 1 to 255 letters, digits, "_" and "-"' })
      .optional()
      .describe('Task definition family. @default <app.name>-<environment>'),
    containerName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'a container name is 1 to 255 letters, digits, "_" and "-"' })
      .optional()
      .describe('@default the workload container name'),
    image: z.string().min(1).optional().describe('@default the workload image'),
    cpu: z.literal(FARGATE_CPU).optional().describe('Fargate CPU units. @default 256'),
    memory: z.number().int().optional().describe('Fargate memory in MiB, one the `cpu` allows. @default the smallest the `cpu` allows (512 for 256)'),
    port: z.number().int().min(1).max(65535).optional().describe('@default the workload port'),
    logRetentionDays: logRetentionDays.optional().describe('Days CloudWatch Logs keeps the container output (group /ecs/<family>). @default 365'),
  })
  .describe('A Fargate task definition whose container reads every secret stored in AWS through the `secrets` mapping.');

const esoSchema = z
  .strictObject({
    oidcProvider: z
      .string()
      .regex(OIDC_PROVIDER_ARN, {
        error: 'the IAM OIDC provider ARN of the cluster, such as "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"',
      })
      .describe('The IAM OIDC identity provider of the EKS cluster (IRSA).'),
    serviceAccount: z
      .strictObject({
        namespace: z
          .string()
          .max(63)
          .regex(DNS1123_LABEL, { error: 'a namespace must be a DNS-1123 label' })
          .optional()
          .describe('@default the environment namespace'),
        name: z
          .string()
          .max(253)
          .regex(DNS1123_SUBDOMAIN, { error: 'a ServiceAccount name must be a DNS-1123 subdomain' })
          .optional()
          .describe('@default <app.name>-external-secrets'),
        create: z
          .boolean()
          .optional()
          .describe('Emit this ServiceAccount, annotated with the role (eks.amazonaws.com/role-arn), into dist/<env>/. @default false: it exists already'),
      })
      .optional()
      .describe('The Kubernetes ServiceAccount that may assume the role (the one the SecretStore authenticates as).'),
  })
  .describe('An IAM role for the External Secrets Operator `aws` provider, assumed through IRSA by one ServiceAccount.');

const cloudTrailSchema = z
  .strictObject({
    trailName: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{1,126})[A-Za-z0-9]$/, { error: 'a trail name is 3 to 128 letters, digits, ".", "_" and "-", starting and ending with a letter or digit' })
      .optional()
      .describe('@default <app.name>-<environment>-secrets-audit'),
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'an S3 bucket name is 3 to 63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit' })
      .refine((n) => !/\.\.|\.-|-\./.test(n) && !/^\d+\.\d+\.\d+\.\d+$/.test(n) && !/^xn--|^sthree-|-s3alias$|--ol-s3$/.test(n), {
        error: 'not a valid S3 bucket name (no "..", no IP address form, no reserved prefix or suffix)',
      })
      .optional()
      .describe('Name of the log bucket. @default chosen by CloudFormation (bucket names are global)'),
    multiRegion: z.boolean().optional().describe('Record the management events of every region. @default true'),
    retentionDays: z.number().int().min(1).optional().describe('Delete log files after this many days. @default keep them'),
    cloudWatchLogs: z
      .strictObject({
        retentionDays: logRetentionDays.optional().describe('@default 365'),
      })
      .optional()
      .describe('Also deliver the trail to CloudWatch Logs (group /aws/cloudtrail/<trailName>, encrypted like the trail), for metric filters and alarms on secret reads. @default S3 only'),
  })
  .describe('A CloudTrail trail recording management events (Secrets Manager GetSecretValue, SSM GetParameter(s), KMS Decrypt) to a private, encrypted S3 bucket.');

export const awsSchema = z
  .strictObject({
    account: z
      .string({ error: 'write the account id as a quoted string of 12 digits ("123456789012"): YAML would drop leading zeros of a number' })
      .regex(AWS_ACCOUNT, { error: 'an AWS account id is 12 digits, e.g. "123456789012"' })
      .describe('The AWS account the stack deploys to (12 digits, quoted).'),
    region: region.describe('The AWS region the stack deploys to.'),
    stackName: z
      .string()
      .max(128)
      .regex(/^[A-Za-z][A-Za-z0-9-]*$/, { error: 'a stack name starts with a letter and holds letters, digits and "-" (at most 128)' })
      .optional()
      .describe('CloudFormation stack name (and template file name). @default <app.name>-<environment>-secrets'),
    tags: awsTags.optional().describe('Tags on every resource of the stack (app, environment and managed-by are always set).'),
    kms: z
      .strictObject({
        alias: z
          .string()
          .max(256)
          .regex(/^alias\/[A-Za-z0-9/_-]+$/, { error: 'a KMS alias such as "alias/aragora-prod-secrets"' })
          .refine((a) => !a.toLowerCase().startsWith('alias/aws/'), { error: 'aliases under alias/aws/ are reserved for AWS managed keys' })
          .optional()
          .describe('@default alias/<app.name>-<environment>-secrets'),
      })
      .optional()
      .describe('A customer managed KMS key (yearly rotation on) for the secrets and parameters. @default the AWS managed keys aws/secretsmanager and aws/ssm'),
    secretsManager: secretsManagerSchema.optional(),
    appCustody: appCustodySchema.optional(),
    parameterStore: parameterStoreSchema.optional(),
    ecs: ecsSchema.optional(),
    eso: esoSchema.optional(),
    cloudTrail: cloudTrailSchema.optional(),
    nagPacks: z
      .array(z.enum(NAG_PACKS))
      .refine((packs) => new Set(packs).size === packs.length, { error: 'a pack is listed twice' })
      .optional()
      .describe('The cdk-nag rule packs every synth runs over the stack; an unacknowledged error fails the synth. AwsSolutions always runs. @default all four'),
  })
  .describe('The AWS side of the environment: one CloudFormation stack in dist/<env>/aws/.');

export type AwsConfig = z.input<typeof awsSchema>;

declare module '../../config-kit/schema' {
  interface EnvironmentBlocks {
    aws: AwsConfig;
  }
}
