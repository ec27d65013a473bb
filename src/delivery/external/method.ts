import { findByKey } from '../../core/lookup';
import { resolvedServiceAccount } from '../../plan/eso-identity';
import type { ValueAccess } from '../../audit/value-access';
import type { DeliveryMethod } from '../method';
import { addExternalDelivery } from './constructs';
import { isGeneratedHere, resolveExternalDelivery, storeNameOf, type ExternalDeliveryPlan, type StorePlan } from './plan';
import { externalDelivery, storesSchema, type ExternalDeliveryConfig } from './schema';
import { externalProblems } from './validate';
import { EXTERNAL_RULES, externalFacts, externalSecretProducer } from './checks';
import { externalSecretsPolicyHcl, externalVaultPaths } from './vault-policy';

declare module '../../plan/plan' {
  interface DeliveryPlans {
    external: ExternalDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

/** Where a delivered key comes from; undefined when it is not fetched (optional, not in `delivery.keys`). */
const secretKeyOf = (entry: { readonly secretKey: string }) => entry.secretKey;

function externalSource(d: ExternalDeliveryPlan, key: string): string | undefined {
  if (d.generated?.keys.includes(key)) {
    return `generated in the cluster by Password ${code(d.generated.generatorName)}, made once`;
  }
  const data = findByKey(d.data, secretKeyOf, key);
  if (data) {
    // A gcpsm store reads a whole Secret Manager secret (optionally a pinned version), not a property.
    const detail = data.remoteRef.property !== undefined ? `property ${code(data.remoteRef.property)}` : `version ${code(data.remoteRef.version ?? 'latest')}`;
    return `store ${code(d.store.name)}: key ${code(data.remoteRef.key)}, ${detail}`;
  }
  for (const extract of d.extracts) {
    const rewrite = findByKey(extract.rewrites, secretKeyOf, key);
    if (rewrite) return `store ${code(d.store.name)}: key ${code(extract.key)} read whole, property ${code(rewrite.property)}`;
  }
  return undefined;
}

function storeName(store: StorePlan): string {
  const p = store.provider;
  const where =
    p.provider === 'vault'
      ? `Vault ${p.server}, mount \`${p.path}\`, KV ${p.version}`
      : p.provider === 'aws'
        ? `AWS ${p.service}, ${p.region}${p.prefix ? `, prefix \`${p.prefix}\`` : ''}`
        : `GCP Secret Manager, project \`${p.projectID}\``;
  return `${store.kind} ${code(store.name)} (${where})`;
}

/** The namespaces whose ExternalSecrets may use the store (`spec.conditions` of a ClusterSecretStore). */
function storeUsers(namespace: string, store: StorePlan): string {
  if (store.kind === 'SecretStore') return `namespace ${code(namespace)} (SecretStore ${code(store.name)} serves its own namespace)`;
  return store.namespaces.length > 0
    ? `namespace${store.namespaces.length > 1 ? 's' : ''} ${store.namespaces.map(code).join(', ')} (the conditions of ClusterSecretStore ${code(store.name)})`
    : `any namespace (ClusterSecretStore ${code(store.name)} has no namespace conditions)`;
}

function storeIdentity(store: StorePlan): string {
  const p = store.provider;
  if (p.provider === 'vault') {
    const sa = p.auth.kubernetes.serviceAccountRef;
    return `Vault kubernetes role ${code(p.auth.kubernetes.role)}${sa ? ` with ServiceAccount ${code(`${sa.namespace ? `${sa.namespace}/` : ''}${sa.name}`)}` : ''}`;
  }
  const sa = p.auth && 'workloadIdentity' in p.auth ? p.auth.workloadIdentity?.serviceAccountRef : p.auth && 'jwt' in p.auth ? p.auth.jwt?.serviceAccountRef : undefined;
  if (sa) return `ServiceAccount ${code(`${sa.namespace ? `${sa.namespace}/` : ''}${sa.name}`)}`;
  if (p.auth?.secretRef) return 'the credentials in the Secret the store names';
  return "the controller's own identity";
}

/** Delivery method `external`: External Secrets Operator copies the values from a store into the Secret. */
export const externalMethod: DeliveryMethod<ExternalDeliveryPlan> = {
  name: 'external',
  description: 'External Secrets Operator copies the values from a store into the Secret',
  schema: externalDelivery,
  configBlocks: { stores: storesSchema },
  configProblems: externalProblems,
  resolve: (context) => {
    const delivery = resolveExternalDelivery(context.options as ExternalDeliveryConfig, context);
    const paths = externalVaultPaths(delivery);
    const vaultPolicy = delivery.store.provider.provider === 'vault' ? { name: `${context.config.app.name}-${context.environment}-external-secrets`, paths } : undefined;
    return { delivery: vaultPolicy ? { ...delivery, vaultPolicy } : delivery, warnings: [], errors: [] };
  },
  cloudStore: (config, options) => {
    const name = storeNameOf(config, options as ExternalDeliveryConfig);
    const store = name === undefined ? undefined : config.stores?.[name];
    return name !== undefined && store !== undefined ? { name, store } : undefined;
  },
  generatedInCluster: (options, secret) => isGeneratedHere(secret, options as ExternalDeliveryConfig),
  // The ESO controller authenticates to the store, not the pod.
  podAuthenticates: false,
  defaultReloader: 'targeted',
  // The store and the generator before the ExternalSecrets that read them.
  syncWaves: { SecretStore: -1, ClusterSecretStore: -1, Password: -1, ExternalSecret: 0 },
  addTo: (scope, plan, delivery) => addExternalDelivery(scope, plan, delivery),
  files: (plan, delivery) =>
    delivery.vaultPolicy ? [{ path: 'vault/external-secrets-policy.hcl', content: externalSecretsPolicyHcl({ environment: plan.name, namespace: plan.namespace, delivery }) }] : [],
  tokenHolders: (plan, { store }) => {
    const p = store.provider;
    const ref = p.provider === 'vault' ? p.auth.kubernetes.serviceAccountRef : p.provider === 'aws' ? p.auth?.jwt?.serviceAccountRef : p.auth?.workloadIdentity?.serviceAccountRef;
    if (!ref) return [];
    const sa = resolvedServiceAccount(ref, store.kind, plan.namespace);
    const how = p.provider === 'vault' ? `Vault role ${p.auth.kubernetes.role}` : p.provider === 'aws' ? 'its IAM role (IRSA)' : 'its Google service account (Workload Identity)';
    return [{ ...sa, reads: `store ${store.name} as ${how}` }];
  },
  credentialSecrets: (plan, { store }) => {
    const p = store.provider;
    const refs = p.provider === 'aws' ? [p.auth?.secretRef?.accessKeyIDSecretRef, p.auth?.secretRef?.secretAccessKeySecretRef, p.auth?.secretRef?.sessionTokenSecretRef] : p.provider === 'gcpsm' ? [p.auth?.secretRef?.secretAccessKeySecretRef] : [];
    return refs
      .filter((ref): ref is NonNullable<typeof ref> => ref !== undefined)
      .map((ref): ValueAccess => ({ ...resolvedServiceAccount(ref, store.kind, plan.namespace), reads: `the credentials of store ${store.name}` }));
  },
  remoteSecretIds: (delivery) => [...new Set([...delivery.data.map((d) => d.remoteRef.key), ...delivery.extracts.map((e) => e.key)])].sort(),
  renderRefusal: (plan) => `External Secrets Operator makes and owns Secret "${plan.secretName}" from the store; put the values into the store instead`,
  checks: EXTERNAL_RULES,
  secretProducers: [externalSecretProducer],
  checkFacts: externalFacts,
  report: {
    summary: (_plan, d) =>
      `\`external\`: ExternalSecret ${code(_plan.secretName)} (External Secrets Operator, ${d.apiVersion}, refresh every ${d.refreshInterval}) from ${storeName(d.store)}${d.generated ? `; generated values in Secret ${code(d.generated.secretName)}` : ''}`,
    valueSource: (_plan, d, secret) => externalSource(d, secret.name) ?? 'not fetched: not in `delivery.keys`',
    consumer: (_plan, d, secret, deployment) => (externalSource(d, secret.name) === undefined ? `${deployment}: env ${code(secret.name)} (optional, absent)` : undefined),
    readers: (plan, d) => [
      `External Secrets Operator: the controller reads ${storeName(d.store)} as ${storeIdentity(d.store)}; the pods never talk to the store.`,
      ...(d.vaultPolicy
        ? [`Vault: the store's role's policy ${code(d.vaultPolicy.name)} reads ${d.vaultPolicy.paths.map(code).join(', ')} only (\`vault/external-secrets-policy.hcl\`).`]
        : []),
      `External Secrets Operator: whoever may create an ExternalSecret in ${storeUsers(plan.namespace, d.store)} can have the controller copy any value the store's identity reads into a Secret there.`,
    ],
    openItems: (plan, d) => {
      const items: string[] = [];
      const notFetched = plan.secrets.filter((s) => externalSource(d, s.name) === undefined).map((s) => s.name);
      if (notFetched.length > 0) items.push(`Optional keys not fetched from the store (not in \`delivery.keys\`): ${notFetched.map(code).join(', ')}.`);
      if (d.fetch === 'properties' && d.data.length > 0) {
        items.push(`The store must hold every fetched property, or ESO fails the whole ExternalSecret: check ${storeName(d.store)}.`);
      }
      return items;
    },
  },
};
