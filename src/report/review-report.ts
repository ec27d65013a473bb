import type { AwsControl } from '../cloud/aws/compliance';
import type { DeliveryMethod } from '../delivery/method';
import { tokenHolders } from '../audit/value-access';
import type { EnvironmentPlan, SecretPlan } from '../plan/plan';
import { CUSTODY_LABELS, describeAppMode } from '../plan/app-contract';
import { googleGrants, iamReaders, keyDelegations, otherServiceAccounts, secretRoleGrants, tokenMounted, type CfnTemplate, type IamReader, type WrittenObject } from './value-readers';
import { pushTo } from '../core/collections';
import { escapeCell, table } from './markdown-table';

/** The file name of the review report in `dist/<env>/`. */
export const REVIEW_REPORT_FILE = 'SECRETS.md';

export interface ReviewReportInput {
  readonly plan: EnvironmentPlan;
  /** The environment's delivery method, which writes its own part of the report. */
  readonly method: DeliveryMethod;
  /** The ServiceAccount the pods run as. */
  readonly serviceAccountName: string;
  /**
   * The Kubernetes objects written for the environment, as JSON: whether a token is mounted, which
   * Role grants which Secret to whom, the other identities and the Config Connector grants are read
   * off them, so the report says what the folder does.
   */
  readonly objects: readonly WrittenObject[];
  /** The Kubernetes Secret holding each delivered key; absent with Vault injection. */
  readonly secretOf?: (key: string) => string;
  /** The cdk-nag controls of the environment's AWS stack; absent without `aws:`. */
  readonly awsControls?: readonly AwsControl[];
  /** The environment's synthesized CloudFormation template (its IAM roles and key policy); absent without a stack. */
  readonly awsTemplate?: CfnTemplate;
}

/** The facts of the written objects that several lines state: one derivation, so that no two lines disagree. */
interface KubernetesFacts {
  /** Whether the application's pods get an API token. */
  readonly automountToken: boolean;
  /** The Role bound to the application's ServiceAccount that lets it `get` Secrets; absent when none is written. */
  readonly role?: { readonly name: string; readonly bindingName: string; readonly secrets: readonly string[] };
}

/**
 * What the secrets table looks up for each of its rows, derived once per report: a catalog has thousands of
 * rows, and searching the plan, the template or the objects for each was quadratic.
 */
interface RowLookups {
  /** The AWS location of each secret, by name. */
  readonly awsLocationOf: ReadonlyMap<string, AwsLocation>;
  /** The stack's IAM roles (none without a template). */
  readonly awsRoles: readonly IamReader[];
  /** The Secret Manager secret of each secret, by name. */
  readonly gcpSecretOf: ReadonlyMap<string, GcpSecret>;
  /** The members granted each Google resource (`SecretManagerSecret <name>`) by the written objects. */
  readonly googleMembersOf: ReadonlyMap<string, readonly string[]>;
  /** Who in the cluster reads the values of each Secret, by Secret name: filled as rows ask. */
  readonly clusterReaders: Map<string, string>;
}

/** The first item of each key. */
function firstBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) if (!out.has(keyOf(item))) out.set(keyOf(item), item);
  return out;
}

type AwsLocation = NonNullable<EnvironmentPlan['aws']>['locations'][number];
type GcpSecret = NonNullable<EnvironmentPlan['gcp']>['secrets'][number];

/** The report's input with the facts read off the written objects. */
type Input = ReviewReportInput & KubernetesFacts & RowLookups;

function rowLookups(input: ReviewReportInput): RowLookups {
  const googleMembersOf = new Map<string, string[]>();
  if (input.plan.gcp?.configConnector) for (const grant of googleGrants(input.objects)) pushTo(googleMembersOf, grant.resource, grant.member);
  return {
    awsLocationOf: firstBy(input.plan.aws?.locations ?? [], (l) => l.secret),
    awsRoles: input.awsTemplate ? iamReaders(input.awsTemplate) : [],
    gcpSecretOf: firstBy(input.plan.gcp?.secrets ?? [], (s) => s.env),
    googleMembersOf,
    clusterReaders: new Map(),
  };
}

