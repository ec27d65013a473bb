import { didYouMean } from '../../core/errors';
import type { StoreConfig } from './schema';
import { evaluateRequirement } from '../../config-kit/requirements';
import type { AragoraSecretsConfig } from '../../config-kit/schema';
import { externalOptions, generatedSecretName, storeNameOf, storeUsers, DEFAULT_STORE_KIND } from './plan';
import { defaultProperty } from '../../plan/plan';
import { showable, shown, shownNames } from '../../config-kit/shown';
import { pushTo } from '../../core/collections';

type Add = (segments: PropertyKey[], message: string, fix?: string) => void;

const SUBDOMAIN_MAX = 253;

/**
 * The rules of delivery method `external` that span several fields: the store an environment
 * names exists, `keys` agrees with the catalog and its requirement rules, a shared
 * ClusterSecretStore has one API version, provider options are coherent, and remote keys have
 * the shape the provider accepts.
 */
export function externalProblems(config: AragoraSecretsConfig, add: Add): void {
  const stores = config.stores ?? {};
  const storeNames = Object.keys(stores);
  for (const [name, store] of Object.entries(stores)) storeProblems(name, store, add);

  for (const [envName, env] of Object.entries(config.environments)) {
    const options = externalOptions(env.delivery);
    if (!options) continue;
    const at = ['environments', envName, 'delivery'];
    const storeName = storeNameOf(config, options);
    if (options.store !== undefined && !Object.hasOwn(stores, options.store)) {
      const suggestion = didYouMean(options.store, storeNames.filter((name) => showable(name)));
      add([...at, 'store'], `unknown store ${shown(options.store)}`, suggestion ? `did you mean "${suggestion}"?` : storeNames.length > 0 ? `use one of: ${shownNames(storeNames)}` : 'define it under the top-level "stores"');
    } else if (storeName === undefined) {
      add(
        at,
        storeNames.length === 0 ? 'delivery "external" needs a store, and none is defined' : `delivery "external" does not say which store to use (${storeNames.length} are defined)`,
        storeNames.length === 0 ? 'define one under the top-level "stores" (provider vault, aws or gcpsm)' : `write { method: external, store: NAME } with one of: ${shownNames(storeNames)}`,
      );
    }

    const features = { ...config.features, ...env.features };
    const context = { environment: envName, tier: env.tier, features };
    const catalog = Object.keys(config.secrets)
      .sort()
      .map((name) => {
        const secret = config.secrets[name];
        return {
          name,
          ...evaluateRequirement(secret.required, context),
          generatedHere: (secret.generated ?? false) && options.generated === 'generator',
          key: secret.remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`,
          property: secret.remote?.property ?? defaultProperty(name),
        };
      });
    const delivered = catalog.filter((s) => s.status !== 'excluded');
    const fromStore = delivered.filter((s) => !s.generatedHere);

    // In a GCP environment gcp.keys decides what ESO reads (gcp-validate reports a delivery.keys there).
    const gcpManaged = env.gcp !== undefined && storeName !== undefined && stores[storeName]?.provider === 'gcpsm';
    if (!gcpManaged && options.keys && (options.fetch ?? 'properties') === 'extract') {
      add([...at, 'keys'], '"keys" only applies to fetch: properties (extract reads every property the store holds)', 'remove "keys", or use fetch: properties');
    } else if (!gcpManaged && options.keys) {
      keyListProblems(config, catalog, fromStore, options.keys, [...at, 'keys'], envName, 'generated: generator', add);
    }

    if (fromStore.length < delivered.length && generatedSecretName(env.secretName ?? `${config.app.name}-secrets`).length > SUBDOMAIN_MAX) {
      add(['environments', envName, 'secretName'], `too long to derive the name of the Secret of generated values (it adds "-generated")`, `shorten it to at most ${SUBDOMAIN_MAX - 10} characters`);
    }

    if ((options.fetch ?? 'properties') === 'extract') {
      const byKey = new Map<string, typeof fromStore>();
      for (const s of fromStore) pushTo(byKey, s.key, s);
      for (const members of byKey.values()) {
        for (const s of members) {
          const same = members.find((o) => o !== s && o.property === s.property);
          if (same && s.name > same.name) {
            add(['secrets', s.name, 'remote', 'property'], `"${s.name}" and "${same.name}" read the same property ${shown(s.property)} of ${shown(s.key)}: with fetch: extract only one of them would be filled`, 'give each secret its own property, or use fetch: properties');
          }
          const shadowed = members.find((o) => o !== s && o.property === s.name);
          if (shadowed) {
            add(['secrets', shadowed.name, 'remote', 'property'], `property ${shown(shadowed.property)} of ${shown(s.key)} is also the name "${s.name}" is renamed to: with fetch: extract the renames would collide`, 'rename the property in the store and here, or use fetch: properties');
          }
        }
      }
    }

    const store = storeName === undefined ? undefined : stores[storeName];
    // A GCP environment reads one Secret Manager secret per variable (gcp-validate checks those IDs), not the catalog's remote keys.
    if (store && !(env.gcp && store.provider === 'gcpsm')) {
      const reported = new Set<string>();
      for (const s of fromStore) {
        const problem = remoteKeyProblem(store, s.key);
        if (!problem) continue;
        const explicit = config.secrets[s.name].remote?.key !== undefined;
        const path = explicit ? ['secrets', s.name, 'remote', 'key'] : ['remoteKey'];
        const id = `${path.join('.')}\u0000${storeName}`;
        if (reported.has(id)) continue;
        reported.add(id);
        add(path, `remote key ${shown(s.key)} (used by ${envName} through store "${storeName}") ${problem.message}`, problem.fix);
      }
    }
  }

  for (const name of storeNames) {
    if ((stores[name].kind ?? DEFAULT_STORE_KIND) !== 'ClusterSecretStore') continue;
    const users = storeUsers(config, name);
    const first = users[0];
    for (const user of users.slice(1)) {
      if (user.apiVersion !== first.apiVersion) {
        add(
          ['environments', user.environment, 'delivery', 'apiVersion'],
          `ClusterSecretStore ${shown(name)} is used with apiVersion ${first.apiVersion} by ${first.environment} and ${user.apiVersion} here: a cluster-wide store is one object, emitted identically by every environment that uses it`,
          `use the same apiVersion in every environment that uses it, or give this one its own store`,
        );
      }
    }
  }
}

/** A catalog entry as `keys` lists check it: its status here, and whether the cluster generates it. */
export interface KeyListEntry {
  readonly name: string;
  readonly status: string;
  readonly reason: string;
  readonly group?: string;
  readonly generatedHere: boolean;
}

/**
 * A `keys` list (an ExternalSecret's, or a GCP environment's Secret Manager secrets): each name once,
 * in the catalog, delivered in the environment, read from the store rather than generated here, and
 * every required secret and one member of each "one of" group among `stored` listed (both stores
 * fail at run time on a secret they do not hold).
 */
export function keyListProblems(
  config: AragoraSecretsConfig,
  catalog: readonly KeyListEntry[],
  stored: readonly KeyListEntry[],
  keys: readonly string[],
  at: PropertyKey[],
  envName: string,
  generatedBy: string,
  add: Add,
): void {
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const secret = catalog.find((s) => s.name === key);
    if (seen.has(key)) add([...at, i], `${shown(key)} is listed twice`, 'remove the repetition');
    seen.add(key);
    if (!secret) {
      const suggestion = didYouMean(key, Object.keys(config.secrets));
      add([...at, i], `${shown(key)} is not in the secret catalog`, suggestion ? `did you mean "${suggestion}"?` : 'list names from the top-level "secrets"');
    } else if (secret.status === 'excluded') {
      add([...at, i], `"${key}" is not delivered in ${envName} (${secret.reason})`, 'remove it from keys');
    } else if (secret.generatedHere) {
      add([...at, i], `"${key}" is generated in the cluster here (${generatedBy}), not read from the store`, 'remove it from keys, or set generated: store');
    }
  });
  for (const s of stored) {
    if (s.status === 'required' && !seen.has(s.name)) {
      add(at, `"${s.name}" is required in ${envName} (${s.reason}) but not listed: the application would start without it`, `add "${s.name}" to keys (and to the store)`);
    }
  }
  const groups = new Map<string, string[]>();
  for (const s of stored) if (s.group) pushTo(groups, s.group, s.name);
  for (const [group, members] of groups) {
    if (!members.some((m) => seen.has(m))) {
      add(at, `no secret of group ${shown(group)} is listed: at least one of ${members.join(', ')} is required`, `add one of ${members.join(', ')} to keys`);
    }
  }
}

function storeProblems(name: string, store: StoreConfig, add: Add): void {
  const at = ['stores', name];
  const cluster = (store.kind ?? DEFAULT_STORE_KIND) === 'ClusterSecretStore';
  const namespaced = (segments: PropertyKey[], ref: { namespace?: string } | undefined) => {
    if (!cluster && ref?.namespace !== undefined) {
      add([...at, ...segments, 'namespace'], 'a SecretStore reads from its own namespace only', 'remove "namespace", or make the store kind: ClusterSecretStore');
    }
  };
  switch (store.provider) {
    case 'vault':
      if (store.caBundle && store.caProvider) add([...at, 'caProvider'], 'both "caBundle" and "caProvider" are set', 'keep one of them');
      if (cluster && store.caProvider && !store.caProvider.namespace) {
        add([...at, 'caProvider'], 'a ClusterSecretStore needs the namespace of its CA Secret/ConfigMap', 'add "namespace"');
      }
      namespaced(['caProvider'], store.caProvider);
      namespaced(['auth', 'kubernetes', 'serviceAccountRef'], store.auth.kubernetes.serviceAccountRef);
      break;
    case 'aws':
      if (store.auth && (store.auth.jwt === undefined) === (store.auth.secretRef === undefined)) {
        add([...at, 'auth'], store.auth.jwt ? 'both "jwt" and "secretRef" are set' : '"auth" is empty', 'set one of jwt (IRSA) or secretRef (a credentials Secret), or remove "auth" to use the controller\'s own credentials');
      }
      namespaced(['auth', 'jwt', 'serviceAccountRef'], store.auth?.jwt?.serviceAccountRef);
      namespaced(['auth', 'secretRef', 'accessKeyIDSecretRef'], store.auth?.secretRef?.accessKeyIDSecretRef);
      namespaced(['auth', 'secretRef', 'secretAccessKeySecretRef'], store.auth?.secretRef?.secretAccessKeySecretRef);
      namespaced(['auth', 'secretRef', 'sessionTokenSecretRef'], store.auth?.secretRef?.sessionTokenSecretRef);
      break;
    case 'gcpsm':
      if (store.auth && (store.auth.workloadIdentity === undefined) === (store.auth.secretRef === undefined)) {
        add([...at, 'auth'], store.auth.workloadIdentity ? 'both "workloadIdentity" and "secretRef" are set' : '"auth" is empty', 'set one of workloadIdentity or secretRef, or remove "auth" to use the controller\'s own identity');
      }
      namespaced(['auth', 'workloadIdentity', 'serviceAccountRef'], store.auth?.workloadIdentity?.serviceAccountRef);
      namespaced(['auth', 'secretRef', 'secretAccessKeySecretRef'], store.auth?.secretRef?.secretAccessKeySecretRef);
      break;
  }
}

/** What the provider would reject about a remote key, before ESO finds out at sync time. */
function remoteKeyProblem(store: StoreConfig, key: string): { message: string; fix: string } | undefined {
  switch (store.provider) {
    case 'gcpsm':
      return /^[A-Za-z0-9_-]{1,255}$/.test(key)
        ? undefined
        : { message: 'is not a GCP Secret Manager secret ID (letters, digits, "-" and "_" only)', fix: showable(key) ? `use a key such as "${key.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '')}"` : 'use letters, digits, "-" and "_" only' };
    case 'aws':
      if (store.service === 'ParameterStore') {
        if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(key)) return { message: 'is not an SSM parameter name (letters, digits, "_", ".", "-" and "/")', fix: 'rename the key' };
        if (key.includes('/') && !key.startsWith('/')) return { message: 'is a hierarchical SSM parameter name without the leading "/"', fix: `write "/${key}"` };
        return undefined;
      }
      return /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(key) ? undefined : { message: 'is not a Secrets Manager secret name (letters, digits and /_+=.@-)', fix: 'rename the key' };
    case 'vault':
      return key.startsWith('/') || key.endsWith('/')
        ? { message: 'starts or ends with "/": a Vault key is a path relative to the KV mount', fix: showable(key) ? `write "${key.replace(/^\/+|\/+$/g, '')}"` : 'remove the leading and trailing "/"' }
        : undefined;
  }
}
