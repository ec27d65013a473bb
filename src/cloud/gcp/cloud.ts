import type { CloudResolver } from '../../plan/plan';
import { resolvedServiceAccount, type ServiceAccountIdentity } from '../../plan/eso-identity';
import { GKE_SERVICE_ACCOUNT_ANNOTATION, resolveGcp, type GcpPlan } from './plan';
import { gcpEnvironmentSchema } from './schema';

declare module '../../plan/plan' {
  interface CloudPlans {
    /** Google Cloud: Secret Manager secrets, their reader, Cloud Run, Config Connector. */
    readonly gcp?: GcpPlan;
  }
}

declare module '../../plan/eso-identity' {
  interface EsoIdentityPlan {
    readonly gcp?: GcpEsoIdentity;
  }
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

export { GKE_SERVICE_ACCOUNT_ANNOTATION };
export const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';

/** `serviceAccount:<pool>[<namespace>/<name>]`, the principal GKE gives a ServiceAccount's pods. */
export function workloadIdentityMember(workloadPool: string, serviceAccount: { readonly namespace: string; readonly name: string }): string {
  return `serviceAccount:${workloadPool}[${serviceAccount.namespace}/${serviceAccount.name}]`;
}

/** Google Cloud: Secret Manager, its reader and Cloud Run; the Workload Identity of a `gcpsm` store. */
export const gcpCloud: CloudResolver = {
  name: 'gcp',
  schema: gcpEnvironmentSchema,
  resolve: (context) => {
    const { env, store: storeRef } = context;
    const gcp = resolveGcp({
      config: context.config,
      environment: context.environment,
      env,
      secrets: context.secrets,
      appLabels: context.appLabels,
      store: storeRef,
      generatedInCluster: context.generatedInCluster,
      podReads: context.podReads?.identity.kind === 'workloadIdentity' ? { clusterProject: context.podReads.identity.clusterProject } : undefined,
    });
    // A gcpsm store of a GCP environment reads the same per-variable Secret Manager secrets as Cloud Run.
    const remoteRefs = gcp && (gcp.store || gcp.podWorkloadIdentity) ? new Map(gcp.secrets.map((s) => [s.env, { key: s.secretId, version: s.version === 'latest' ? undefined : s.version }])) : undefined;
    const pods = gcp?.podWorkloadIdentity;
    const podIdentity = pods && {
      serviceAccountAnnotations: { [GKE_SERVICE_ACCOUNT_ANNOTATION]: gcp.serviceAccount.email },
      principal: `Google service account ${gcp.serviceAccount.email} (Workload Identity of ${pods.member})`,
      writtenIn: gcp.configConnector ? `the Config Connector IAMPolicyMember ${pods.bindingName}` : 'gcp/setup.sh',
    };
    return { plan: { gcp }, esoIdentity: { gcp: gcpEsoIdentity(context.store, env.namespace, context.labelsFor) }, remoteRefs, podIdentity };
  },
};

/** The Workload Identity of a `gcpsm` store: its ServiceAccount, annotated with the Google service account. */
export function gcpEsoIdentity(
  storeRef: Parameters<CloudResolver['resolve']>[0]['store'],
  namespace: string,
  labelsFor: (namespace: string) => Record<string, string> | undefined,
): GcpEsoIdentity | undefined {
  const storeName = storeRef?.name;
  const store = storeRef?.store;
  if (!store || store.provider !== 'gcpsm' || !store.auth?.workloadIdentity) return undefined;
  const wi = store.auth.workloadIdentity;
  const serviceAccount = resolvedServiceAccount(wi.serviceAccountRef, store.kind, namespace);
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
