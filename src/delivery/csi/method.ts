import { AppSecret } from '../../k8s/app-secret';
import type { DeliveryMethod } from '../method';
import { csiDelivery, type CsiDeliveryConfig } from './schema';
import { csiPodCloudReads, resolveCsiDelivery, vaultPaths, type CsiDeliveryPlan } from './plan';
import { serviceAccountEmail } from '../../cloud/gcp/plan';
import { csiProblems } from './validate';
import { CSI_RULES, secretProviderClassProducer } from './checks';
import { addCsiDelivery } from './constructs';
import { csiPodWiring } from './pod-volume';
import { csiHelmValues } from './helm-values';
import { csiPolicyHcl, csiPutValuesScript, csiSetupScript } from './server-files';
import { VAULT_PUT_VALUES_SCRIPT } from '../../artifacts/vault-put-values';

declare module '../../plan/plan' {
  interface DeliveryPlans {
    csi: CsiDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

function storeName(d: CsiDeliveryPlan): string {
  return { aws: 'AWS Secrets Manager', gcp: 'Google Secret Manager', vault: 'Vault' }[d.provider];
}

function providerName(d: CsiDeliveryPlan): string {
  return { aws: 'AWS', gcp: 'Google Cloud', vault: 'Vault' }[d.provider];
}

function awsIdentity(d: CsiDeliveryPlan): string {
  if (d.aws?.generated) return d.aws.generated.principal;
  return d.aws?.identity === 'podIdentity' ? 'the IAM role of its EKS Pod Identity association (made elsewhere)' : `IAM role ${code(d.aws?.roleArn ?? '(not set)')} (IRSA)`;
}

/** Who may read the values in the cloud, and where that is written: by the environment's own cloud side, or elsewhere. */
function cloudGrants(d: CsiDeliveryPlan): string {
  if (d.aws) {
    return d.aws.generated
      ? `that role may read exactly these (secretsmanager:GetSecretValue and DescribeSecret, ssm:GetParameters), written in ${d.aws.generated.writtenIn}`
      : 'that role must allow secretsmanager:GetSecretValue on exactly these secrets (it is not written here)';
  }
  return d.gcp?.generated
    ? `that Google service account has roles/secretmanager.secretAccessor on exactly these secrets and the pods' ServiceAccount roles/iam.workloadIdentityUser on it (${d.gcp.generated.writtenIn})`
    : 'that Google service account needs roles/secretmanager.secretAccessor on exactly these secrets, and the pods\' ServiceAccount roles/iam.workloadIdentityUser on it (not written here)';
}

/** Delivery method `csi`: the Secrets Store CSI driver mounts the values into the pod, optionally synced into a Secret. */
export const csiMethod: DeliveryMethod<CsiDeliveryPlan> = {
  name: 'csi',
  description: 'the Secrets Store CSI driver mounts the values as files (SecretProviderClass), optionally synced into the Secret',
  schema: csiDelivery,
  configProblems: csiProblems,
  resolve: ({ options, config, env, environment, secretName, secrets, remoteRefs, podCloudIdentity }) => ({
    delivery: resolveCsiDelivery(options as CsiDeliveryConfig, {
      appName: config.app.name,
      environment,
      secretName,
      secrets,
      remoteRefs,
      podCloudIdentity,
      clouds: {
        awsRegion: env.aws?.region,
        gcp: env.gcp && { project: env.gcp.project, serviceAccountEmail: serviceAccountEmail(env.gcp.serviceAccount, env.gcp.project) },
      },
    }),
    warnings: [],
    errors: [],
  }),
  // The AWS or Google provider reads as the pods' ServiceAccount: the environment's own cloud side makes that identity.
  podCloudReads: (options) => csiPodCloudReads(options as CsiDeliveryConfig),
  // The driver gets the pod's token from the kubelet (its CSIDriver's tokenRequests); nothing in the pod mounts one.
  podAuthenticates: false,
  // Reloader watches the synced Secret; without sync there is none (the config refuses Reloader then).
  defaultReloader: 'targeted',
  syncWaves: { SecretProviderClass: -1 },
  applyPhases: { SecretProviderClass: 'store' },
  addTo: (scope, plan, delivery) => {
    addCsiDelivery(scope, plan, delivery);
    // The Secret the driver syncs, as the workload reads it; the class itself is no Secret.
    return delivery.syncedSecret ? { secret: AppSecret.fromSecretName(scope, 'SyncedSecret', delivery.syncedSecret) } : {};
  },
  podWiring: (delivery) => csiPodWiring(delivery),
  helmValues: (plan, delivery, identity, header) => csiHelmValues(plan, delivery, identity, header),
  patchNotes: (_plan, delivery) =>
    delivery.syncedSecret ? [`# The CSI volume below is what makes Secret ${delivery.syncedSecret}: the driver writes it only while a pod mounts the volume.`] : [],
  appTokenReads: (d) =>
    d.vault
      ? `Vault role ${d.vault.role} (the Vault CSI provider logs in with the pod's token)`
      : d.gcp
        ? `the Google Secret Manager secrets as ${d.gcp.serviceAccount} (Workload Identity)`
        : `the AWS secrets ${d.aws?.generated ? `as ${d.aws.generated.principal}` : d.aws?.identity === 'podIdentity' ? 'through its EKS Pod Identity association' : `as IAM role ${d.aws?.roleArn ?? '(not set)'} (IRSA)`}`,
  // A role the environment's stack makes reaches the ServiceAccount through the plan's identity; these are the user's.
  serviceAccountAnnotations: (d): Record<string, string> =>
    d.aws?.identity === 'irsa' && d.aws.roleArn ? { 'eks.amazonaws.com/role-arn': d.aws.roleArn } : d.gcp?.serviceAccount ? { 'iam.gke.io/gcp-service-account': d.gcp.serviceAccount } : {},
  files: (plan, delivery, { serviceAccountName }) => {
    if (!delivery.vault) return [];
    const props = { environment: plan.name, namespace: plan.namespace, serviceAccountName, delivery, vault: delivery.vault };
    return [
      { path: 'vault/policy.hcl', content: csiPolicyHcl(props) },
      { path: 'vault/setup.sh', content: csiSetupScript(props) },
      { path: `vault/${VAULT_PUT_VALUES_SCRIPT}`, content: csiPutValuesScript({ ...props, oneOfGroups: plan.oneOfGroups }) },
    ];
  },
  chartProblems: (plan, delivery) => (delivery.objects.length === 0 ? [`environment ${plan.name} delivers no secret, so the SecretProviderClass would mount nothing`] : []),
  renderRefusal: (plan) =>
    plan.delivery.method === 'csi' && plan.delivery.provider !== 'vault'
      ? `the Secrets Store CSI driver mounts the values from ${storeName(plan.delivery)}${plan.delivery.syncedSecret ? ` and makes Secret "${plan.secretName}"` : ''}; put the values into the store instead`
      : `the Secrets Store CSI driver mounts the values from Vault${plan.delivery.method === 'csi' && plan.delivery.syncedSecret ? ` and makes Secret "${plan.secretName}"` : ''}; put the values into Vault instead (dist/${plan.name}/vault/${VAULT_PUT_VALUES_SCRIPT})`,
  checkNotes: (_plan, d) =>
    d.syncedSecret
      ? [`Secret ${d.syncedSecret} is synced by the Secrets Store CSI driver and exists only while a pod mounts the CSI volume of SecretProviderClass ${d.className} (secrets-store-csi-driver #298): every workload that reads it must mount the volume.`]
      : [],
  checks: CSI_RULES,
  secretProducers: [secretProviderClassProducer],
  report: {
    summary: (_plan, d) =>
      `\`csi\`: SecretProviderClass ${code(d.className)} (Secrets Store CSI driver, provider ${d.provider}) mounts ${storeName(d)} ${vaultPaths(d).map(code).join(', ')} at ${code(d.mountPath)}` +
      (d.syncedSecret ? `, synced into Secret ${code(d.syncedSecret)} while a pod mounts it` : '; no Kubernetes Secret'),
    valueSource: (_plan, d, secret) => {
      const o = d.objects.find((x) => x.env === secret.name);
      if (!o) return 'not mounted';
      return d.provider === 'gcp' ? `${storeName(d)} ${code(o.secretPath)}` : `${storeName(d)} ${code(o.secretPath)}, ${d.provider === 'aws' ? 'JSON key' : 'field'} ${code(o.secretKey)}`;
    },
    injection: (d) => (d.syncedSecret ? `reads Secret ${code(d.syncedSecret)} (synced while the CSI volume at ${code(d.mountPath)} is mounted)` : `reads the files under ${code(d.mountPath)}`),
    consumer: (_plan, d, secret, deployment) => (d.syncedSecret ? undefined : `${deployment}: file ${code(`${d.mountPath}/${secret.name}`)}`),
    readableBy: (d, serviceAccountName) =>
      `${d.vault ? `Vault role ${code(d.vault.role)}` : d.gcp ? `Google service account ${code(d.gcp.serviceAccount)}` : awsIdentity(d)} (ServiceAccount ${code(serviceAccountName)}, through the ${providerName(d)} CSI provider)${d.syncedSecret ? `; Secret ${code(d.syncedSecret)} while mounted` : ''}`,
    readers: (plan, d, serviceAccountName) => [
      d.vault
        ? `Vault CSI provider: logs into ${code(`auth/${d.vault.authMount}`)} with role ${code(d.vault.role)} as the pods' ServiceAccount ${code(`${plan.namespace}/${serviceAccountName}`)} (tokens for audience ${code(d.vault.audience)}); ` +
          `the role's policy ${code(d.vault.policyName)} reads ${vaultPaths(d).map(code).join(', ')} only (\`vault/policy.hcl\`, \`vault/setup.sh\`). The provider, on the node, talks to Vault: the pods need no egress to it.`
        : d.gcp
          ? `Google Cloud CSI provider: reads ${vaultPaths(d).length} Secret Manager secret${vaultPaths(d).length === 1 ? '' : 's'} of project ${code(d.gcp.project)} as the pods' ServiceAccount ${code(`${plan.namespace}/${serviceAccountName}`)}, which acts as ${code(d.gcp.serviceAccount)} (Workload Identity); ${cloudGrants(d)}. The provider, on the node, talks to Google: the pods need no egress to it.`
          : `AWS CSI provider: reads ${vaultPaths(d).map(code).join(', ')} as the pods' ServiceAccount ${code(`${plan.namespace}/${serviceAccountName}`)}, ${awsIdentity(d)}; ${cloudGrants(d)}. The provider, on the node, talks to AWS: the pods need no egress to it.`,
      ...(d.syncedSecret
        ? [`Secrets Store CSI driver: syncs the files into Secret ${code(d.syncedSecret)}, which exists only while a pod mounts the volume (secrets-store-csi-driver #298): a pod that reads it without the mount never gets it.`]
        : []),
    ],
    readsAuditedElsewhere: { where: 'the reads of the values happen in the store, by the CSI provider', how: 'enable a Vault audit device, or CloudTrail for Secrets Manager' },
    openItems: (_plan, d) => [
      ...(d.syncedSecret ? [`Secret ${code(d.syncedSecret)} exists only while a pod mounts the CSI volume: every workload that reads it must mount the volume too.`] : []),
      'Rotation: the driver re-reads the store only when installed with `--enable-secret-rotation` (Helm `enableSecretRotation: true`), every `--rotation-poll-interval` (2m by default).',
    ],
  },
};
