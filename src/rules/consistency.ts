import { DEPLOY_TIME_SECRETS_ANNOTATION } from './annotations';
import { describe, group, inFolder } from './tree';
import type { GuardRail, K8sObject, ManifestObject, ManifestTree, Violation } from './types';

const ESO_GROUP = 'external-secrets.io';
const GENERATORS_GROUP = 'generators.external-secrets.io';

/** The pod spec of a workload kind, or undefined for other kinds. */
export function podSpecOf(object: K8sObject): any {
  switch (object.kind) {
    case 'Pod':
      return object.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return object.spec?.template?.spec;
    case 'CronJob':
      return object.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Names of the Secrets a pod spec reads (env, envFrom, volumes), sorted, with where. */
export function secretReferences(podSpec: any): { name: string; location: string }[] {
  const found = new Map<string, string>();
  const add = (name: unknown, location: string) => {
    if (typeof name === 'string' && name && !found.has(name)) found.set(name, location);
  };
  for (const field of ['initContainers', 'containers'] as const) {
    (podSpec?.[field] ?? []).forEach((c: any, i: number) => {
      (c.env ?? []).forEach((e: any, j: number) => add(e.valueFrom?.secretKeyRef?.name, `spec.template.spec.${field}[${i}].env[${j}]`));
      (c.envFrom ?? []).forEach((e: any, j: number) => add(e.secretRef?.name, `spec.template.spec.${field}[${i}].envFrom[${j}]`));
    });
  }
  (podSpec?.volumes ?? []).forEach((v: any, i: number) => {
    add(v.secret?.secretName, `spec.template.spec.volumes[${i}]`);
    (v.projected?.sources ?? []).forEach((s: any, j: number) => add(s.secret?.name, `spec.template.spec.volumes[${i}].projected.sources[${j}]`));
  });
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, location]) => ({ name, location }));
}

function namespaceOf(object: K8sObject): string | undefined {
  return object.metadata.namespace;
}

/** The rules on Secrets of the Roles of the folder bound to the ServiceAccount. */
function secretRulesOf(tree: ManifestTree, folder: string, namespace: string | undefined, serviceAccount: string): any[] {
  const roles = inFolder(tree, folder, 'Role').filter((r) => namespaceOf(r.object) === namespace);
  const bindings = inFolder(tree, folder, 'RoleBinding').filter((b) => namespaceOf(b.object) === namespace);
  return bindings.flatMap(({ object: binding }) => {
    const bindsAccount = (binding.subjects ?? []).some(
      (s: any) => s.kind === 'ServiceAccount' && s.name === serviceAccount && (s.namespace ?? namespace) === namespace,
    );
    if (!bindsAccount || binding.roleRef?.kind !== 'Role') return [];
    const role = roles.find((r) => r.object.metadata.name === binding.roleRef.name);
    return (role?.object.rules ?? []).filter((rule: any) => (rule.apiGroups ?? []).includes('') && (rule.resources ?? []).includes('secrets'));
  });
}

function grants(rules: readonly any[], secret: string): boolean {
  return rules.some((rule) => ((rule.verbs ?? []).includes('get') || (rule.verbs ?? []).includes('*')) && (rule.resourceNames ?? []).includes(secret));
}

/** What makes the Secret in the cluster, if an object of the folder does. */
function producerOf(tree: ManifestTree, folder: string, namespace: string | undefined, secret: string): ManifestObject | undefined {
  return inFolder(tree, folder).find(({ object }) => {
    if (namespaceOf(object) !== namespace) return false;
    if (object.kind === 'Secret' && object.apiVersion === 'v1') return object.metadata.name === secret;
    if (object.kind === 'SealedSecret' && group(object.apiVersion) === 'bitnami.com') {
      return (object.spec?.template?.metadata?.name ?? object.metadata.name) === secret;
    }
    if (object.kind === 'ExternalSecret' && group(object.apiVersion) === ESO_GROUP) {
      return (object.spec?.target?.name ?? object.metadata.name) === secret;
    }
    return false;
  });
}

