import { compareStrings, sortRecord } from '../../core/sort';
import { fargateMemoryOptions, NAG_PACKS, type AwsConfig, type NagPackName } from './schema';
import type { RequirementStatus } from '../../config-kit/requirements';
import { pushTo } from '../../core/collections';

/**
 * The AWS part of an environment's plan: every name, ARN and assignment the CloudFormation
 * stack, the fill-in script and the Kubernetes side (an ESO `aws` store) use, decided once.
 * Pure data; aws-cdk-lib is only loaded by `src/aws/` when some environment enables AWS.
 */
export interface AwsPlan {
  readonly account: string;
  readonly region: string;
  /** `aws`, `aws-cn`, `aws-us-gov`...: the first field of every ARN in the region. */
  readonly partition: string;
  readonly stackName: string;
  /** File name of the template in `dist/<env>/aws/`. */
  readonly templateFile: string;
  /** Tags on every resource, sorted by key. */
  readonly tags: Readonly<Record<string, string>>;
  /** A customer managed key; absent: the AWS managed keys (aws/secretsmanager, aws/ssm). */
  readonly kms?: { readonly alias: string };
  readonly secretsManager?: AwsSecretsManagerPlan;
  readonly parameterStore?: AwsParameterStorePlan;
  /** Where each secret stored in AWS lives, sorted by secret name. Secrets not listed are not stored in AWS. */
  readonly locations: readonly AwsSecretLocation[];
  readonly ecs?: AwsEcsPlan;
  readonly eso?: AwsEsoPlan;
  readonly cloudTrail?: AwsCloudTrailPlan;
  /** The application reads Secrets Manager itself (`appCustody`). */
  readonly appCustody?: AwsAppCustodyPlan;
  /** The IAM role the application's pods read the stack's secrets with through a node-side provider (the AWS CSI provider). */
  readonly podReader?: AwsPodReaderPlan;
  /** The cdk-nag packs run over the stack, sorted; AwsSolutions is always among them. */
  readonly nagPacks: readonly NagPackName[];
}

export { NAG_PACKS, type NagPackName };
export const ALWAYS_ON_NAG_PACK: NagPackName = 'AwsSolutions';

export type AwsStore = 'secretsManager' | 'parameterStore';

export type AwsSecretLocation =
  | {
      readonly secret: string;
      readonly store: 'secretsManager';
      /** Name of the Secrets Manager secret (the catalog's `remote.key`). */
      readonly secretName: string;
      /** Key inside its JSON value (the catalog's `remote.property`). */
      readonly jsonKey: string;
    }
  | {
      readonly secret: string;
      readonly store: 'parameterStore';
      readonly parameterName: string;
      readonly parameterArn: string;
    };

export interface AwsSecretKeyPlan {
  /** The catalog secret (environment variable name). */
  readonly secret: string;
  readonly purpose: string;
  readonly status: RequirementStatus;
  readonly generated: boolean;
}

export interface AwsSecretsManagerSecretPlan {
  /** The secret's name in Secrets Manager. */
  readonly name: string;
  /** PascalCase form of the name, for CloudFormation logical IDs (stable: renaming it replaces the secret). */
  readonly id: string;
  /** JSON keys of the value, sorted by key. */
  readonly keys: readonly (AwsSecretKeyPlan & { readonly jsonKey: string })[];
  /** The one key CloudFormation generates (a catalog secret marked `generated: true`). */
  readonly generatedKey?: string;
}

export interface AwsSecretsManagerPlan {
  /** Sorted by name. */
  readonly secrets: readonly AwsSecretsManagerSecretPlan[];
  /** Sorted. */
  readonly replicaRegions: readonly string[];
  readonly rotation?: { readonly lambdaArn: string; readonly days: number };
}

export interface AwsParameterPlan extends AwsSecretKeyPlan {
  readonly name: string;
  readonly arn: string;
}

export interface AwsParameterStorePlan {
  readonly prefix: string;
  /** Sorted by name. */
  readonly parameters: readonly AwsParameterPlan[];
}

