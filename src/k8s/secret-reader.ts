import { Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

export interface SecretReaderProps {
  /** Name of the ServiceAccount the workload runs as. */
  readonly serviceAccountName: string;
  /** Name of the Role granting `get` on the secrets. */
  readonly roleName: string;
  /** @default - the Role's name */
  readonly roleBindingName?: string;
  /**
   * Mount an API token into pods of this ServiceAccount. Only delivery methods that
   * authenticate from the pod (Vault Agent's kubernetes auth) need one.
   * @default false
   */
  readonly automountToken?: boolean;
  /**
   * Whether the pods read Kubernetes Secrets at all. False for delivery methods that have none
   * (Vault Agent injection reads Vault with the pod's token): then only the ServiceAccount is
   * made, because a Role granting nothing cannot be written safely (an empty `resourceNames`
   * allows every Secret), and granting a Secret is a synth error.
   * @default true
   */
  readonly secretAccess?: boolean;
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The identity that reads the application's secrets: a ServiceAccount, and a Role with
 * `get` on exactly the Secrets granted to it by name (`secret.grantRead(reader)`), bound to it.
 * No `list`, no `watch`, no wildcard: listing would reveal every Secret of the namespace.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */
export class SecretReader extends Construct {
  public readonly serviceAccountName: string;
  public readonly roleName: string;
  public readonly automountToken: boolean;
  public readonly secretAccess: boolean;
  private readonly secretNames = new Set<string>();

  constructor(scope: Construct, id: string, props: SecretReaderProps) {
    super(scope, id);
    if (!Chart.of(this).namespace) {
      throw new Error('SecretReader must be created in a Chart with a `namespace`: RBAC subjects and Roles are namespaced');
    }
    this.serviceAccountName = props.serviceAccountName;
    this.roleName = props.roleName;
    this.automountToken = props.automountToken ?? false;
    this.secretAccess = props.secretAccess ?? true;
    const labels = props.labels ? { ...props.labels } : undefined;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, labels },
      automountServiceAccountToken: this.automountToken,
    });
    if (!this.secretAccess) {
      this.node.addValidation({
        validate: () =>
          this.secretNames.size > 0
            ? [`SecretReader "${this.serviceAccountName}" was made without secret access but granted ${this.grantedSecrets.join(', ')}: set \`secretAccess\` to true`]
            : [],
      });
      return;
    }
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: this.roleName, labels },
      rules: Lazy.any({
        produce: () => [{ apiGroups: [''], resources: ['secrets'], resourceNames: this.grantedSecrets, verbs: ['get'] }],
      }),
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: props.roleBindingName ?? this.roleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.roleName },
      // A ServiceAccount subject must name its namespace; the reader lives in the chart's.
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: Chart.of(this).namespace }],
    });

    this.node.addValidation({
      validate: () =>
        this.secretNames.size === 0
          ? [`SecretReader "${this.roleName}" was granted no Secret: a Role with an empty resourceNames list would allow every Secret. Call secret.grantRead(reader).`]
          : [],
    });
  }

  /** Secret names this reader may `get`, sorted. */
  public get grantedSecrets(): string[] {
    return [...this.secretNames].sort();
  }

  /** Prefer `secret.grantRead(reader)`. */
  public allowGet(secretName: string): void {
    this.secretNames.add(secretName);
  }
}
