import type { VaultOperatorDeliveryConfig } from './schema';
import type { RequirementStatus } from '../../config-kit/requirements';
import { kvApiPath } from '../../artifacts/vault-policy';
import { compareStrings } from '../../core/sort';
import { deriveName } from '../../core/names';

export const DEFAULT_KV_MOUNT = 'secret';
export const DEFAULT_AUTH_MOUNT = 'kubernetes';
export const DEFAULT_REFRESH_AFTER = '1h';
/** The shortest refresh the config accepts while the operator restarts the Deployment on a change. */
export const MIN_REFRESH_WITH_RESTART_SECONDS = 60;
/**
 * The audience of the ServiceAccount token the operator requests for the login, which the Vault role
 * requires: a token made for Vault alone, refused by the API server, and the API server's own tokens
 * refused by Vault.
 */
export const VAULT_AUDIENCE = 'vault';
/** The key of the CA certificate in `tls.caSecret`, where the VaultConnection reads it. */
export const CA_CERT_KEY = 'ca.crt';

/** One catalog variable: a key of the destination Secret, rendered from one field of the KV secret. */
export interface OperatorField {
  /** Environment variable name: the key in the destination Secret. */
  readonly env: string;
  /** Field of the KV secret (the catalog's `remote.property`). */
  readonly field: string;
  /** A required field missing from Vault fails the sync instead of writing an empty value. */
  readonly required: boolean;
}

export interface VaultOperatorDeliveryPlan {
  readonly method: 'vault-operator';
  /** The VaultConnection, VaultAuth and VaultStaticSecret of the environment, by name. */
  readonly connectionName: string;
  readonly authName: string;
  readonly staticSecretName: string;
  readonly address: string;
  readonly tls: { readonly caSecret?: string; readonly serverName?: string };
  readonly mount: string;
  readonly kvVersion: 1 | 2;
  /** Path of the KV secret inside `mount` (as `vault kv get` names it). */
  readonly path: string;
  /** The API path the policy grants `read` on (KV v2: `<mount>/data/<path>`). */
  readonly apiPath: string;
  /** Sorted by environment variable name. */
  readonly fields: readonly OperatorField[];
  readonly role: string;
  readonly policyName: string;
  readonly authMount: string;
  readonly vaultNamespace?: string;
  readonly tokenTtl: string;
  readonly audience: string;
  /** The ServiceAccount whose token the operator presents; `dedicated` when the chart makes it. */
  readonly serviceAccount: { readonly name: string; readonly dedicated: boolean };
  readonly refreshAfter: string;
  readonly hmacSecretData: boolean;
  readonly overwrite: boolean;
  /** The Deployment the operator restarts on a change; absent when restarts are left to Reloader. */
  readonly restartTarget?: string;
}

export interface VaultOperatorPlanContext {
  readonly appName: string;
  readonly environment: string;
  readonly secretName: string;
  readonly workloadName: string;
  readonly workloadServiceAccount: string;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly { readonly name: string; readonly status: RequirementStatus; readonly remote: { readonly key: string; readonly property: string } }[];
}

/**
 * Resolves the operator's options: one KV secret per environment (`path`, else the catalog's one
 * remote key; validation refuses several), each catalog variable a key of the destination Secret.
 */
export function resolveVaultOperatorDelivery(config: VaultOperatorDeliveryConfig, context: VaultOperatorPlanContext): VaultOperatorDeliveryPlan {
  const kvVersion = config.kvVersion ?? 2;
  const mount = config.mount ?? DEFAULT_KV_MOUNT;
  const path = config.path ?? catalogPath(context.secrets) ?? `${context.appName}/api-keys`;
  const dedicated = (config.serviceAccount ?? 'dedicated') === 'dedicated';
  return {
    method: 'vault-operator',
    connectionName: deriveName(context.appName, 'vault'),
    authName: deriveName(context.appName, 'vault'),
    staticSecretName: context.secretName,
    address: config.address,
    tls: { caSecret: config.tls?.caSecret, serverName: config.tls?.serverName },
    mount,
    kvVersion,
    path,
    apiPath: kvApiPath(mount, path, kvVersion),
    fields: context.secrets
      .map((s) => ({ env: s.name, field: s.remote.property, required: s.status === 'required' }))
      .sort((a, b) => compareStrings(a.env, b.env)),
    // Vault names are not Kubernetes names: no DNS-1123 length limit applies to them.
    role: config.role ?? `${context.appName}-${context.environment}`,
    policyName: config.policyName ?? `${context.appName}-${context.environment}-read`,
    authMount: config.authMount ?? DEFAULT_AUTH_MOUNT,
    vaultNamespace: config.vaultNamespace,
    tokenTtl: config.tokenTtl ?? '1h',
    audience: VAULT_AUDIENCE,
    serviceAccount: dedicated ? { name: deriveName(context.appName, 'vault-auth'), dedicated: true } : { name: context.workloadServiceAccount, dedicated: false },
    refreshAfter: config.refreshAfter ?? DEFAULT_REFRESH_AFTER,
    hmacSecretData: config.hmacSecretData ?? true,
    overwrite: config.overwrite ?? false,
    restartTarget: config.rolloutRestart === false ? undefined : context.workloadName,
  };
}

/** The one remote key of the catalog's secrets, trimmed of slashes; undefined when there is none. */
export function catalogPath(secrets: readonly { readonly remote: { readonly key: string } }[]): string | undefined {
  const keys = [...new Set(secrets.map((s) => s.remote.key.replace(/^\/+|\/+$/g, '')))].sort();
  return keys[0];
}

/** `90s`, `20m`, `1h` → seconds (the config's durations). */
export function durationSeconds(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}