export interface AwsEcsPlan {
  readonly family: string;
  readonly containerName: string;
  readonly image: string;
  readonly cpu: number;
  readonly memory: number;
  readonly port?: number;
  /** The role ECS uses to fetch the `secrets` before the container starts: it gets the read grants. */
  readonly executionRoleName: string;
  /** The application's own role: no secret access (the values arrive as environment variables). */
  readonly taskRoleName: string;
  /** The CloudWatch Logs group of the container's output (awslogs driver). */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  /** Plain environment of the container: the application's mode, and how it reads Secrets Manager itself; sorted by name. */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  /** The delivered secrets ECS must not pass as `secrets`: the critical ones the application reads itself. */
  readonly readByApp: readonly string[];
}

/** The application's own read of Secrets Manager: one secret, a JSON string map keyed by variable name. */
export interface AwsAppCustodyPlan {
  /** ARAGORA_SECRET_NAME: the Secrets Manager secret that holds every value of the environment kept there. */
  readonly secretName: string;
  /** The regions the application tries, in order: the stack's, then the replicas (ARAGORA_SECRET_REGIONS). */
  readonly regions: readonly string[];
  /** What the application's container needs to read it, sorted by name. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /** The delivered secrets the application reads there, sorted. */
  readonly secrets: readonly string[];
  /** Of those, the critical ones: never passed as environment variables as well (strict mode would stop the app). */
  readonly critical: readonly string[];
  /** The IAM role of the application's Kubernetes ServiceAccount (IRSA), when the config names the cluster's OIDC provider. */
  readonly irsa?: {
    readonly roleName: string;
    readonly roleArn: string;
    readonly oidcProviderArn: string;
    readonly issuer: string;
    readonly audience: string;
    readonly serviceAccount: { readonly namespace: string; readonly name: string };
    readonly subject: string;
  };
}

/** Where the application looks when its region has no copy (the loader's defaults without ARAGORA_SECRET_REGIONS). */
export const APP_FALLBACK_REGIONS: readonly string[] = ['us-east-2', 'us-east-1'];
/** The application's default ARAGORA_SECRET_NAME. */
export const APP_DEFAULT_SECRET_NAME = 'aragora/production';

export interface AwsEsoPlan {
  /** The IAM role an ESO `aws` SecretStore assumes (annotate the ServiceAccount with `roleArn`). */
  readonly roleName: string;
  readonly roleArn: string;
  readonly region: string;
  readonly oidcProviderArn: string;
  /** The provider's issuer host and path (the prefix of the `:sub` and `:aud` condition keys). */
  readonly issuer: string;
  readonly audience: string;
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** `system:serviceaccount:<namespace>:<name>`: the only token subject the role's trust policy accepts. */
  readonly subject: string;
}

/**
 * The role of the application's ServiceAccount when its pods read the stack's secrets through a provider on the
 * node (the Secrets Store CSI driver's AWS provider): read access to exactly the environment's secrets and
 * parameters, assumed through IRSA or an EKS Pod Identity association made by the stack.
 */
export interface AwsPodReaderPlan {
  readonly roleName: string;
  readonly roleArn: string;
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  readonly trust:
    | { readonly kind: 'irsa'; readonly oidcProviderArn: string; readonly issuer: string; readonly audience: string; readonly subject: string }
    | { readonly kind: 'podIdentity'; readonly clusterName: string };
}

export interface AwsCloudTrailPlan {
  readonly trailName: string;
  readonly trailArn: string;
  readonly bucketName?: string;
  readonly multiRegion: boolean;
  readonly retentionDays?: number;
  /** The trail also delivers to CloudWatch Logs (`cloudTrail.cloudWatchLogs`), through a role CloudTrail assumes. */
  readonly cloudWatchLogs?: { readonly logGroupName: string; readonly retentionDays: number; readonly roleName: string };
}

