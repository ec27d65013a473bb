import type { OutputFile } from '../../core/output-file';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { cloudRunService, cloudRunServiceYaml } from './cloud-run';
import { gcpSetupScript } from './setup-script';
import { GKE_SERVICE_ACCOUNT_ANNOTATION, WORKLOAD_IDENTITY_USER_ROLE, type GcpPlan } from './plan';
import { IamPolicyMember, IamResourceRef } from './iam-policy-member';
import { SecretManagerSecret } from './secret-manager-secret';

export interface GcpSecretAccessProps {
  readonly environment: string;
  readonly gcp: GcpPlan;
  /**
   * The ExternalSecret that reads these secrets through the environment's gcpsm store; synth
   * checks that it reads exactly them, at the same versions.
   * @default - ESO does not read them
   */
  readonly externalSecret?: SecretManagerReader;
  /**
   * The application's mode variables (ARAGORA_ENV...), which the Cloud Run service sets as literals.
   * @default - none
   */
  readonly appEnv?: readonly { readonly name: string; readonly value: string }[];
}

/** What reads the environment's Secret Manager secrets in the cluster (an ExternalSecret through a gcpsm store). */
export interface SecretManagerReader {
  readonly secretName: string;
  readonly dataEntries: readonly { readonly secretKey: string; readonly remoteRef: { readonly key: string; readonly property?: string; readonly version?: string } }[];
}

/**
 * Everything that lets one service account, and only it, read an environment's Secret Manager
 * secrets, and everything that reads them as it:
 *
 * - with a Workload Identity gcpsm store: the Kubernetes ServiceAccount ESO presents, annotated
 *   with `iam.gke.io/gcp-service-account` (unless it is managed elsewhere);
 * - with Config Connector: a SecretManagerSecret per secret, an IAMPolicyMember granting
 *   roles/secretmanager.secretAccessor on each to the service account, and the
 *   roles/iam.workloadIdentityUser bindings of ESO's ServiceAccount and, when the pods read the secrets
 *   themselves (the Google CSI provider), of the application's ServiceAccount;
 * - supporting files: the Cloud Run service (`cloudrun/service.yaml`) and `gcp/setup.sh` (the
 *   same resources with gcloud, and the values).
 *
 * All of it is made from one GcpPlan; synth still checks that the pieces agree (one service
 * account everywhere, the same secret IDs and versions in Cloud Run, ESO and Secret Manager).
 */
export class GcpSecretAccess extends Construct {
  public readonly gcp: GcpPlan;
  /** Empty without Config Connector. */
  public readonly secrets: readonly SecretManagerSecret[];
  public readonly workloadIdentityBinding?: IamPolicyMember;
  /** The application pods' binding (Config Connector), when they read the secrets themselves. */
  public readonly podWorkloadIdentityBinding?: IamPolicyMember;
  /** The ServiceAccount ESO presents, when emitted. */
  public readonly storeServiceAccount?: ApiObject;
  private readonly props: GcpSecretAccessProps;

  constructor(scope: Construct, id: string, props: GcpSecretAccessProps) {
    super(scope, id);
    this.props = props;
    const { gcp } = props;
    this.gcp = gcp;
    const wi = gcp.workloadIdentity;

    if (wi?.create) {
      this.storeServiceAccount = new k8s.KubeServiceAccount(this, 'StoreServiceAccount', {
        metadata: { name: wi.serviceAccountName, namespace: wi.namespace, annotations: { [GKE_SERVICE_ACCOUNT_ANNOTATION]: gcp.serviceAccount.email } },
        // ESO requests this account's tokens through the TokenRequest API; no pod mounts one.
        automountServiceAccountToken: false,
      });
      if (wi.labels) this.storeServiceAccount.addJsonPatch(JsonPatch.replace('/metadata/labels', sorted(wi.labels)));
    }

    const secrets: SecretManagerSecret[] = [];
    const cc = gcp.configConnector;
    if (cc) {
      for (const s of gcp.secrets) {
        const secret = new SecretManagerSecret(this, `Secret-${s.env}`, {
          resourceName: s.resourceName,
          secretId: s.secretId,
          projectId: gcp.project,
          replication: gcp.replication,
          namespace: cc.namespace,
        });
        secret.grantAccess(gcp.serviceAccount.member, s.accessorName);
        secrets.push(secret);
      }
      // roles/iam.workloadIdentityUser on the service account for each Kubernetes ServiceAccount that acts as it.
      const bind = (id: string, binding: { readonly bindingName: string; readonly member: string }) =>
        new IamPolicyMember(this, id, {
          memberName: binding.bindingName,
          member: binding.member,
          role: WORKLOAD_IDENTITY_USER_ROLE,
          resourceRef: IamResourceRef.serviceAccount(gcp.serviceAccount.email),
          namespace: cc.namespace,
        });
      if (wi) this.workloadIdentityBinding = bind('WorkloadIdentityBinding', wi);
      if (gcp.podWorkloadIdentity) this.podWorkloadIdentityBinding = bind('PodWorkloadIdentityBinding', gcp.podWorkloadIdentity);
    }
    this.secrets = secrets;

    this.node.addValidation({ validate: () => this.validate() });
  }

