import { valuesYaml } from '../../core/manifest-yaml';
import type { EnvironmentPlan } from '../../plan/plan';
import type { CsiDeliveryPlan } from './plan';
import { csiPodWiring } from './pod-volume';

/** `ANTHROPIC_API_KEY` → `anthropicApiKey`: the chart's key names, as for the other methods' values. */
function chartKey(envName: string): string {
  const words = envName.toLowerCase().split('_').filter((w) => w.length > 0);
  return words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join('');
}

/**
 * Helm values with the CSI volume: `volumes` and `volumeMounts` (the `helm create` conventions) mount it,
 * and with sync `secrets.existingSecret` reads the Secret the driver makes while it is mounted.
 */
export function csiHelmValues(_plan: EnvironmentPlan, delivery: CsiDeliveryPlan, identity: Record<string, unknown>, header: readonly string[] = []): string {
  const wiring = csiPodWiring(delivery);
  const lines = [
    ...header,
    `# Secrets Store CSI: the chart's pods must mount the volume below (SecretProviderClass ${delivery.className}).`,
    delivery.syncedSecret
      ? `# The driver writes Secret ${delivery.syncedSecret} only while a pod mounts it: without the mount, existingSecret never appears.`
      : `# The values are files under ${delivery.mountPath}, one per variable; there is no Kubernetes Secret.`,
  ];
  const keys: Record<string, string> = {};
  for (const o of delivery.objects) keys[chartKey(o.env)] = o.env;
  const values = {
    ...(delivery.syncedSecret ? { secrets: { existingSecret: delivery.syncedSecret, existingSecretKeys: Object.fromEntries(Object.entries(keys).sort(([a], [b]) => (a < b ? -1 : 1))) } } : {}),
    ...identity,
    volumes: wiring.volumes,
    volumeMounts: wiring.volumeMounts,
  };
  return `${lines.join('\n')}\n${valuesYaml(values)}`;
}
