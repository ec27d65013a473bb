import type { EnvironmentPlan } from '../plan/plan';

/** A Kubernetes object by namespace and name, with what makes it matter. */
/** What a delivery method tells about who reads the values (the members of `DeliveryMethod` of the same names). */
export interface ValueAccessOfMethod {
  appTokenReads?(delivery: EnvironmentPlan['delivery']): string;
  tokenHolders?(plan: EnvironmentPlan, delivery: EnvironmentPlan['delivery']): ValueAccess[];
  credentialSecrets?(plan: EnvironmentPlan, delivery: EnvironmentPlan['delivery']): ValueAccess[];
}

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
export function tokenHolders(plan: EnvironmentPlan, method: ValueAccessOfMethod): ValueAccess[] {
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
export function credentialSecrets(plan: EnvironmentPlan, method: ValueAccessOfMethod): ValueAccess[] {
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
