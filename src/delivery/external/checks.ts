import type { EnvironmentPlan } from '../../plan/plan';
import type { ExternalDeliveryPlan } from './plan';
import { reloaderVolatileSecret } from './reloader-rule';
import {
  compareVersions,
  environmentsOf,
  ESO_GROUP,
  externalSecretSpecs,
  groupOf,
  inFolder,
  isZeroGoDuration,
  namespaceIn,
  parseVersion,
  podTemplates,
  problemWith,
  ref,
  madeByText,
  secretsMadeBy,
  targetName,
  versionOf,
  type Environment,
} from '../../checks/objects';
import type { EnvironmentFacts, ManifestObject, Problem, Rule, SecretProducer } from '../../checks/types';
import { pushTo } from '../../core/collections';

/** The checks of the External Secrets Operator delivery (`external`): its objects, and the ESO release they target. */

const GENERATORS_GROUP = 'generators.external-secrets.io';

/** An ExternalSecret makes its target Secret (`target.name`, else its own name) in its namespace. */
export const externalSecretProducer: SecretProducer = {
  kind: 'ExternalSecret',
  group: ESO_GROUP,
  how: 'its target',
  secretsOf: (object, namespace) => [{ namespace, name: targetName(object, object.spec) }],
};

export const esoRefreshDisabled: Rule = {
  id: 'eso-refresh-disabled',
  phase: 'objects',
  severity: 'error',
  what: 'ExternalSecret with `refreshInterval: 0` under the Periodic refresh policy',
  why: 'ESO 0.11+ reads it as "create once": no polling, and no sync when the spec changes or on a force-sync annotation either',
  fix: '`refreshPolicy: OnChange` (sync on spec changes) or `CreatedOnce`, a non-zero interval, or `acknowledgeNoRefresh: true`',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      externalSecretSpecs(env.objects).flatMap(({ entry, spec, path }) => {
        const obj = entry.object;
        const interval = spec.refreshInterval;
        if (interval === undefined || !isZeroGoDuration(String(interval))) return [];
        if ((spec.refreshPolicy ?? 'Periodic') !== 'Periodic') return [];
        // An immutable target is made once on purpose: ESO never writes it again whatever the interval.
        if (spec.target?.immutable === true) return [];
        if (obj.kind === 'ExternalSecret' && env.facts?.acknowledgedNoRefresh?.includes(obj.metadata.name)) return [];
        return [
          problemWith(
            entry,
            `${ref(obj)}: ${path}.refreshInterval is ${JSON.stringify(interval)} with the Periodic refresh policy (the default), which ESO 0.11 and later read as "create once": the Secret "${targetName(obj, spec)}" is written once and never again, not even when the ExternalSecret's spec changes or is annotated with force-sync`,
            `to sync on spec changes only, set refreshPolicy: OnChange; to make it once, say so with refreshPolicy: CreatedOnce; to poll, use a non-zero refreshInterval. In aragora-secrets.yaml: environments.${env.name}.delivery.refreshPolicy, or acknowledgeNoRefresh: true to keep the zero interval`,
          ),
        ];
      }),
    ),
};

interface SecretUser {
  readonly by: string;
  readonly entry: ManifestObject;
}

/** Who else makes or relies on a Secret of this name in this namespace. */
function otherSecretUsers(env: Environment): Map<string, SecretUser[]> {
  const users = new Map<string, SecretUser[]>();
  const add = (namespace: string, name: unknown, by: string, entry: ManifestObject) => {
    if (typeof name !== 'string') return;
    const key = `${namespace}/${name}`;
    pushTo(users, key, { by, entry });
  };
  for (const entry of env.objects) {
    const obj = entry.object;
    const ns = namespaceIn(env, obj);
    for (const made of secretsMadeBy(obj, ns, env.producers)) add(made.namespace, made.name, madeByText(obj, made), entry);
    if ((obj.kind === 'SecretStore' || obj.kind === 'ClusterSecretStore') && groupOf(obj.apiVersion) === ESO_GROUP) {
      for (const r of credentialRefs(obj.spec?.provider, 'spec.provider')) {
        // A ClusterSecretStore's reference without namespace resolves per ExternalSecret: only a named one is certain.
        const refNs = typeof r.namespace === 'string' ? r.namespace : obj.kind === 'SecretStore' ? ns : undefined;
        if (refNs) add(refNs, r.name, `${ref(obj)} (credentials at ${r.path})`, entry);
      }
    }
    for (const template of podTemplates(obj)) {
      add(ns, template.annotations['vault.hashicorp.com/tls-secret'], `${ref(obj)} (the Vault agent's TLS Secret)`, entry);
    }
  }
  return users;
}

/** Secret references in a store's provider block (`*SecretRef`, `secretRef`, a `caProvider` of type Secret). */
function credentialRefs(node: unknown, path: string): { name: unknown; namespace: unknown; path: string }[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((item, i) => credentialRefs(item, `${path}[${i}]`));
  return Object.entries(node as Record<string, any>).flatMap(([key, value]) => {
    const here = `${path}.${key}`;
    const isRef = value && typeof value === 'object' && typeof value.name === 'string' && (/secretref$/i.test(key) || (key === 'caProvider' && value.type === 'Secret'));
    return isRef ? [{ name: value.name, namespace: value.namespace, path: here }] : credentialRefs(value, here);
  });
}

