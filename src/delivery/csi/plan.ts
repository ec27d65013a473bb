import type { CsiDeliveryConfig } from './schema';
import type { RequirementStatus } from '../../config-kit/requirements';
import { kvApiPath } from '../../artifacts/vault-policy';
import { compareStrings } from '../../core/sort';
import type { PodCloudIdentity, PodCloudReads, RemoteRef } from '../../plan/plan';

export const CSI_DRIVER = 'secrets-store.csi.k8s.io';
export const DEFAULT_MOUNT_PATH = '/mnt/secrets-store';
/** The pod volume that holds the files. */
export const CSI_VOLUME = 'secrets-store';
/** The audience of the token the Vault provider logs in with, which the role requires. */
export const VAULT_AUDIENCE = 'vault';

/** One catalog variable: one file of the volume (named after the variable) and, with sync, one key of the Secret. */
export interface CsiObject {
  /** Environment variable name: the file name and the key of the synced Secret. */
  readonly env: string;
  /** Vault: the API path of the KV secret (KV v2: `<mount>/data/<key>`); AWS: the secret's or parameter's name; Google: the version's resource name. */
  readonly secretPath: string;
  /** The field of the secret (the catalog's `remote.property`): a KV field, a JSON key; empty for a whole value. */
  readonly secretKey: string;
  /** AWS: a Parameter Store parameter (`ssmparameter`, the whole value) instead of a Secrets Manager secret. */
  readonly objectType?: 'secretsmanager' | 'ssmparameter';
  readonly required: boolean;
}

export interface CsiVaultPlan {
  readonly address: string;
  readonly kvVersion: 1 | 2;
  readonly role: string;
  readonly policyName: string;
  readonly authMount: string;
  readonly vaultNamespace?: string;
  readonly caCertPath?: string;
  readonly tlsServerName?: string;
  readonly tokenTtl: string;
  readonly audience: string;
}

/** The cloud identity of the pods when the environment's own cloud side makes it (see `DeliveryResolver.podCloudReads`). */
export interface CsiCloudIdentity {
  /** Who the pods' ServiceAccount acts as, in words. */
  readonly principal: string;
  /** Where the identity and its grants are written. */
  readonly writtenIn: string;
}

export interface CsiAwsPlan {
  readonly region?: string;
  readonly identity: 'irsa' | 'podIdentity';
  /** A role made elsewhere (IRSA). */
  readonly roleArn?: string;
  /** The role the environment's AWS stack makes for the pods. */
  readonly generated?: CsiCloudIdentity;
}

export interface CsiGcpPlan {
  readonly project: string;
  readonly serviceAccount: string;
  /** The binding the environment's Google Cloud side makes for the pods. */
  readonly generated?: CsiCloudIdentity;
}

export interface CsiDeliveryPlan {
  readonly method: 'csi';
  readonly provider: 'vault' | 'aws' | 'gcp';
  /** The SecretProviderClass of the environment. */
  readonly className: string;
  /** Sorted by environment variable name. */
  readonly objects: readonly CsiObject[];
  /** The Secret the driver syncs the files into; absent when the application reads the files. */
  readonly syncedSecret?: string;
  readonly mountPath: string;
  /** With provider vault. */
  readonly vault?: CsiVaultPlan;
  /** With provider aws. */
  readonly aws?: CsiAwsPlan;
  /** With provider gcp. */
  readonly gcp?: CsiGcpPlan;
}

export interface CsiPlanContext {
  readonly appName: string;
  readonly environment: string;
  readonly secretName: string;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly { readonly name: string; readonly status: RequirementStatus; readonly remote: { readonly key: string; readonly property: string } }[];
  /** Where the environment's own cloud side keeps each variable, when it makes the pods' identity. */
  readonly remoteRefs?: ReadonlyMap<string, RemoteRef>;
  /** The identity the environment's own cloud side gave the pods' ServiceAccount. */
  readonly podCloudIdentity?: PodCloudIdentity;
  /** The environment's own cloud blocks (their defaults: the AWS region, the Google project and service account). */
  readonly clouds: { readonly awsRegion?: string; readonly gcp?: { readonly project: string; readonly serviceAccountEmail: string } };
}

/** What `podCloudReads` asks of the environment's cloud, when its own side makes the pods' identity. */
export function csiPodCloudReads(config: CsiDeliveryConfig): PodCloudReads | undefined {
  if (config.provider === 'aws') {
    const aws = config.aws ?? {};
    if (aws.identity === 'podIdentity') return aws.clusterName ? { cloud: 'aws', identity: { kind: 'podIdentity', clusterName: aws.clusterName } } : undefined;
    return aws.oidcProvider && !aws.roleArn ? { cloud: 'aws', identity: { kind: 'irsa', oidcProvider: aws.oidcProvider } } : undefined;
  }
  if (config.provider === 'gcp') return { cloud: 'gcp', identity: { kind: 'workloadIdentity', clusterProject: config.gcp?.clusterProject } };
  return undefined;
}

