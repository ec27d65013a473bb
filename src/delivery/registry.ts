import type { DeliveryMethod } from './method';
import { plainMethod } from './plain/method';
import { sealedMethod } from './sealed/method';
import { externalMethod } from './external/method';
import { vaultMethod } from './vault/method';
import { vaultOperatorMethod } from './vault-operator/method';
import { csiMethod } from './csi/method';

/**
 * The delivery methods, in the order the config schema, `--help` and the docs list them. Adding a
 * method is one folder under src/delivery/ and one entry here; nothing else names a method.
 */
// Not annotated: the declaration file then names each method's plan type, which brings the config blocks the
// method declares (`declare module`) to a library user's compiler.
export const deliveryMethods = [plainMethod, sealedMethod, externalMethod, vaultMethod, vaultOperatorMethod, csiMethod] as const satisfies readonly DeliveryMethod[];

/** The method of an environment's plan (or of a `delivery:` long form). */
export function deliveryMethod(delivery: { readonly method: string }): DeliveryMethod {
  const method = deliveryMethods.find((m) => m.name === delivery.method);
  if (!method) throw new Error(`no delivery method "${delivery.method}" is registered`);
  return method;
}
