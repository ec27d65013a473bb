import type { AragoraSecretsConfig } from '../config-kit/schema';
import { deliveryMethods } from '../delivery/registry';
import type { Plan, PlanInputs } from '../plan/plan';
import { resolvePlan as resolvePlanWith } from '../plan/resolve';
import { knownRegions } from '../cloud/aws/regions';
import { clouds } from '../cloud/registry';

/**
 * The plan of a validated config with the registered delivery methods.
 * @throws UserError when committed inputs no longer fit the config (values sealed for another target)
 */
export function resolvePlan(config: AragoraSecretsConfig, inputs: PlanInputs = {}): Plan {
  // aws-cdk-lib's region table is loaded only when an environment needs it.
  const needsRegions = inputs.awsPartitions === undefined && Object.values(config.environments).some((env) => env.aws !== undefined);
  return resolvePlanWith(config, needsRegions ? { ...inputs, awsPartitions: knownRegions().partitions } : inputs, deliveryMethods, clouds);
}

/** Reads what the registered methods need besides the config (files the user commits). */
export function loadPlanInputs(config: AragoraSecretsConfig, cwd: string, source = 'config'): PlanInputs {
  return Object.assign({}, ...deliveryMethods.map((method) => method.loadInputs?.(config, cwd, source) ?? {}));
}
