import { Chart, JsonPatch } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { valuesYaml } from '../core/manifest-yaml';
import { auditPolicy } from '../audit/audit-policy';
import { helmValues } from '../helm/values';
import { credentialSecrets, tokenHolders } from '../audit/value-access';
import type { EnvironmentPlan } from '../plan/plan';
import type { AwsControl } from '../cloud/aws/compliance';
import { REVIEW_REPORT_FILE, reviewReport } from '../report/review-report';
import type { CfnTemplate, WrittenObject } from '../report/value-readers';
import { deliveryMethod } from '../delivery/registry';
import type { DeliveryMethod } from '../delivery/method';
import type { IAppSecret } from '../k8s/app-secret';
import type { OutputFile } from '../core/output-file';
import { SynthError } from '../core/synth-error';
import { addFileArtifacts, FileArtifact } from '../artifacts/file-artifact';
import { AppWorkload, secretNameByKey } from '../k8s/app-workload';
import { SecretsEgressPolicy } from '../k8s/egress-policy';
import { addEsoIdentity } from './eso-identity';
import { ExternalSecret } from '../delivery/external/external-secret';
import { GcpSecretAccess } from '../cloud/gcp/gcp-secret-access';
import { containerMounts, podWiring } from '../k8s/pod-wiring';
import { SecretReader } from '../k8s/secret-reader';
import { addSyncWaves } from '../k8s/sync-waves';

/** What the review report reads of the environment's synthesized AWS stack. */
export interface AwsStackFacts {
  readonly controls?: readonly AwsControl[];
  readonly template?: CfnTemplate;
}

export interface EnvironmentChartProps {
  readonly plan: EnvironmentPlan;
}

/** The objects synth has just written from each chart, for its `SECRETS.md` (`useWrittenObjects`). */
const writtenObjects = new WeakMap<EnvironmentChart, readonly WrittenObject[]>();

/**
 * Gives the chart's `SECRETS.md` the objects synth has just written from it (its `toJson()`, once every construct
 * is added): the report reads them instead of resolving every object a second time (a large catalog's Deployment
 * and ExternalSecret take a while).
 */
export function useWrittenObjects(chart: EnvironmentChart, objects: readonly WrittenObject[]): void {
  writtenObjects.set(chart, objects);
}

/**
 * Everything one environment needs on Kubernetes, in its namespace, named from the plan
 * (never from construct paths or hashes).
 */
export class EnvironmentChart extends Chart {
  public readonly plan: EnvironmentPlan;
  /** The environment's delivery method. */
  public readonly method: DeliveryMethod;
  /** Absent when the delivery method creates no Kubernetes Secret (Vault Agent injection). */
  public readonly secret?: IAppSecret;
  public readonly reader: SecretReader;
  /** The AWS stack's cdk-nag controls and template, for `SECRETS.md` (known once the stack is synthesized: `withAwsStack`). */
  private awsStack?: AwsStackFacts;
  /** Secrets besides `secret` that hold some keys (set by the delivery method). */
  private readonly additionalSecrets: { readonly secret: IAppSecret; readonly keys: readonly string[] }[] = [];
  /** Secrets created at deploy time by no object of ours (set by the delivery method). */
  private readonly deployTimeSecrets?: readonly string[];

  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    const { plan } = props;
    super(scope, id, { namespace: plan.namespace, labels: { ...plan.labels }, disableResourceNameHashes: true });
    this.plan = plan;
    this.method = deliveryMethod(plan.delivery);

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

    // The Secret the workload reads, made (or only named) by the environment's delivery method.
    const delivered = this.method.addTo(this, plan, plan.delivery);
    this.secret = delivered.secret;
    this.additionalSecrets.push(...(delivered.additionalSecrets ?? []));
    this.deployTimeSecrets = delivered.deployTimeSecrets;
    if (plan.esoIdentity) addFileArtifacts(this, addEsoIdentity(this, plan, plan.esoIdentity));

    this.reader = new SecretReader(this, 'Reader', {
      serviceAccountName: plan.identity.serviceAccountName,
      roleName: plan.identity.roleName,
      roleBindingName: plan.identity.roleBindingName,
      automountToken: plan.identity.automountToken,
      serviceAccountAnnotations: serviceAccountAnnotations(plan.identity.serviceAccountAnnotations, this.method.serviceAccountAnnotations?.(plan.delivery)),
      // The kubelet reads secretKeyRef and envFrom: a Role only for an application that reads through the API
      // (config validation refuses that with Vault injection, which has no Secret).
      secretAccess: plan.identity.readsSecretsThroughApi && this.secret !== undefined,
    });
    if (this.reader.secretAccess) {
      for (const secret of this.applicationSecrets) secret.grantRead(this.reader);
    }

    if (plan.gcp) {
      const gcp = new GcpSecretAccess(this, 'Gcp', {
        environment: plan.name,
        gcp: plan.gcp,
        externalSecret: plan.gcp.store && this.secret instanceof ExternalSecret ? this.secret : undefined,
        appEnv: plan.workload.app.env,
      });
      addFileArtifacts(gcp, gcp.supportingFiles);
    }
    if (plan.workload.enabled) {
      new AppWorkload(this, 'Workload', {
        workload: plan.workload,
        secret: this.secret,
        methodWiring: this.method.podWiring?.(plan.delivery, plan.workload),
        secrets: plan.secrets,
        reader: this.reader,
        reloader: plan.reloader,
        additionalSecrets: this.additionalSecrets.length > 0 ? this.additionalSecrets : undefined,
        deployTimeSecrets: this.deployTimeSecrets,
      });
    } else {
      addFileArtifacts(this, [{ path: 'patches/workload.patch.yaml', content: this.workloadPatch() }]);
    }

