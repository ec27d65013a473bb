import { valuesYaml } from '../../core/manifest-yaml';
import type { EnvironmentPlan } from '../../plan/plan';
import type { VaultDeliveryPlan } from './plan';

/**
 * Helm values for an environment with Vault Agent injection. The application chart (0.1.0) has no value for a pod
 * volume or the container's command, and its ServiceAccount never mounts a token: the injector would refuse the pod
 * (no token volume) and the application would not source the rendered file. So the values carry the mode and the
 * identity only, and say to deploy the generated Deployment instead.
 */
export function helmValuesWithAgent(plan: EnvironmentPlan, delivery: VaultDeliveryPlan, identity: Record<string, unknown>, header: readonly string[] = []): string {
  const lines = [
    ...header,
    `# Vault Agent injection cannot be expressed through this chart: it has no value for the agent's token volume nor for the`,
    `# command that sources ${delivery.filePath}, so there is no existingSecret and no annotation here. Deploy`,
    `# dist/${plan.name}/manifests (its Deployment carries the injector's annotations), or a chart that offers those hooks.`,
  ];
  return `${lines.join('\n')}\n${valuesYaml({ ...identity, secrets: { create: false } })}`;
}
