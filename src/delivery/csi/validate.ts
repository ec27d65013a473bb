import type { AragoraSecretsConfig, EnvironmentConfig } from '../../config-kit/schema';
import type { AddProblem } from '../method';
import type { CsiDeliveryConfig } from './schema';
import { VAULT_PATH } from '../../config-kit/fields';
import { showable, shown } from '../../config-kit/shown';
import { defaultProperty } from '../../plan/plan';
import { evaluateRequirement } from '../../config-kit/requirements';
import { assignStores, IAM_ROLE_NAME_MAX, POD_READER_ROLE_PURPOSE, roleName } from '../../cloud/aws/plan';
import { serviceAccountEmail } from '../../cloud/gcp/plan';
import { OIDC_PROVIDER_ARN } from '../../cloud/aws/schema';
import { claimVaultRole } from '../../artifacts/vault-policy';

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

/**
 * The AWS provider reads as the pods' ServiceAccount: an IAM role made elsewhere (IRSA `roleArn`), or the role the
 * environment's AWS stack makes (IRSA through `oidcProvider`, or EKS Pod Identity with `clusterName`), which reads
 * exactly the stack's secrets, so every secret the pods mount must be one of them.
 */
function awsIdentityProblems(config: AragoraSecretsConfig, envName: string, options: CsiDeliveryConfig, add: AddProblem): void {
  const env = config.environments[envName];
  const at = ['environments', envName, 'delivery', 'aws'];
  const aws = options.aws ?? {};
  const stack = env.aws;
  const identity = aws.identity ?? 'irsa';
  const stackBlock = `environments.${envName}.aws`;
  if (identity === 'irsa') {
    if (aws.clusterName) add([...at, 'clusterName'], 'clusterName names the cluster of an EKS Pod Identity association; with IRSA it does nothing', 'remove it, or write identity: podIdentity');
    if (aws.roleArn && aws.oidcProvider) {
      add([...at, 'oidcProvider'], "roleArn names a role made elsewhere and oidcProvider asks the environment's AWS stack to make one: the ServiceAccount assumes one role", 'keep one of them');
    } else if (!aws.roleArn && !aws.oidcProvider) {
      add(
        at,
        "with IRSA the pods' ServiceAccount must carry an IAM role: the provider reads nothing without it",
        stack
          ? "write oidcProvider: <the cluster's IAM OIDC provider ARN> (the environment's AWS stack makes the role, reading exactly its secrets), or roleArn: <a role made elsewhere>"
          : 'write roleArn: arn:aws:iam::123456789012:role/<role> (a role made elsewhere), or add the aws block of the environment and oidcProvider so that its stack makes it',
      );
    } else if (aws.oidcProvider && !stack) {
      add([...at, 'oidcProvider'], `the role is made by the environment's AWS stack, and ${stackBlock} is missing`, `add ${stackBlock} (account, region, secretsManager: {}), or give roleArn of a role made elsewhere`);
    }
  } else {
    if (aws.roleArn) add([...at, 'roleArn'], 'with EKS Pod Identity the role comes from the association, not from the ServiceAccount', 'remove roleArn (or write identity: irsa)');
    if (aws.oidcProvider) add([...at, 'oidcProvider'], 'with EKS Pod Identity no OIDC provider is involved', 'remove oidcProvider (or write identity: irsa)');
    if (aws.clusterName && !stack) {
      add([...at, 'clusterName'], `the role and the association are made by the environment's AWS stack, and ${stackBlock} is missing`, `add ${stackBlock}, or remove clusterName and make the association elsewhere`);
    } else if (!aws.clusterName && stack) {
      add(at, `the environment's AWS stack keeps the secrets: it makes the pods' role and their EKS Pod Identity association once it knows the cluster`, 'write clusterName: <the EKS cluster>');
    }
  }
  const generated = stack && (identity === 'irsa' ? aws.oidcProvider && !aws.roleArn : aws.clusterName);
  if (!generated) return;
  if (aws.region && aws.region !== stack.region) {
    add([...at, 'region'], `the environment's AWS stack keeps the secrets in ${stack.region}`, 'remove region (it defaults to the stack\'s)');
  }
  const provider = aws.oidcProvider ? OIDC_PROVIDER_ARN.exec(aws.oidcProvider) : null;
  if (identity === 'irsa' && provider && provider[2] !== stack.account) {
    add([...at, 'oidcProvider'], `the OIDC provider is in account ${provider[2]}, the stack's role in ${stack.account}`, "a role trusts identity providers of its own account: create the cluster's OIDC provider in this account");
  }
  const name = roleName(`${config.app.name}-${envName}`, POD_READER_ROLE_PURPOSE);
  if (name.length > IAM_ROLE_NAME_MAX) add(at, `the IAM role name "${name}" is longer than ${IAM_ROLE_NAME_MAX} characters`, 'shorten app.name or the environment name');
  if (identity === 'irsa' && stack.appCustody?.oidcProvider) {
    add(
      [...at, 'oidcProvider'],
      `the application's ServiceAccount already assumes the role of ${stackBlock}.appCustody (the application reads Secrets Manager itself): it cannot carry a second role for the CSI provider`,
      'use one path: remove appCustody.oidcProvider, or deliver with another method',
    );
  }
  const features = { ...config.features, ...env.features };
  const delivered = Object.keys(config.secrets)
    .sort()
    .filter((secret) => evaluateRequirement(config.secrets[secret].required, { environment: envName, tier: env.tier, features }).status !== 'excluded');
  const stores = assignStores(stack, delivered);
  for (const secret of delivered.filter((s) => !stores.has(s))) {
    add(['environments', envName, 'aws'], `${secret} is mounted by the AWS CSI provider, but the environment's AWS stack keeps it in no store: its role could not read it`, `list ${secret} under secretsManager.secrets or parameterStore.secrets`);
  }
}

