import type { AragoraSecretsConfig, EnvironmentConfig } from '../../config-kit/schema';
import type { VaultDeliveryConfig } from './schema';
import { VAULT_PATH } from '../../config-kit/fields';
import { defaultProperty } from '../../plan/plan';
import { DEFAULT_VAULT_AUTH_PATH, DEFAULT_VAULT_PORT, durationSeconds } from './plan';
import { showable, shown } from '../../config-kit/shown';
import { claimVaultRole } from '../../artifacts/vault-policy';

/** KV field names the template, the policy comments and the setup script can all carry as they are. */
export const VAULT_FIELD = /^[A-Za-z0-9_.-]+$/;

type Add = (segments: PropertyKey[], message: string, fix?: string) => void;

/** The Vault delivery options of an environment, normalized from the short (`vault`) or long form. */
export function vaultOptions(env: EnvironmentConfig): VaultDeliveryConfig | undefined {
  const delivery = env.delivery;
  if (delivery === 'vault') return { method: 'vault' };
  if (typeof delivery === 'object' && delivery.method === 'vault') return delivery;
  return undefined;
}

/**
 * Cross-field rules of Vault Agent delivery: what the schema cannot see and what would otherwise
 * fail in the cluster (an agent the NetworkPolicy blocks, a pod that never sources the file, a
 * role another environment overwrites).
 */
