import type { ReloaderMode } from '../config/schema';
import type { SecretPlan, WorkloadPlan } from '../model/plan';

/** What a pod needs to consume the secrets; shared by our Deployment and the patch for a foreign one. */
export interface PodWiring {
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken: boolean;
  readonly env?: { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } }[];
  readonly envFrom?: { secretRef: { name: string } }[];
  /** Annotations of the workload (not the pod): Reloader reads them there. */
  readonly workloadAnnotations: Record<string, string>;
}

export interface PodWiringProps {
  readonly workload: WorkloadPlan;
  readonly secretName: string;
  readonly secrets: readonly SecretPlan[];
  readonly serviceAccountName: string;
  readonly automountToken: boolean;
  readonly reloader: ReloaderMode;
}

export function podWiring(props: PodWiringProps): PodWiring {
  const { secretName } = props;
  const wiring = {
    serviceAccountName: props.serviceAccountName,
    automountServiceAccountToken: props.automountToken,
    workloadAnnotations: reloaderAnnotations(props.reloader, secretName),
  };
  if (props.workload.injection === 'envFrom') {
    return { ...wiring, envFrom: [{ secretRef: { name: secretName } }] };
  }
  return {
    ...wiring,
    // A missing required key stops the pod at start (CreateContainerConfigError) instead of at first use.
    env: props.secrets.map((s) => ({
      name: s.name,
      valueFrom: { secretKeyRef: { name: secretName, key: s.name, optional: s.status === 'required' ? undefined : true } },
    })),
  };
}

/** @see https://github.com/stakater/Reloader#how-to-use-reloader */
export function reloaderAnnotations(mode: ReloaderMode, secretName: string): Record<string, string> {
  switch (mode) {
    case 'auto':
      return { 'reloader.stakater.com/auto': 'true' };
    case 'targeted':
      return { 'secret.reloader.stakater.com/reload': secretName };
    case 'none':
      return {};
  }
}
