import { Lazy, Reference, Token, Tokenization } from 'aws-cdk-lib/core';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeRules, inEveryPack, wildcardResourceFinding } from './compliance';

/** Who may assume the role: rendered as the role's trust policy statement. */
export type RoleTrust =
  | { readonly kind: 'service'; readonly service: string; readonly sourceAccount: string }
  | { readonly kind: 'web-identity'; readonly providerArn: string; readonly issuer: string; readonly subject: string; readonly audience: string }
  /** EKS Pod Identity, pinned by its session tags to one cluster, namespace and ServiceAccount. */
  | { readonly kind: 'pod-identity'; readonly clusterName: string; readonly namespace: string; readonly serviceAccount: string };

export interface SecretReaderRoleProps {
  readonly roleName: string;
  readonly description: string;
  readonly trust: RoleTrust;
  /**
   * The Parameter Store read action of this reader's client: ECS fetches task `secrets` with
   * `ssm:GetParameters`, the External Secrets Operator reads with `ssm:GetParameter`.
   */
  readonly parameterAction: 'ssm:GetParameters' | 'ssm:GetParameter';
  /**
   * Also `secretsmanager:DescribeSecret` on each secret granted: a reader that polls for a new version before it
   * reads (the AWS CSI provider's rotation) asks for the secret's metadata.
   * @default false
   */
  readonly describesSecrets?: boolean;
}

/** The actions `grantRead` of a parameter gives any grantee: this role keeps only its own one. */
const PARAMETER_READ_ACTIONS = new Set(['ssm:GetParameter', 'ssm:GetParameters']);

/**
 * An IAM role that may read exactly the secrets granted to it (`secret.grantRead(role)`, an `iam.IGrantable`):
 * `secretsmanager:GetSecretValue` on each secret's ARN, the reader's one SSM action on each
 * parameter's ARN, and `kms:Decrypt` on the customer managed key only through the services that
 * hold those secrets (`kms:ViaService`). No wildcard action or resource; nothing else.
 *
 * The policy is inline (one resource to review) and rendered at synth, after every grant; a
 * reader granted nothing is a synth error.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
 */
export class SecretReaderRole extends Construct implements iam.IGrantable {
  public readonly roleName: string;
  public readonly roleArn: string;
  /** Takes read grants only (`grantRead` of a secret, a parameter, a key through a service); anything else is refused. */
  public readonly grantPrincipal: iam.IPrincipal;
  protected readonly resource: iam.CfnRole;
  private readonly parameterAction: string;
  private readonly describesSecrets: boolean;
  /** Secret ARNs (tokens) keyed by a stable sort key. */
  private readonly secretArns = new Map<string, string>();
  private readonly parameterArns = new Set<string>();
  private readonly logGroupArns = new Set<string>();
  /** KMS key ARN → the services allowed to use it on this role's behalf. */
  private readonly decrypt = new Map<string, { readonly sortKey: string; readonly services: Set<string> }>();

  constructor(scope: Construct, id: string, props: SecretReaderRoleProps) {
    super(scope, id);
    this.roleName = props.roleName;
    this.parameterAction = props.parameterAction;
    this.describesSecrets = props.describesSecrets ?? false;
    this.resource = new iam.CfnRole(this, 'Resource', {
      roleName: props.roleName,
      description: props.description,
      assumeRolePolicyDocument: trustPolicy(props.trust),
      policies: Lazy.any({ produce: () => [{ policyName: 'read-secrets', policyDocument: this.renderPolicy() }] }),
    });
    this.roleArn = this.resource.attrArn;
    this.grantPrincipal = new ReadGrantsPrincipal(this, (statement) => this.addReadStatement(statement));
    acknowledgeRules(
      this.resource,
      'An exact inline policy: read grants on the ARNs of the secrets this reader uses and nothing else, rendered with the role and reviewed with it (a managed policy is a second resource that could be attached to other principals).',
      ...inEveryPack('IAMNoInlinePolicy'),
    );

    this.node.addValidation({
      validate: () =>
        this.secretArns.size + this.parameterArns.size === 0
          ? [`SecretReaderRole "${this.roleName}" was granted no secret: grant it with secret.grantRead(role)`]
          : [],
    });
  }

  /** Prefer `secret.grantRead(role)`. */
  public allowSecretsManagerSecret(sortKey: string, secretArn: string): void {
    this.secretArns.set(sortKey, secretArn);
  }

  /** Prefer `parameter.grantRead(role)`. */
  public allowParameter(parameterArn: string): void {
    this.parameterArns.add(parameterArn);
  }

  /** `logs:CreateLogStream` and `logs:PutLogEvents` on the streams of one log group (the awslogs driver of an ECS task). */
  public allowLogWrites(logGroupArn: string): void {
    this.logGroupArns.add(logGroupArn);
    acknowledgeRules(
      this.resource,
      'The awslogs driver names each stream after the task it runs (<prefix>/<container>/<task id>), so the grant covers the streams of this one log group.',
      wildcardResourceFinding(this, `${logGroupArn}:log-stream:*`),
    );
  }

  /** `kms:Decrypt` on `keyArn`, only when called through `service` (e.g. `ssm.us-east-1.amazonaws.com`). */
  public allowDecryptVia(sortKey: string, keyArn: string, service: string): void {
    const entry = this.decrypt.get(keyArn) ?? { sortKey, services: new Set<string>() };
    entry.services.add(service);
    this.decrypt.set(keyArn, entry);
  }

  /**
   * The role for constructs that would otherwise add their own, broader grants to it (the ECS task
   * definition grants `DescribeSecret` and `ssm:GetParameterHistory` to its execution role): they
   * see a role they cannot change, and the grants stay the ones of this construct.
   */
  public asImmutableRole(scope: Construct, id: string): iam.IRole {
    return iam.Role.fromRoleArn(scope, id, this.roleArn, { mutable: false });
  }

