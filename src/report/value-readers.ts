import { compareStrings } from '../core/sort';
/**
 * Who can read the values of an environment, read off what is written: the Kubernetes objects of its
 * folder (ServiceAccounts, Roles and their bindings, Config Connector IAMPolicyMembers) and its
 * synthesized CloudFormation template (IAM roles, their trust and their read grants, the key policy).
 * The report states these facts rather than a second list kept by hand, so a grant added to or removed
 * from an object shows up in (or leaves) `SECRETS.md` with it.
 */

/** A written Kubernetes object, as JSON. */
export interface WrittenObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

/** A CloudFormation template, as JSON. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: any }>>;
}

// ---------------------------------------------------------------- Kubernetes

/** A Role (or ClusterRole) that lets its subjects read Secrets, with the bindings that give it to them. */
export interface SecretRoleGrant {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly verbs: readonly string[];
  /** The Secrets it names; empty: every Secret of the namespace (or cluster). */
  readonly secrets: readonly string[];
  readonly bindings: readonly { readonly kind: string; readonly name: string; readonly subjects: readonly string[] }[];
}

/** Whether pods of ServiceAccount `name` get an API token: the pod spec decides, else the ServiceAccount, else Kubernetes' default (yes). */
export function tokenMounted(objects: readonly WrittenObject[], name: string): boolean {
  const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata?.name === name);
  const pod = objects
    .filter((o) => o.kind === 'Deployment')
    .map((o) => (o as any).spec?.template?.spec)
    .find((spec) => spec?.serviceAccountName === name);
  if (typeof pod?.automountServiceAccountToken === 'boolean') return pod.automountServiceAccountToken;
  if (typeof account?.automountServiceAccountToken === 'boolean') return account.automountServiceAccountToken as boolean;
  return true;
}

