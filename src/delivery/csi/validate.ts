import type { AragoraSecretsConfig, EnvironmentConfig } from '../../config-kit/schema';
import type { AddProblem } from '../method';
import type { CsiDeliveryConfig } from './schema';
import { VAULT_PATH } from '../../config-kit/fields';
import { showable, shown } from '../../config-kit/shown';
import { defaultProperty } from '../../plan/plan';

/** What Secrets Manager accepts in a secret's name. */
const AWS_SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** KV field names the provider's `secretKey` takes as they are. */
const CSI_FIELD = /^[A-Za-z0-9_.-]+$/;

function csiOptions(env: EnvironmentConfig): CsiDeliveryConfig | 'short' | undefined {
  const delivery = env.delivery;
  if (delivery === 'csi') return 'short';
  if (typeof delivery === 'object' && delivery.method === 'csi') return delivery;
  return undefined;
}

/** Cross-field rules of the Secrets Store CSI delivery: the provider's block, the sync and what reads it. */
export function csiProblems(config: AragoraSecretsConfig, add: AddProblem): void {
  const roles = new Map<string, string>();
  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const options = csiOptions(env);
    if (!options) continue;
    const at = ['environments', envName, 'delivery'];
    if (options === 'short') {
      add(at, 'csi needs a provider and its options', 'write delivery: { method: csi, provider: vault, vault: { address: https://vault.vault.svc:8200 } }');
      continue;
    }
    const vault = options.vault;
    if (options.provider === 'vault' && !vault) {
      add([...at, 'vault'], 'provider vault needs the vault block (at least its address)', 'write vault: { address: https://vault.vault.svc:8200 }');
      continue;
    }
    for (const other of (['vault', 'aws', 'gcp'] as const).filter((p) => p !== options.provider)) {
      if (options[other] !== undefined) add([...at, other], `the ${other} block does nothing with provider ${options.provider}`, `remove it, or write provider: ${other}`);
    }
    if (options.provider === 'gcp' && !options.gcp) {
      add([...at, 'gcp'], 'provider gcp needs the gcp block (the project and the Google service account)', 'write gcp: { project: aragora-prod, serviceAccount: aragora-secrets@aragora-prod.iam.gserviceaccount.com }');
      continue;
    }
    if (options.provider === 'aws') {
      const aws = options.aws ?? {};
      if ((aws.identity ?? 'irsa') === 'irsa' && !aws.roleArn) {
        add([...at, 'aws', 'roleArn'], "with IRSA the pods' ServiceAccount must carry the IAM role it assumes: the provider reads nothing without it", 'write aws: { roleArn: arn:aws:iam::123456789012:role/<role> }, or aws: { identity: podIdentity } with an EKS Pod Identity association');
      }
      if (aws.identity === 'podIdentity' && aws.roleArn) {
        add([...at, 'aws', 'roleArn'], 'with EKS Pod Identity the role comes from the association, not from the ServiceAccount', 'remove roleArn (or write identity: irsa)');
      }
    }
    if (vault?.skipVerify) {
      add([...at, 'vault', 'skipVerify'], "skipping TLS verification is refused: the provider would send the pod's token to whoever answers and mount what it returns", "remove it and give Vault's CA (vault.caCertPath, in the provider's container)");
    }
    if (vault && env.tier === 'production' && vault.address.startsWith('http:')) {
      add([...at, 'vault', 'address'], "plain HTTP to Vault in a production environment: the pod's token and the secrets would cross the network unencrypted", 'use https://');
    }

    const sync = options.sync !== false;
    const reloader = env.rotation?.reloader;
    if (!sync && reloader !== undefined && reloader !== 'none') {
      add(
        ['environments', envName, 'rotation', 'reloader'],
        `Reloader (${reloader}) restarts pods when a Kubernetes Secret changes; without sync the values are files in the volume and no Secret exists`,
        'remove it (the driver rewrites the files when it rotates them: the application must read them again), or write delivery.sync: true',
      );
    }
    if (!sync && env.workload?.injection !== undefined) {
      add(['environments', envName, 'workload', 'injection'], '"injection" chooses how a Kubernetes Secret is read; without sync there is none', `remove it: the application reads the files under ${options.mountPath ?? '/mnt/secrets-store'}`);
    }
    if (env.workload?.readsSecretsThroughApi) {
      add(['environments', envName, 'workload', 'readsSecretsThroughApi'], 'the CSI driver writes the synced Secret only while a pod mounts the volume: an application that reads it through the API races its own mount', 'remove it: read the files, or the env the kubelet sets');
    }

    for (const [name, secret] of Object.entries(config.secrets)) {
      const key = (secret.remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`).replace(/^\/+|\/+$/g, '');
      if (options.provider === 'gcp') {
        // The secret IDs come from the variable names, which the catalog already restricts.
      } else if (options.provider === 'aws') {
        if (!AWS_SECRET_NAME.test(key)) {
          add(
            secret.remote?.key !== undefined ? ['secrets', name, 'remote', 'key'] : config.remoteKey !== undefined ? ['remoteKey'] : at,
            `${shown(key)} cannot be a Secrets Manager secret name (environment ${envName} reads it with the AWS CSI provider)`,
            'use letters, digits and /_+=.@-',
          );
        }
      } else if (!VAULT_PATH.test(key)) {
        add(
          secret.remote?.key !== undefined ? ['secrets', name, 'remote', 'key'] : config.remoteKey !== undefined ? ['remoteKey'] : at,
          `${shown(key)} cannot be a Vault path (environment ${envName} reads it with the Vault CSI provider)`,
          'use letters, digits, "-", "_" and "." separated by "/"',
        );
      }
      const field = secret.remote?.property ?? defaultProperty(name);
      if (options.provider !== 'gcp' && !CSI_FIELD.test(field)) {
        add(
          ['secrets', name, 'remote', 'property'],
          `${shown(field)} cannot be a field the Vault CSI provider reads for environment ${envName}: only letters, digits, "-", "_" and "." are allowed`,
          showable(field) ? `for example "${field.replace(/[^A-Za-z0-9_.-]+/g, '_')}"` : 'for example "anthropic"',
        );
      }
    }

    if (vault) {
      const role = vault.role ?? `${config.app.name}-${envName}`;
      const identity = JSON.stringify([vault.address, vault.vaultNamespace ?? '', vault.authMount ?? 'kubernetes', role]);
      const other = roles.get(identity);
      if (other) {
        add([...at, 'vault', 'role'], `Vault role ${shown(role)} is also the role of environment "${other}" on the same Vault and auth mount: the second setup would rebind it to this namespace`, `give each environment its own role, e.g. role: ${config.app.name}-${envName}`);
      } else {
        roles.set(identity, envName);
      }
    }
  }
}
