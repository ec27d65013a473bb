import type { VaultDeliveryConfig } from './schema';
import type { RequirementStatus } from '../../config-kit/requirements';
import { kvApiPath } from '../../artifacts/vault-policy';
import { pushTo } from '../../core/collections';

/** Where the injected agent writes the rendered files (the injector's default secret volume). */
export const VAULT_SECRETS_DIR = '/vault/secrets';
export const DEFAULT_VAULT_PORT = 8200;
export const DEFAULT_VAULT_AUTH_PATH = 'auth/kubernetes';
/**
 * The audience of the ServiceAccount token the agent logs in with: a token of its own, projected
 * into the pod for Vault only, which the role's `audience` requires. The API server's own tokens
 * (audience `https://kubernetes.default.svc...`, differing by cluster) are then refused by Vault,
 * and a token stolen from Vault's side is refused by the API server.
 */
export const VAULT_TOKEN_AUDIENCE = 'vault';
/** The projected volume holding that token (`vault.hashicorp.com/agent-service-account-token-volume-name`). */
export const VAULT_TOKEN_VOLUME = 'vault-token';
/** The file of the token in that volume. */
export const VAULT_TOKEN_PATH = 'token';
const DEFAULT_TOKEN_MAX_TTL = '24h';
/** One field of a KV secret, exported as one environment variable. */
export interface VaultField {
  /** Environment variable name. */
  readonly env: string;
  /** Key inside the KV secret (the catalog's `remote.property`). */
  readonly field: string;
  /** Only required secrets fail the render when missing; the others are exported when present. */
  readonly required: boolean;
}

/** One KV secret read by the template, with the fields taken from it. */
export interface VaultSource {
  /** API path, as the agent and the policy name it (KV v2: `<mount>/data/<key>`). */
  readonly path: string;
  /** Sorted by environment variable name. */
  readonly fields: readonly VaultField[];
}

export interface VaultServerPlan {
  /** `vault.hashicorp.com/service`; absent: the injector's default address. */
  readonly address?: string;
  /** How the egress NetworkPolicy reaches it; absent when no policy is generated and none was given. */
  readonly peer?:
    | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
    | { readonly kind: 'cidr'; readonly cidr: string };
  readonly port: number;
}

export interface VaultDeliveryPlan {
  readonly method: 'vault';
  readonly role: string;
  readonly policyName: string;
  readonly kvVersion: 1 | 2;
  /** File name under `/vault/secrets` (and the suffix of the injector's annotations). */
  readonly file: string;
  /** `/vault/secrets/<file>`: what the container sources before starting the application. */
  readonly filePath: string;
  /** Sorted by path. */
  readonly sources: readonly VaultSource[];
  readonly authPath: string;
  /** Whether `authPath` was configured (the annotation is only written then). */
  readonly authPathConfigured: boolean;
  readonly vaultNamespace?: string;
  readonly prePopulateOnly: boolean;
  readonly renderInterval?: string;
  readonly tokenTtl: string;
  /** The role's `token_max_ttl`: renewals end there and the agent logs in again with a fresh ServiceAccount token. */
  readonly tokenMaxTtl: string;
  /** The `aud` of the projected ServiceAccount token the pod presents, and the role's `audience`. */
  readonly audience: string;
  readonly server: VaultServerPlan;
  readonly tls: { readonly secret?: string; readonly caCert?: string; readonly serverName?: string };
  readonly agentResources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
}

export interface VaultPlanContext {
  readonly appName: string;
  readonly environment: string;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly { readonly name: string; readonly status: RequirementStatus; readonly remote: { readonly key: string; readonly property: string } }[];
}

/**
 * Resolves the Vault Agent options: one path for every field when `path` is set (the seed's
 * `secret/data/aragora/env`), otherwise one KV secret per distinct `remote.key` of the catalog
 * under `mount`, so the agent reads the same keys as an External Secrets store would.
 */
export function resolveVaultDelivery(config: VaultDeliveryConfig, context: VaultPlanContext): VaultDeliveryPlan {
  const kvVersion = config.kvVersion ?? 2;
  const mount = config.mount ?? 'secret';
  const file = config.file ?? 'env';
  const tokenTtl = config.tokenTtl ?? '1h';
  const byPath = new Map<string, VaultField[]>();
  for (const secret of context.secrets) {
    const path = config.path ?? kvApiPath(mount, secret.remote.key, kvVersion);
    const field: VaultField = { env: secret.name, field: secret.remote.property, required: secret.status === 'required' };
    pushTo(byPath, path, field);
  }
  const sources = [...byPath.keys()]
    .sort()
    .map((path) => ({ path, fields: [...byPath.get(path)!].sort((a, b) => (a.env < b.env ? -1 : a.env > b.env ? 1 : 0)) }));

  const server = config.server ?? {};
  const peer: VaultServerPlan['peer'] = server.cidr
    ? { kind: 'cidr', cidr: server.cidr }
    : server.namespace
      ? { kind: 'pods', namespace: server.namespace, podLabels: sorted(server.podLabels ?? {}) }
      : undefined;

  return {
    method: 'vault',
    // Vault names are not Kubernetes names: no DNS-1123 length limit applies to them.
    role: config.role ?? `${context.appName}-${context.environment}`,
    policyName: config.policyName ?? `${context.appName}-${context.environment}-read`,
    kvVersion,
    file,
    filePath: `${VAULT_SECRETS_DIR}/${file}`,
    sources,
    authPath: config.authPath ?? DEFAULT_VAULT_AUTH_PATH,
    authPathConfigured: config.authPath !== undefined,
    vaultNamespace: config.vaultNamespace,
    prePopulateOnly: config.prePopulateOnly ?? false,
    renderInterval: config.renderInterval,
    tokenTtl,
    tokenMaxTtl: config.tokenMaxTtl ?? (durationSeconds(tokenTtl) > durationSeconds(DEFAULT_TOKEN_MAX_TTL) ? tokenTtl : DEFAULT_TOKEN_MAX_TTL),
    audience: VAULT_TOKEN_AUDIENCE,
    server: { address: server.address, peer, port: server.port ?? DEFAULT_VAULT_PORT },
    tls: { secret: config.tls?.secret, caCert: config.tls?.caCert, serverName: config.tls?.serverName },
    agentResources: config.agentResources,
  };
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}

/** `90s`, `20m`, `1h` → seconds (the config's durations). */
export function durationSeconds(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

