import { podSpecOf } from './consistency';
import { describe, group, inFolder } from './tree';
import type { GuardRail, K8sObject, ManifestObject, Violation } from './types';

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
  return object.kind === kind && group(object.apiVersion) === RBAC_GROUP;
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

export const secretAccessGetOnly: GuardRail = {
  name: 'secret-access-get-only',
  description: 'a Role grants only `get` on Secrets, and only on Secrets it names (resourceNames)',
  check: (tree) => {
    const out: Violation[] = [];
    for (const { file, object } of tree.objects) {
      if (!isRbac(object, 'Role')) continue;
      rulesOf(object).forEach((rule, i) => {
        if (!touchesSecrets(rule)) return;
        const extra = (rule.verbs ?? []).filter((v) => v !== 'get');
        if (extra.length > 0) {
          out.push({
            rule: 'secret-access-get-only',
            resource: describe(object),
            file,
            location: `rules[${i}].verbs`,
            message: `grants ${extra.map((v) => `"${v}"`).join(', ')} on Secrets${extra.some((v) => v === 'list' || v === 'watch' || v === '*') ? ': list and watch return every value in the namespace' : ''}`,
            fix: 'keep only verbs: [get] with resourceNames listing the Secrets the workload reads',
          });
        }
        if ((rule.resourceNames ?? []).length === 0) {
          out.push({
            rule: 'secret-access-get-only',
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

export const noClusterWideSecretAccess: GuardRail = {
  name: 'no-cluster-wide-secret-access',
  description: 'no ClusterRole touches Secrets, and no binding hands out one that does (cluster-admin, admin, edit included)',
  check: (tree) => {
    const out: Violation[] = [];
    const clusterRoles = new Map<string, ManifestObject>();
    for (const entry of tree.objects) {
      if (!isRbac(entry.object, 'ClusterRole')) continue;
      clusterRoles.set(entry.object.metadata.name, entry);
      rulesOf(entry.object).forEach((rule, i) => {
        if (!touchesSecrets(rule)) return;
        out.push({
          rule: 'no-cluster-wide-secret-access',
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
        rule: 'no-cluster-wide-secret-access',
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

export const noRbacWildcards: GuardRail = {
  name: 'no-rbac-wildcards',
  description: 'no Role or ClusterRole rule uses "*" for verbs, resources, API groups or URLs',
  check: (tree) => {
    const out: Violation[] = [];
    for (const { file, object } of tree.objects) {
      if (!isRbac(object, 'Role') && !isRbac(object, 'ClusterRole')) continue;
      rulesOf(object).forEach((rule, i) => {
        for (const field of ['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const) {
          if (!(rule[field] ?? []).some((v) => v === '*' || v.endsWith('/*'))) continue;
          out.push({
            rule: 'no-rbac-wildcards',
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

export const secretRoleHasUser: GuardRail = {
  name: 'secret-role-has-user',
  description:
    'a RoleBinding that lets a ServiceAccount read Secrets through the API binds one whose workloads in the folder have an API token (the kubelet reads secretKeyRef and envFrom without one)',
  check: (tree) => {
    const out: Violation[] = [];
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
          rule: 'secret-role-has-user',
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
