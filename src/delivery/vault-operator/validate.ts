import type { AragoraSecretsConfig, EnvironmentConfig } from '../../config-kit/schema';
import type { AddProblem } from '../method';
import type { VaultOperatorDeliveryConfig } from './schema';
import { VAULT_PATH } from '../../config-kit/fields';
import { showable, shown } from '../../config-kit/shown';
import { defaultProperty } from '../../plan/plan';
import { DEFAULT_AUTH_MOUNT, DEFAULT_KV_MOUNT, durationSeconds, MIN_REFRESH_WITH_RESTART_SECONDS } from './plan';
import { claimVaultRole } from '../../artifacts/vault-policy';

/** KV field names a transformation template can name as they are. */
export const OPERATOR_FIELD = /^[A-Za-z0-9_.-]+$/;

/** The operator's options of an environment: the long form, or undefined for the short form (which lacks the address). */
function operatorOptions(env: EnvironmentConfig): VaultOperatorDeliveryConfig | 'short' | undefined {
  const delivery = env.delivery;
  if (delivery === 'vault-operator') return 'short';
  if (typeof delivery === 'object' && delivery.method === 'vault-operator') return delivery;
  return undefined;
}

/**
 * Cross-field rules of the Vault Secrets Operator delivery: what the schema cannot see and what would
 * otherwise fail, or restart the pods without end, in the cluster.
 */
export function vaultOperatorProblems(config: AragoraSecretsConfig, add: AddProblem): void {
  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const options = operatorOptions(env);
    if (!options) continue;
    const at = ['environments', envName, 'delivery'];
    if (options === 'short') {
      add(at, 'vault-operator needs to know where Vault is: the operator connects to it', 'write delivery: { method: vault-operator, address: https://vault.vault.svc:8200 }');
      continue;
    }

    if (options.tls?.skipVerify) {
      add(
        [...at, 'tls', 'skipVerify'],
        "skipping TLS verification is refused: the operator would send the ServiceAccount's token to whoever answers and write what it returns into the Secret",
        "remove it and give Vault's CA: tls.caSecret (a Secret with the key ca.crt in the environment's namespace)",
      );
    }
    checkAddress(options.address, env.tier, [...at, 'address'], add);

    const restarts = options.rolloutRestart !== false;
    const refreshAfter = options.refreshAfter;
    if (restarts && refreshAfter !== undefined && durationSeconds(refreshAfter) < MIN_REFRESH_WITH_RESTART_SECONDS) {
      add(
        [...at, 'refreshAfter'],
        `refreshAfter ${refreshAfter} is shorter than 1m while the operator restarts the Deployment on a change: a value rotated twice in a minute restarts it twice, and every refresh is a request to Vault`,
        'write refreshAfter: 5m or longer (the default is 1h), or rolloutRestart: false and restart by other means',
      );
    }
    if (restarts && options.hmacSecretData === false) {
      add(
        [...at, 'hmacSecretData'],
        'hmacSecretData: false while the operator restarts the Deployment on a change: without the HMAC of the last data it cannot tell an unchanged secret from a new one, and restarts the Deployment at every refresh',
        'remove hmacSecretData (the default is true), or write rolloutRestart: false',
      );
    }
    const reloader = env.rotation?.reloader;
    if (restarts && reloader !== undefined && reloader !== 'none') {
      add(
        ['environments', envName, 'rotation', 'reloader'],
        `Reloader (${reloader}) and the operator's rolloutRestartTargets would both restart the Deployment on each change of the Secret`,
        'keep one: remove rotation.reloader (the operator restarts it), or write delivery.rolloutRestart: false',
      );
    }
    if (env.workload?.injection !== undefined && env.workload.injection !== 'secretKeyRef' && env.workload.injection !== 'envFrom') {
      add(['environments', envName, 'workload', 'injection'], 'the operator writes a Kubernetes Secret: read it with secretKeyRef or envFrom', 'write injection: secretKeyRef');
    }

    const kvVersion = options.kvVersion ?? 2;
    if (options.path !== undefined) {
      checkKvPath(options.path, kvVersion, [...at, 'path'], add, options.mount ?? DEFAULT_KV_MOUNT);
    } else {
      const keys = new Map<string, string>();
      for (const [name, secret] of Object.entries(config.secrets)) {
        const key = (secret.remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`).replace(/^\/+|\/+$/g, '');
        const where = secret.remote?.key !== undefined ? ['secrets', name, 'remote', 'key'] : config.remoteKey !== undefined ? ['remoteKey'] : at;
        if (!VAULT_PATH.test(key)) {
          add(where, `${shown(key)} cannot be a Vault path (environment ${envName} reads the remote key with the Vault Secrets Operator)`, 'use letters, digits, "-", "_" and "." separated by "/", or set delivery.path');
          continue;
        }
        checkKvPath(key, kvVersion, where, add, options.mount ?? DEFAULT_KV_MOUNT);
        if (!keys.has(key)) keys.set(key, name);
      }
      if (keys.size > 1) {
        add(
          [...at, 'path'],
          `environment ${envName} reads one KV secret with the Vault Secrets Operator, but the catalog's secrets name ${keys.size} remote keys (${[...keys.keys()].map((k) => shown(k)).join(', ')})`,
          'set delivery.path to the one KV secret that holds every field, or give every secret the same remote.key',
        );
      }
    }
    for (const [name, secret] of Object.entries(config.secrets)) {
      const field = secret.remote?.property ?? defaultProperty(name);
      if (!OPERATOR_FIELD.test(field)) {
        add(
          ['secrets', name, 'remote', 'property'],
          `${shown(field)} cannot be a field of environment ${envName}'s transformation template: only letters, digits, "-", "_" and "." are allowed`,
          showable(field) ? `for example "${field.replace(/[^A-Za-z0-9_.-]+/g, '_')}"` : 'for example "anthropic"',
        );
      }
    }

    const role = options.role ?? `${config.app.name}-${envName}`;
    const claim = { address: options.address, vaultNamespace: options.vaultNamespace, authPath: options.authMount ?? DEFAULT_AUTH_MOUNT, role };
    claimVaultRole(claim, envName, [...at, 'role'], add, `${config.app.name}-${envName}`);
  }
}