function deployTimeSecrets(object: K8sObject): string[] {
  const value = object.metadata.annotations?.[DEPLOY_TIME_SECRETS_ANNOTATION] ?? '';
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export const workloadSecretsConsistent: GuardRail = {
  name: 'workload-secrets-consistent',
  description:
    'every Secret a workload reads is made by a SealedSecret or ExternalSecret of the folder or marked as created at deploy time; a ServiceAccount that reads Secrets through the API (a Role of the folder) is granted all of them',
  check: (tree) => {
    const out: Violation[] = [];
    for (const { file, folder, object } of tree.objects) {
      const podSpec = podSpecOf(object);
      if (!podSpec) continue;
      const namespace = namespaceOf(object);
      const serviceAccount: string = podSpec.serviceAccountName ?? 'default';
      const atDeployTime = deployTimeSecrets(object);
      // The kubelet reads secretKeyRef, envFrom and secret volumes: only an API reader needs grants, and then for all of them.
      const apiRules = secretRulesOf(tree, folder, namespace, serviceAccount);
      for (const { name, location } of secretReferences(podSpec)) {
        if (apiRules.length > 0 && !grants(apiRules, name)) {
          out.push({
            rule: 'workload-secrets-consistent',
            resource: describe(object),
            file,
            location,
            message: `reads Secret "${name}", but the Role in this folder that lets its ServiceAccount "${serviceAccount}" read Secrets through the API does not grant it`,
            fix: `add ${name} to that Role's resourceNames (secret.grantRead(reader)), or remove the Role if the application does not read Secrets through the API`,
          });
        }
        if (!producerOf(tree, folder, namespace, name) && !atDeployTime.includes(name)) {
          out.push({
            rule: 'workload-secrets-consistent',
            resource: describe(object),
            file,
            location,
            message: `reads Secret "${name}", which no SealedSecret or ExternalSecret in this folder makes, and which is not marked as created at deploy time`,
            fix: `deliver it (sealed or external delivery), or, if it is created at deploy time, list it in the annotation ${DEPLOY_TIME_SECRETS_ANNOTATION}`,
          });
        }
      }
    }
    return out;
  },
};

export const externalSecretRefsExist: GuardRail = {
  name: 'external-secret-refs-exist',
  description: "every ExternalSecret's store, and every generator it uses, is in the same folder",
  check: (tree) => {
    const out: Violation[] = [];
    for (const { file, folder, object } of tree.objects) {
      if (object.kind !== 'ExternalSecret' || group(object.apiVersion) !== ESO_GROUP) continue;
      const namespace = namespaceOf(object);
      const exists = (kind: string, name: string, apiGroup: string) =>
        inFolder(tree, folder, kind).some(
          ({ object: o }) =>
            o.metadata.name === name && group(o.apiVersion) === apiGroup && (kind.startsWith('Cluster') || namespaceOf(o) === namespace),
        );
      const refs: { kind: string; name: string; apiGroup: string; location: string }[] = [];
      const store = object.spec?.secretStoreRef;
      if (store?.name) refs.push({ kind: store.kind ?? 'SecretStore', name: store.name, apiGroup: ESO_GROUP, location: 'spec.secretStoreRef' });
      const sources: [string, any][] = [
        ...(object.spec?.data ?? []).map((d: any, i: number) => [`spec.data[${i}].sourceRef`, d.sourceRef] as [string, any]),
        ...(object.spec?.dataFrom ?? []).map((d: any, i: number) => [`spec.dataFrom[${i}].sourceRef`, d.sourceRef] as [string, any]),
      ];
      for (const [location, sourceRef] of sources) {
        if (sourceRef?.storeRef?.name) refs.push({ kind: sourceRef.storeRef.kind ?? 'SecretStore', name: sourceRef.storeRef.name, apiGroup: ESO_GROUP, location: `${location}.storeRef` });
        const generator = sourceRef?.generatorRef;
        if (generator?.name) refs.push({ kind: generator.kind, name: generator.name, apiGroup: group(generator.apiVersion ?? GENERATORS_GROUP + '/'), location: `${location}.generatorRef` });
      }
      for (const ref of refs) {
        if (exists(ref.kind, ref.name, ref.apiGroup)) continue;
        out.push({
          rule: 'external-secret-refs-exist',
          resource: describe(object),
          file,
          location: ref.location,
          message: `uses ${ref.kind} "${ref.name}", which is not in this folder`,
          fix: `add the ${ref.kind} to the environment (stores: in the config), or point the ExternalSecret at one that is`,
        });
      }
    }
    return out;
  },
};