function kubernetesFacts(input: ReviewReportInput): KubernetesFacts {
  const subject = `ServiceAccount ${input.plan.namespace}/${input.serviceAccountName}`;
  const grant = secretRoleGrants(input.objects).find((g) => g.bindings.some((b) => b.subjects.includes(subject)));
  const binding = grant?.bindings.find((b) => b.subjects.includes(subject));
  return {
    automountToken: tokenMounted(input.objects, input.serviceAccountName),
    role: grant && binding ? { name: grant.name, bindingName: binding.name, secrets: grant.secrets } : undefined,
  };
}

/**
 * `dist/<env>/SECRETS.md`: what a reviewer reads in a pull request. For each secret of the
 * catalog: whether it is required here and why, where its value comes from, what consumes it and
 * who can read it; then what is still open. Built from the plan alone, so it is as deterministic
 * as the manifests, and it never holds a value (only names, paths and fingerprints).
 */
export function reviewReport(given: ReviewReportInput): string {
  const input: Input = { ...given, ...kubernetesFacts(given), ...rowLookups(given) };
  const { plan } = input;
  const lines: string[] = [
    `# Secrets of environment \`${plan.name}\``,
    '',
    '<!-- Generated by aragora-secrets from the config: do not edit; run `aragora-secrets synth` (or `npx cdk8s synth`). -->',
    '',
    table(['', ''], overview(input)),
    '',
    '## Secrets',
    '',
    table(['secret', 'purpose', 'here', 'why', 'value from', 'consumed by', 'app reads it from', 'readable by'], plan.catalog.map((s) => secretRow(input, s))),
    '',
    '## Who can read the values',
    '',
    ...readers(input).map((line) => `- ${line}`),
    '',
    '## Open items',
    '',
    ...openItems(input).map((line) => `- ${line}`),
    '',
    ...controls(input),
  ];
  return lines.join('\n');
}

function overview(input: Input): string[][] {
  const { plan } = input;
  const features = Object.entries(plan.features).map(([name, on]) => `${name}: ${on ? 'on' : 'off'}`);
  return [
    ['namespace', code(plan.namespace)],
    ['tier', plan.tier],
    ['delivery', input.method.report.summary(plan, plan.delivery)],
    ['workload', workloadSummary(input)],
    ['application mode', describeAppMode(plan.workload.app)],
    ['features', features.length > 0 ? features.join(', ') : 'none'],
    ['egress', plan.network ? `NetworkPolicy ${code(plan.network.policyName)}: ${plan.network.egress.map((r) => r.purpose).join('; ')}` : 'no NetworkPolicy (network.enabled: false)'],
  ];
}

function workloadSummary(input: Input): string {
  const { plan } = input;
  const w = plan.workload;
  const how = input.method.report.injection?.(plan.delivery) ?? `\`${w.injection}\` injection`;
  return w.enabled
    ? `Deployment ${code(w.name)} (container ${code(w.containerName)}, ${w.replicas} replica${w.replicas === 1 ? '' : 's'}), ${how}`
    : `Deployment ${code(w.name)} managed elsewhere: apply \`patches/workload.patch.yaml\` (${how})`;
}

function secretRow(input: Input, secret: SecretPlan): string[] {
  const here = secret.status === 'one-of' ? `one of \`${secret.group}\`` : secret.status;
  if (secret.status === 'excluded') {
    return [code(secret.name), secret.purpose, 'not delivered', secret.reason, '—', '—', '—', '—'];
  }
  return [
    code(secret.name),
    secret.purpose,
    here,
    secret.reason,
    input.method.report.valueSource(input.plan, input.plan.delivery, secret),
    consumer(input, secret),
    appSource(input.plan, secret),
    readableBy(input, secret),
  ];
}

/** The application's source of the value, and whether strict mode lets it read it there. */
function appSource(plan: EnvironmentPlan, secret: SecretPlan): string {
  const source = CUSTODY_LABELS[secret.custody];
  if (!secret.critical) return source;
  if (secret.custody !== 'env') return `${source}; critical`;
  return plan.workload.app.strict ? `${source}; critical: **refused in strict mode**` : `${source}; critical: accepted only because strict mode is off`;
}

