import type { CloudRunIngress, GcpEnvironmentConfig } from './schema';
import { GCP_SERVICE_ACCOUNT_EMAIL } from './schema';
import type { AragoraSecretsConfig, EnvironmentConfig } from '../../config-kit/schema';

/**
 * The resolved plan of an environment that targets Google Cloud: one Secret Manager secret per
 * variable (as in the guide), the one service account allowed to read them, and what reads them
 * (Cloud Run, ESO through a gcpsm store). Every artifact (the Cloud Run service, the
 * ExternalSecret, the Config Connector objects, setup.sh) takes its names from here, so they
 * cannot disagree. Defaults are applied here and nowhere else.
 */
export interface GcpPlan {
  readonly project: string;
  /** Region of the Cloud Run service. */
  readonly region?: string;
  /** The runtime service account: Cloud Run runs as it; it alone may read the secrets. */
  readonly serviceAccount: GcpServiceAccountPlan;
  readonly replication: GcpReplicationPlan;
  /** The secrets kept in Secret Manager for the environment, sorted by variable name. */
  readonly secrets: readonly GcpSecretPlan[];
  /** GCP resource labels (lowercase keys and values, no "/"): on the secrets and the Cloud Run service. */
  readonly labels: Readonly<Record<string, string>>;
  readonly cloudRun?: CloudRunPlan;
  /** Present when Config Connector objects are emitted instead of gcloud commands. */
  readonly configConnector?: { readonly namespace: string };
  /** The ESO gcpsm store that reads these secrets into the cluster, when the delivery uses one. */
  readonly store?: { readonly name: string; readonly auth: 'workloadIdentity' | 'secretRef' | 'controller' };
  /** With a Workload Identity store: the Kubernetes ServiceAccount ESO presents, bound to the service account. */
  readonly workloadIdentity?: WorkloadIdentityPlan;
  /**
   * When the application's pods read the secrets themselves (the Google CSI provider reads as the pod's
   * ServiceAccount): that ServiceAccount, bound to the service account through Workload Identity.
   */
  readonly podWorkloadIdentity?: PodWorkloadIdentityPlan;
}

export interface PodWorkloadIdentityPlan {
  /** The application's ServiceAccount (emitted with the environment, annotated with the service account). */
  readonly serviceAccountName: string;
  readonly namespace: string;
  /** `<project>.svc.id.goog`: the GKE cluster project's workload identity pool. */
  readonly pool: string;
  /** `serviceAccount:<pool>[<namespace>/<name>]`, granted roles/iam.workloadIdentityUser on the service account. */
  readonly member: string;
  /** `metadata.name` of the IAMPolicyMember making that grant (Config Connector). */
  readonly bindingName: string;
}

export interface GcpServiceAccountPlan {
  readonly email: string;
  readonly accountId: string;
  /** The project the service account belongs to (from its email). */
  readonly project: string;
  /** `serviceAccount:<email>`, the IAM member. */
  readonly member: string;
}

export type GcpReplicationPlan = { readonly automatic: true } | { readonly automatic: false; readonly locations: readonly string[] };

export interface GcpSecretPlan {
  /** The environment variable (and key of the Kubernetes Secret). */
  readonly env: string;
  /** Secret Manager secret ID. */
  readonly secretId: string;
  /** `latest` or a version number. */
  readonly version: string;
  /** `metadata.name` of its SecretManagerSecret (a DNS-1123 subdomain; `spec.resourceID` carries the ID). */
  readonly resourceName: string;
  /** `metadata.name` of the IAMPolicyMember granting the accessor role on it. */
  readonly accessorName: string;
  readonly required: boolean;
  /** A random value (the JWT secret): setup.sh may generate it. */
  readonly generated: boolean;
  readonly purpose: string;
}

export interface CloudRunPlan {
  readonly service: string;
  readonly region: string;
  readonly image: string;
  readonly port: number;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly cpu?: string;
  readonly memory?: string;
  readonly minInstances?: number;
  readonly maxInstances?: number;
  readonly concurrency?: number;
  readonly timeoutSeconds?: number;
  readonly ingress: CloudRunIngress;
}

