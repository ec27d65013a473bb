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
  /** The values from Secrets, then the application's mode (ARAGORA_ENV...) as literal values. */
  readonly env?: ({ name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } })[];
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
  /** Protected files (`injection: files`): the copying init container, the app's mount, the uid both run as. */
  readonly files?: {
    readonly initContainer: Record<string, unknown>;
    readonly volumeMounts: Record<string, unknown>[];
    readonly uid: number;
  };
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
  // The loader's mode is set on the pod itself, never left to the image: the checks read it here.
  const appEnv = props.workload.app.env.map(({ name, value }) => ({ name, value }));
  if (props.methodWiring && !props.methodWiring.withSecret) {
    // No env from a Secret: the method's wiring brings the values into the pod.
    const { podAnnotations, volumes, volumeMounts, command, args } = props.methodWiring;
    return { ...wiring, env: appEnv, podAnnotations: Object.keys(podAnnotations).length > 0 ? podAnnotations : undefined, volumes, volumeMounts, command, args };
  }
  // A method that mounts a volume besides the Secret (which it may be what makes the Secret).
  const mounted = props.methodWiring
    ? {
        podAnnotations: Object.keys(props.methodWiring.podAnnotations).length > 0 ? props.methodWiring.podAnnotations : undefined,
        volumes: props.methodWiring.volumes,
        volumeMounts: props.methodWiring.volumeMounts,
      }
    : {};
  if (props.workload.injection === 'files' && props.workload.files) {
    const files = props.workload.files;
    const sources = [secretName, ...others].map((name) => ({ secret: { name } }));
    const inFiles = new Set(files.names);
    return {
      ...wiring,
      ...mounted,
      env: [...props.secrets.filter((s) => !inFiles.has(s.name)).map((s) => secretKeyRef(s, sourceOf(s.name))), ...appEnv],
      volumes: [
        ...(mounted.volumes ?? []),
        // Read by the init container only; with fsGroup its files are root:<fsGroup> 0440, which the application's user can read.
        { name: FILES_SOURCE_VOLUME, projected: { defaultMode: 0o440, sources } },
        // In memory; the init container makes the one directory the application reads, and the app mounts only that directory.
        { name: FILES_CUSTODY_VOLUME, emptyDir: { medium: 'Memory' } },
      ],
      files: {
        uid: files.uid,
        initContainer: filesInitContainer(props.workload, files),
        volumeMounts: [{ name: FILES_CUSTODY_VOLUME, mountPath: files.dir, subPath: FILES_SUBDIRECTORY, readOnly: true }],
      },
    };
  }
  if (props.workload.injection === 'envFrom') {
    return { ...wiring, ...mounted, env: appEnv, envFrom: [secretName, ...others].map((name) => ({ secretRef: { name } })) };
  }
  return {
    ...wiring,
    ...mounted,
    // A missing required key stops the pod at start (CreateContainerConfigError) instead of at first use.
    env: [...props.secrets.map((s) => secretKeyRef(s, sourceOf(s.name))), ...appEnv],
  };
}

/** The application container's mounts: the delivery method's volumes, then the protected files' directory. */
export function containerMounts(wiring: PodWiring): PodVolumeMount[] | undefined {
  const mounts = [...(wiring.volumeMounts ?? []), ...((wiring.files?.volumeMounts ?? []) as unknown as PodVolumeMount[])];
  return mounts.length > 0 ? mounts : undefined;
}

function secretKeyRef(s: SecretPlan, secretName: string) {
  return { name: s.name, valueFrom: { secretKeyRef: { name: secretName, key: s.name, optional: s.status === 'required' ? undefined : true } } };
}

export const FILES_SOURCE_VOLUME = 'app-secrets-source';
export const FILES_CUSTODY_VOLUME = 'app-secrets-files';
/** The directory inside the memory emptyDir: its root is 0777 without the sticky bit, which the loader refuses as a path component. */
export const FILES_SUBDIRECTORY = 'aragora';
const SOURCE_MOUNT = '/aragora-secrets-source';
const CUSTODY_MOUNT = '/aragora-secrets-custody';

/**
 * The script of the init container: a 0700 directory owned by the application's user, one 0400 regular file per
 * variable that has a value (the loader refuses an empty or blank file, a symlink, a second link, a broader mode).
 * Each file is written beside its final name and renamed, so no partial file is ever read. The names are the
 * catalog's (environment variable names), listed, never globbed from the volume.
 */
export function filesInitScript(names: readonly string[], source = SOURCE_MOUNT, custody = CUSTODY_MOUNT): string {
  const dir = `${custody}/${FILES_SUBDIRECTORY}`;
  return [
    'set -eu',
    'umask 077',
    `mkdir ${dir}`,
    `for name in ${names.join(' ')}; do`,
    `  src="${source}/$name"`,
    '  [ -f "$src" ] || continue',
    `  grep -q '[^[:space:]]' "$src" || continue`,
    `  cat "$src" > "${dir}/.$name.tmp"`,
    `  chmod 0400 "${dir}/.$name.tmp"`,
    `  mv "${dir}/.$name.tmp" "${dir}/$name"`,
    'done',
  ].join('\n');
}

function filesInitContainer(workload: WorkloadPlan, files: NonNullable<WorkloadPlan['files']>): Record<string, unknown> {
  return {
    name: 'copy-secrets',
    image: workload.image,
    command: ['/bin/sh', '-c', filesInitScript(files.names)],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: files.uid,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: FILES_SOURCE_VOLUME, mountPath: SOURCE_MOUNT, readOnly: true },
      { name: FILES_CUSTODY_VOLUME, mountPath: CUSTODY_MOUNT },
    ],
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