function consumer(input: Input, secret: SecretPlan): string {
  const { plan } = input;
  const w = plan.workload;
  const deployment = w.enabled ? `Deployment ${code(w.name)}` : `your Deployment ${code(w.name)} (patch)`;
  const byMethod = input.method.report.consumer?.(plan, plan.delivery, secret, deployment);
  if (byMethod !== undefined) return byMethod;
  const from = input.secretOf?.(secret.name) ?? plan.secretName;
  if (secret.custody === 'files' && w.files) return `${deployment}: file ${code(`${w.files.dir}/${secret.name}`)}, copied from Secret ${code(from)} by init container \`copy-secrets\``;
  if (w.injection === 'envFrom') return `${deployment}: envFrom Secret ${code(from)}`;
  const optional = secret.status === 'required' ? '' : ', optional';
  return `${deployment}: env ${code(secret.name)} ← Secret ${code(from)}${optional}`;
}

function readableBy(input: Input, secret: SecretPlan): string {
  const from = input.secretOf?.(secret.name) ?? input.plan.secretName;
  let cluster = input.clusterReaders.get(from);
  if (cluster === undefined) {
    cluster = clusterReadableBy(input, from);
    input.clusterReaders.set(from, cluster);
  }
  const cloud = cloudReadersOf(input, secret.name);
  return cloud.length > 0 ? `${cluster}; ${cloud.join('; ')}` : cluster;
}

/** Who in the cluster reads the values of the Secret `from`. */
function clusterReadableBy(input: Input, from: string): string {
  const { plan } = input;
  const section = input.method.report;
  if (section.readableBy) return section.readableBy(plan.delivery, input.serviceAccountName);
  const pods = `pods of ServiceAccount ${code(input.serviceAccountName)}, env set by the kubelet`;
  const role = input.role;
  if (!role) return `${pods}; no Role`;
  return role.secrets.includes(from) ? `${pods}, and API reads via Role ${code(role.name)}` : `${pods}; no Role grants Secret ${code(from)}`;
}

/** The Kubernetes Secrets the workload reads, sorted (none with Vault injection). */
function secretsRead(input: Input): string[] {
  if (!input.secretOf) return [];
  return [...new Set(input.plan.secrets.map((s) => input.secretOf!(s.name)))].sort();
}

function readers(input: Input): string[] {
  const { plan } = input;
  const section = input.method.report;
  const token = input.automountToken ? 'API token mounted' : 'no API token mounted';
  const account = `ServiceAccount ${code(input.serviceAccountName)} in ${code(plan.namespace)}`;
  const read = secretsRead(input).map(code).join(', ');
  const out: string[] = [];
  if (input.role) {
    out.push(
      `Kubernetes: ${account} (${token}, for the application's API reads). The kubelet reads ${read} for the pods' environment with its own credentials; ` +
        `the application also reads through the API (\`workload.readsSecretsThroughApi\`), which Role ${code(input.role.name)} allows ` +
        `(\`get\` on ${input.role.secrets.map(code).join(', ')}, nothing else), bound by RoleBinding ${code(input.role.bindingName)}.`,
    );
  } else if (section.kubernetesReader) {
    out.push(section.kubernetesReader(account, token) ?? '');
  } else if (read === '') {
    out.push(`Kubernetes: ${account} (${token}), bound to no Role: no Kubernetes Secret holds the values here (they reach the pods without one).`);
  } else {
    out.push(
      `Kubernetes: ${account} (${token}), bound to no Role: the kubelet reads ${read} for the pods' environment with its own credentials, ` +
        'and the application never reads Secrets through the API (set `workload.readsSecretsThroughApi` if it does).',
    );
  }
  out.push(...otherKubernetesReaders(input));
  if (input.secretOf) {
    out.push(
      `Kubernetes, beyond this folder: whoever the cluster's own RBAC lets \`get\` Secrets in ${code(plan.namespace)} reads them too ` +
        '(cluster administrators, and controllers bound to a ClusterRole on Secrets): review the ClusterRoleBindings and RoleBindings of the cluster.',
    );
  }
  out.push(...section.readers(plan, plan.delivery, input.serviceAccountName));
  out.push(...awsReaders(input));
  out.push(...googleReaders(input));
  const tokens = `token requests for every ServiceAccount identity (${tokenHolders(plan, input.method).map((r) => code(`${r.namespace}/${r.name}`)).join(', ')})`;
  out.push(
    section.readsAuditedElsewhere
      ? `Audit: ${section.readsAuditedElsewhere.where} (${section.readsAuditedElsewhere.how}); \`audit-policy.yaml\` records ${tokens}.`
      : `Audit: \`audit-policy.yaml\` records every access to these Secrets at Metadata level, and ${tokens}.`,
  );
  return out;
}