    if (plan.network) {
      new SecretsEgressPolicy(this, 'EgressPolicy', {
        policyName: plan.network.policyName,
        podLabels: plan.network.podLabels,
        egress: plan.network.egress,
      });
    }

    this.addSupportingFiles();
    if (plan.argoSyncWaves) addSyncWaves(this, this.method.syncWaves);
  }

  /** Helm values, the audit rules and, for Vault injection, the Vault side: files for people, not objects to apply. */
  private addSupportingFiles(): void {
    const { plan } = this;
    addFileArtifacts(this, [{ path: 'helm/values.yaml', content: helmValues(plan, this.method) }]);
    addFileArtifacts(this, [{
      path: 'audit-policy.yaml',
      content: auditPolicy({
        environment: plan.name,
        namespace: plan.namespace,
        secretNames: [...this.applicationSecrets.map((secret) => secret.secretName), ...(this.method.auditedSecrets?.(plan.delivery) ?? [])],
        credentialSecrets: credentialSecrets(plan, this.method),
        tokenHolders: tokenHolders(plan, this.method),
      }),
    }]);
    new FileArtifact(this, `File:${REVIEW_REPORT_FILE}`, { path: REVIEW_REPORT_FILE, content: () => this.reviewReport(this.awsStack) });
    addFileArtifacts(this, this.method.files?.(plan, plan.delivery, { serviceAccountName: this.reader.serviceAccountName }) ?? []);
    this.node.addValidation({
      validate: () => {
        return [...(this.method.chartProblems?.(plan, plan.delivery) ?? [])];
      },
    });
  }

  /** Gives the environment's `SECRETS.md` its AWS stack: the cdk-nag controls, and the template whose IAM roles read the values. */
  public withAwsStack(stack: AwsStackFacts | undefined): this {
    this.awsStack = stack;
    return this;
  }

  /**
   * `SECRETS.md`: the review report of the environment, from the plan and the objects the chart writes; with
   * the cdk-nag controls and the IAM roles of the environment's AWS stack once it is synthesized.
   */
  public reviewReport(awsStack?: AwsStackFacts): string {
    const { plan, reader } = this;
    const byKey = secretNameByKey(this.additionalSecrets);
    return reviewReport({
      plan,
      method: this.method,
      serviceAccountName: reader.serviceAccountName,
      objects: writtenObjects.get(this) ?? this.toJson(),
      secretOf: this.secret ? (key) => byKey[key] ?? this.secret!.secretName : undefined,
      awsControls: awsStack?.controls,
      awsTemplate: awsStack?.template,
    });
  }

  /** The Kubernetes Secrets holding the application's values (none with Vault injection). */
  private get applicationSecrets(): IAppSecret[] {
    return [...(this.secret ? [this.secret] : []), ...this.additionalSecrets.map((a) => a.secret)];
  }

  /** Files that go beside the manifests in `dist/<env>/`. */
  public get supportingFiles(): readonly OutputFile[] {
    return FileArtifact.of(this).map((artifact) => artifact.file);
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
      methodWiring: this.method.podWiring?.(plan.delivery, plan.workload),
      secretNameByKey: this.additionalSecrets.length > 0 ? secretNameByKey(this.additionalSecrets) : undefined,
      deployTimeSecrets: this.deployTimeSecrets,
    });
    const annotations = Object.keys(wiring.workloadAnnotations).length > 0 ? wiring.workloadAnnotations : undefined;
    const patch = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: plan.workload.name, namespace: plan.namespace, annotations },
      spec: {
        template: {
          metadata: { labels: { ...plan.workload.podLabels }, annotations: wiring.podAnnotations },
          spec: {
            serviceAccountName: wiring.serviceAccountName,
            automountServiceAccountToken: wiring.automountServiceAccountToken,
            securityContext: wiring.files ? { runAsUser: wiring.files.uid, runAsGroup: wiring.files.uid, fsGroup: wiring.files.uid } : undefined,
            volumes: wiring.volumes,
            initContainers: wiring.files ? [wiring.files.initContainer] : undefined,
            containers: [
              {
                name: plan.workload.containerName,
                command: wiring.command,
                args: wiring.args,
                env: wiring.env,
                envFrom: wiring.envFrom,
                volumeMounts: containerMounts(wiring),
              },
            ],
          },
        },
      },
    };
    const header = [
      `# Wiring for the "${plan.workload.name}" Deployment of environment ${plan.name}, which aragora-secrets does not manage.`,
      '# Apply it as a strategic-merge patch (kustomize `patches:`). The pod labels let the NetworkPolicy select the pods.',
      ...(this.method.patchNotes?.(plan, plan.delivery) ?? []),
    ].join('\n');
    return `${header}\n${valuesYaml(JSON.parse(JSON.stringify(patch)))}`;
  }
}

/**
 * The annotations of the application's ServiceAccount: the plan's (the IAM role the app reads its own Secrets
 * Manager secret with) and the delivery method's (the identity a CSI provider uses). One ServiceAccount
 * assumes one cloud identity: two different values of one annotation are refused.
 */
function serviceAccountAnnotations(
  fromPlan: Readonly<Record<string, string>> | undefined,
  fromMethod: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  const merged: Record<string, string> = { ...fromPlan };
  for (const [key, value] of Object.entries(fromMethod ?? {})) {
    if (merged[key] !== undefined && merged[key] !== value) {
      throw new SynthError([`the application's ServiceAccount would carry two values of ${key} ("${merged[key]}" for the application's own reads, "${value}" for the delivery method): use one identity for both`]);
    }
    merged[key] = value;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}
