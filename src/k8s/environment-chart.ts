import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { auditPolicy } from '../audit/audit-policy';
import { chartKeyCollisions, helmValues } from '../helm/values';
import { credentialSecrets, tokenHolders } from '../model/identity';
import type { EnvironmentPlan } from '../model/plan';
import type { AwsControl } from '../aws/compliance';
import { REVIEW_REPORT_FILE, reviewReport } from '../report/review-report';
import { externalSecretsPolicyHcl, vaultPolicyHcl, vaultPutValuesScript, vaultSetupScript, VAULT_PUT_VALUES_SCRIPT } from '../delivery/vault/server-files';
import { AppSecret, IAppSecret } from './app-secret';
import { AppWorkload, secretNameByKey } from './app-workload';
import { SecretsEgressPolicy } from './egress-policy';
import { addEsoIdentity } from './eso-identity';
import { addExternalDelivery } from '../delivery/external/constructs';
import { ExternalSecret } from '../delivery/external/external-secret';
import { GcpSecretAccess } from './gcp-secret-access';
import { podWiring } from './pod-wiring';
import { SealedSecret } from '../delivery/sealed/sealed-secret';
import { SecretReader } from './secret-reader';
import { addSyncWaves } from './sync-waves';

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
  /** Absent for Vault Agent injection, which creates no Kubernetes Secret. */
  public readonly secret?: IAppSecret;
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
    if (plan.esoIdentity) this.files.push(...addEsoIdentity(this, plan, plan.esoIdentity));

    this.reader = new SecretReader(this, 'Reader', {
      serviceAccountName: plan.identity.serviceAccountName,
      roleName: plan.identity.roleName,
      roleBindingName: plan.identity.roleBindingName,
      automountToken: plan.identity.automountToken,
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
      });
      this.files.push(...gcp.supportingFiles);
    }
    const vault = plan.delivery.method === 'vault' ? plan.delivery : undefined;

    if (plan.workload.enabled) {
      new AppWorkload(this, 'Workload', {
        workload: plan.workload,
        secret: this.secret,
        vault,
        secrets: plan.secrets,
        reader: this.reader,
        reloader: plan.reloader,
        additionalSecrets: this.additionalSecrets.length > 0 ? this.additionalSecrets : undefined,
        deployTimeSecrets: this.deployTimeSecrets,
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

    this.addSupportingFiles();
    if (plan.argoSyncWaves) addSyncWaves(this);
  }

  /** Helm values, the audit rules and, for Vault injection, the Vault side: files for people, not objects to apply. */
  private addSupportingFiles(): void {
    const { plan } = this;
    this.files.push({ path: 'helm/values.yaml', content: helmValues(plan) });
    this.files.push({
      path: 'audit-policy.yaml',
      content: auditPolicy({
        environment: plan.name,
        namespace: plan.namespace,
        secretNames: [...this.applicationSecrets.map((secret) => secret.secretName), ...(plan.delivery.method === 'vault' && plan.delivery.tls.secret ? [plan.delivery.tls.secret] : [])],
        credentialSecrets: credentialSecrets(plan),
        tokenHolders: tokenHolders(plan),
      }),
    });
    this.files.push({ path: REVIEW_REPORT_FILE, content: this.reviewReport() });
    if (plan.delivery.method === 'external' && plan.delivery.vaultPolicy) {
      this.files.push({ path: 'vault/external-secrets-policy.hcl', content: externalSecretsPolicyHcl({ environment: plan.name, namespace: plan.namespace, delivery: plan.delivery }) });
    }
    if (plan.delivery.method === 'vault') {
      const props = { environment: plan.name, namespace: plan.namespace, serviceAccountName: this.reader.serviceAccountName, delivery: plan.delivery, oneOfGroups: plan.oneOfGroups };
      this.files.push({ path: 'vault/policy.hcl', content: vaultPolicyHcl(props) });
      this.files.push({ path: 'vault/setup.sh', content: vaultSetupScript(props) });
      this.files.push({ path: `vault/${VAULT_PUT_VALUES_SCRIPT}`, content: vaultPutValuesScript(props) });
    }
    this.node.addValidation({
      validate: () => {
        const errors = chartKeyCollisions(plan.secrets.map((s) => s.name)).map(
          (names) => `secrets ${names.join(' and ')} map to the same Helm chart key: rename one of them`,
        );
        if (plan.delivery.method === 'vault' && plan.delivery.sources.length === 0) {
          errors.push(`environment ${plan.name} delivers no secret, so the Vault Agent has nothing to render`);
        }
        return errors;
      },
    });
  }

  /** The Secret the workload reads, made (or only named) by the environment's delivery method. */
  private deliverSecret(): IAppSecret | undefined {
    const { plan } = this;
    switch (plan.delivery.method) {
      case 'plain':
        // Created at deploy time from the team's .env (`aragora-secrets render --env ENV | kubectl apply --server-side -f -`), never committed.
        return AppSecret.fromSecretName(this, 'Secret', plan.secretName);
      case 'sealed':
        return new SealedSecret(this, 'SealedSecret', {
          secretName: plan.secretName,
          scope: plan.delivery.scope,
          encryptedData: plan.delivery.encryptedData,
          secretLabels: plan.labels,
          manageExisting: plan.delivery.manageExisting,
        });
      case 'vault':
        // The injected agent reads Vault with the pod's token and renders a file; no Secret exists.
        return undefined;
      case 'external': {
        const delivery = addExternalDelivery(this, plan, plan.delivery);
        this.additionalSecrets.push(...delivery.additionalSecrets);
        return delivery.secret;
      }
    }
  }

  /**
   * `SECRETS.md`: the review report of the environment, from the plan and what the chart granted; with
   * the cdk-nag controls of the environment's AWS stack once it is synthesized.
   */
  public reviewReport(awsControls?: readonly AwsControl[]): string {
    const { plan, reader } = this;
    const byKey = secretNameByKey(this.additionalSecrets);
    return reviewReport({
      plan,
      serviceAccountName: reader.serviceAccountName,
      automountToken: reader.automountToken,
      role: reader.secretAccess ? { name: reader.roleName, bindingName: plan.identity.roleBindingName, secrets: reader.grantedSecrets } : undefined,
      secretOf: this.secret ? (key) => byKey[key] ?? this.secret!.secretName : undefined,
      awsControls,
    });
  }

  /** The Kubernetes Secrets holding the application's values (none with Vault injection). */
  private get applicationSecrets(): IAppSecret[] {
    return [...(this.secret ? [this.secret] : []), ...this.additionalSecrets.map((a) => a.secret)];
  }

  /** Plain delivery: the Secret is created at deploy time (`aragora-secrets render`), by no object of ours. */
  private get deployTimeSecrets(): string[] | undefined {
    return this.plan.delivery.method === 'plain' ? [this.plan.secretName] : undefined;
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
    const vault = plan.delivery.method === 'vault' ? plan.delivery : undefined;
    const wiring = podWiring({
      workload: plan.workload,
      secretName: plan.secretName,
      secrets: plan.secrets,
      serviceAccountName: this.reader.serviceAccountName,
      automountToken: this.reader.automountToken,
      reloader: plan.reloader,
      vault,
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
            volumes: wiring.volumes,
            containers: [{ name: plan.workload.containerName, command: wiring.command, args: wiring.args, env: wiring.env, envFrom: wiring.envFrom }],
          },
        },
      },
    };
    const header = [
      `# Wiring for the "${plan.workload.name}" Deployment of environment ${plan.name}, which aragora-secrets does not manage.`,
      '# Apply it as a strategic-merge patch (kustomize `patches:`). The pod labels let the NetworkPolicy select the pods.',
      ...(vault && !plan.workload.command
        ? [
            `# Vault Agent injection renders the values into ${vault.filePath}; set the container's command so it sources the file`,
            `# first, e.g. command: ["/bin/sh", "-c", ". ${vault.filePath} && exec \"$0\" \"$@\""] with args: [<your program>, ...]`,
            '# (or set workload.command in the config and this patch carries it).',
          ]
        : []),
    ].join('\n');
    return `${header}\n${stringify(JSON.parse(JSON.stringify(patch)), { lineWidth: 0 })}`;
  }
}