/** Roles granting Secrets to others than the application, and the other ServiceAccounts of the folder (a store's identity). */
function otherKubernetesReaders(input: Input): string[] {
  const { plan } = input;
  const out: string[] = [];
  for (const grant of secretRoleGrants(input.objects)) {
    if (grant.name === input.role?.name && grant.kind === 'Role') continue;
    const what = grant.secrets.length > 0 ? `Secrets ${grant.secrets.map(code).join(', ')}` : 'every Secret';
    const to = grant.bindings.length > 0 ? grant.bindings.map((b) => `${b.subjects.map(code).join(', ')} (${b.kind} ${code(b.name)})`).join('; ') : 'no subject (no binding in this folder)';
    out.push(`Kubernetes: ${grant.kind} ${code(grant.name)} allows ${grant.verbs.map(code).join(', ')} on ${what}, bound to ${to}.`);
  }
  for (const account of otherServiceAccounts(input.objects, input.serviceAccountName, plan.namespace)) {
    const standsFor = account.annotations.map(([key, value]) => `stands for ${code(value)} through ${code(key)}`).join(', ');
    out.push(
      `Kubernetes: ServiceAccount ${code(`${account.namespace}/${account.name}`)} (${account.token ? 'API token mounted' : 'no API token mounted'}${standsFor ? `; ${standsFor}` : ''}): ` +
        'whoever may request a token for it (the TokenRequest API) acts as that identity.',
    );
  }
  return out;
}

/** The IAM roles of the environment's stack that may read a value, with their trust, grants and the ECS tasks that use them. */
function awsReaders(input: Input): string[] {
  const template = input.awsTemplate;
  if (!template || !input.plan.aws) return [];
  const stack = code(input.plan.aws.stackName);
  const out = iamReaders(template).map((role) => {
    const grants = role.grants.map((g) => `${g.actions.map(code).join(', ')} on ${g.resources.join(', ')}${g.condition ? ` (${g.condition})` : ''}`).join('; ');
    const tasks = role.ecsTasks.map((t) => ` ECS task definition ${code(t.family)} runs with it as its execution role: ECS fetches ${t.secrets.map(code).join(', ')} with it into the containers' environment.`).join('');
    return `AWS: IAM role ${code(role.roleName)} (stack ${stack}), which ${role.trust.join(' or ')} may assume: ${grants}.${tasks}`;
  });
  for (const delegation of keyDelegations(template)) {
    out.push(
      `AWS: the key policy of ${delegation.key} lets IAM policies of account ${delegation.accounts.map(code).join(', ')} grant its use: a principal of the account ` +
        'whose own policies allow a read action and `kms:Decrypt` on these secrets can read them too (none is made here besides the roles above).',
    );
  }
  return out;
}

/**
 * The Google grants: the IAMPolicyMember objects written (Config Connector), else the ones the gcloud
 * scripts make from the same plan (`gcp/setup.sh`, `gcp/eso-workload-identity.sh`).
 */
