import type { ReloaderMode } from '../config-kit/schema';
import type { SecretPlan, WorkloadPlan } from '../plan/plan';
import { DEPLOY_TIME_SECRETS_ANNOTATION } from '../checks/annotations';

/** A volume of the pod (the shape of the Kubernetes API's, as far as a delivery method needs it). */
export type PodVolume = { readonly name: string } & Record<string, unknown>;

/** A volume mount of the application container. */
export interface PodVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

/**
 * What a delivery method that reaches the pod without a Kubernetes Secret adds to it (an injected
 * agent's annotations, its token volume, a command that loads the values first).
 */
export interface MethodPodWiring {
  readonly podAnnotations: Record<string, string>;
  readonly volumes?: PodVolume[];
  /** Where the application container mounts some of `volumes` (a CSI volume holding the values as files). */
  readonly volumeMounts?: PodVolumeMount[];
  /**
   * Whether the container also reads the method's Kubernetes Secret (env or envFrom) besides this
   * wiring: a CSI volume that syncs the values into a Secret, which exists only while the volume is mounted.
   * @default false - the wiring alone brings the values
   */
  readonly withSecret?: boolean;
  /** Replaces the container's command and args (undefined: the image's entrypoint). */
  readonly command?: string[];
  readonly args?: string[];
  /** When the pods log in with their ServiceAccount token: what uses it and why (validation names them). */
  readonly needsToken?: { readonly uses: string; readonly why: string };
}

/** What a pod needs to consume the secrets; shared by our Deployment and the patch for a foreign one. */
export interface PodWiring {
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken: boolean;
  readonly env?: { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } }[];
  readonly envFrom?: { secretRef: { name: string } }[];
  /** Annotations of the workload (not the pod): Reloader reads them there. */
  readonly workloadAnnotations: Record<string, string>;
  /** Annotations of the pod template (the Vault Agent injector reads them there). */
  readonly podAnnotations?: Record<string, string>;
  /** Volumes of the pod (an injected agent's projected token, a CSI volume). */
  readonly volumes?: PodVolume[];
  /** Volume mounts of the application container. */
  readonly volumeMounts?: PodVolumeMount[];
  /** The container's command and args, when the config names the application's. */
  readonly command?: string[];
  readonly args?: string[];
}

export interface PodWiringProps {
  readonly workload: WorkloadPlan;
  readonly secretName: string;
  readonly secrets: readonly SecretPlan[];
  readonly serviceAccountName: string;
  readonly automountToken: boolean;
  readonly reloader: ReloaderMode;
  /** The delivery method's own wiring, when its values do not come from a Secret. @default - a Kubernetes Secret */
  readonly methodWiring?: MethodPodWiring;
  /**
   * Keys held by a Secret other than `secretName` (values generated in the cluster), by key.
   * @default - every key is in `secretName`
   */
  readonly secretNameByKey?: Readonly<Record<string, string>>;
  /**
   * Secrets no object of the output makes, because they are created at deploy time (delivery
   * `plain`): named in an annotation of the workload, for reviewers and the guard rails.
   * @default - none
   */
  readonly deployTimeSecrets?: readonly string[];
}

export function podWiring(props: PodWiringProps): PodWiring {
  const { secretName } = props;
  const sourceOf = (key: string) => props.secretNameByKey?.[key] ?? secretName;
  const others = [...new Set(Object.values(props.secretNameByKey ?? {}))].filter((n) => n !== secretName).sort();
  const wiring = {
    serviceAccountName: props.serviceAccountName,
    automountServiceAccountToken: props.automountToken,
    workloadAnnotations: {
      ...reloaderAnnotations(props.reloader, [secretName, ...others].join(',')),
      ...(props.deployTimeSecrets?.length ? { [DEPLOY_TIME_SECRETS_ANNOTATION]: [...props.deployTimeSecrets].sort().join(',') } : {}),
    },
    command: props.workload.command ? [...props.workload.command] : undefined,
  };
  if (props.methodWiring && !props.methodWiring.withSecret) {
    // No env from a Secret: the method's wiring brings the values into the pod.
    const { podAnnotations, volumes, volumeMounts, command, args } = props.methodWiring;
    return { ...wiring, podAnnotations: Object.keys(podAnnotations).length > 0 ? podAnnotations : undefined, volumes, volumeMounts, command, args };
  }
  // A method that mounts a volume besides the Secret (which it may be what makes the Secret).
  const mounted = props.methodWiring
    ? {
        podAnnotations: Object.keys(props.methodWiring.podAnnotations).length > 0 ? props.methodWiring.podAnnotations : undefined,
        volumes: props.methodWiring.volumes,
        volumeMounts: props.methodWiring.volumeMounts,
      }
    : {};
  if (props.workload.injection === 'envFrom') {
    return { ...wiring, ...mounted, envFrom: [secretName, ...others].map((name) => ({ secretRef: { name } })) };
  }
  return {
    ...wiring,
    ...mounted,
    // A missing required key stops the pod at start (CreateContainerConfigError) instead of at first use.
    env: props.secrets.map((s) => ({
      name: s.name,
      valueFrom: { secretKeyRef: { name: sourceOf(s.name), key: s.name, optional: s.status === 'required' ? undefined : true } },
    })),
  };
}

/**
 * `secretName`: one name, or several separated by commas (Reloader's list syntax).
 * @see https://github.com/stakater/Reloader#how-to-use-reloader
 */
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