export const esoOwnerTakeover: Rule = {
  id: 'eso-owner-takeover',
  phase: 'objects',
  severity: 'error',
  what: 'ExternalSecret with `creationPolicy: Owner` whose target Secret is also made or used by something else',
  why: 'ESO adopts an existing Secret that has no owner (adds its ownerReference, overwrites the data): it then fights the other writer, and deleting the ExternalSecret deletes the Secret',
  fix: 'give the ExternalSecret its own target name, or `creationPolicy: Merge` / `Orphan` and let one writer own the Secret',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const users = otherSecretUsers(env);
      return externalSecretSpecs(env.objects).flatMap(({ entry, spec, path }) => {
        const obj = entry.object;
        if (obj.kind !== 'ExternalSecret' || (spec.target?.creationPolicy ?? 'Owner') !== 'Owner') return [];
        const target = targetName(obj, spec);
        const others = (users.get(`${namespaceIn(env, obj)}/${target}`) ?? []).filter((u) => u.entry !== entry);
        if (others.length === 0) return [];
        return [
          problemWith(
            entry,
            `${ref(obj)} (${path}.target.creationPolicy Owner) writes Secret "${target}", which ${others.map((o) => o.by).join(' and ')} also ${others.length === 1 ? 'makes or uses' : 'make or use'}: ESO takes over a Secret that has no owner (it adds its ownerReference and overwrites the data), so the writers overwrite each other, and deleting the ExternalSecret deletes the Secret under them`,
            `give the ExternalSecret a target name of its own; or, to add keys to a Secret another tool owns, use creationPolicy: Merge (Orphan to leave it behind on deletion)`,
          ),
        ];
      });
    }),
};

export const esoApiVersion: Rule = {
  id: 'eso-api-version',
  phase: 'objects',
  severity: 'error',
  what: 'External Secrets objects in an API version the configured ESO release does not serve',
  why: 'ESO 0.17+ serves only `external-secrets.io/v1` (the API server refuses v1beta1 objects); releases before 0.16 serve only v1beta1 (v1beta1 on 0.16: a warning)',
  fix: '`apiVersion: v1` for ESO 0.16+, `v1beta1` below 0.16; upgrade through 0.16, which serves both',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const esoVersion = env.facts?.esoVersion;
      const version = esoVersion === undefined ? undefined : parseVersion(esoVersion);
      if (!version) return [];
      const at = `environments.${env.name}.delivery.apiVersion`;
      return env.objects.flatMap((entry): Problem[] => {
        const obj = entry.object;
        if (groupOf(obj.apiVersion) !== ESO_GROUP) return [];
        const v = versionOf(obj.apiVersion);
        if (v === 'v1beta1' && compareVersions(version, [0, 17, 0]) >= 0) {
          return [problemWith(entry, `${ref(obj)} is external-secrets.io/v1beta1, which ESO ${esoVersion} no longer serves (0.17 removed it): the API server refuses the object`, `use apiVersion v1: remove ${at} (or set it to v1)`)];
        }
        if (v === 'v1beta1' && compareVersions(version, [0, 16, 0]) >= 0) {
          return [problemWith(entry, `${ref(obj)} is external-secrets.io/v1beta1, which ESO ${esoVersion} still serves but 0.17 removes`, `switch to apiVersion v1 (remove ${at}) before upgrading ESO to 0.17`, { severity: 'warning' })];
        }
        if (v === 'v1' && compareVersions(version, [0, 16, 0]) < 0) {
          return [problemWith(entry, `${ref(obj)} is external-secrets.io/v1, which ESO ${esoVersion} does not serve yet (it came with 0.16): the API server refuses the object`, `set ${at}: v1beta1, or upgrade ESO to 0.16 or later`)];
        }
        return [];
      });
    }),
};

export const externalSecretRefsExist: Rule = {
  id: 'external-secret-refs-exist',
  phase: 'objects',
  severity: 'error',
  what: 'an ExternalSecret whose store or generator is not in the same folder',
  why: 'ESO cannot sync it: the Secret is never made and the pods that read it do not start',
  fix: 'add the store or generator to the environment (stores: in the config), or point the ExternalSecret at one that is',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry) => {
        const object = entry.object;
        if (object.kind !== 'ExternalSecret' || groupOf(object.apiVersion) !== ESO_GROUP) return [];
        const namespace = namespaceIn(env, object);
        const exists = (kind: string, name: string, apiGroup: string) =>
          inFolder(input.tree, env.folder, kind).some(
            ({ object: o }) => o.metadata.name === name && groupOf(o.apiVersion) === apiGroup && (kind.startsWith('Cluster') || namespaceIn(env, o) === namespace),
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
          if (generator?.name) refs.push({ kind: generator.kind, name: generator.name, apiGroup: groupOf(generator.apiVersion ?? GENERATORS_GROUP + '/'), location: `${location}.generatorRef` });
        }
        return refs
          .filter((r) => !exists(r.kind, r.name, r.apiGroup))
          .map((r) =>
            problemWith(entry, `uses ${r.kind} "${r.name}", which is not in this folder`, `add the ${r.kind} to the environment (stores: in the config), or point the ExternalSecret at one that is`, {
              location: r.location,
            }),
          );
      }),
    ),
};

/** The rules of the `external` delivery, in the order reports list them. */
/** The rules about External Secrets objects, among them Reloader watching a Secret that ESO rewrites at every refresh. */
export const EXTERNAL_RULES: readonly Rule[] = [externalSecretRefsExist, esoRefreshDisabled, esoOwnerTakeover, esoApiVersion, reloaderVolatileSecret];

/** The config facts these rules need: the ESO release, and the ExternalSecret whose zero interval is acknowledged. */
export function externalFacts(env: EnvironmentPlan, delivery: ExternalDeliveryPlan): Partial<EnvironmentFacts> {
  return { esoVersion: delivery.esoVersion, acknowledgedNoRefresh: delivery.acknowledgeNoRefresh ? [env.secretName] : [] };
}