function googleReaders(input: Input): string[] {
  const { plan } = input;
  const out: string[] = [];
  const grants = googleGrants(input.objects);
  const byMember = new Map<string, typeof grants>();
  for (const grant of grants) pushTo(byMember, `${grant.member} ${grant.role}`, grant);
  for (const group of byMember.values()) {
    out.push(
      `Google: ${code(group[0].member)} has ${code(group[0].role)} on ${group.map((g) => g.resource).map(code).join(', ')} ` +
        `(IAMPolicyMember ${group.map((g) => code(g.objectName)).join(', ')}, Config Connector).`,
    );
  }
  const gcp = plan.gcp;
  if (gcp && !gcp.configConnector) {
    out.push(
      `Google: ${code(gcp.serviceAccount.member)} has \`roles/secretmanager.secretAccessor\` on secrets ${gcp.secrets.map((s) => code(s.secretId)).join(', ')} ` +
        `of project ${code(gcp.project)} (\`gcp/setup.sh\`).`,
    );
    if (gcp.workloadIdentity) {
      out.push(`Google: ${code(gcp.workloadIdentity.member)} has \`roles/iam.workloadIdentityUser\` on ${code(gcp.serviceAccount.email)} (\`gcp/setup.sh\`).`);
    }
    if (gcp.podWorkloadIdentity) {
      out.push(`Google: ${code(gcp.podWorkloadIdentity.member)} (the application's pods) has \`roles/iam.workloadIdentityUser\` on ${code(gcp.serviceAccount.email)} (\`gcp/setup.sh\`).`);
    }
  }
  if (gcp?.cloudRun) out.push(`Google: Cloud Run service ${code(gcp.cloudRun.service)} runs as ${code(gcp.serviceAccount.email)} and gets the values in its environment (\`cloudrun/service.yaml\`).`);
  const eso = plan.esoIdentity?.gcp;
  if (eso?.gcpServiceAccount) {
    const ids = input.method.remoteSecretIds?.(plan.delivery) ?? [];
    out.push(
      `Google: ${code(eso.member)} has ${code(eso.role)} on ${code(eso.gcpServiceAccount)}, which has \`roles/secretmanager.secretAccessor\` on secrets ` +
        `${ids.map(code).join(', ')} of project ${code(eso.secretProject)} (\`gcp/eso-workload-identity.sh\`).`,
    );
  }
  return out;
}

/** The cloud identities that may read one secret's value where it is stored (the same facts as the lines above). */
function cloudReadersOf(input: Input, name: string): string[] {
  const { plan } = input;
  const out: string[] = [];
  const location = input.awsLocationOf.get(name);
  if (location && input.awsTemplate) {
    const resource = location.store === 'secretsManager' ? `secret ${code(location.secretName)}` : `parameter ${code(location.parameterName)}`;
    const roles = input.awsRoles.filter((role: IamReader) => role.grants.some((g) => g.resources.includes(resource) && !g.actions.every((a) => a.startsWith('kms:'))));
    if (roles.length > 0) out.push(`AWS: IAM role ${roles.map((r) => code(r.roleName)).join(', ')} (${resource})`);
  }
  const stored = input.gcpSecretOf.get(name);
  if (stored && plan.gcp) {
    const members = plan.gcp.configConnector ? (input.googleMembersOf.get(`SecretManagerSecret ${stored.resourceName}`) ?? []) : [plan.gcp.serviceAccount.member];
    if (members.length > 0) out.push(`Google: ${members.map(code).join(', ')} (secret ${code(stored.secretId)})`);
  }
  return out;
}

function openItems(input: Input): string[] {
  const { plan } = input;
  const items: string[] = [...input.method.report.openItems(plan, plan.delivery)];
  for (const group of plan.oneOfGroups) {
    const committed = group.members.map((member) => input.method.report.valueCommitted?.(plan.delivery, member));
    // A group whose value is in the committed inputs is settled; the method knows when none of them is.
    if (committed.some((known) => known === true)) continue;
    const members = `${group.members.map(code).join(', ')} (group \`${group.group}\`)`;
    items.push(
      committed.every((known) => known === false)
        ? `At least one of ${members} must have a value, and none has one in the committed inputs yet.`
        : `At least one of ${members} must have a value.`,
    );
  }
  const excluded = plan.catalog.filter((s) => s.status === 'excluded');
  if (excluded.length > 0) items.push(`Not delivered here: ${excluded.map((s) => `${code(s.name)} (${s.reason})`).join(', ')}.`);
  if (!plan.workload.enabled) items.push(`The Deployment is managed elsewhere: apply \`patches/workload.patch.yaml\` to it.`);
  for (const warning of plan.warnings) items.push(escapeCell(warning));
  return items.length > 0 ? items : ['None.'];
}

