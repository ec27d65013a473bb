import { DEPLOY_TIME_SECRETS_ANNOTATION } from './annotations';
import { environmentsOf, inFolder, namespaceIn, podSpecOf, problemWith, producersOf, secretReferences, type Environment } from './objects';
import type { K8sObject, ManifestTree, Problem, Rule } from './types';

/** The rules on Secrets of the Roles of the folder bound to the ServiceAccount. */
function secretRulesOf(tree: ManifestTree, env: Environment, namespace: string, serviceAccount: string): any[] {
  const roles = inFolder(tree, env.folder, 'Role').filter((r) => namespaceIn(env, r.object) === namespace);
  const bindings = inFolder(tree, env.folder, 'RoleBinding').filter((b) => namespaceIn(env, b.object) === namespace);
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

function deployTimeSecrets(object: K8sObject): string[] {
  const value = object.metadata.annotations?.[DEPLOY_TIME_SECRETS_ANNOTATION] ?? '';
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export const workloadSecretsConsistent: Rule = {
  id: 'workload-secrets-consistent',
  phase: 'objects',
  severity: 'error',
  what:
    'a Secret a workload reads that no SealedSecret/ExternalSecret of the folder makes and that is not marked `aragora-secrets/created-at-deploy-time`, or that the Role of an API-reading ServiceAccount leaves out',
  why: 'the pods would not start (a missing Secret), or the application would be refused the Secret it reads through the API',
  fix: 'deliver the Secret, or mark it as created at deploy time; grant an API reader every Secret it reads',
  check: (input) => {
    const out: Problem[] = [];
    for (const env of environmentsOf(input)) {
      for (const entry of env.objects) {
        const podSpec = podSpecOf(entry.object);
        if (!podSpec) continue;
        const namespace = namespaceIn(env, entry.object);
        const serviceAccount: string = podSpec.serviceAccountName ?? 'default';
        const atDeployTime = deployTimeSecrets(entry.object);
        // The kubelet reads secretKeyRef, envFrom and secret volumes: only an API reader needs grants, and then for all of them.
        const apiRules = secretRulesOf(input.tree, env, namespace, serviceAccount);
        for (const { name, location } of secretReferences(podSpec)) {
          if (apiRules.length > 0 && !grants(apiRules, name)) {
            out.push(
              problemWith(
                entry,
                `reads Secret "${name}", but the Role in this folder that lets its ServiceAccount "${serviceAccount}" read Secrets through the API does not grant it`,
                `add ${name} to that Role's resourceNames (secret.grantRead(reader)), or remove the Role if the application does not read Secrets through the API`,
                { location },
              ),
            );
          }
          if (producersOf(env, namespace, name).length === 0 && !atDeployTime.includes(name)) {
            out.push(
              problemWith(
                entry,
                `reads Secret "${name}", which no ${producerKinds(env)} in this folder makes, and which is not marked as created at deploy time`,
                `deliver it (a delivery method that makes it), or, if it is created at deploy time, list it in the annotation ${DEPLOY_TIME_SECRETS_ANNOTATION}`,
                { location },
              ),
            );
          }
        }
      }
    }
    return out;
  },
};

/** `SealedSecret or ExternalSecret`: the kinds that make Secrets, as a message names them. */
function producerKinds(env: Environment): string {
  const kinds = [...new Set(env.producers.map((p) => p.kind))];
  if (kinds.length === 0) return 'object';
  return kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
}
