import type { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import type { ReloaderMode } from '../config-kit/schema';
import type { SecretPlan, WorkloadPlan } from '../plan/plan';
import type { IAppSecret } from './app-secret';
import { jsonPropsObject } from './json-props-object';
import { containerMounts, type MethodPodWiring, podWiring } from './pod-wiring';
import type { SecretReader } from './secret-reader';

export interface AppWorkloadProps {
  readonly workload: WorkloadPlan;
  /** The Secret the container reads. @default - none: `methodWiring` must be given */
  readonly secret?: IAppSecret;
  /** The delivery method's own wiring instead of a Secret (an injected agent). @default - the values come from `secret` */
  readonly methodWiring?: MethodPodWiring;
  /** The secrets delivered in this environment: one env entry each (`secretKeyRef` injection). */
  readonly secrets: readonly SecretPlan[];
  /** The identity the pods run as; when it reads through the API (`secretAccess`), it must have been granted every Secret. */
  readonly reader: SecretReader;
  /** @default 'targeted' */
  readonly reloader?: ReloaderMode;
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Secrets besides `secret` that hold some of the keys (values generated in the cluster).
   * A reader with `secretAccess` must have been granted each.
   * @default - every key is in `secret`
   */
  readonly additionalSecrets?: readonly { readonly secret: IAppSecret; readonly keys: readonly string[] }[];
  /**
   * Secrets created at deploy time rather than by an object of the output (delivery `plain`),
   * named in the `aragora-secrets/created-at-deploy-time` annotation.
   * @default - none
   */
  readonly deployTimeSecrets?: readonly string[];
}

/**
 * The application Deployment, wired to its secrets: runs as the reader's ServiceAccount,
 * reads the Secret by `secretKeyRef` or `envFrom`, carries the Reloader annotation and a
 * restricted security context.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export class AppWorkload extends Construct {
  public readonly deploymentName: string;
  protected readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: AppWorkloadProps) {
    super(scope, id);
    const { workload, secret, reader } = props;
    if (!secret === !props.methodWiring && !props.methodWiring?.withSecret) {
      throw new Error('AppWorkload reads its values from exactly one of `secret` and `methodWiring`, or from both when the wiring says `withSecret`');
    }
    this.deploymentName = workload.name;
    const additional = props.additionalSecrets ?? [];
    const wiring = podWiring({
      workload,
      secretName: secret?.secretName ?? '',
      methodWiring: props.methodWiring,
      secrets: props.secrets,
      serviceAccountName: reader.serviceAccountName,
      automountToken: reader.automountToken,
      reloader: props.reloader ?? 'targeted',
      secretNameByKey: additional.length > 0 ? secretNameByKey(additional) : undefined,
      deployTimeSecrets: props.deployTimeSecrets,
    });
    const annotations = Object.keys(wiring.workloadAnnotations).length > 0 ? wiring.workloadAnnotations : undefined;

    // Made from its JSON: the L1 class's conversion walks each of the thousands of env entries of a catalog once more.
    this.apiObject = jsonPropsObject<k8s.KubeDeploymentProps>(this, 'Resource', k8s.KubeDeployment.GVK, {
      metadata: { name: workload.name, labels: props.labels ? { ...props.labels } : undefined, annotations },
      spec: {
        replicas: workload.replicas,
        selector: { matchLabels: { ...workload.podLabels } },
        template: {
          metadata: { labels: { ...workload.podLabels }, annotations: wiring.podAnnotations },
          spec: {
            serviceAccountName: wiring.serviceAccountName,
            automountServiceAccountToken: wiring.automountServiceAccountToken,
            securityContext: {
              runAsNonRoot: workload.runAsNonRoot || undefined,
              // Protected files: the init container and the application run as the one uid that owns them.
              ...(wiring.files ? { runAsUser: wiring.files.uid, runAsGroup: wiring.files.uid, fsGroup: wiring.files.uid } : {}),
              seccompProfile: { type: 'RuntimeDefault' },
            },
            volumes: wiring.volumes as k8s.Volume[] | undefined,
            initContainers: wiring.files ? [wiring.files.initContainer as unknown as k8s.Container] : undefined,
            containers: [
              {
                name: workload.containerName,
                image: workload.image,
                command: wiring.command,
                args: wiring.args,
                ports: workload.port ? [{ name: 'http', containerPort: workload.port }] : undefined,
                env: wiring.env,
                envFrom: wiring.envFrom,
                volumeMounts: containerMounts(wiring) as k8s.VolumeMount[] | undefined,
                resources: workload.resources && resourcesJson(workload.resources),
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    });

    this.node.addValidation({
      validate: () => {
        if (props.methodWiring && !props.methodWiring.withSecret) {
          const need = props.methodWiring.needsToken;
          return !need || reader.automountToken
            ? []
            : [`Deployment "${workload.name}" uses ${need.uses}, but ServiceAccount "${reader.serviceAccountName}" mounts no API token: ${need.why} (automountToken: true)`];
        }
        // secretKeyRef and envFrom are read by the kubelet; only API reads need the grant.
        if (!reader.secretAccess) return [];
        return [secret!, ...additional.map((a) => a.secret)]
          .filter((s) => !reader.grantedSecrets.includes(s.secretName))
          .map((s) => `Deployment "${workload.name}" reads Secret "${s.secretName}" through the API, but its ServiceAccount "${reader.serviceAccountName}" was not granted it: call secret.grantRead(reader)`);
      },
    });
  }
}

/** Key → the Secret that holds it, for the keys not in the main Secret. */
export function secretNameByKey(additional: readonly { readonly secret: IAppSecret; readonly keys: readonly string[] }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { secret, keys } of additional) for (const key of keys) out[key] = secret.secretName;
  return out;
}

/**
 * Requests and limits as the JSON holds them: quantities are strings there, where the L1 props hold
 * `Quantity` objects (the one field of the Deployment whose JSON and props differ).
 */
function resourcesJson(resources: NonNullable<WorkloadPlan['resources']>): k8s.ResourceRequirements {
  const quantities = (q?: { cpu?: string; memory?: string }) => {
    if (!q || (!q.cpu && !q.memory)) return undefined;
    const out: Record<string, string> = {};
    if (q.cpu) out.cpu = q.cpu;
    if (q.memory) out.memory = q.memory;
    return out;
  };
  return { requests: quantities(resources.requests), limits: quantities(resources.limits) } as unknown as k8s.ResourceRequirements;
}
