import type { AragoraSecretsConfig, EnvironmentConfig } from '../config-kit/schema';
import { awsEsoIdentity } from '../cloud/aws/cloud';
import type { AwsEsoPlan } from '../cloud/aws/plan';
import { gcpEsoIdentity } from '../cloud/gcp/cloud';
import type { EsoIdentityPlan } from '../plan/eso-identity';
import { deliveryOptions } from '../plan/plan';
import { deliveryMethod, deliveryMethods } from '../delivery/registry';
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

/**
 * The ESO identity of one environment (what the clouds add to its plan): the IRSA identity of its AWS
 * stack's ESO role, and the Workload Identity of the `gcpsm` store its delivery reads.
 */
export function resolveEsoIdentity(input: {
  readonly config: AragoraSecretsConfig;
  readonly env: EnvironmentConfig;
  readonly awsRole?: AwsEsoPlan;
  readonly appLabels: Readonly<Record<string, string>>;
}): EsoIdentityPlan | undefined {
  const labelsFor = (namespace: string) => (namespace === input.env.namespace ? undefined : { ...input.appLabels });
  const options = deliveryOptions(input.env.delivery);
  const store = deliveryMethod(options).cloudStore?.(input.config, options);
  const aws = input.awsRole && awsEsoIdentity(input.awsRole, input.env.aws?.eso?.serviceAccount?.create ?? false, labelsFor(input.awsRole.serviceAccount.namespace));
  const gcp = gcpEsoIdentity(store, input.env.namespace, labelsFor);
  return aws || gcp ? { aws, gcp } : undefined;
}