/**
 * The Google provider reads as the Google service account the pods' ServiceAccount acts as. With the environment's
 * `gcp:` block, that is its runtime service account (the only reader of its secrets), bound to the pods there.
 */
function gcpIdentityProblems(config: AragoraSecretsConfig, envName: string, options: CsiDeliveryConfig, add: AddProblem): void {
  const env = config.environments[envName];
  const at = ['environments', envName, 'delivery', 'gcp'];
  const gcp = options.gcp ?? {};
  const own = env.gcp;
  if (!own) {
    if (!gcp.project || !gcp.serviceAccount) {
      add(
        options.gcp ? at : ['environments', envName, 'delivery'],
        "provider gcp needs the project and the Google service account, from the options or from the environment's gcp block",
        `write gcp: { project: aragora-prod, serviceAccount: aragora-secrets@aragora-prod.iam.gserviceaccount.com }, or add environments.${envName}.gcp (its setup binds the pods)`,
      );
    }
    if (gcp.clusterProject) add([...at, 'clusterProject'], `the Workload Identity binding is made with the environment's gcp block, and environments.${envName}.gcp is missing`, 'remove clusterProject, or add the gcp block');
    return;
  }
  if (gcp.project && gcp.project !== own.project) {
    add([...at, 'project'], `the environment's secrets are in project ${shown(own.project)} (environments.${envName}.gcp.project)`, 'remove project (it defaults to the environment\'s)');
  }
  const runtime = serviceAccountEmail(own.serviceAccount, own.project);
  if (gcp.serviceAccount && gcp.serviceAccount !== runtime) {
    add([...at, 'serviceAccount'], `only ${shown(runtime)} (environments.${envName}.gcp.serviceAccount) may read the environment's secrets`, 'remove serviceAccount (it defaults to that one)');
  }
  for (const key of ['secretPrefix', 'version'] as const) {
    if (gcp[key] !== undefined) add([...at, key], `environments.${envName}.gcp names the secrets and their versions`, `remove ${key} (set it in environments.${envName}.gcp)`);
  }
}

/** Cross-field rules of the Secrets Store CSI delivery: the provider's block, the sync and what reads it. */
export function csiProblems(config: AragoraSecretsConfig, add: AddProblem): void {
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
    if (options.provider === 'gcp') gcpIdentityProblems(config, envName, options, add);
    if (options.provider === 'aws') awsIdentityProblems(config, envName, options, add);
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
      const claim = { address: vault.address, vaultNamespace: vault.vaultNamespace, authPath: vault.authMount ?? 'kubernetes', role: vault.role ?? `${config.app.name}-${envName}` };
      claimVaultRole(claim, envName, [...at, 'vault', 'role'], add, `${config.app.name}-${envName}`);
    }
  }
}
