import type { Construct } from 'constructs';
import type { EnvironmentPlan } from '../../plan/plan';
import type { CsiDeliveryPlan } from './plan';
import { providerParameters } from './parameters';
import { SecretProviderClass } from './secret-provider-class';

/** Delivery method `csi`: the environment's SecretProviderClass (the pod's volume is its wiring). */
export function addCsiDelivery(scope: Construct, plan: EnvironmentPlan, delivery: CsiDeliveryPlan): SecretProviderClass {
  return new SecretProviderClass(scope, 'SecretProviderClass', {
    className: delivery.className,
    provider: delivery.provider,
    parameters: providerParameters(delivery),
    syncedSecret: delivery.syncedSecret ? { secretName: delivery.syncedSecret, objectNames: delivery.objects.map((o) => o.env), labels: plan.labels } : undefined,
  });
}