/** Every written Role and ClusterRole with a rule on Secrets, and the written bindings to it; sorted by name. */
export function secretRoleGrants(objects: readonly WrittenObject[]): SecretRoleGrant[] {
  const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
  const out: SecretRoleGrant[] = [];
  for (const role of roles) {
    const rules = ((role as any).rules ?? []).filter(
      (r: any) => (r.apiGroups ?? ['']).some((g: string) => g === '' || g === '*') && (r.resources ?? []).some((x: string) => x === 'secrets' || x === '*'),
    );
    if (rules.length === 0) continue;
    const verbs = sorted(rules.flatMap((r: any) => r.verbs ?? []));
    const secrets = rules.some((r: any) => !r.resourceNames || r.resourceNames.length === 0) ? [] : sorted(rules.flatMap((r: any) => r.resourceNames));
    const bindings = objects
      .filter((b) => (b.kind === 'RoleBinding' || b.kind === 'ClusterRoleBinding') && (b as any).roleRef?.kind === role.kind && (b as any).roleRef?.name === role.metadata?.name)
      .map((b) => ({
        kind: b.kind!,
        name: b.metadata?.name ?? '',
        subjects: ((b as any).subjects ?? []).map((s: any) => (s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace ?? b.metadata?.namespace}/${s.name}` : `${s.kind} ${s.name}`)),
      }));
    out.push({ kind: role.kind!, name: role.metadata?.name ?? '', namespace: role.metadata?.namespace, verbs, secrets, bindings });
  }
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

/** The written ServiceAccounts other than `except`, with whether a pod gets their token and what cloud identity they stand for. */
export function otherServiceAccounts(objects: readonly WrittenObject[], except: string, namespace: string): { name: string; namespace: string; token: boolean; annotations: [string, string][] }[] {
  return objects
    .filter((o) => o.kind === 'ServiceAccount' && !(o.metadata?.name === except && (o.metadata?.namespace ?? namespace) === namespace))
    .map((o) => ({
      name: o.metadata?.name ?? '',
      namespace: o.metadata?.namespace ?? namespace,
      token: tokenMounted(objects, o.metadata?.name ?? ''),
      annotations: Object.entries(o.metadata?.annotations ?? {})
        .filter(([key]) => /role-arn|gcp-service-account|azure/.test(key))
        .sort(([a], [b]) => compareStrings(a, b)),
    }))
    .sort((a, b) => compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
}

// ---------------------------------------------------------------- Google (Config Connector)

/** One IAMPolicyMember: `member` holds `role` on `resource`. */
export interface GoogleGrant {
  readonly objectName: string;
  readonly member: string;
  readonly role: string;
  /** `SecretManagerSecret <name>`, or the external resource (a service account). */
  readonly resource: string;
}

export function googleGrants(objects: readonly WrittenObject[]): GoogleGrant[] {
  return objects
    .filter((o) => o.kind === 'IAMPolicyMember')
    .map((o) => {
      const spec = (o as any).spec ?? {};
      const ref = spec.resourceRef ?? {};
      const resource = ref.external ? `${ref.kind} ${ref.external}` : `${ref.kind} ${ref.name}`;
      const member = spec.member ?? JSON.stringify(spec.memberFrom ?? {});
      return { objectName: o.metadata?.name ?? '', member, role: spec.role ?? '', resource };
    })
    .sort((a, b) => compareStrings(a.objectName, b.objectName));
}

// ---------------------------------------------------------------- AWS (CloudFormation)

/** The actions that read a value or unlock one. */
const READ_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:BatchGetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
  'kms:Decrypt',
];

/** Whether an action of a policy (IAM matches case-insensitively, with `*` and `?` wildcards) covers a read action. */
function readsValues(action: string): boolean {
  const pattern = actionPattern(action);
  return READ_ACTIONS.some((read) => pattern.test(read));
}

function actionPattern(action: string): RegExp {
  return new RegExp(`^${action.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

/** What one IAM role of a template may read, and who may assume it. */
export interface IamReader {
  readonly logicalId: string;
  readonly roleName: string;
  /** Who may assume the role, in words. */
  readonly trust: readonly string[];
  /** The ServiceAccounts (`namespace/name`) whose tokens the trust policy accepts (IRSA). */
  readonly serviceAccounts: readonly string[];
  readonly grants: readonly { readonly actions: readonly string[]; readonly resources: readonly string[]; readonly condition?: string }[];
  /** ECS task definitions that run with it as their execution role (ECS fetches their `secrets` with it). */
  readonly ecsTasks: readonly { readonly family: string; readonly secrets: readonly string[] }[];
}

/** The IAM roles of `template` that may read a value (GetSecretValue, GetParameter(s), kms:Decrypt), sorted by role name. */
export function iamReaders(template: CfnTemplate): IamReader[] {
  const resources = template.Resources ?? {};
  const out: IamReader[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = resource.Properties ?? {};
    const documents: any[] = (props.Policies ?? []).map((p: any) => p.PolicyDocument);
    for (const other of Object.values(resources)) {
      if ((other.Type === 'AWS::IAM::Policy' || other.Type === 'AWS::IAM::ManagedPolicy') && (other.Properties?.Roles ?? []).some((r: any) => refersTo(r, logicalId))) {
        documents.push(other.Properties.PolicyDocument);
      }
    }
    const grants = documents
      .flatMap((d) => asArray(d?.Statement))
      .filter((s: any) => s.Effect === 'Allow')
      .map((s: any) => ({
        // An Allow with NotAction allows every action but those listed: a read unless every read is listed.
        actions:
          s.NotAction !== undefined
            ? READ_ACTIONS.some((read) => !asArray(s.NotAction).some((a) => typeof a === 'string' && actionPattern(a).test(read)))
              ? [`every action but ${asArray(s.NotAction).join(', ')}`]
              : []
            : (asArray(s.Action).filter((a: any) => typeof a === 'string' && readsValues(a)) as string[]),
        statement: s,
      }))
      .filter((g) => g.actions.length > 0)
      .map(({ actions, statement }) => ({
        actions,
        resources: asArray(statement.Resource).map((r) => describeResource(resources, r)),
        condition: statement.Condition?.StringEquals?.['kms:ViaService'] ? `through ${asArray(statement.Condition.StringEquals['kms:ViaService']).join(', ')}` : undefined,
      }));
    const managed = asArray(props.ManagedPolicyArns).map((arn) => ({ actions: ['(managed policy)'], resources: [describeResource(resources, arn)] }));
    if (grants.length + managed.length === 0) continue;
    const trustStatements = asArray(props.AssumeRolePolicyDocument?.Statement).filter((s: any) => s.Effect === 'Allow');
    const serviceAccounts = trustStatements.flatMap((s: any) =>
      Object.entries(s.Condition?.StringEquals ?? {})
        .filter(([key]) => key.endsWith(':sub'))
        .flatMap(([, value]) => asArray(value))
        .map((sub) => /^system:serviceaccount:([^:]+):(.+)$/.exec(String(sub)))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]}/${m[2]}`)
        .concat(podIdentityAccount(s) ?? []),
    );
    const ecsTasks = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ECS::TaskDefinition' && refersTo(r.Properties?.ExecutionRoleArn, logicalId))
      .map((r) => ({
        family: String(r.Properties?.Family ?? ''),
        secrets: sorted(asArray(r.Properties?.ContainerDefinitions).flatMap((c: any) => asArray(c.Secrets).map((s: any) => String(s.Name)))),
      }));
    out.push({
      logicalId,
      roleName: typeof props.RoleName === 'string' ? props.RoleName : logicalId,
      trust: trustStatements.map(describeTrust),
      serviceAccounts,
      grants: [...grants, ...managed],
      ecsTasks,
    });
  }
  return out.sort((a, b) => compareStrings(a.roleName, b.roleName));
}

/** Accounts whose IAM policies may grant use of a key of the template (a key policy statement for the account root). */
export function keyDelegations(template: CfnTemplate): { key: string; accounts: string[] }[] {
  const resources = template.Resources ?? {};
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::KMS::Key')
    .map(([id, r]) => ({
      key: describeResource(resources, { 'Fn::GetAtt': [id, 'Arn'] }),
      accounts: sorted(
        asArray(r.Properties?.KeyPolicy?.Statement)
          .filter((s: any) => s.Effect === 'Allow')
          .flatMap((s: any) => asArray(s.Principal?.AWS))
          .map((p) => /^arn:[^:]+:iam::(\d+):root$/.exec(String(p))?.[1])
          .filter((a): a is string => a !== undefined),
      ),
    }))
    .filter((k) => k.accounts.length > 0);
}

function describeTrust(statement: any): string {
  const principal = statement.Principal ?? {};
  const conditions = statement.Condition?.StringEquals ?? {};
  if (principal.Federated) {
    const sub = Object.entries(conditions).find(([key]) => key.endsWith(':sub'))?.[1];
    const aud = Object.entries(conditions).find(([key]) => key.endsWith(':aud'))?.[1];
    const account = /^system:serviceaccount:([^:]+):(.+)$/.exec(String(sub ?? ''));
    const who = account ? `ServiceAccount \`${account[1]}/${account[2]}\` through IRSA` : `any identity of \`${principal.Federated}\`${sub ? ` with subject \`${sub}\`` : ''}`;
    return `${who} (\`${asArray(statement.Action).join('`, `')}\` with OIDC provider \`${principal.Federated}\`${aud ? `, audience \`${aud}\`` : ''})`;
  }
  const podAccount = podIdentityAccount(statement);
  if (podAccount) {
    return `ServiceAccount \`${podAccount}\` of EKS cluster \`${conditions['aws:RequestTag/eks-cluster-name']}\` through EKS Pod Identity (\`${asArray(statement.Action).join('`, `')}\` by \`pods.eks.amazonaws.com\`)`;
  }
  if (principal.Service) {
    const account = conditions['aws:SourceAccount'];
    return `the AWS service ${asArray(principal.Service).map((s) => `\`${s}\``).join(', ')}${account ? ` for account \`${account}\`` : ''}`;
  }
  if (principal.AWS) return `the AWS principal ${asArray(principal.AWS).map((s) => `\`${typeof s === 'string' ? s : JSON.stringify(s)}\``).join(', ')}`;
  return `\`${JSON.stringify(principal)}\``;
}

/** `namespace/name` of the one ServiceAccount an EKS Pod Identity trust statement is pinned to (by its session tags), if it is. */
function podIdentityAccount(statement: any): string | undefined {
  const conditions = statement.Condition?.StringEquals ?? {};
  if (!asArray(statement.Principal?.Service).includes('pods.eks.amazonaws.com')) return undefined;
  const namespace = conditions['aws:RequestTag/kubernetes-namespace'];
  const account = conditions['aws:RequestTag/kubernetes-service-account'];
  const cluster = conditions['aws:RequestTag/eks-cluster-name'];
  return typeof namespace === 'string' && typeof account === 'string' && typeof cluster === 'string' ? `${namespace}/${account}` : undefined;
}

/** A resource of a policy statement in words: the secret's name, the parameter's, the key's alias. */
function describeResource(resources: NonNullable<CfnTemplate['Resources']>, value: unknown): string {
  const target = refTarget(value);
  if (target !== undefined) {
    const resource = resources[target];
    if (resource?.Type === 'AWS::SecretsManager::Secret') return `secret \`${resource.Properties?.Name ?? target}\``;
    if (resource?.Type === 'AWS::SSM::Parameter') return `parameter \`${resource.Properties?.Name ?? target}\``;
    if (resource?.Type === 'AWS::KMS::Key') {
      const alias = Object.values(resources).find((r) => r.Type === 'AWS::KMS::Alias' && refersTo(r.Properties?.TargetKeyId, target));
      return alias ? `KMS key \`${alias.Properties.AliasName}\`` : `KMS key \`${target}\``;
    }
    return `\`${target}\``;
  }
  if (typeof value === 'string') {
    const parameter = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(value);
    if (parameter) return `parameter \`${parameter[1]}\``;
    const secret = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.*)$/.exec(value);
    if (secret) return `secret \`${secret[1]}\``;
    return `\`${value}\``;
  }
  return `\`${JSON.stringify(value)}\``;
}

/** The logical ID a `Ref` or `Fn::GetAtt` points at. */
function refTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

function refersTo(value: unknown, logicalId: string): boolean {
  return refTarget(value) === logicalId;
}

function asArray(value: unknown): any[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareStrings);
}

