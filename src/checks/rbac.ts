import { describe, groupOf, inFolder, podSpecOf } from './objects';
import type { K8sObject, ManifestObject, Problem, Rule } from './types';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** Built-in ClusterRoles that read Secrets (`view` does not). */
const BUILTIN_SECRET_READERS = ['cluster-admin', 'admin', 'edit'];

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

function isRbac(object: K8sObject, kind: string): boolean {
  return object.kind === kind && groupOf(object.apiVersion) === RBAC_GROUP;
}

function rulesOf(object: K8sObject): PolicyRule[] {
  return Array.isArray(object.rules) ? object.rules : [];
}

/** Whether a rule grants anything on core `secrets` (directly, by wildcard, or on a subresource). */
export function touchesSecrets(rule: PolicyRule): boolean {
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  return (groups.includes('') || groups.includes('*')) && resources.some((r) => r === '*' || r === 'secrets' || r.startsWith('secrets/'));
}

export const secretAccessGetOnly: Rule = {
  id: 'secret-access-get-only',
  phase: 'objects',
  severity: 'error',
  what: 'a Role granting more than `get` on Secrets, or on Secrets it does not name (`resourceNames`)',
  why: '`list` and `watch` return every value of the namespace, and a rule without resourceNames reaches every Secret in it',
  fix: '`verbs: [get]` with `resourceNames` listing the Secrets the workload reads (`secret.grantRead(reader)`)',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, object } of tree.objects) {
      if (!isRbac(object, 'Role')) continue;
      rulesOf(object).forEach((rule, i) => {
        if (!touchesSecrets(rule)) return;
        const extra = (rule.verbs ?? []).filter((v) => v !== 'get');
        if (extra.length > 0) {
          out.push({
            resource: describe(object),
            file,
            location: `rules[${i}].verbs`,
            message: `grants ${extra.map((v) => `"${v}"`).join(', ')} on Secrets${extra.some((v) => v === 'list' || v === 'watch' || v === '*') ? ': list and watch return every value in the namespace' : ''}`,
            fix: 'keep only verbs: [get] with resourceNames listing the Secrets the workload reads',
          });
        }
        if ((rule.resourceNames ?? []).length === 0) {
          out.push({
            resource: describe(object),
            file,
            location: `rules[${i}].resourceNames`,
            message: 'names no Secret (resourceNames is empty), so it applies to every Secret of the namespace',
            fix: 'list the Secrets the workload reads in resourceNames (secret.grantRead(reader) does)',
          });
        }
      });
    }
    return out;
  },
};

export const noClusterWideSecretAccess: Rule = {
  id: 'no-cluster-wide-secret-access',
  phase: 'objects',
  severity: 'error',
  what: 'a ClusterRole touching Secrets; a (Cluster)RoleBinding to one, or to `cluster-admin`, `admin`, `edit`',
  why: 'a ClusterRole applies in every namespace it is bound in: it reads the Secrets of other environments and applications',
  fix: 'a namespaced Role with `get` on the named Secrets, bound by a RoleBinding in the environment\'s namespace',
  check: ({ tree }) => {
    const out: Problem[] = [];
    const clusterRoles = new Map<string, ManifestObject>();
    for (const entry of tree.objects) {
      if (!isRbac(entry.object, 'ClusterRole')) continue;
      clusterRoles.set(entry.object.metadata.name, entry);
      rulesOf(entry.object).forEach((rule, i) => {
        if (!touchesSecrets(rule)) return;
        out.push({
          resource: describe(entry.object),
          file: entry.file,
          location: `rules[${i}]`,
          message: 'grants access to Secrets cluster-wide (a ClusterRole applies in every namespace it is bound in)',
          fix: 'use a namespaced Role with get on the named Secrets, bound by a RoleBinding in the environment\'s namespace',
        });
      });
    }
    for (const { file, object } of tree.objects) {
      if (!isRbac(object, 'ClusterRoleBinding') && !isRbac(object, 'RoleBinding')) continue;
      const ref = object.roleRef as { kind?: string; name?: string } | undefined;
      if (ref?.kind !== 'ClusterRole' || !ref.name) continue;
      const local = clusterRoles.get(ref.name);
      const readsSecrets = local ? rulesOf(local.object).some(touchesSecrets) : BUILTIN_SECRET_READERS.includes(ref.name);
      if (!readsSecrets) continue;
      out.push({
        resource: describe(object),
        file,
        location: 'roleRef',
        message: `binds ClusterRole "${ref.name}", which can read Secrets${object.kind === 'ClusterRoleBinding' ? ' in every namespace' : ' (list included)'}`,
        fix: 'bind a namespaced Role that grants get on the named Secrets only',
      });
    }
    return out;
  },
};

