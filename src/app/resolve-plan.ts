import type { AragoraSecretsConfig } from '../config/schema';
import { deliveryMethods } from '../delivery/registry';
import { resolvePlan as resolvePlanWith, type Plan, type PlanInputs } from '../plan/plan';

/**
 * The plan of a validated config with the registered delivery methods.
 * @throws UserError when committed inputs no longer fit the config (values sealed for another target)
 */
export function resolvePlan(config: AragoraSecretsConfig, inputs: PlanInputs = {}): Plan {
  return resolvePlanWith(config, inputs, deliveryMethods);
}

/** Reads what the registered methods need besides the config (files the user commits). */
export function loadPlanInputs(config: AragoraSecretsConfig, cwd: string, source = 'config'): PlanInputs {
  return Object.assign({}, ...deliveryMethods.map((method) => method.loadInputs?.(config, cwd, source) ?? {}));
}
