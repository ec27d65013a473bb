import type { StoreKind } from '../delivery/external/schema';
import type { AragoraSecretsConfig, EnvironmentConfig } from '../config-kit/schema';
import type { AwsEsoPlan } from '../cloud/aws/plan';

/**
 * The identity External Secrets Operator uses in one environment, derived once from the config so
 * that its links cannot drift apart:
 *
 * - AWS (IRSA): the Kubernetes ServiceAccount (name, namespace, `eks.amazonaws.com/role-arn`), the IAM
 *   role whose trust policy accepts exactly `system:serviceaccount:<ns>:<sa>` tokens for
 *   `sts.amazonaws.com` from the cluster's OIDC provider, and the `aws` store's
 *   `auth.jwt.serviceAccountRef`. ESO reads the role from the ServiceAccount's annotation, requests a
 *   token for it and calls AssumeRoleWithWebIdentity: one wrong name anywhere and the sync fails.
 * - GCP (Workload Identity): the `gcpsm` store's `auth.workloadIdentity.serviceAccountRef`, the
 *   ServiceAccount's `iam.gke.io/gcp-service-account` annotation, and the Google service account's
 *   `roles/iam.workloadIdentityUser` binding for `serviceAccount:<project>.svc.id.goog[<ns>/<ksa>]`.
 *
 * The plan hands the same object to the store, the ServiceAccount object and the AWS stack.
 */
export interface EsoIdentityPlan {
  readonly aws?: AwsEsoIdentity;
  readonly gcp?: GcpEsoIdentity;
}

export interface ServiceAccountIdentity {
  readonly name: string;
  readonly namespace: string;
  /** What links it to the cloud identity, sorted by key. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Whether the ServiceAccount object is emitted into the environment's folder. */
  readonly create: boolean;
  /**
   * Labels that replace the environment's: a ServiceAccount outside the environment's namespace may
   * be emitted by several environments (a shared ClusterSecretStore's), identically.
   * @default - the environment's labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AwsEsoIdentity {
  readonly serviceAccount: ServiceAccountIdentity;
  /** The IAM role of the environment's AWS stack (`plan.aws.eso`), the same object. */
  readonly role: AwsEsoPlan;
}

export interface GcpEsoIdentity {
  /** The `gcpsm` store whose workload identity this is. */
  readonly store: string;
  readonly serviceAccount: ServiceAccountIdentity;
  /** Google service account e-mail; absent when the config leaves the annotation to the user. */
  readonly gcpServiceAccount?: string;
  /** `<project>.svc.id.goog`: the cluster project's workload identity pool. */
  readonly workloadPool: string;
  /** `serviceAccount:<pool>[<namespace>/<name>]`: the member of the binding. */
  readonly member: string;
  readonly role: 'roles/iam.workloadIdentityUser';
  /** The project holding the secrets (the store's `projectID`). */
  readonly secretProject: string;
}

export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
import { GKE_SERVICE_ACCOUNT_ANNOTATION } from '../cloud/gcp/plan';
export { GKE_SERVICE_ACCOUNT_ANNOTATION };
export const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';

export interface EsoIdentityInput {
  readonly env: EnvironmentConfig;
  /** The store the environment's delivery reads, when it is in a cloud (see `DeliveryResolver.cloudStore`). */
  readonly store?: { readonly name: string; readonly store: NonNullable<AragoraSecretsConfig['stores']>[string] };
  /** The ESO role of the environment's AWS stack, when it has one. */
  readonly awsRole?: AwsEsoPlan;
  /** The app's labels (no environment label). */
  readonly appLabels: Readonly<Record<string, string>>;
}

/** The ESO identity of one environment; undefined when it has neither an ESO IRSA role nor a workload identity store. */
export function resolveEsoIdentity(input: EsoIdentityInput): EsoIdentityPlan | undefined {
  const labelsFor = (namespace: string) => (namespace === input.env.namespace ? undefined : { ...input.appLabels });
  const aws = input.awsRole && awsIdentity(input.awsRole, input.env.aws?.eso?.serviceAccount?.create ?? false, labelsFor(input.awsRole.serviceAccount.namespace));
  const gcp = gcpIdentity(input, labelsFor);
  return aws || gcp ? { aws, gcp } : undefined;
}

function awsIdentity(role: AwsEsoPlan, create: boolean, labels: Record<string, string> | undefined): AwsEsoIdentity {
  return {
    serviceAccount: { ...role.serviceAccount, annotations: { [IRSA_ROLE_ANNOTATION]: role.roleArn }, create, labels },
    role,
  };
}

function gcpIdentity(input: EsoIdentityInput, labelsFor: (namespace: string) => Record<string, string> | undefined): GcpEsoIdentity | undefined {
  const storeName = input.store?.name;
  const store = input.store?.store;
  if (!store || store.provider !== 'gcpsm' || !store.auth?.workloadIdentity) return undefined;
  const wi = store.auth.workloadIdentity;
  const serviceAccount = resolvedServiceAccount(wi.serviceAccountRef, store.kind, input.env.namespace);
  const workloadPool = `${wi.clusterProjectID ?? store.projectID}.svc.id.goog`;
  return {
    store: storeName!,
    serviceAccount: {
      ...serviceAccount,
      annotations: wi.gcpServiceAccount ? { [GKE_SERVICE_ACCOUNT_ANNOTATION]: wi.gcpServiceAccount } : {},
      create: wi.createServiceAccount ?? false,
      labels: labelsFor(serviceAccount.namespace),
    },
    gcpServiceAccount: wi.gcpServiceAccount,
    workloadPool,
    member: workloadIdentityMember(workloadPool, serviceAccount),
    role: WORKLOAD_IDENTITY_USER,
    secretProject: store.projectID,
  };
}

/** `serviceAccount:<pool>[<namespace>/<name>]`, the principal GKE gives a ServiceAccount's pods. */
export function workloadIdentityMember(workloadPool: string, serviceAccount: { readonly namespace: string; readonly name: string }): string {
  return `serviceAccount:${workloadPool}[${serviceAccount.namespace}/${serviceAccount.name}]`;
}

/** The ServiceAccount a written `serviceAccountRef` resolves to (a SecretStore's is in the ExternalSecret's namespace). */
export function resolvedServiceAccount(ref: { readonly name: string; readonly namespace?: string }, kind: StoreKind | undefined, esNamespace: string): { name: string; namespace: string } {
  return { name: ref.name, namespace: (kind ?? 'SecretStore') === 'ClusterSecretStore' ? (ref.namespace ?? esNamespace) : esNamespace };
}

