import type { Construct } from 'constructs';
import type { ExternalDeliveryPlan } from './plan';
import type { EnvironmentPlan } from '../../plan/plan';
import type { IAppSecret } from '../../k8s/app-secret';
import { ExternalSecret } from './external-secret';
import { PasswordGenerator } from './password-generator';
import { SecretStore } from './secret-store';

export interface ExternalDelivery {
  /** The Secret the workload reads, made by the ExternalSecret of the same name. */
  readonly secret: ExternalSecret;
  /** Secrets made in the cluster (generated values), with the keys each holds. */
  readonly additionalSecrets: readonly { readonly secret: IAppSecret; readonly keys: readonly string[] }[];
}

/**
 * Delivery method `external`: the store, the ExternalSecret of the environment's Secret and,
 * for values generated in the cluster, a Password generator and an ExternalSecret of its own.
 *
 * Generated values get their own Secret because ESO runs a generator again at every refresh of
 * the ExternalSecret that uses it: in the main ExternalSecret, refreshed hourly to pick up
 * rotations from the store, the JWT signing secret would change every hour. Their ExternalSecret
 * is created once and never refreshed.
 */
export function addExternalDelivery(scope: Construct, plan: EnvironmentPlan, delivery: ExternalDeliveryPlan): ExternalDelivery {
  const cluster = delivery.store.kind === 'ClusterSecretStore';
  const store = new SecretStore(scope, 'SecretStore', {
    storeName: delivery.store.name,
    kind: delivery.store.kind,
    apiVersion: delivery.store.apiVersion,
    provider: delivery.store.provider,
    namespaces: cluster ? delivery.store.namespaces : undefined,
    labels: delivery.store.labels,
  });

  const secret = new ExternalSecret(scope, 'ExternalSecret', {
    secretName: plan.secretName,
    store,
    refreshInterval: delivery.refreshInterval,
    refreshPolicy: delivery.refreshPolicy,
    apiVersion: delivery.apiVersion,
    secretLabels: plan.labels,
  });
  for (const entry of delivery.data) secret.addData(entry.secretKey, entry.remoteRef);
  for (const extract of delivery.extracts) secret.addExtract(extract.key, extract.rewrites);

  const additionalSecrets: { secret: IAppSecret; keys: readonly string[] }[] = [];
  if (delivery.generated) {
    const generator = new PasswordGenerator(scope, 'SecretGenerator', { generatorName: delivery.generated.generatorName });
    const generated = new ExternalSecret(scope, 'GeneratedSecret', {
      secretName: delivery.generated.secretName,
      apiVersion: delivery.apiVersion,
      createOnce: true,
      secretLabels: plan.labels,
    });
    for (const key of delivery.generated.keys) generated.addGenerated(key, generator);
    additionalSecrets.push({ secret: generated, keys: delivery.generated.keys });
  }
  return { secret, additionalSecrets };
}