/** KV v2: the operator inserts /data/ after the mount itself, so a path that starts with it reads `<mount>/data/data/...`. */
function checkKvPath(path: string, kvVersion: 1 | 2, at: PropertyKey[], add: AddProblem, mount: string): void {
  if (path.startsWith(`${mount}/data/`)) {
    add(
      at,
      `${shown(path)} is the API path of the secret: the operator takes the mount (${shown(mount)}) and the path inside it apart, and adds /data/ itself`,
      showable(path) ? `write "${path.slice(mount.length + '/data/'.length)}"` : 'write the path inside the mount, without data/',
    );
    return;
  }
  if (kvVersion === 2 && /^data(\/|$)/.test(path)) {
    const rest = path.replace(/^data\/?/, '');
    add(
      at,
      `${shown(path)} starts with data/: the Vault Secrets Operator adds /data/ after the mount of a KV v2 engine itself, so it would read <mount>/data/${shown(path)}`,
      rest && showable(path) ? `did you mean "${rest}"? (the path as \`vault kv get\` names it, without the mount)` : 'write the path as `vault kv get` names it, without the mount and without data/',
    );
  }
}

function checkAddress(address: string, tier: string, at: PropertyKey[], add: AddProblem): void {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    add(at, `${shown(address)} is not a URL`, 'write e.g. https://vault.vault.svc:8200');
    return;
  }
  if (url.protocol === 'http:' && tier === 'production') {
    add(at, "plain HTTP to Vault in a production environment: the operator's token and the secrets would cross the network unencrypted", "use https:// and give Vault's CA (tls.caSecret)");
  }
}
