import { isZeroDuration } from '../delivery/external/plan';
import { compareVersions, finding, groupOf, kindOf, nameOf, namespaceOf, parseVersion, podTemplates, ref, versionOf } from './objects';
import type { KubeObject, PitfallContext, PitfallRule } from './types';

const ESO_GROUP = 'external-secrets.io';

/** The ExternalSecret specs of the environment: ExternalSecrets, and those a ClusterExternalSecret stamps out. */
export function externalSecretSpecs(context: PitfallContext): { obj: KubeObject; spec: any; path: string }[] {
  return context.objects.flatMap((obj) => {
    if (groupOf(obj) !== ESO_GROUP) return [];
    if (kindOf(obj) === 'ExternalSecret') return [{ obj, spec: obj.spec ?? {}, path: 'spec' }];
    if (kindOf(obj) === 'ClusterExternalSecret' && obj.spec?.externalSecretSpec) return [{ obj, spec: obj.spec.externalSecretSpec, path: 'spec.externalSecretSpec' }];
    return [];
  });
}

/** The Secret an ExternalSecret writes: `target.name`, or the ExternalSecret's own name. */
export function targetName(obj: KubeObject, spec: any): string {
  return typeof spec?.target?.name === 'string' && spec.target.name !== '' ? spec.target.name : nameOf(obj);
}

export const esoRefreshDisabled: PitfallRule = {
  id: 'eso-refresh-disabled',
  what: 'ExternalSecret with `refreshInterval: 0` under the Periodic refresh policy',
  why: 'ESO 0.11+ reads it as "create once": no polling, and no sync when the spec changes or on a force-sync annotation either',
  fix: '`refreshPolicy: OnChange` (sync on spec changes) or `CreatedOnce`, a non-zero interval, or `acknowledgeNoRefresh: true`',
  check(context) {
    return externalSecretSpecs(context).flatMap(({ obj, spec, path }) => {
      const interval = spec.refreshInterval;
      if (interval === undefined || !isZeroDuration(String(interval))) return [];
      if ((spec.refreshPolicy ?? 'Periodic') !== 'Periodic') return [];
      // An immutable target is made once on purpose: ESO never writes it again whatever the interval.
      if (spec.target?.immutable === true) return [];
      if (kindOf(obj) === 'ExternalSecret' && context.acknowledgedNoRefresh?.includes(nameOf(obj))) return [];
      return [
        finding(
          context,
          this.id,
          'error',
          obj,
          `${ref(obj)}: ${path}.refreshInterval is ${JSON.stringify(interval)} with the Periodic refresh policy (the default), which ESO 0.11 and later read as "create once": the Secret "${targetName(obj, spec)}" is written once and never again, not even when the ExternalSecret's spec changes or is annotated with force-sync`,
          `to sync on spec changes only, set refreshPolicy: OnChange; to make it once, say so with refreshPolicy: CreatedOnce; to poll, use a non-zero refreshInterval. In aragora-secrets.yaml: environments.${context.environment}.delivery.refreshPolicy, or acknowledgeNoRefresh: true to keep the zero interval`,
        ),
      ];
    });
  },
};