  /** What the role may read, for tests and reports: secret sort keys and parameter ARNs, sorted. */
  public get granted(): { readonly secrets: string[]; readonly parameters: string[] } {
    return { secrets: [...this.secretArns.keys()].sort(), parameters: [...this.parameterArns].sort() };
  }

  /** A statement from `iam.Grant.addToPrincipal`: kept when it is one of the reads this role renders, refused otherwise. */
  private addReadStatement(statement: iam.PolicyStatement): void {
    const actions = new Set(statement.actions);
    const conditional = Object.keys(statement.conditions ?? {}).length > 0;
    const refuse = (why: string) =>
      new Error(`SecretReaderRole "${this.roleName}" takes read grants only (secretsmanager:GetSecretValue, ${this.parameterAction}, kms:Decrypt through a service): ${why}`);
    if (statement.effect !== iam.Effect.ALLOW || statement.notActions.length > 0 || statement.notResources.length > 0 || statement.principals.length > 0) {
      throw refuse('a Deny, NotAction, NotResource or Principal statement');
    }
    if (statement.resources.length === 0 || statement.resources.some((arn) => arn === '*')) throw refuse('a grant on every resource ("*")');
    if (actions.size === 1 && actions.has('secretsmanager:GetSecretValue') && !conditional) {
      for (const arn of statement.resources) this.allowSecretsManagerSecret(secretSortKey(arn), arn);
      return;
    }
    if ([...actions].every((action) => PARAMETER_READ_ACTIONS.has(action)) && !conditional) {
      for (const arn of statement.resources) this.allowParameter(arn);
      return;
    }
    const services = statement.conditions?.StringEquals?.['kms:ViaService'];
    if (actions.size === 1 && actions.has('kms:Decrypt') && Object.keys(statement.conditions).length === 1 && services !== undefined) {
      for (const keyArn of statement.resources) for (const service of [services].flat()) this.allowDecryptVia('key', keyArn, service);
      return;
    }
    throw refuse(`got ${[...actions].join(', ')}${conditional ? ' with conditions' : ''}`);
  }

  private renderPolicy(): unknown {
    const statements: unknown[] = [];
    if (this.secretArns.size > 0) {
      const arns = [...this.secretArns].sort(([a], [b]) => compare(a, b)).map(([, arn]) => arn);
      const actions = this.describesSecrets ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] : ['secretsmanager:GetSecretValue'];
      statements.push({ Sid: 'ReadSecretsManagerSecrets', Effect: 'Allow', Action: actions, Resource: arns });
    }
    if (this.parameterArns.size > 0) {
      statements.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: [this.parameterAction], Resource: [...this.parameterArns].sort(compare) });
    }
    if (this.logGroupArns.size > 0) {
      const streams = [...this.logGroupArns].map((arn) => `${arn}:log-stream:*`);
      statements.push({ Sid: 'WriteContainerLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: streams });
    }
    const keys = [...this.decrypt].sort(([, a], [, b]) => compare(a.sortKey, b.sortKey));
    keys.forEach(([keyArn, { services }], i) => {
      statements.push({
        Sid: keys.length === 1 ? 'DecryptThroughSecretStores' : `DecryptThroughSecretStores${i + 1}`,
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [keyArn],
        Condition: { StringEquals: { 'kms:ViaService': [...services].sort(compare) } },
      });
    });
    return { Version: '2012-10-17', Statement: statements };
  }
}

/**
 * Secrets are listed by name: `secretsmanager:<name>` for the ARN of a secret of the stack (a reference to its
 * CfnSecret), the ARN itself otherwise.
 */
function secretSortKey(arn: string): string {
  const reference = Token.isUnresolved(arn) ? Tokenization.reverse(arn) : undefined;
  const target = reference instanceof Reference ? reference.target : undefined;
  return target instanceof secretsmanager.CfnSecret && target.name !== undefined ? `secretsmanager:${target.name}` : arn;
}

/** The role as aws-cdk-lib's grants see it: each statement a grant adds goes to the role's one inline policy. */
class ReadGrantsPrincipal extends iam.PrincipalBase {
  constructor(
    private readonly role: SecretReaderRole,
    private readonly add: (statement: iam.PolicyStatement) => void,
  ) {
    super();
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return new iam.ArnPrincipal(this.role.roleArn).policyFragment;
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.add(statement);
    return { statementAdded: true, policyDependable: this.role };
  }

  public dedupeString(): string | undefined {
    return undefined;
  }
}

function trustPolicy(trust: RoleTrust): unknown {
  if (trust.kind === 'pod-identity') {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          // TagSession: the service passes the pod's cluster, namespace and ServiceAccount as session tags, pinned here.
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            StringEquals: {
              'aws:RequestTag/eks-cluster-name': trust.clusterName,
              'aws:RequestTag/kubernetes-namespace': trust.namespace,
              'aws:RequestTag/kubernetes-service-account': trust.serviceAccount,
            },
          },
        },
      ],
    };
  }
  const statement =
    trust.kind === 'service'
      ? {
          Effect: 'Allow',
          Principal: { Service: trust.service },
          Action: 'sts:AssumeRole',
          // Confused-deputy guard: only tasks of this account may obtain the role.
          Condition: { StringEquals: { 'aws:SourceAccount': trust.sourceAccount } },
        }
      : {
          Effect: 'Allow',
          Principal: { Federated: trust.providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          // Pinned to one ServiceAccount's tokens, issued for STS.
          Condition: { StringEquals: { [`${trust.issuer}:sub`]: trust.subject, [`${trust.issuer}:aud`]: trust.audience } },
        };
  return { Version: '2012-10-17', Statement: [statement] };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
