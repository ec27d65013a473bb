import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * What an IAMPolicyMember grants on: a Config Connector object of the same cluster (by name), or
 * a Google Cloud resource outside it (by its external reference).
 */
export type IamResourceRef =
  | { readonly apiVersion: string; readonly kind: string; readonly name: string; readonly namespace?: string }
  | { readonly kind: string; readonly external: string };

export const IamResourceRef = {
  /**
   * A service account managed outside Config Connector, in the format the IAMPolicyMember
   * reference documents for IAMServiceAccount: `projects/<project>/serviceAccounts/<email>`.
   */
  serviceAccount(email: string): IamResourceRef {
    const project = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
    if (!project) throw new Error(`"${email}" is not a user-managed service account email (<account>@<project>.iam.gserviceaccount.com)`);
    return { kind: 'IAMServiceAccount', external: `projects/${project}/serviceAccounts/${email}` };
  },
};

export interface IamPolicyMemberProps {
  /** `metadata.name`. */
  readonly memberName: string;
  /** The principal, e.g. `serviceAccount:aragora@aragora-prod.iam.gserviceaccount.com`. */
  readonly member: string;
  /** e.g. `roles/secretmanager.secretAccessor`. */
  readonly role: string;
  readonly resourceRef: IamResourceRef;
  /** @default - the chart's namespace */
  readonly namespace?: string;
}

const ROLE = /^((projects|organizations)\/[^/]+\/)?roles\/[\w_.]+$/;
const MEMBER = /^(serviceAccount|user|group|domain|principal|principalSet):\S+$/;

/**
 * A Config Connector IAMPolicyMember: adds one member to one role of one resource's IAM policy,
 * leaving the policy's other bindings alone (unlike IAMPolicy, which would own the whole
 * policy). Deleting it removes that binding only. Its spec is immutable: a change of member,
 * role or resource is a new object.
 *
 * @see https://cloud.google.com/config-connector/docs/reference/resource-docs/iam/iampolicymember
 */
export class IamPolicyMember extends Construct {
  public static readonly API_VERSION = 'iam.cnrm.cloud.google.com/v1beta1';
  public static readonly KIND = 'IAMPolicyMember';

  public readonly memberName: string;
  public readonly member: string;
  public readonly role: string;
  public readonly resourceRef: IamResourceRef;
  public readonly namespace: string;
  protected readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: IamPolicyMemberProps) {
    super(scope, id);
    if (!ROLE.test(props.role)) throw new Error(`\`role\` "${props.role}" is not a role name such as roles/secretmanager.secretAccessor`);
    if (!MEMBER.test(props.member)) throw new Error(`\`member\` "${props.member}" is not an IAM principal such as serviceAccount:<email>`);
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (!namespace) throw new Error(`IAMPolicyMember "${props.memberName}" needs a namespace: set \`namespace\` or create it in a Chart with one`);
    this.memberName = props.memberName;
    this.member = props.member;
    this.role = props.role;
    this.resourceRef = props.resourceRef;
    this.namespace = namespace;

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: IamPolicyMember.API_VERSION,
      kind: IamPolicyMember.KIND,
      metadata: { name: props.memberName, namespace },
      spec: { member: props.member, role: props.role, resourceRef: { ...props.resourceRef } },
    });
  }
}