/**
 * `## Controls`: what the Kubernetes manifests enforce, then every cdk-nag rule that applies to the AWS
 * stack, passed or acknowledged in the code (with the reason), with the control IDs the pack names.
 */
function controls(input: Input): string[] {
  const { plan } = input;
  const w = plan.workload;
  const kubernetes: string[][] = [
    [
      'Pod Security Standard',
      plan.createNamespace
        ? `namespace ${code(plan.namespace)} enforces \`restricted\` (label \`pod-security.kubernetes.io/enforce\`)`
        : `namespace ${code(plan.namespace)} is not made here: label it \`pod-security.kubernetes.io/enforce: restricted\``,
    ],
    [
      'pod security context',
      w.enabled
        ? `Deployment ${code(w.name)}: seccomp \`RuntimeDefault\`, no privilege escalation, every capability dropped${w.runAsNonRoot ? ', runs as non-root' : ''}`
        : `Deployment ${code(w.name)} managed elsewhere: not enforced here`,
    ],
    [
      'RBAC scope',
      input.role
        ? `Role ${code(input.role.name)}: \`get\` on ${input.role.secrets.map(code).join(', ')} only, bound to ServiceAccount ${code(input.serviceAccountName)}`
        : `no Role: ServiceAccount ${code(input.serviceAccountName)} may read no Secret through the API`,
    ],
    [
      'API token',
      !input.automountToken ? 'not mounted' : input.role ? `mounted (for the application's API reads through Role ${code(input.role.name)})` : 'mounted (needed by the delivery method)',
    ],
    ['egress', plan.network ? `NetworkPolicy ${code(plan.network.policyName)}: egress denied but for ${plan.network.egress.map((r) => r.purpose).join('; ')}` : 'no NetworkPolicy (`network.enabled: false`)'],
    [
      'audit policy',
      input.method.report.readsAuditedElsewhere
        ? `\`audit-policy.yaml\`: token requests of every ServiceAccount identity (${input.method.report.readsAuditedElsewhere.where}: ${input.method.report.readsAuditedElsewhere.how})`
        : "`audit-policy.yaml`: every access to the application's Secrets at Metadata level, and token requests of every ServiceAccount identity",
    ],
  ];
  const lines = ['## Controls', '', '### Kubernetes manifests', '', table(['control', 'enforced'], kubernetes), ''];
  if (!input.awsControls || !plan.aws) return lines;
  const rows = input.awsControls.map((c) => [
    code(c.rule),
    c.check,
    c.resources.map(code).join(', '),
    c.status === 'acknowledged' ? `acknowledged: ${c.reason}` : c.status,
    c.controls.length > 0 ? c.controls.join(', ') : '—',
  ]);
  const counts = (status: AwsControl['status']) => input.awsControls!.filter((c) => c.status === status).length;
  lines.push(
    `### AWS stack ${code(plan.aws.stackName)} (cdk-nag 3.0.2)`,
    '',
    `Packs: ${plan.aws.nagPacks.map(code).join(', ')} (\`aws.nagPacks\`). Every rule that applies to a resource of the stack: ` +
      `${counts('passed')} passed, ${counts('acknowledged')} acknowledged in the code with the reason below, ${counts('warning')} warnings. An unacknowledged error fails the synth.`,
    '',
    table(['rule', 'finding when broken', 'resources', 'result', 'control IDs'], rows),
    '',
  );
  return lines;
}

function code(text: string): string {
  return `\`${text}\``;
}
