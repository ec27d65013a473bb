import type { CsiDeliveryConfig } from './schema';
import type { RequirementStatus } from '../../config-kit/requirements';
import { kvApiPath } from '../../artifacts/vault-policy';
import { compareStrings } from '../../core/sort';

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
  /** Vault: the API path of the KV secret (KV v2: `<mount>/data/<key>`); AWS: the Secrets Manager secret's name. */
  readonly secretPath: string;
  /** The field of the secret (the catalog's `remote.property`): a KV field, a JSON key. */
  readonly secretKey: string;
  readonly required: boolean;
}

export interface CsiVaultPlan {
  readonly address: string;
  readonly role: string;
  readonly policyName: string;
  readonly authMount: string;
  readonly vaultNamespace?: string;
  readonly caCertPath?: string;
  readonly tlsServerName?: string;
  readonly tokenTtl: string;
  readonly audience: string;
}

export interface CsiAwsPlan {
  readonly region?: string;
  readonly identity: 'irsa' | 'podIdentity';
  readonly roleArn?: string;
}

export interface CsiGcpPlan {
  readonly project: string;
  readonly serviceAccount: string;
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
}

/** Resolves the CSI options: one object per catalog variable, from the KV secret its remote key names. */
export function resolveCsiDelivery(config: CsiDeliveryConfig, context: CsiPlanContext): CsiDeliveryPlan {
  const common = {
    method: 'csi' as const,
    className: context.secretName,
    syncedSecret: config.sync === false ? undefined : context.secretName,
    mountPath: config.mountPath ?? DEFAULT_MOUNT_PATH,
  };
  if (config.provider === 'gcp') {
    const gcp = config.gcp ?? { project: '', serviceAccount: '' };
    const version = gcp.version ?? 'latest';
    // One secret per variable, named as the Google Cloud side of aragora-secrets names them (`anthropic-api-key`).
    return {
      ...common,
      provider: 'gcp',
      objects: context.secrets
        .map((s) => ({
          env: s.name,
          secretPath: `projects/${gcp.project}/secrets/${gcp.secretPrefix ?? ''}${s.name.toLowerCase().replace(/_/g, '-')}/versions/${version}`,
          secretKey: '',
          required: s.status === 'required',
        }))
        .sort((a, b) => compareStrings(a.env, b.env)),
      gcp: { project: gcp.project, serviceAccount: gcp.serviceAccount },
    };
  }
  if (config.provider === 'aws') {
    const aws = config.aws ?? {};
    return {
      ...common,
      provider: 'aws',
      objects: objectsOf(context, (key) => key.replace(/^\/+|\/+$/g, '')),
      aws: { region: aws.region, identity: aws.identity ?? 'irsa', roleArn: aws.roleArn },
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
