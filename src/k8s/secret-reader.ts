import { Chart, Lazy } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
// The ServiceAccount construct alone: cdk8s-plus's index loads every construct it has (see architecture.test.ts).
import { ServiceAccount } from 'cdk8s-plus-27/lib/service-account';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import type { ISecretReader } from './app-secret';

export interface SecretReaderProps {
  /** Name of the ServiceAccount the workload runs as. */
  readonly serviceAccountName: string;
  /** Name of the Role granting `get` on the secrets. */
  readonly roleName: string;
  /** @default - the Role's name */
  readonly roleBindingName?: string;
  /**
   * Whether the pods read the granted Secrets through the Kubernetes API. True makes the Role and
   * RoleBinding (`get` on exactly the Secrets granted with `secret.grantRead(reader)`). False makes
   * the ServiceAccount alone: the kubelet, not the pod, reads `secretKeyRef`, `envFrom` and secret
   * volumes, so a workload that takes its values from its environment needs no Role, and granting it
   * a Secret is a synth error.
   * @default true
   */
  readonly secretAccess?: boolean;
  /**
   * Mount an API token into pods of this ServiceAccount: needed to read through the API, and by
   * delivery methods that authenticate from the pod (Vault Agent's kubernetes auth). A Role whose
   * ServiceAccount has no token serves no pod, so `secretAccess` without a token is refused.
   * @default - `secretAccess`
   */
  readonly automountToken?: boolean;
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of the ServiceAccount (a cloud identity its pods assume: an IAM role through IRSA, a Google service account). @default - none */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/**
 * The identity the application runs as: a ServiceAccount and, for an application that reads its
 * Secrets through the API, a Role with `get` on exactly the Secrets granted to it by name
 * (`secret.grantRead(reader)`), bound to it. No `list`, no `watch`, no wildcard: listing would
 * reveal every Secret of the namespace.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 */
export class SecretReader extends Construct implements ISecretReader {
  /**
   * The ServiceAccount, as cdk8s-plus sees it: pass it to a `kplus.Deployment` (`serviceAccount`) or a
   * `kplus.RoleBinding` of your own.
   */
  public readonly serviceAccount: kplus.IServiceAccount;
  public readonly serviceAccountName: string;
  public readonly roleName: string;
  public readonly roleBindingName: string;
  public readonly automountToken: boolean;
  /** Whether the Role exists: the pods read the granted Secrets through the API. */
  public readonly secretAccess: boolean;
  private readonly secretNames = new Set<string>();

  constructor(scope: Construct, id: string, props: SecretReaderProps) {
    super(scope, id);
    if (!Chart.of(this).namespace) {
      throw new Error('SecretReader must be created in a Chart with a `namespace`: RBAC subjects and Roles are namespaced');
    }
    this.serviceAccountName = props.serviceAccountName;
    this.roleName = props.roleName;
    this.roleBindingName = props.roleBindingName ?? props.roleName;
    this.secretAccess = props.secretAccess ?? true;
    this.automountToken = props.automountToken ?? this.secretAccess;
    if (this.secretAccess && !this.automountToken) {
      throw new Error(
        `SecretReader "${this.serviceAccountName}": \`secretAccess\` without \`automountToken\` makes a Role no pod can use. Set \`secretAccess: false\` when the pods read their Secrets through secretKeyRef or envFrom (the kubelet reads those).`,
      );
    }
    const labels = props.labels ? { ...props.labels } : undefined;

    const annotations = props.serviceAccountAnnotations && Object.keys(props.serviceAccountAnnotations).length > 0 ? { ...props.serviceAccountAnnotations } : undefined;
    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, labels, annotations },
      automountToken: this.automountToken,
    });
    if (!this.secretAccess) {
      this.node.addValidation({
        validate: () =>
          this.secretNames.size > 0
            ? [
                `SecretReader "${this.serviceAccountName}" reads no Secret through the API (secretAccess: false) but was granted ${this.grantedSecrets.join(', ')}: ` +
                  'remove the grant (the kubelet reads secretKeyRef and envFrom without one), or set `secretAccess` to true',
              ]
            : [],
      });
      return;
    }
    // cdk8s-plus's Role writes one rule per granted resource; one rule listing every name reads better in review.
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: this.roleName, labels },
      rules: Lazy.any({
        produce: () => [{ apiGroups: [''], resources: ['secrets'], resourceNames: this.grantedSecrets, verbs: ['get'] }],
      }),
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: this.roleBindingName, labels },
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
