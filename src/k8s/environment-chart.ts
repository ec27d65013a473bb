import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { EnvironmentPlan } from '../model/plan';
import { AppSecret, IAppSecret } from './app-secret';
import { AppWorkload, secretNameByKey } from './app-workload';
import { SecretsEgressPolicy } from './egress-policy';
import { addExternalDelivery } from './external-delivery';
import { podWiring } from './pod-wiring';
import { SecretReader } from './secret-reader';

/** A file written beside the manifests (not a Kubernetes object). */
export interface SupportingFile {
  /** Path relative to the environment's folder. */
  readonly path: string;
  readonly content: string;
}

export interface EnvironmentChartProps {
  readonly plan: EnvironmentPlan;
}

/**
 * Everything one environment needs on Kubernetes, in its namespace, named from the plan
 * (never from construct paths or hashes).
 */
export class EnvironmentChart extends Chart {
  public readonly plan: EnvironmentPlan;
  public readonly secret: IAppSecret;
  public readonly reader: SecretReader;
  private readonly files: SupportingFile[] = [];
  /** Secrets besides `secret` that hold some keys (set by the delivery method). */
  private readonly additionalSecrets: { readonly secret: IAppSecret; readonly keys: readonly string[] }[] = [];

  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    const { plan } = props;
    super(scope, id, { namespace: plan.namespace, labels: { ...plan.labels }, disableResourceNameHashes: true });
    this.plan = plan;

    if (plan.createNamespace) {
      const namespace = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: plan.namespace,
          // Pods that hold secrets run under the restricted Pod Security Standard.
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
        },
      });
      // The chart stamps its namespace on every object; a Namespace is cluster-scoped.
      namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }

    this.secret = this.deliverSecret();

    this.reader = new SecretReader(this, 'Reader', {
      serviceAccountName: plan.identity.serviceAccountName,
      roleName: plan.identity.roleName,
      roleBindingName: plan.identity.roleBindingName,
      automountToken: plan.identity.automountToken,
    });
    this.secret.grantRead(this.reader);
    for (const { secret } of this.additionalSecrets) secret.grantRead(this.reader);

    if (plan.workload.enabled) {
      new AppWorkload(this, 'Workload', {
        workload: plan.workload,
        secret: this.secret,
        secrets: plan.secrets,
        reader: this.reader,
        reloader: plan.reloader,
        additionalSecrets: this.additionalSecrets.length > 0 ? this.additionalSecrets : undefined,
      });
    } else {
      this.files.push({ path: 'patches/workload.patch.yaml', content: this.workloadPatch() });
    }

    if (plan.network) {
      new SecretsEgressPolicy(this, 'EgressPolicy', {
        policyName: plan.network.policyName,
        podLabels: plan.network.podLabels,
        egress: plan.network.egress,
      });
    }
  }

  /** The Secret the workload reads, made (or only named) by the environment's delivery method. */
  private deliverSecret(): IAppSecret {
    const { plan } = this;
    switch (plan.delivery.method) {
      case 'plain':
        // Created at deploy time from the team's .env (`aragora-secrets render --env ENV | kubectl apply -f -`), never committed.
        return AppSecret.fromSecretName(this, 'Secret', plan.secretName);
      case 'external': {
        const delivery = addExternalDelivery(this, plan, plan.delivery);
        this.additionalSecrets.push(...delivery.additionalSecrets);
        return delivery.secret;
      }
    }
  }

  /** Files that go beside the manifests in `dist/<env>/`. */
  public get supportingFiles(): readonly SupportingFile[] {
    return [...this.files];
  }

  /**
   * A strategic-merge patch with what a Deployment managed elsewhere must carry to consume
   * the secrets like ours would (apply it with kustomize `patches:`).
   */
  private workloadPatch(): string {
    const { plan } = this;
    const wiring = podWiring({
      workload: plan.workload,
      secretName: plan.secretName,
      secrets: plan.secrets,
      serviceAccountName: this.reader.serviceAccountName,
      automountToken: this.reader.automountToken,
      reloader: plan.reloader,
      secretNameByKey: this.additionalSecrets.length > 0 ? secretNameByKey(this.additionalSecrets) : undefined,
    });
    const annotations = Object.keys(wiring.workloadAnnotations).length > 0 ? wiring.workloadAnnotations : undefined;
    const patch = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: plan.workload.name, namespace: plan.namespace, annotations },
      spec: {
        template: {
          metadata: { labels: { ...plan.workload.podLabels } },
          spec: {
            serviceAccountName: wiring.serviceAccountName,
            automountServiceAccountToken: wiring.automountServiceAccountToken,
            containers: [{ name: plan.workload.containerName, env: wiring.env, envFrom: wiring.envFrom }],
          },
        },
      },
    };
    const header = [
      `# Wiring for the "${plan.workload.name}" Deployment of environment ${plan.name}, which aragora-secrets does not manage.`,
      '# Apply it as a strategic-merge patch (kustomize `patches:`). The pod labels let the NetworkPolicy select the pods.',
    ].join('\n');
    return `${header}\n${stringify(JSON.parse(JSON.stringify(patch)), { lineWidth: 0 })}`;
  }
}
