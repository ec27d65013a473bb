import { stringify } from 'yaml';
import type { EnvironmentPlan } from '../../plan/plan';
import type { VaultDeliveryPlan } from './plan';
import { vaultAgentAnnotations, vaultTokenVolume } from './vault-agent';

/** Helm values for Vault Agent injection: the injector's annotations and the agent's token volume instead of an existingSecret. */
export function helmValuesWithAgent(plan: EnvironmentPlan, delivery: VaultDeliveryPlan, identity: Record<string, unknown>, header: readonly string[] = []): string {
  const lines = [
    ...header,
    '# Vault Agent injection: there is no Kubernetes Secret, so no existingSecret. The annotations below make the injector',
    `# render ${delivery.filePath}; the chart's container must source it before starting the application:`,
    `#   command: ["/bin/sh", "-c", ". ${delivery.filePath} && exec \\"$0\\" \\"$@\\""]`,
    `#   args: ${JSON.stringify(plan.workload.command ?? ['<the application and its arguments>'])}`,
    '# `volumes` (a `helm create` convention) holds the ServiceAccount token the agent presents to Vault: the injector',
    '# refuses the pod without it.',
  ];
  const values = { ...identity, podAnnotations: vaultAgentAnnotations(delivery, plan.workload.containerName), volumes: [vaultTokenVolume(delivery)] };
  return `${lines.join('\n')}\n${stringify(values, { lineWidth: 0 })}`;
}