/** Resolves the CSI options: one object per catalog variable, from where the environment keeps it. */
export function resolveCsiDelivery(config: CsiDeliveryConfig, context: CsiPlanContext): CsiDeliveryPlan {
  const common = {
    method: 'csi' as const,
    className: context.secretName,
    syncedSecret: config.sync === false ? undefined : context.secretName,
    mountPath: config.mountPath ?? DEFAULT_MOUNT_PATH,
  };
  const { remoteRefs, podCloudIdentity } = context;
  const generated = podCloudIdentity && { principal: podCloudIdentity.principal, writtenIn: podCloudIdentity.writtenIn };
  if (config.provider === 'gcp') {
    const gcp = config.gcp ?? {};
    const ownGcp = context.clouds.gcp;
    // The environment's gcp block decides the project, the reader and each secret's ID and version; without it the
    // IDs follow the same rule (`anthropic-api-key`) in the project the options name.
    const project = gcp.project ?? ownGcp?.project ?? '';
    const version = gcp.version ?? 'latest';
    const resource = (name: string) => {
      const ref = remoteRefs?.get(name);
      return ref
        ? `projects/${project}/secrets/${ref.key}/versions/${ref.version ?? 'latest'}`
        : `projects/${project}/secrets/${gcp.secretPrefix ?? ''}${name.toLowerCase().replace(/_/g, '-')}/versions/${version}`;
    };
    return {
      ...common,
      provider: 'gcp',
      objects: context.secrets
        .filter((s) => !remoteRefs || remoteRefs.has(s.name))
        .map((s) => ({ env: s.name, secretPath: resource(s.name), secretKey: '', required: s.status === 'required' }))
        .sort((a, b) => compareStrings(a.env, b.env)),
      gcp: { project, serviceAccount: gcp.serviceAccount ?? ownGcp?.serviceAccountEmail ?? '', generated },
    };
  }
  if (config.provider === 'aws') {
    const aws = config.aws ?? {};
    const objects = remoteRefs
      ? context.secrets
          .filter((s) => remoteRefs.has(s.name))
          .map((s): CsiObject => {
            const ref = remoteRefs.get(s.name)!;
            const objectType = ref.objectType === 'ssmparameter' ? 'ssmparameter' : 'secretsmanager';
            return { env: s.name, secretPath: ref.key, secretKey: ref.property ?? '', objectType, required: s.status === 'required' };
          })
          .sort((a, b) => compareStrings(a.env, b.env))
      : objectsOf(context, (key) => key.replace(/^\/+|\/+$/g, ''));
    return {
      ...common,
      provider: 'aws',
      objects,
      aws: { region: aws.region ?? context.clouds.awsRegion, identity: aws.identity ?? 'irsa', roleArn: aws.roleArn, generated },
    };
  }
  const vault = config.vault ?? { address: '' };
  const mount = vault.mount ?? 'secret';
  const kvVersion = vault.kvVersion ?? 2;
  return {
    ...common,
    provider: 'vault',
    objects: objectsOf(context, (key) => kvApiPath(mount, key, kvVersion)),
    vault: {
      address: vault.address,
      kvVersion,
      role: vault.role ?? `${context.appName}-${context.environment}`,
      policyName: vault.policyName ?? `${context.appName}-${context.environment}-read`,
      authMount: vault.authMount ?? 'kubernetes',
      vaultNamespace: vault.vaultNamespace,
      caCertPath: vault.caCertPath,
      tlsServerName: vault.tlsServerName,
      tokenTtl: vault.tokenTtl ?? '1h',
      audience: VAULT_AUDIENCE,
    },
  };
}

function objectsOf(context: CsiPlanContext, pathOf: (remoteKey: string) => string): CsiObject[] {
  return context.secrets
    .map((s) => ({ env: s.name, secretPath: pathOf(s.remote.key), secretKey: s.remote.property, required: s.status === 'required' }))
    .sort((a, b) => compareStrings(a.env, b.env));
}

/** The secrets the objects read, sorted and distinct: the Vault API paths the policy grants `read` on, the AWS secrets. */
export function vaultPaths(delivery: CsiDeliveryPlan): string[] {
  return [...new Set(delivery.objects.map((o) => o.secretPath))].sort(compareStrings);
}