  /** `cloudrun/service.yaml` (with Cloud Run) and `gcp/setup.sh`. */
  public get supportingFiles(): OutputFile[] {
    const { environment, gcp } = this.props;
    const files: OutputFile[] = [{ path: 'gcp/setup.sh', content: gcpSetupScript({ environment, gcp }) }];
    if (gcp.cloudRun) files.push({ path: 'cloudrun/service.yaml', content: cloudRunServiceYaml({ environment, gcp, cloudRun: gcp.cloudRun, appEnv: this.props.appEnv }) });
    return files;
  }

  private validate(): string[] {
    const { gcp, externalSecret } = this.props;
    const errors: string[] = [];
    const expected = [gcp.serviceAccount.member];
    const byId = new Map(gcp.secrets.map((s) => [s.secretId, s]));

    for (const secret of this.secrets) {
      const accessors = secret.accessors;
      if (JSON.stringify(accessors) !== JSON.stringify(expected)) {
        errors.push(`SecretManagerSecret "${secret.resourceName}" is readable by ${accessors.join(', ') || 'nobody'}; exactly ${expected[0]} must be`);
      }
    }

    const annotation = (this.storeServiceAccount?.toJson() as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations?.[GKE_SERVICE_ACCOUNT_ANNOTATION];
    if (this.storeServiceAccount && annotation !== gcp.serviceAccount.email) {
      errors.push(`ServiceAccount "${gcp.workloadIdentity!.serviceAccountName}" impersonates ${annotation}, but the secrets are granted to ${gcp.serviceAccount.email}`);
    }

    if (gcp.cloudRun) {
      const service = cloudRunService({ environment: this.props.environment, gcp, cloudRun: gcp.cloudRun, appEnv: this.props.appEnv }) as any;
      const literals = new Set((this.props.appEnv ?? []).map((e) => e.name));
      const spec = service.spec.template.spec;
      if (spec.serviceAccountName !== gcp.serviceAccount.email) {
        errors.push(`Cloud Run service "${gcp.cloudRun.service}" runs as ${spec.serviceAccountName}, but the secrets are granted to ${gcp.serviceAccount.email}`);
      }
      for (const env of spec.containers[0].env ?? []) {
        if (literals.has(env.name) && env.valueFrom === undefined) continue; // the application's mode, not a secret
        const ref = env.valueFrom?.secretKeyRef;
        const planned = ref && byId.get(ref.name);
        if (env.value !== undefined || !planned || planned.version !== ref.key) {
          errors.push(`Cloud Run variable ${env.name} does not read one of the environment's secrets at its planned version`);
        }
      }
    }

    if (externalSecret) {
      const entries = externalSecret.dataEntries;
      for (const entry of entries) {
        const planned = byId.get(entry.remoteRef.key);
        if (!planned || planned.env !== entry.secretKey || entry.remoteRef.property !== undefined || (entry.remoteRef.version ?? 'latest') !== planned.version) {
          errors.push(
            `ExternalSecret "${externalSecret.secretName}" reads ${entry.secretKey} from "${entry.remoteRef.key}"${entry.remoteRef.version ? ` version ${entry.remoteRef.version}` : ''}, which is not where the environment keeps it in Secret Manager`,
          );
        }
      }
      for (const s of gcp.secrets) {
        if (!entries.some((e) => e.secretKey === s.env && e.remoteRef.key === s.secretId)) errors.push(`ExternalSecret "${externalSecret.secretName}" does not read ${s.env}, which the environment keeps in Secret Manager as "${s.secretId}"`);
      }
    }
    return errors;
  }
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
