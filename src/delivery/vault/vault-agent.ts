import { VAULT_TOKEN_PATH, VAULT_TOKEN_VOLUME, type VaultDeliveryPlan } from './plan';
import { renderEnvTemplate } from './env-template';

/** The prefix of every annotation the Vault Agent injector (hashicorp/vault-k8s) reads. */
export const VAULT_ANNOTATION_PREFIX = 'vault.hashicorp.com/';

/**
 * The pod-template annotations that make the Vault Agent injector add its agent to the pod: log
 * in with the pod's ServiceAccount token under `role`, read the KV secrets and render the
 * environment file into `/vault/secrets/<file>`.
 *
 * Only annotations the injector defines are written (a test checks them against its list), and
 * only for options the config sets, so the injector's own defaults apply otherwise.
 *
 * @see https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
 */
export function vaultAgentAnnotations(delivery: VaultDeliveryPlan, containerName: string): Record<string, string> {
  const a = (name: string) => VAULT_ANNOTATION_PREFIX + name;
  const { file } = delivery;
  // The `agent-inject-secret-` annotation names one path; the template reads every source.
  const firstPath = delivery.sources[0]?.path ?? '';
  const out: Record<string, string> = {
    [a('agent-inject')]: 'true',
    [a('role')]: delivery.role,
    [a(`agent-inject-secret-${file}`)]: firstPath,
    [a(`agent-inject-template-${file}`)]: renderEnvTemplate(delivery),
    // A missing required field fails the render instead of writing "<no value>".
    [a(`error-on-missing-key-${file}`)]: 'true',
    // Only the application container gets the secrets volume.
    [a('agent-inject-containers')]: containerName,
    // The agent logs in with the pod's Vault-only token (audience `vault`), which the role requires.
    [a('agent-service-account-token-volume-name')]: VAULT_TOKEN_VOLUME,
  };
  if (delivery.authPathConfigured) out[a('auth-path')] = delivery.authPath;
  if (delivery.vaultNamespace) out[a('namespace')] = delivery.vaultNamespace;
  if (delivery.server.address) out[a('service')] = delivery.server.address;
  if (delivery.prePopulateOnly) out[a('agent-pre-populate-only')] = 'true';
  if (delivery.renderInterval) out[a('template-static-secret-render-interval')] = delivery.renderInterval;
  if (delivery.tls.secret) out[a('tls-secret')] = delivery.tls.secret;
  if (delivery.tls.caCert) out[a('ca-cert')] = delivery.tls.caCert;
  if (delivery.tls.serverName) out[a('tls-server-name')] = delivery.tls.serverName;
  const resources = delivery.agentResources;
  if (resources?.requests?.cpu) out[a('agent-requests-cpu')] = resources.requests.cpu;
  if (resources?.requests?.memory) out[a('agent-requests-mem')] = resources.requests.memory;
  if (resources?.limits?.cpu) out[a('agent-limits-cpu')] = resources.limits.cpu;
  if (resources?.limits?.memory) out[a('agent-limits-mem')] = resources.limits.memory;
  return sortKeys(out);
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
