import { posix } from 'node:path';
import { VAULT_SERVER_COMMENT } from '../artifacts/vault-policy';
import { describe, folderNamespaces, folderResolver, groupOf, podSpecOf } from './objects';
import type { K8sObject, ManifestTree, Problem, Rule } from './types';

/**
 * One environment's grants touch that environment's things only. Every policy of the output is read
 * back into grants, per environment folder: Vault policies (`*.hcl`) and the Vault roles that use
 * them (the agent's pod annotations, the External Secrets stores), Roles and RoleBindings, the IAM
 * policies and trust policies of the CloudFormation templates, Config Connector IAMPolicyMembers and
 * the gcloud bindings of the scripts. Then, across folders:
 *
 * - a resource (Vault path, Secret, ARN, Secret Manager secret) granted in two environments, or a
 *   pattern (`secret/data/aragora/*`, `arn:...:secret:*`) that matches another environment's;
 * - an identity (Vault role, ServiceAccount, IAM member) granted in two environments: it reads both;
 * - a ServiceAccount or Secret of another environment's namespace in an environment's grants.
 */

type System = 'vault' | 'kubernetes' | 'aws' | 'gcp';

interface Grant {
  readonly folder: string;
  readonly file: string;
  /** The object or file that grants, as violations name it. */
  readonly owner: string;
  readonly location?: string;
  readonly kind: 'resource' | 'identity';
  readonly system: System;
  /** Where the name is meaningful (a Vault server); undefined when unknown: then it may be any. */
  readonly scope?: string;
  readonly name: string;
  /** How a reviewer reads it: `Vault path "secret/data/x"`. */
  readonly label: string;
  /** The namespace of a Kubernetes resource or ServiceAccount. */
  readonly namespace?: string;
}

export const environmentIsolation: Rule = {
  id: 'environment-isolation',
  phase: 'files',
  severity: 'error',
  what: "a policy of one environment touching another's things: a path, Secret, ARN or secret granted in two environments, a pattern reaching another's, an identity granted in two, a ServiceAccount or Secret of another environment's namespace",
  why: "either environment's identity could read the other's secrets: a development workload would read production's",
  fix: 'give each environment its own identity (store, Vault role, ServiceAccount, service account) and its own paths and secrets, granted by exact name',
  check: ({ tree }) => {
    const grants = collectGrants(tree);
    const folders = [...new Set(grants.map((g) => g.folder))];
    if (folders.length < 2) return [];
    const namespaceOf = folderNamespaces(tree);
    const out: Problem[] = [];
    for (const grant of grants) {
      const others = grants.filter((other) => other.folder !== grant.folder && sameThing(grant, other));
      if (others.length > 0) {
        const where = environments(others.map((o) => o.folder));
        out.push(
          violation(
            grant,
            grant.kind === 'identity'
              ? `${grant.label} is granted in ${where} too: one identity reads the secrets of both environments`
              : isPattern(grant.name) && !others.every((o) => o.name === grant.name)
                ? `${grant.label} also matches ${others.map((o) => o.label).filter(unique).join(', ')} of ${where}`
                : `grants ${grant.label}, which ${where} also ${others.length === 1 ? 'grants' : 'grant'}: either environment's identity can read the other's secrets`,
            grant.kind === 'identity'
              ? 'give each environment an identity of its own (its own store, Vault role, ServiceAccount or service account)'
              : 'give each environment its own paths and secrets (its own store or KV mount, remote keys or project), and grant exact names, not patterns',
          ),
        );
      }
      const foreign = grant.namespace !== undefined && grant.namespace !== namespaceOf.get(grant.folder) ? [...namespaceOf].find(([folder, ns]) => folder !== grant.folder && ns === grant.namespace) : undefined;
      if (foreign) {
        out.push(
          violation(
            grant,
            `${grant.kind === 'identity' ? 'grants to' : 'grants'} ${grant.label}, which belongs to ${environments([foreign[0]])} (namespace ${grant.namespace})`,
            "grant an environment's own ServiceAccounts its own Secrets only",
          ),
        );
      }
    }
    return out;
  },
};

function violation(grant: Grant, message: string, fix: string): Problem {
  return { resource: grant.owner, file: grant.file, location: grant.location, message, fix };
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}

function environments(folders: readonly string[]): string {
  const names = [...new Set(folders.map((f) => posix.basename(f)))].sort();
  return names.length === 1 ? `environment ${names[0]}` : `environments ${names.join(', ')}`;
}

function sameThing(a: Grant, b: Grant): boolean {
  if (a.kind !== b.kind || a.system !== b.system) return false;
  if (a.scope !== undefined && b.scope !== undefined && a.scope !== b.scope) return false;
  if (a.kind === 'identity') return a.name === b.name;
  return a.name === b.name || matches(a.name, b.name) || matches(b.name, a.name);
}

