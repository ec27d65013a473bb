import { VAULT_TOKEN_PATH, VAULT_TOKEN_VOLUME, type VaultDeliveryPlan, type VaultSource } from './plan';
import { renderEnvTemplate } from './env-template';

/** The prefix of every annotation the Vault Agent injector (hashicorp/vault-k8s) reads. */
export const VAULT_ANNOTATION_PREFIX = 'vault.hashicorp.com/';

/** What the Vault Agent injector needs to render the secrets into a pod. */
export interface VaultInjectorOptions {
  /** The Vault role the agent logs in as (Kubernetes auth, the pod's ServiceAccount token). */
  readonly role: string;
  /** The container that gets the secrets volume (`agent-inject-containers`). */
  readonly containerName: string;
  /** The KV secrets to read, each with the fields it exports (the first one names `agent-inject-secret-<file>`). */
  readonly sources: readonly VaultSource[];
  /** @default 2 */
  readonly kvVersion?: 1 | 2;
  /** File name under `/vault/secrets`. @default 'env' */
  readonly file?: string;
  /** The Kubernetes auth mount. @default - not written: the injector's default, `auth/kubernetes` */
  readonly authPath?: string;
  /** @default - not written: Vault's root namespace */
  readonly vaultNamespace?: string;
  /** `vault.hashicorp.com/service`. @default - not written: the injector's configured address */
  readonly serviceAddress?: string;
  /** Render once in an init container, no sidecar (Jobs, or values that never rotate). @default false */
  readonly prePopulateOnly?: boolean;
  /** How often the sidecar renders static secrets again (a Go duration). @default - not written: the injector's default */
  readonly renderInterval?: string;
  /** @default - not written: the injector's defaults */
  readonly tls?: { readonly secret?: string; readonly caCert?: string; readonly serverName?: string };
  /** @default - not written: the injector's defaults */
  readonly agentResources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
}

/**
 * The pod-template annotations that make the Vault Agent injector add its agent to the pod: log
 * in with the pod's ServiceAccount token under `role`, read the KV secrets and render the
 * environment file into `/vault/secrets/<file>`.
 *
 * Only annotations the injector defines are written (a test checks them against its list), and
 * only for options that are set, so the injector's own defaults apply otherwise.
 *
 * @see https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
 */
export function vaultInjectorAnnotations(options: VaultInjectorOptions): Record<string, string> {
  const a = (name: string) => VAULT_ANNOTATION_PREFIX + name;
  const file = options.file ?? 'env';
  const out: Record<string, string> = {
    [a('agent-inject')]: 'true',
    [a('role')]: options.role,
    // The `agent-inject-secret-` annotation names one path; the template reads every source.
    [a(`agent-inject-secret-${file}`)]: options.sources[0]?.path ?? '',
    [a(`agent-inject-template-${file}`)]: renderEnvTemplate({ kvVersion: options.kvVersion ?? 2, sources: options.sources }),
    // A missing required field fails the render instead of writing "<no value>".
    [a(`error-on-missing-key-${file}`)]: 'true',
    // Only the application container gets the secrets volume.
    [a('agent-inject-containers')]: options.containerName,
    // The agent logs in with the pod's Vault-only token (audience `vault`), which the role requires.
    [a('agent-service-account-token-volume-name')]: VAULT_TOKEN_VOLUME,
  };
  if (options.authPath) out[a('auth-path')] = options.authPath;
  if (options.vaultNamespace) out[a('namespace')] = options.vaultNamespace;
  if (options.serviceAddress) out[a('service')] = options.serviceAddress;
  if (options.prePopulateOnly) out[a('agent-pre-populate-only')] = 'true';
  if (options.renderInterval) out[a('template-static-secret-render-interval')] = options.renderInterval;
  if (options.tls?.secret) out[a('tls-secret')] = options.tls.secret;
  if (options.tls?.caCert) out[a('ca-cert')] = options.tls.caCert;
  if (options.tls?.serverName) out[a('tls-server-name')] = options.tls.serverName;
  const resources = options.agentResources;
  if (resources?.requests?.cpu) out[a('agent-requests-cpu')] = resources.requests.cpu;
  if (resources?.requests?.memory) out[a('agent-requests-mem')] = resources.requests.memory;
  if (resources?.limits?.cpu) out[a('agent-limits-cpu')] = resources.limits.cpu;
  if (resources?.limits?.memory) out[a('agent-limits-mem')] = resources.limits.memory;
  return sortKeys(out);
}

/** `vaultInjectorAnnotations` for the environment's resolved `vault` delivery. */
export function vaultAgentAnnotations(delivery: VaultDeliveryPlan, containerName: string): Record<string, string> {
  return vaultInjectorAnnotations({
    role: delivery.role,
    containerName,
    sources: delivery.sources,
    kvVersion: delivery.kvVersion,
    file: delivery.file,
    authPath: delivery.authPathConfigured ? delivery.authPath : undefined,
    vaultNamespace: delivery.vaultNamespace,
    serviceAddress: delivery.server.address,
    prePopulateOnly: delivery.prePopulateOnly,
    renderInterval: delivery.renderInterval,
    tls: delivery.tls,
    agentResources: delivery.agentResources,
  });
}

/**
 * The container's command and arguments: a shell sources the rendered file, then replaces
 * itself with the application (`exec`, so it runs as PID 1 and receives SIGTERM). The
 * application's argv is passed as `$0 "$@"` rather than spliced into the script, so no argument
 * is ever re-parsed by the shell.
 */
export function sourceEnvCommand(filePath: string, command: readonly string[]): { command: string[]; args: string[] } {
  return { command: ['/bin/sh', '-c', `. ${filePath} && exec "$0" "$@"`], args: [...command] };
}

/**
 * The projected volume holding the ServiceAccount token the agent presents to Vault, for Vault only
 * (`aud: vault`, rotated by the kubelet). No container of ours mounts it: the injector mounts it into
 * its agent containers, at /var/run/secrets/vault.hashicorp.com/serviceaccount.
 */
export function vaultTokenVolume(delivery: VaultDeliveryPlan): { name: string; projected: { sources: { serviceAccountToken: { audience: string; path: string } }[] } } {
  return { name: VAULT_TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: delivery.audience, path: VAULT_TOKEN_PATH } }] } };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}