export interface WorkloadIdentityPlan {
  /** The Kubernetes ServiceAccount the store's `auth.workloadIdentity.serviceAccountRef` names. */
  readonly serviceAccountName: string;
  readonly namespace: string;
  /** `<project>.svc.id.goog`: the cluster project's workload identity pool. */
  readonly pool: string;
  /** `serviceAccount:<pool>[<namespace>/<name>]`, granted roles/iam.workloadIdentityUser on the service account. */
  readonly member: string;
  /** `metadata.name` of the IAMPolicyMember making that grant (Config Connector). */
  readonly bindingName: string;
  /** Whether the ServiceAccount is emitted (false: it is managed elsewhere and setup.sh says what to annotate). */
  readonly create: boolean;
  /**
   * Outside the environment's namespace (a ClusterSecretStore's ServiceAccount), the object is
   * shared by every environment folder that emits it, so it carries the app's labels only.
   * @default - the environment's labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

export const DEFAULT_CLOUD_RUN_PORT = 8080;
export const SECRET_ACCESSOR_ROLE = 'roles/secretmanager.secretAccessor';
export const WORKLOAD_IDENTITY_USER_ROLE = 'roles/iam.workloadIdentityUser';
export const GKE_SERVICE_ACCOUNT_ANNOTATION = 'iam.gke.io/gcp-service-account';
const ACCESSOR_SUFFIX = '-accessor';

/** `aragora-runtime` in `aragora-prod` → `aragora-runtime@aragora-prod.iam.gserviceaccount.com`; an email is kept. */
export function serviceAccountEmail(serviceAccount: string, project: string): string {
  return serviceAccount.includes('@') ? serviceAccount : `${serviceAccount}@${project}.iam.gserviceaccount.com`;
}

/** `ANTHROPIC_API_KEY` → `anthropic-api-key` (the guide's name), after the optional prefix. */
export function deriveSecretId(variable: string, prefix = ''): string {
  return `${prefix}${variable.toLowerCase().replace(/_/g, '-')}`;
}

/** The Kubernetes name of a secret's SecretManagerSecret: IDs may hold "_" and capitals, names may not. */
export function secretResourceName(secretId: string): string {
  return secretId.toLowerCase().replace(/_/g, '-');
}

export function accessorName(resourceName: string): string {
  return `${resourceName}${ACCESSOR_SUFFIX}`;
}

/** The secret ID and version of one variable in an environment's GCP config. */
export function secretLocation(gcp: GcpEnvironmentConfig, variable: string): { secretId: string; version: string } {
  const override = gcp.secrets?.[variable];
  return { secretId: override?.name ?? deriveSecretId(variable, gcp.secretPrefix), version: String(override?.version ?? 'latest') };
}

/**
 * The variables kept in Secret Manager: `gcp.keys`, or every secret delivered in the
 * environment, less those an in-cluster generator makes (they never reach Secret Manager).
 */
export function gcpSecretNames(
  env: EnvironmentConfig,
  delivered: readonly { readonly name: string; readonly generated: boolean }[],
  generatedInCluster: (secret: { readonly generated: boolean }) => boolean,
): string[] {
  const gcp = env.gcp!;
  const candidates = delivered.filter((s) => !generatedInCluster(s));
  const listed = gcp.keys ? new Set(gcp.keys) : undefined;
  return candidates.filter((s) => !listed || listed.has(s.name)).map((s) => s.name);
}

export interface GcpContext {
  readonly config: AragoraSecretsConfig;
  readonly environment: string;
  readonly env: EnvironmentConfig;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly { readonly name: string; readonly purpose: string; readonly status: string; readonly generated: boolean }[];
  /** The app's labels (without the environment's). */
  readonly appLabels: Readonly<Record<string, string>>;
  /** The store the environment's delivery reads through, when it is one (see `DeliveryResolver.cloudStore`). */
  readonly store?: { readonly name: string; readonly store: NonNullable<AragoraSecretsConfig['stores']>[string] };
  /** Whether the delivery makes a secret in the cluster (it then never reaches Secret Manager). */
  readonly generatedInCluster: (secret: { readonly generated: boolean }) => boolean;
  /** The application's pods read the secrets as their ServiceAccount (Workload Identity of the GKE cluster's project). */
  readonly podReads?: { readonly clusterProject?: string };
}

export function resolveGcp(context: GcpContext): GcpPlan | undefined {
  const { config, environment, env } = context;
  const gcp = env.gcp;
  if (!gcp) return undefined;
  const email = serviceAccountEmail(gcp.serviceAccount, gcp.project);
  const [, accountId, accountProject] = GCP_SERVICE_ACCOUNT_EMAIL.exec(email)!;
  const names = new Set(gcpSecretNames(env, context.secrets, context.generatedInCluster));

  const secrets = context.secrets
    .filter((s) => names.has(s.name))
    .map((s): GcpSecretPlan => {
      const { secretId, version } = secretLocation(gcp, s.name);
      const resourceName = secretResourceName(secretId);
      return {
        env: s.name,
        secretId,
        version,
        resourceName,
        accessorName: accessorName(resourceName),
        required: s.status === 'required',
        generated: s.generated,
        purpose: s.purpose,
      };
    });

  const storeRef = context.store?.store.provider === 'gcpsm' ? { name: context.store.name, store: context.store.store } : undefined;
  const auth = storeRef?.store.auth;
  const wi = auth?.workloadIdentity;
  const appName = config.app.name;
  let workloadIdentity: WorkloadIdentityPlan | undefined;
  if (wi) {
    const namespace = wi.serviceAccountRef.namespace ?? env.namespace;
    // The pool belongs to the project the GKE cluster runs in, which may differ from the secrets' project.
    const pool = `${wi.clusterProjectID ?? gcp.project}.svc.id.goog`;
    workloadIdentity = {
      serviceAccountName: wi.serviceAccountRef.name,
      namespace,
      pool,
      member: `serviceAccount:${pool}[${namespace}/${wi.serviceAccountRef.name}]`,
      bindingName: `${appName}-eso-workload-identity`,
      create: gcp.createStoreServiceAccount ?? true,
      labels: namespace === env.namespace ? undefined : { ...context.appLabels },
    };
  }

  let podWorkloadIdentity: PodWorkloadIdentityPlan | undefined;
  if (context.podReads) {
    const pool = `${context.podReads.clusterProject ?? gcp.project}.svc.id.goog`;
    podWorkloadIdentity = {
      serviceAccountName: appName,
      namespace: env.namespace,
      pool,
      member: `serviceAccount:${pool}[${env.namespace}/${appName}]`,
      bindingName: `${appName}-pods-workload-identity`,
    };
  }

  const configConnector =
    gcp.configConnector === undefined || gcp.configConnector === false
      ? undefined
      : { namespace: (typeof gcp.configConnector === 'object' ? gcp.configConnector.namespace : undefined) ?? env.namespace };

  return {
    project: gcp.project,
    region: gcp.region,
    serviceAccount: { email, accountId, project: accountProject, member: `serviceAccount:${email}` },
    replication:
      gcp.replication === undefined || gcp.replication === 'automatic' ? { automatic: true } : { automatic: false, locations: [...new Set(gcp.replication.locations)].sort() },
    secrets,
    labels: { app: appName, environment, 'managed-by': 'aragora-secrets' },
    cloudRun: resolveCloudRun(config, env),
    configConnector,
    store: storeRef && { name: storeRef.name, auth: wi ? 'workloadIdentity' : auth?.secretRef ? 'secretRef' : 'controller' },
    workloadIdentity,
    podWorkloadIdentity,
  };
}

function resolveCloudRun(config: AragoraSecretsConfig, env: EnvironmentConfig): CloudRunPlan | undefined {
  const gcp = env.gcp!;
  const run = gcp.cloudRun;
  if (!run) return undefined;
  // Config validation requires the region and an image with cloudRun.
  return {
    service: run.service ?? config.app.name,
    region: gcp.region!,
    image: run.image ?? env.workload?.image ?? config.app.image!,
    port: run.port ?? env.workload?.port ?? DEFAULT_CLOUD_RUN_PORT,
    command: run.command,
    args: run.args,
    cpu: run.cpu,
    memory: run.memory,
    minInstances: run.minInstances,
    maxInstances: run.maxInstances,
    concurrency: run.concurrency,
    timeoutSeconds: run.timeoutSeconds,
    ingress: run.ingress ?? 'all',
  };
}