export const noRbacWildcards: Rule = {
  id: 'no-rbac-wildcards',
  phase: 'objects',
  severity: 'error',
  what: '`*` in verbs, resources, API groups or URLs of any Role or ClusterRole',
  why: 'a wildcard also grants whatever later Kubernetes versions and installed CRDs add',
  fix: 'list what the identity needs by name',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, object } of tree.objects) {
      if (!isRbac(object, 'Role') && !isRbac(object, 'ClusterRole')) continue;
      rulesOf(object).forEach((rule, i) => {
        for (const field of ['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const) {
          if (!(rule[field] ?? []).some((v) => v === '*' || v.endsWith('/*'))) continue;
          out.push({
            resource: describe(object),
            file,
            location: `rules[${i}].${field}`,
            message: `uses a wildcard in ${field}, which also grants whatever later Kubernetes versions add`,
            fix: `list the ${field} the identity needs by name`,
          });
        }
      });
    }
    return out;
  },
};

/** Whether pods of this spec get an API token: their own setting, else their ServiceAccount's, else Kubernetes' default (yes). */
function podHasToken(podSpec: any, serviceAccount: K8sObject | undefined): boolean {
  const projected = (podSpec?.volumes ?? []).some((v: any) => (v.projected?.sources ?? []).some((s: any) => s.serviceAccountToken));
  if (projected) return true;
  if (typeof podSpec?.automountServiceAccountToken === 'boolean') return podSpec.automountServiceAccountToken;
  if (typeof serviceAccount?.automountServiceAccountToken === 'boolean') return serviceAccount.automountServiceAccountToken;
  return true;
}

export const secretRoleHasUser: Rule = {
  id: 'secret-role-has-user',
  phase: 'objects',
  severity: 'error',
  what: 'a RoleBinding granting a ServiceAccount Secrets through the API while its workloads in the folder mount no API token',
  why: 'no workload uses the grant (the kubelet reads secretKeyRef and envFrom without one), but anyone allowed to request a token for the ServiceAccount can',
  fix: 'remove the Role and RoleBinding, or mount the token when the application does read through the API (`workload.readsSecretsThroughApi: true`)',
  check: ({ tree }) => {
    const out: Problem[] = [];
    for (const { file, folder, object: binding } of tree.objects) {
      if (!isRbac(binding, 'RoleBinding')) continue;
      const namespace = binding.metadata.namespace;
      const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
      const role = inFolder(tree, folder, 'Role').find((r) => r.object.metadata.name === ref?.name && r.object.metadata.namespace === namespace);
      if (ref?.kind !== 'Role' || !role || !rulesOf(role.object).some(touchesSecrets)) continue;
      (Array.isArray(binding.subjects) ? binding.subjects : []).forEach((subject: any, i: number) => {
        if (subject?.kind !== 'ServiceAccount' || (subject.namespace ?? namespace) !== namespace) return;
        const account = inFolder(tree, folder, 'ServiceAccount').find((a) => a.object.metadata.name === subject.name && a.object.metadata.namespace === namespace)?.object;
        const pods = tree.objects
          .filter((o) => o.folder === folder && o.object.metadata.namespace === namespace)
          .map((o) => podSpecOf(o.object))
          .filter((spec) => spec && (spec.serviceAccountName ?? 'default') === subject.name);
        // A workload managed elsewhere (a patch) may be the user; only a folder whose own workloads cannot use the grant is wrong.
        if (pods.length === 0 || pods.some((spec) => podHasToken(spec, account))) return;
        out.push({
          resource: describe(binding),
          file,
          location: `subjects[${i}]`,
          message: `lets ServiceAccount "${subject.name}" get Secrets through the API, but its pods mount no API token: no workload uses the grant, and anyone allowed to request a token for the ServiceAccount can`,
          fix: 'remove the Role and RoleBinding when the application takes its values from its environment (the kubelet reads secretKeyRef and envFrom itself); if it does read through the API, mount the token (workload.readsSecretsThroughApi: true)',
        });
      });
    }
    return out;
  },
};