function isPattern(name: string): boolean {
  return /[*?+]/.test(name);
}

/** Whether `pattern` (Vault `*` suffix and `+` segments, IAM `*` and `?`) matches the name `other`. */
function matches(pattern: string, other: string): boolean {
  if (!isPattern(pattern) || isPattern(other)) return false;
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c === '+' ? '[^/]+' : c.replace(/[.\\^$|(){}[\]]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(other);
}

function collectGrants(tree: ManifestTree): Grant[] {
  const folderOf = folderResolver(tree);
  const grants: Grant[] = [];
  for (const file of tree.files) {
    if (file.path.endsWith('.hcl')) grants.push(...vaultPolicyGrants(folderOf(file.path), file.path, file.content));
    else if (file.path.endsWith('.template.json')) grants.push(...iamGrants(folderOf(file.path), file.path, file.content));
    else if (file.path.endsWith('.sh')) grants.push(...gcloudGrants(folderOf(file.path), file.path, file.content));
  }
  for (const { folder, file, object } of tree.objects) grants.push(...objectGrants(tree, folder, file, object));
  return grants;
}

/** `path "secret/data/x" { capabilities = [...] }` blocks that grant something (not `deny`). */
function vaultPolicyGrants(folder: string, file: string, content: string): Grant[] {
  const server = content
    .split('\n')
    .find((line) => line.startsWith(VAULT_SERVER_COMMENT))
    ?.slice(VAULT_SERVER_COMMENT.length)
    .trim();
  const scope = server && !server.startsWith('(') ? normalizeServer(server) : undefined;
  const grants: Grant[] = [];
  for (const match of content.matchAll(/^\s*path\s+"([^"]+)"\s*\{([^}]*)\}/gm)) {
    const capabilities = /capabilities\s*=\s*\[([^\]]*)\]/.exec(match[2])?.[1] ?? '';
    if (/"deny"/.test(capabilities) || !/"\w+"/.test(capabilities)) continue;
    grants.push({ folder, file, owner: `Vault policy ${file}`, location: `path "${match[1]}"`, kind: 'resource', system: 'vault', scope, name: match[1], label: `Vault path "${match[1]}"` });
  }
  return grants;
}

function normalizeServer(address: string): string {
  const [url, ...rest] = address.split(' ');
  return [url.toLowerCase().replace(/\/+$/, ''), ...rest].join(' ');
}