/** What `resolveAwsPlan` needs from the rest of the environment's plan. */
export interface AwsPlanInput {
  readonly appName: string;
  readonly environment: string;
  readonly namespace: string;
  readonly config: AwsConfig;
  /** Delivered secrets of the environment, sorted by name. */
  readonly secrets: readonly {
    readonly name: string;
    readonly purpose: string;
    readonly status: RequirementStatus;
    readonly generated: boolean;
    readonly critical?: boolean;
    readonly remote: { readonly key: string; readonly property: string };
  }[];
  readonly workload: {
    readonly containerName: string;
    readonly image: string;
    readonly port?: number;
    /** The application's mode (ARAGORA_ENV...), set on every container that runs it. */
    readonly appEnv?: readonly { readonly name: string; readonly value: string }[];
  };
  /** Value of the `managed-by` tag. */
  readonly managedBy: string;
  /** The AWS partition of `config.region` (`aws`, `aws-cn`...), from the caller's region table. */
  readonly partition: string;
  /** The application's pods read the stack's secrets themselves, as this ServiceAccount, through IRSA or EKS Pod Identity. */
  readonly podReads?: {
    readonly serviceAccount: { readonly namespace: string; readonly name: string };
    readonly identity: { readonly kind: 'irsa'; readonly oidcProvider: string } | { readonly kind: 'podIdentity'; readonly clusterName: string };
  };
}

/** Log retention when the config names none: a year, the audit horizon PCI DSS 10.7 asks for. */
export const DEFAULT_LOG_RETENTION_DAYS = 365;

export const IRSA_AUDIENCE = 'sts.amazonaws.com';
export const IAM_ROLE_NAME_MAX = 64;
/** The last word of the pods' role (`<app>-<environment>-pods`). */
export const POD_READER_ROLE_PURPOSE = 'pods';