/** Who else makes or relies on a Secret of this name in this namespace. */
function otherSecretUsers(context: PitfallContext): Map<string, { by: string; obj: KubeObject }[]> {
  const users = new Map<string, { by: string; obj: KubeObject }[]>();
  const add = (namespace: string, name: unknown, by: string, obj: KubeObject) => {
    if (typeof name !== 'string') return;
    const key = `${namespace}/${name}`;
    users.set(key, [...(users.get(key) ?? []), { by, obj }]);
  };
  for (const obj of context.objects) {
    const ns = namespaceOf(obj, context);
    const kind = kindOf(obj);
    if (kind === 'Secret' && groupOf(obj) === '') add(ns, obj.metadata?.name, `the plain ${ref(obj)}`, obj);
    if (kind === 'SealedSecret') {
      const template = obj.spec?.template?.metadata;
      add(typeof template?.namespace === 'string' ? template.namespace : ns, template?.name ?? obj.metadata?.name, `${ref(obj)} (its controller writes it)`, obj);
    }
    if (kind === 'ExternalSecret' && groupOf(obj) === ESO_GROUP) add(ns, targetName(obj, obj.spec), `${ref(obj)} (its target)`, obj);
    if ((kind === 'SecretStore' || kind === 'ClusterSecretStore') && groupOf(obj) === ESO_GROUP) {
      for (const r of credentialRefs(obj.spec?.provider, 'spec.provider')) {
        // A ClusterSecretStore's reference without namespace resolves per ExternalSecret: only a named one is certain.
        const refNs = typeof r.namespace === 'string' ? r.namespace : kind === 'SecretStore' ? ns : undefined;
        if (refNs) add(refNs, r.name, `${ref(obj)} (credentials at ${r.path})`, obj);
      }
    }
    for (const template of podTemplates(obj)) {
      add(ns, template.annotations['vault.hashicorp.com/tls-secret'], `${ref(obj)} (the Vault agent's TLS Secret)`, obj);
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

export const esoOwnerTakeover: PitfallRule = {
  id: 'eso-owner-takeover',
  what: 'ExternalSecret with `creationPolicy: Owner` whose target Secret is also made or used by something else',
  why: 'ESO adopts an existing Secret that has no owner (adds its ownerReference, overwrites the data): it then fights the other writer, and deleting the ExternalSecret deletes the Secret',
  fix: 'give the ExternalSecret its own target name, or `creationPolicy: Merge` / `Orphan` and let one writer own the Secret',
  check(context) {
    const users = otherSecretUsers(context);
    return externalSecretSpecs(context).flatMap(({ obj, spec, path }) => {
      if (kindOf(obj) !== 'ExternalSecret' || (spec.target?.creationPolicy ?? 'Owner') !== 'Owner') return [];
      const target = targetName(obj, spec);
      const others = (users.get(`${namespaceOf(obj, context)}/${target}`) ?? []).filter((u) => u.obj !== obj);
      if (others.length === 0) return [];
      return [
        finding(
          context,
          this.id,
          'error',
          obj,
          `${ref(obj)} (${path}.target.creationPolicy Owner) writes Secret "${target}", which ${others.map((o) => o.by).join(' and ')} also ${others.length === 1 ? 'makes or uses' : 'make or use'}: ESO takes over a Secret that has no owner (it adds its ownerReference and overwrites the data), so the writers overwrite each other, and deleting the ExternalSecret deletes the Secret under them`,
          `give the ExternalSecret a target name of its own; or, to add keys to a Secret another tool owns, use creationPolicy: Merge (Orphan to leave it behind on deletion)`,
        ),
      ];
    });
  },
};

export const esoApiVersion: PitfallRule = {
  id: 'eso-api-version',
  what: 'External Secrets objects in an API version the configured ESO release does not serve',
  why: 'ESO 0.17+ serves only `external-secrets.io/v1` (the API server refuses v1beta1 objects); releases before 0.16 serve only v1beta1',
  fix: '`apiVersion: v1` for ESO 0.16+, `v1beta1` below 0.16; upgrade through 0.16, which serves both',
  check(context) {
    const version = context.esoVersion === undefined ? undefined : parseVersion(context.esoVersion);
    if (!version) return [];
    const at = `environments.${context.environment}.delivery.apiVersion`;
    return context.objects.flatMap((obj) => {
      if (groupOf(obj) !== ESO_GROUP) return [];
      const v = versionOf(obj);
      if (v === 'v1beta1' && compareVersions(version, [0, 17, 0]) >= 0) {
        return [finding(context, this.id, 'error', obj, `${ref(obj)} is external-secrets.io/v1beta1, which ESO ${context.esoVersion} no longer serves (0.17 removed it): the API server refuses the object`, `use apiVersion v1: remove ${at} (or set it to v1)`)];
      }
      if (v === 'v1beta1' && compareVersions(version, [0, 16, 0]) >= 0) {
        return [finding(context, this.id, 'warning', obj, `${ref(obj)} is external-secrets.io/v1beta1, which ESO ${context.esoVersion} still serves but 0.17 removes`, `switch to apiVersion v1 (remove ${at}) before upgrading ESO to 0.17`)];
      }
      if (v === 'v1' && compareVersions(version, [0, 16, 0]) < 0) {
        return [finding(context, this.id, 'error', obj, `${ref(obj)} is external-secrets.io/v1, which ESO ${context.esoVersion} does not serve yet (it came with 0.16): the API server refuses the object`, `set ${at}: v1beta1, or upgrade ESO to 0.16 or later`)];
      }
      return [];
    });
  },
};

/** Whether ESO writes the ExternalSecret's target again every `interval` (the Periodic policy with a non-zero interval, a mutable target). */
export function refreshesPeriodically(spec: any): { periodic: boolean; interval: string } {
  const interval = spec?.refreshInterval === undefined ? '1h' : String(spec.refreshInterval);
  const policy = spec?.refreshPolicy ?? 'Periodic';
  return { periodic: policy === 'Periodic' && !isZeroDuration(interval) && spec?.target?.immutable !== true, interval };
}
