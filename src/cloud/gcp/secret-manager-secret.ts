import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GCP_PROJECT_ID, GCP_REGION, GCP_SECRET_ID } from './schema';
import { SECRET_ACCESSOR_ROLE } from './plan';
import { IamPolicyMember, IamResourceRef } from './iam-policy-member';

/** A Secret Manager secret that IAM grants can name. */
export interface ISecretManagerSecret extends IConstruct {
  readonly secretId: string;
  readonly projectId: string;
  /** How an IAMPolicyMember names it. */
  readonly resourceRef: IamResourceRef;
  /** Lets `member` read the secret's versions (roles/secretmanager.secretAccessor on this secret only). */
  grantAccess(member: string, memberName?: string): IamPolicyMember;
}

export type SecretReplication = { readonly automatic: true } | { readonly automatic: false; readonly locations: readonly string[] };

export interface SecretManagerSecretProps {
  /** `metadata.name` (a DNS-1123 subdomain). */
  readonly resourceName: string;
  /**
   * The Secret Manager secret ID (`spec.resourceID`). IDs may hold capitals and "_", which
   * Kubernetes names may not.
   * @default - resourceName
   */
  readonly secretId?: string;
  /** The project that holds the secret (`cnrm.cloud.google.com/project-id`). */
  readonly projectId: string;
  /**
   * Where the data is replicated; immutable once the secret exists.
   * @default - automatic
   */
  readonly replication?: SecretReplication;
  /**
   * `abandon` keeps the secret and its versions in Google Cloud when the object is deleted from
   * the cluster: a pruned manifest or a deleted namespace must not destroy every value.
   * @default 'abandon'
   */
  readonly deletionPolicy?: 'abandon' | 'delete';
  /** @default - the chart's namespace */
  readonly namespace?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A Config Connector SecretManagerSecret: the secret itself (its ID, project and replication),
 * never its data. Values are added as versions outside the manifests (setup.sh pipes them from
 * the environment into `gcloud secrets versions add`), so nothing here is sensitive.
 *
 * Access is granted on the secret, not on the project: `secret.grantAccess(member)` makes an
 * IAMPolicyMember with roles/secretmanager.secretAccessor on exactly this secret.
 *
 * `replication.automatic` is written (not the newer `replication.auto`) because every Config
 * Connector release that has SecretManagerSecret accepts it.
 *
 * @see https://cloud.google.com/config-connector/docs/reference/resource-docs/secretmanager/secretmanagersecret
 */
export class SecretManagerSecret extends Construct implements ISecretManagerSecret {
  public static readonly API_VERSION = 'secretmanager.cnrm.cloud.google.com/v1beta1';
  public static readonly KIND = 'SecretManagerSecret';

  /** A secret that exists outside this app (or outside Config Connector): grants refer to it by its external name. */
  public static fromSecretId(scope: Construct, id: string, projectId: string, secretId: string): ISecretManagerSecret {
    return new ImportedSecretManagerSecret(scope, id, projectId, secretId);
  }

  public readonly secretId: string;
  public readonly projectId: string;
  public readonly resourceName: string;
  public readonly namespace: string;
  public readonly replication: SecretReplication;
  protected readonly apiObject: ApiObject;
  private readonly grants: IamPolicyMember[] = [];

  constructor(scope: Construct, id: string, props: SecretManagerSecretProps) {
    super(scope, id);
    this.resourceName = props.resourceName;
    this.secretId = props.secretId ?? props.resourceName;
    this.projectId = props.projectId;
    this.replication = props.replication ?? { automatic: true };
    if (props.resourceName.length > 253 || !DNS1123_SUBDOMAIN.test(props.resourceName)) {
      throw new Error(`\`resourceName\` "${props.resourceName}" is not a DNS-1123 subdomain`);
    }
    if (!GCP_SECRET_ID.test(this.secretId)) throw new Error(`\`secretId\` "${this.secretId}" is not a Secret Manager secret ID (letters, digits, "-" and "_")`);
    if (!GCP_PROJECT_ID.test(this.projectId)) throw new Error(`\`projectId\` "${this.projectId}" is not a GCP project ID`);
    if (!this.replication.automatic) {
      if (this.replication.locations.length === 0) throw new Error('user-managed `replication` needs at least one location');
      const bad = this.replication.locations.find((l) => !GCP_REGION.test(l));
      if (bad) throw new Error(`replication location "${bad}" is not a GCP region`);
    }
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (!namespace) throw new Error(`SecretManagerSecret "${props.resourceName}" needs a namespace: set \`namespace\` or create it in a Chart with one`);
    this.namespace = namespace;

    const replication = this.replication.automatic
      ? { automatic: true }
      : { userManaged: { replicas: [...new Set(this.replication.locations)].sort().map((location) => ({ location })) } };
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: SecretManagerSecret.API_VERSION,
      kind: SecretManagerSecret.KIND,
      metadata: {
        name: props.resourceName,
        namespace,
        annotations: {
          'cnrm.cloud.google.com/deletion-policy': props.deletionPolicy ?? 'abandon',
          'cnrm.cloud.google.com/project-id': this.projectId,
        },
      },
      spec: { resourceID: this.secretId, replication },
    });
  }

  public get resourceRef(): IamResourceRef {
    return { apiVersion: SecretManagerSecret.API_VERSION, kind: SecretManagerSecret.KIND, name: this.resourceName };
  }

  /** The members granted access, sorted. */
  public get accessors(): string[] {
    return this.grants.map((g) => g.member).sort();
  }

  public grantAccess(member: string, memberName = `${this.resourceName}-accessor`): IamPolicyMember {
    // An IAMPolicyMember resolves a resourceRef name in its own namespace: keep it beside the secret.
    const grant = new IamPolicyMember(this, `Accessor${this.grants.length === 0 ? '' : this.grants.length}`, {
      memberName,
      member,
      role: SECRET_ACCESSOR_ROLE,
      resourceRef: this.resourceRef,
      namespace: this.namespace,
    });
    this.grants.push(grant);
    return grant;
  }
}

class ImportedSecretManagerSecret extends Construct implements ISecretManagerSecret {
  constructor(
    scope: Construct,
    id: string,
    public readonly projectId: string,
    public readonly secretId: string,
  ) {
    super(scope, id);
  }

  public get resourceRef(): IamResourceRef {
    return { kind: SecretManagerSecret.KIND, external: `projects/${this.projectId}/secrets/${this.secretId}` };
  }

  public grantAccess(member: string, memberName = `${this.secretId.toLowerCase().replace(/_/g, '-')}-accessor`): IamPolicyMember {
    return new IamPolicyMember(this, `Accessor-${memberName}`, { memberName, member, role: SECRET_ACCESSOR_ROLE, resourceRef: this.resourceRef });
  }
}