export function resolveAwsPlan(input: AwsPlanInput): AwsPlan {
  const { appName, environment, config } = input;
  const { partition } = input;
  const prefix = `${appName}-${environment}`;
  const stackName = config.stackName ?? `${prefix}-secrets`;
  const stores = assignStores(config, input.secrets.map((s) => s.name));
  const stored = (store: AwsStore) => input.secrets.filter((s) => stores.get(s.name) === store);
  const keyPlan = (s: AwsPlanInput['secrets'][number]): AwsSecretKeyPlan => ({
    secret: s.name,
    purpose: s.purpose,
    status: s.status,
    generated: s.generated,
  });

  // The application reads one secret keyed by variable name; otherwise the catalog's remote key and property lay it out.
  const appSecretName = config.appCustody ? (config.appCustody.secretName ?? APP_DEFAULT_SECRET_NAME) : undefined;
  let secretsManager: AwsSecretsManagerPlan | undefined;
  if (config.secretsManager) {
    const byName = new Map<string, AwsSecretsManagerSecretPlan['keys'][number][]>();
    for (const s of stored('secretsManager')) {
      const location = appSecretName ? { key: appSecretName, property: s.name } : s.remote;
      pushTo(byName, location.key, { ...keyPlan(s), jsonKey: location.property });
    }
    const replicaRegions = config.secretsManager.replicaRegions ?? (appSecretName && partition === 'aws' ? APP_FALLBACK_REGIONS.filter((r) => r !== config.region) : []);
    secretsManager = {
      secrets: [...byName]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([name, keys]) => ({
          name,
          id: pascalId(name),
          keys: keys.sort((a, b) => compareStrings(a.jsonKey, b.jsonKey)),
          generatedKey: keys.find((k) => k.generated)?.jsonKey,
        })),
      replicaRegions: [...new Set(replicaRegions)].sort(),
      rotation: config.secretsManager.rotation ? { ...config.secretsManager.rotation } : undefined,
    };
  }

  let parameterStore: AwsParameterStorePlan | undefined;
  if (config.parameterStore) {
    const parameterPrefix = config.parameterStore.prefix ?? `/${appName}`;
    parameterStore = {
      prefix: parameterPrefix,
      parameters: stored('parameterStore')
        .map((s) => {
          const name = parameterName(parameterPrefix, s.name);
          return { ...keyPlan(s), name, arn: parameterArn(partition, config.region, config.account, name) };
        })
        .sort((a, b) => compareStrings(a.name, b.name)),
    };
  }

  const locations: AwsSecretLocation[] = [];
  for (const secret of secretsManager?.secrets ?? []) {
    for (const key of secret.keys) locations.push({ secret: key.secret, store: 'secretsManager', secretName: secret.name, jsonKey: key.jsonKey });
  }
  for (const p of parameterStore?.parameters ?? []) {
    locations.push({ secret: p.secret, store: 'parameterStore', parameterName: p.name, parameterArn: p.arn });
  }
  locations.sort((a, b) => compareStrings(a.secret, b.secret));

  let appCustody: AwsAppCustodyPlan | undefined;
  if (appSecretName && secretsManager) {
    const held = stored('secretsManager');
    // Replicas in the order the config lists them: the application tries them in that order after its own region.
    const replicas = config.secretsManager?.replicaRegions ?? (partition === 'aws' ? APP_FALLBACK_REGIONS.filter((r) => r !== config.region) : []);
    const env: Record<string, string> = { ARAGORA_USE_SECRETS_MANAGER: 'true', ARAGORA_SECRET_NAME: appSecretName, AWS_REGION: config.region };
    if (replicas.length > 0) env.ARAGORA_SECRET_REGIONS = replicas.join(',');
    appCustody = {
      secretName: appSecretName,
      regions: [config.region, ...replicas],
      env: Object.keys(env).sort().map((name) => ({ name, value: env[name] })),
      secrets: held.map((s) => s.name).sort(compareStrings),
      critical: held.filter((s) => s.critical).map((s) => s.name).sort(compareStrings),
      irsa: config.appCustody?.oidcProvider ? appIrsa(prefix, partition, config.account, config.appCustody.oidcProvider, { namespace: input.namespace, name: input.appName }) : undefined,
    };
  }

  const cpu = config.ecs?.cpu ?? 256;
  const ecs: AwsEcsPlan | undefined = config.ecs && {
    family: config.ecs.family ?? prefix,
    containerName: config.ecs.containerName ?? input.workload.containerName,
    image: config.ecs.image ?? input.workload.image,
    cpu,
    memory: config.ecs.memory ?? fargateMemoryOptions(cpu)[0],
    port: config.ecs.port ?? input.workload.port,
    executionRoleName: roleName(prefix, 'ecs-execution'),
    taskRoleName: roleName(prefix, 'ecs-task'),
    logGroupName: `/ecs/${config.ecs.family ?? prefix}`,
    logRetentionDays: config.ecs.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    environment: [...(input.workload.appEnv ?? []), ...(appCustody?.env ?? [])].sort((a, b) => compareStrings(a.name, b.name)),
    readByApp: appCustody?.critical ?? [],
  };

  let eso: AwsEsoPlan | undefined;
  if (config.eso) {
    const name = roleName(prefix, 'external-secrets');
    const serviceAccount = esoServiceAccountOf(appName, input.namespace, config.eso);
    eso = {
      roleName: name,
      roleArn: `arn:${partition}:iam::${config.account}:role/${name}`,
      region: config.region,
      oidcProviderArn: config.eso.oidcProvider,
      issuer: oidcIssuer(config.eso.oidcProvider),
      audience: IRSA_AUDIENCE,
      serviceAccount,
      subject: serviceAccountSubject(serviceAccount),
    };
  }

  let podReader: AwsPodReaderPlan | undefined;
  if (input.podReads) {
    const { identity, serviceAccount } = input.podReads;
    const name = roleName(prefix, POD_READER_ROLE_PURPOSE);
    podReader = {
      roleName: name,
      roleArn: `arn:${partition}:iam::${config.account}:role/${name}`,
      serviceAccount,
      trust:
        identity.kind === 'irsa'
          ? { kind: 'irsa', oidcProviderArn: identity.oidcProvider, issuer: oidcIssuer(identity.oidcProvider), audience: IRSA_AUDIENCE, subject: serviceAccountSubject(serviceAccount) }
          : { kind: 'podIdentity', clusterName: identity.clusterName },
    };
  }

  let cloudTrail: AwsCloudTrailPlan | undefined;
  if (config.cloudTrail) {
    const trailName = config.cloudTrail.trailName ?? `${prefix}-secrets-audit`;
    cloudTrail = {
      trailName,
      trailArn: `arn:${partition}:cloudtrail:${config.region}:${config.account}:trail/${trailName}`,
      bucketName: config.cloudTrail.bucketName,
      multiRegion: config.cloudTrail.multiRegion ?? true,
      retentionDays: config.cloudTrail.retentionDays,
      cloudWatchLogs: config.cloudTrail.cloudWatchLogs && {
        logGroupName: `/aws/cloudtrail/${trailName}`,
        retentionDays: config.cloudTrail.cloudWatchLogs.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
        roleName: roleName(prefix, 'cloudtrail-logs'),
      },
    };
  }

  return {
    account: config.account,
    region: config.region,
    partition,
    stackName,
    templateFile: `${stackName}.template.json`,
    tags: sortRecord({ ...config.tags, app: appName, environment, 'managed-by': input.managedBy }),
    kms: config.kms ? { alias: config.kms.alias ?? `alias/${prefix}-secrets` } : undefined,
    secretsManager,
    parameterStore,
    locations,
    ecs,
    eso,
    cloudTrail,
    appCustody,
    podReader,
    nagPacks: [...new Set<NagPackName>([ALWAYS_ON_NAG_PACK, ...(config.nagPacks ?? NAG_PACKS)])].sort(compareStrings),
  };
}