/** Vault roles (agent annotations, stores), RBAC, Config Connector IAM members. */
function objectGrants(tree: ManifestTree, folder: string, file: string, object: K8sObject): Grant[] {
  const owner = describe(object);
  const base = { folder, file, owner };
  const grants: Grant[] = [];
  const pod = podSpecOf(object);
  const annotations: Record<string, string> | undefined = object.spec?.template?.metadata?.annotations ?? (object.kind === 'Pod' ? object.metadata.annotations : undefined);
  if (pod && annotations?.['vault.hashicorp.com/agent-inject'] === 'true' && annotations['vault.hashicorp.com/role']) {
    const server = annotations['vault.hashicorp.com/service'];
    const scope = server ? normalizeServer(`${server}${annotations['vault.hashicorp.com/namespace'] ? ` namespace ${annotations['vault.hashicorp.com/namespace']}` : ''}`) : undefined;
    const authPath = annotations['vault.hashicorp.com/auth-path'] ?? 'auth/kubernetes';
    const role = annotations['vault.hashicorp.com/role'];
    grants.push({ ...base, location: 'spec.template.metadata.annotations', kind: 'identity', system: 'vault', scope, name: `${authPath}/role/${role}`, label: `Vault role "${role}" (${authPath})` });
  }
  if ((object.kind === 'SecretStore' || object.kind === 'ClusterSecretStore') && groupOf(object.apiVersion) === 'external-secrets.io') {
    const cluster = object.kind === 'ClusterSecretStore';
    // One cluster-wide object: whatever identity it uses (its own or the controller's), it reads for every environment that shares it.
    if (cluster) grants.push({ ...base, kind: 'identity', system: 'kubernetes', name: `ClusterSecretStore/${object.metadata.name}`, label: `ClusterSecretStore "${object.metadata.name}"` });
    const storeNamespace = object.metadata.namespace ?? '';
    const refOf = (ref: any) => (typeof ref?.name === 'string' ? { namespace: cluster ? (ref.namespace ?? '') : storeNamespace, name: ref.name as string } : undefined);
    const provider = object.spec?.provider ?? {};
    for (const [location, ref] of [
      ['spec.provider.vault.auth.kubernetes.serviceAccountRef', provider.vault?.auth?.kubernetes?.serviceAccountRef],
      ['spec.provider.aws.auth.jwt.serviceAccountRef', provider.aws?.auth?.jwt?.serviceAccountRef],
      ['spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef', provider.gcpsm?.auth?.workloadIdentity?.serviceAccountRef],
    ] as const) {
      const sa = refOf(ref);
      if (sa && sa.namespace) grants.push(serviceAccountGrant({ ...base, location }, sa.namespace, sa.name));
    }
    const vault = object.spec?.provider?.vault;
    const k = vault?.auth?.kubernetes;
    if (vault?.server && k?.role) {
      const authPath = `auth/${k.mountPath ?? 'kubernetes'}`;
      const scope = normalizeServer(`${vault.server}${vault.namespace ? ` namespace ${vault.namespace}` : ''}`);
      grants.push({ ...base, location: 'spec.provider.vault.auth.kubernetes', kind: 'identity', system: 'vault', scope, name: `${authPath}/role/${k.role}`, label: `Vault role "${k.role}" (${authPath}) of store ${object.metadata.name}` });
    }
  }
  if (object.kind === 'Role' && groupOf(object.apiVersion) === 'rbac.authorization.k8s.io') {
    const ns = object.metadata.namespace ?? '';
    (Array.isArray(object.rules) ? object.rules : []).forEach((rule: any, i: number) => {
      if (!(rule.resources ?? []).includes('secrets')) return;
      for (const name of rule.resourceNames ?? []) {
        grants.push({ ...base, location: `rules[${i}].resourceNames`, kind: 'resource', system: 'kubernetes', name: `${ns}/${name}`, namespace: ns, label: `Secret ${ns}/${name}` });
      }
    });
  }
  if (object.kind === 'RoleBinding' && groupOf(object.apiVersion) === 'rbac.authorization.k8s.io') {
    const ns = object.metadata.namespace ?? '';
    const role = tree.objects.find((o) => o.folder === folder && o.object.kind === 'Role' && o.object.metadata.name === object.roleRef?.name && o.object.metadata.namespace === ns);
    const readsSecrets = (role?.object.rules ?? []).some((rule: any) => (rule.resources ?? []).includes('secrets'));
    (Array.isArray(object.subjects) ? object.subjects : []).forEach((subject: any, i: number) => {
      if (!readsSecrets || subject?.kind !== 'ServiceAccount') return;
      grants.push(serviceAccountGrant({ ...base, location: `subjects[${i}]` }, subject.namespace ?? ns, subject.name));
    });
  }
  if (object.kind === 'IAMPolicyMember' && groupOf(object.apiVersion) === 'iam.cnrm.cloud.google.com') {
    const member: string | undefined = object.spec?.member;
    const ref = object.spec?.resourceRef ?? {};
    if (member) grants.push(...memberGrants({ ...base, location: 'spec.member' }, member));
    const external = typeof ref.external === 'string' ? ref.external : '';
    const target =
      ref.kind === 'SecretManagerSecret'
        ? (secretManagerName(tree, folder, ref) ?? external.replace(/^projects\/([^/]+)\/secrets\//, '$1/'))
        : ref.kind === 'IAMServiceAccount'
          ? external.replace(/^projects\/[^/]+\/serviceAccounts\//, '')
          : external;
    if (target) grants.push({ ...base, location: 'spec.resourceRef', kind: 'resource', system: 'gcp', name: target, label: `${ref.kind === 'IAMServiceAccount' ? 'service account' : 'SecretManagerSecret'} ${target}` });
  }
  return grants;
}

/** `project/secret-id` of a SecretManagerSecret of the folder (Config Connector names the project in an annotation). */
function secretManagerName(tree: ManifestTree, folder: string, ref: { name?: string; namespace?: string }): string | undefined {
  const secret = typeof ref.name === 'string' ? secretManagerSecretsOf(tree).get(`${folder}\u0000${ref.name}`) : undefined;
  if (!secret) return undefined;
  const project = secret.metadata.annotations?.['cnrm.cloud.google.com/project-id'] ?? secret.metadata.namespace;
  return `${project}/${secret.spec?.resourceID ?? secret.metadata.name}`;
}

/**
 * The SecretManagerSecrets of a tree by folder and name (the first of each), indexed once per tree: each of
 * an environment's IAMPolicyMembers names one, and a search of every object for each was quadratic.
 */
function secretManagerSecretsOf(tree: ManifestTree): ReadonlyMap<string, K8sObject> {
  let index = secretManagerIndexes.get(tree);
  if (index === undefined) {
    index = new Map();
    for (const o of tree.objects) {
      const key = `${o.folder}\u0000${o.object.metadata.name}`;
      if (o.object.kind === 'SecretManagerSecret' && !index.has(key)) index.set(key, o.object);
    }
    secretManagerIndexes.set(tree, index);
  }
  return index;
}

const secretManagerIndexes = new WeakMap<ManifestTree, Map<string, K8sObject>>();

function serviceAccountGrant(base: Pick<Grant, 'folder' | 'file' | 'owner' | 'location'>, namespace: string, name: string): Grant {
  return { ...base, kind: 'identity', system: 'kubernetes', name: `${namespace}/${name}`, namespace, label: `ServiceAccount ${namespace}/${name}` };
}

/** A GCP member: Workload Identity names a Kubernetes ServiceAccount, the others a Google principal. */
function memberGrants(base: Pick<Grant, 'folder' | 'file' | 'owner' | 'location'>, member: string): Grant[] {
  const workload = /^serviceAccount:[^[]+\.svc\.id\.goog\[([^/\]]+)\/([^\]]+)\]$/.exec(member);
  if (workload) return [serviceAccountGrant(base, workload[1], workload[2])];
  return [{ ...base, kind: 'identity', system: 'gcp', name: member, label: `member "${member}"` }];
}

/** IAM policies of a CloudFormation template: literal ARNs granted, and the ServiceAccounts a role trusts. */
function iamGrants(folder: string, file: string, content: string): Grant[] {
  let template: any;
  try {
    template = JSON.parse(content);
  } catch {
    return [];
  }
  const grants: Grant[] = [];
  for (const [id, resource] of Object.entries<any>(template?.Resources ?? {})) {
    const owner = `${resource?.Type ?? 'resource'} ${id} (${file})`;
    const documents: [string, any][] = [];
    if (resource?.Type === 'AWS::IAM::Role') {
      (resource.Properties?.Policies ?? []).forEach((p: any, i: number) => documents.push([`Properties.Policies[${i}]`, p?.PolicyDocument]));
      const trust = resource.Properties?.AssumeRolePolicyDocument;
      for (const statement of asArray(trust?.Statement)) {
        for (const [key, value] of Object.entries<any>(statement?.Condition?.StringEquals ?? {})) {
          if (!key.endsWith(':sub')) continue;
          for (const subject of asArray(value)) {
            const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(String(subject));
            if (sa) grants.push(serviceAccountGrant({ folder, file, owner, location: 'Properties.AssumeRolePolicyDocument' }, sa[1], sa[2]));
          }
        }
      }
    } else if (resource?.Type === 'AWS::IAM::Policy' || resource?.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(['Properties.PolicyDocument', resource.Properties?.PolicyDocument]);
    }
    for (const [location, document] of documents) {
      for (const statement of asArray(document?.Statement)) {
        if (statement?.Effect !== 'Allow') continue;
        // References to the template's own resources ({ Ref }, { Fn::GetAtt }) are the environment's by construction.
        for (const arn of asArray(statement.Resource).filter((r): r is string => typeof r === 'string')) {
          grants.push({ folder, file, owner, location, kind: 'resource', system: 'aws', name: arn, label: `"${arn}"` });
        }
      }
    }
  }
  return grants;
}

/** `gcloud secrets|iam service-accounts add-iam-policy-binding NAME --project P --member M` in a script. */
function gcloudGrants(folder: string, file: string, content: string): Grant[] {
  const grants: Grant[] = [];
  const unquote = (value: string) => value.replace(/^(['"])(.*)\1$/, '$2');
  for (const command of content.replace(/\\\n/g, ' ').split('\n')) {
    const binding = /gcloud\s+(secrets|iam\s+service-accounts)\s+add-iam-policy-binding\s+(\S+)(.*)/.exec(command);
    if (!binding) continue;
    const option = (name: string) => new RegExp(`--${name}(?:=|\\s+)(\\S+)`).exec(binding[3])?.[1];
    const target = unquote(binding[2]);
    const project = option('project') && unquote(option('project')!);
    const member = option('member') && unquote(option('member')!);
    const base = { folder, file, owner: `script ${file}`, location: `gcloud ${binding[1].replace(/\s+/g, ' ')} add-iam-policy-binding ${target}` };
    const name = binding[1] === 'secrets' ? `${project ?? '?'}/${target}` : target;
    grants.push({ ...base, kind: 'resource', system: 'gcp', name, label: `${binding[1] === 'secrets' ? 'SecretManagerSecret' : 'service account'} ${name}` });
    if (member) grants.push(...memberGrants(base, member));
  }
  return grants;
}

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

