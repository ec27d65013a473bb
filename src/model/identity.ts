import type { StoreKind } from '../delivery/external/schema';
import type { AragoraSecretsConfig, EnvironmentConfig } from '../config/schema';
import type { AwsEsoPlan } from './aws-plan';
import { DEFAULT_STORE_KIND, externalOptions, storeNameOf } from '../delivery/external/plan';
import type { DeliveryMethod } from '../delivery/method';
import type { EnvironmentPlan } from '../plan/plan';

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
import { GKE_SERVICE_ACCOUNT_ANNOTATION } from './gcp-plan';
export { GKE_SERVICE_ACCOUNT_ANNOTATION };
export const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';

export interface EsoIdentityInput {
  readonly config: AragoraSecretsConfig;
  readonly env: EnvironmentConfig;
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
  const options = externalOptions(input.env.delivery);
  const storeName = options && storeNameOf(input.config, options);
  const store = storeName === undefined ? undefined : input.config.stores?.[storeName];
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
  return { name: ref.name, namespace: (kind ?? DEFAULT_STORE_KIND) === 'ClusterSecretStore' ? (ref.namespace ?? esNamespace) : esNamespace };
}

/** A Kubernetes object by namespace and name, with what makes it matter. */
export interface ValueAccess {
  readonly namespace: string;
  readonly name: string;
  /** What holding it lets one read, for reports and comments. */
  readonly reads: string;
}

/**
 * Every ServiceAccount identity of the environment, with what its token reads: the application's
 * (Vault through kubernetes auth, the API through its Role, or nothing when the kubelet reads the
 * Secrets: then no pod mounts a token and any request for one is unexpected), and the identity the
 * External Secrets store authenticates as (Vault kubernetes auth, IRSA, Workload Identity), which
 * reads every secret of the store. Derived from the plan's identities, so that the audit rules and
 * the report cover a new one without being told. Sorted by namespace and name.
 */
export function tokenHolders(plan: EnvironmentPlan, method: Pick<DeliveryMethod, 'appTokenReads' | 'tokenHolders'>): ValueAccess[] {
  const out: ValueAccess[] = [];
  const app = plan.identity;
  const appReads =
    method.appTokenReads?.(plan.delivery) ??
    (app.readsSecretsThroughApi
        ? `the Secrets of Role ${app.roleName}`
      : 'nothing (the kubelet reads the Secrets; no pod mounts a token, so a request for one is unexpected)');
  out.push({ namespace: plan.namespace, name: app.serviceAccountName, reads: appReads });
  out.push(...(method.tokenHolders?.(plan, plan.delivery) ?? []));
  for (const identity of [plan.esoIdentity?.aws, plan.esoIdentity?.gcp]) {
    if (identity) out.push({ namespace: identity.serviceAccount.namespace, name: identity.serviceAccount.name, reads: 'the External Secrets store of the environment' });
  }
  return uniqueSorted(out);
}

/** Secrets that unlock the values without being them: a store's static cloud credentials. Sorted by namespace and name. */
export function credentialSecrets(plan: EnvironmentPlan, method: Pick<DeliveryMethod, 'credentialSecrets'>): ValueAccess[] {
  return uniqueSorted(method.credentialSecrets?.(plan, plan.delivery) ?? []);
}

/** One entry per object (the first, most specific reason wins), sorted. */
function uniqueSorted(entries: ValueAccess[]): ValueAccess[] {
  const byKey = new Map<string, ValueAccess>();
  for (const entry of entries) {
    const key = `${entry.namespace}/${entry.name}`;
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}