/** The role the application's own ServiceAccount assumes (IRSA) to read its secret. */
function appIrsa(prefix: string, partition: string, account: string, oidcProvider: string, serviceAccount: { namespace: string; name: string }): NonNullable<AwsAppCustodyPlan['irsa']> {
  const name = roleName(prefix, 'app');
  return {
    roleName: name,
    roleArn: `arn:${partition}:iam::${account}:role/${name}`,
    oidcProviderArn: oidcProvider,
    issuer: oidcIssuer(oidcProvider),
    audience: IRSA_AUDIENCE,
    serviceAccount,
    subject: serviceAccountSubject(serviceAccount),
  };
}

/** The issuer host and path of an IAM OIDC provider ARN (the prefix of its `:sub` and `:aud` condition keys). */
export function oidcIssuer(oidcProviderArn: string): string {
  return oidcProviderArn.slice(oidcProviderArn.indexOf(':oidc-provider/') + ':oidc-provider/'.length);
}

/** The ServiceAccount the ESO role trusts: the configured one, else `<app>-external-secrets` in the environment's namespace. */
export function esoServiceAccountOf(appName: string, namespace: string, eso: NonNullable<AwsConfig['eso']>): { namespace: string; name: string } {
  return { namespace: eso.serviceAccount?.namespace ?? namespace, name: eso.serviceAccount?.name ?? `${appName}-external-secrets` };
}

/** The `sub` claim of a projected ServiceAccount token, as IAM and GKE match it. */
export function serviceAccountSubject(serviceAccount: { readonly namespace: string; readonly name: string }): string {
  return `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`;
}

/**
 * Which store holds each delivered secret: the store that lists it, else the store that lists
 * nothing (when exactly one does). A secret lives in one store only, so that ECS, ESO and
 * rotation agree on where its value is. Config validation rejects the ambiguous cases.
 */
export function assignStores(config: AwsConfig, delivered: readonly string[]): Map<string, AwsStore> {
  const assigned = new Map<string, AwsStore>();
  const configured = (['secretsManager', 'parameterStore'] as const).filter((store) => config[store] !== undefined);
  const unlisted = configured.filter((store) => config[store]?.secrets === undefined);
  for (const name of delivered) {
    const listing = configured.find((store) => config[store]?.secrets?.includes(name));
    const store = listing ?? (unlisted.length === 1 ? unlisted[0] : undefined);
    if (store) assigned.set(name, store);
  }
  return assigned;
}

/** `ANTHROPIC_API_KEY` under `/aragora` → `/aragora/anthropic-api-key` (the seed's name). */
export function parameterName(prefix: string, secret: string): string {
  return `${prefix}/${secret.toLowerCase().replace(/_/g, '-')}`;
}

export function parameterArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter${name}`;
}

export function roleName(prefix: string, purpose: string): string {
  return `${prefix}-${purpose}`;
}

/** `aragora/api-keys` → `AragoraApiKeys`. */
export function pascalId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