export function vaultProblems(config: AragoraSecretsConfig, add: Add): void {
  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const vault = vaultOptions(env);
    if (!vault) continue;
    const at = ['environments', envName, 'delivery'];
    const server = vault.server ?? {};

    if (env.network?.enabled !== false && !server.namespace && !server.cidr) {
      add(
        typeof env.delivery === 'string' ? at : [...at, 'server'],
        'Vault delivery needs to know where Vault runs: the egress NetworkPolicy would block the agent',
        'write delivery: { method: vault, server: { address: https://vault.vault.svc:8200, namespace: vault, podLabels: { app.kubernetes.io/name: vault } } } (in-cluster), or server: { cidr: 10.1.2.0/24, port: 8200 }',
      );
    }
    if (server.cidr && (server.namespace || server.podLabels)) {
      add([...at, 'server'], 'the Vault server is given both by "cidr" and by "namespace"/"podLabels"', 'keep one: "cidr" for a Vault outside the cluster, "namespace" (and "podLabels") for in-cluster pods');
    } else if (server.podLabels && !server.namespace) {
      add([...at, 'server', 'podLabels'], '"podLabels" without "namespace"', 'add the namespace the Vault pods run in');
    }
    if (server.address) checkAddress(server.address, server.port ?? DEFAULT_VAULT_PORT, server.namespace, env.tier, [...at, 'server', 'address'], add);

    if (env.workload?.readsSecretsThroughApi) {
      add(
        ['environments', envName, 'workload', 'readsSecretsThroughApi'],
        'Vault Agent injection creates no Kubernetes Secret: there is nothing to read through the API, and a Role would grant nothing',
        `remove it: the application reads the values from the file the agent renders (/vault/secrets/${vault.file ?? 'env'})`,
      );
    }
    if (vault.tls?.skipVerify) {
      add(
        [...at, 'tls', 'skipVerify'],
        'skipping TLS verification is refused: the agent would send the pod\'s token to whoever answers and trust the secrets it returns',
        'remove it and give Vault\'s CA: tls.secret (mounted at /vault/tls) with tls.caCert: /vault/tls/ca.crt',
      );
    }
    if (vault.tokenTtl && vault.tokenMaxTtl && durationSeconds(vault.tokenMaxTtl) < durationSeconds(vault.tokenTtl)) {
      add([...at, 'tokenMaxTtl'], `tokenMaxTtl ${vault.tokenMaxTtl} is shorter than tokenTtl ${vault.tokenTtl}: Vault would cut every token short`, `make tokenMaxTtl at least ${vault.tokenTtl}`);
    }
    if (vault.file?.startsWith('file-')) {
      add([...at, 'file'], `${shown(vault.file)} starts with "file-": the injector would read its template annotation (agent-inject-template-file-...) as a template-file annotation`, 'choose another file name, e.g. "env"');
    }

    const kvVersion = vault.kvVersion ?? 2;
    if (vault.path !== undefined) {
      if (kvVersion === 2 && !/^[^/]+(\/[^/]+)*\/data\/[^/]+/.test(vault.path)) {
        const [mount, ...rest] = vault.path.split('/');
        add(
          [...at, 'path'],
          `${shown(vault.path)} is not a KV v2 API path: those carry /data/ after the mount`,
          rest.length > 0 && showable(vault.path) ? `did you mean "${mount}/data/${rest.join('/')}"? (or set kvVersion: 1)` : 'write <mount>/data/<key>, e.g. secret/data/aragora/env',
        );
      }
    } else {
      for (const [name, secret] of Object.entries(config.secrets)) {
        const key = (secret.remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`).replace(/^\/+|\/+$/g, '');
        if (!VAULT_PATH.test(key)) {
          add(
            secret.remote?.key !== undefined ? ['secrets', name, 'remote', 'key'] : config.remoteKey !== undefined ? ['remoteKey'] : [...at],
            `${shown(key)} cannot be a Vault path (environment ${envName} derives its KV paths from the remote keys)`,
            'use letters, digits, "-", "_" and "." separated by "/", or set delivery.path for the environment',
          );
        }
      }
    }
    for (const [name, secret] of Object.entries(config.secrets)) {
      const field = secret.remote?.property ?? defaultProperty(name);
      if (!VAULT_FIELD.test(field)) {
        add(
          ['secrets', name, 'remote', 'property'],
          `${shown(field)} cannot be a Vault field of environment ${envName}'s template: only letters, digits, "-", "_" and "." are allowed`,
          showable(field) ? `for example "${field.replace(/[^A-Za-z0-9_.-]+/g, '_')}"` : 'for example "anthropic"',
        );
      }
    }

    const workload = env.workload ?? {};
    if ((workload.enabled ?? true) && !workload.command) {
      add(
        ['environments', envName, 'workload', 'command'],
        'with Vault delivery the container must source the rendered file before the application starts, and the image\'s entrypoint is unknown here',
        'set workload.command to the program and its arguments (e.g. [aragora, serve]), or workload.enabled: false to wire your own Deployment',
      );
    }
    if (workload.injection !== undefined) {
      if (workload.injection === 'files') {
        add(
          ['environments', envName, 'workload', 'injection'],
          'protected files cannot be made from Vault delivery as generated: the agent writes into /vault/secrets, an emptyDir whose root is 0777 without the sticky bit, so the application refuses that path (ARAGORA_SECRETS_DIR), and the agent runs as another uid (100) than the application',
          'remove `injection: files` (and run this environment non-strict: workload.strictMode), or deliver through a Kubernetes Secret (plain, sealed, external) with `injection: files`, or use aws.appCustody',
        );
      } else {
        add(['environments', envName, 'workload', 'injection'], '"injection" chooses how a Kubernetes Secret is read; Vault delivery has none', 'remove it');
      }
    }
    const reloader = env.rotation?.reloader;
    if (reloader !== undefined && reloader !== 'none') {
      add(
        ['environments', envName, 'rotation', 'reloader'],
        `Reloader (${reloader}) restarts pods when a Kubernetes Secret changes; Vault delivery has none`,
        'remove it (or write none): the agent re-renders the file itself (see delivery.renderInterval)',
      );
    }

    const role = vault.role ?? `${config.app.name}-${envName}`;
    const claim = { address: server.address, vaultNamespace: vault.vaultNamespace, authPath: vault.authPath ?? DEFAULT_VAULT_AUTH_PATH, role };
    claimVaultRole(claim, envName, [...at, 'role'], add, `${config.app.name}-${envName}`);
  }
}

function checkAddress(address: string, port: number, namespace: string | undefined, tier: string, at: PropertyKey[], add: Add): void {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    add(at, `${shown(address)} is not a URL`, 'write e.g. https://vault.vault.svc:8200');
    return;
  }
  const addressPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (addressPort !== port) {
    add(at, `the address uses port ${addressPort}, but the NetworkPolicy opens port ${port} (server.port)`, `set server.port: ${addressPort}, or put :${port} in the address`);
  }
  const svc = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
  if (svc && namespace && svc[1] !== namespace) {
    add(at, `the address is a Service in namespace ${shown(svc[1])}, but the NetworkPolicy allows Vault pods in ${shown(namespace)} (server.namespace)`, `make them the same namespace`);
  }
  if (url.protocol === 'http:' && tier === 'production') {
    add(at, 'plain HTTP to Vault in a production environment: the pod\'s token and the secrets would cross the network unencrypted', 'use https:// and give the CA (tls.caCert)');
  }
}
