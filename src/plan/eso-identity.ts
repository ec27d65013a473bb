/** The kinds of External Secrets Operator store (the external method's schema lists them). */
export type StoreKind = 'SecretStore' | 'ClusterSecretStore';

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
  // Each cloud adds its part from its folder (`declare module`): aws (IRSA), gcp (Workload Identity).
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

/** The ServiceAccount a written `serviceAccountRef` resolves to (a SecretStore's is in the ExternalSecret's namespace). */
export function resolvedServiceAccount(ref: { readonly name: string; readonly namespace?: string }, kind: StoreKind | undefined, esNamespace: string): { name: string; namespace: string } {
  return { name: ref.name, namespace: (kind ?? 'SecretStore') === 'ClusterSecretStore' ? (ref.namespace ?? esNamespace) : esNamespace };
}

