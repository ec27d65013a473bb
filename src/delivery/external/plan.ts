import { compareStrings } from '../../core/sort';
import type {
  EsoApiVersion,
  ExternalDeliveryConfig,
  FetchMode,
  RefreshPolicy,
  StoreConfig,
  StoreKind,
} from './schema';
import type { AragoraSecretsConfig, DeliveryConfig } from '../../config-kit/schema';
import type { EsoIdentityPlan } from '../../plan/eso-identity';
import { deriveName } from '../../core/names';
import type { SecretPlan } from '../../plan/plan';
import { pushTo } from '../../core/collections';

/**
 * The resolved plan of delivery method `external` (External Secrets Operator): which store,
 * which keys, how they are fetched. Defaults are applied here and nowhere else.
 */
export interface ExternalDeliveryPlan {
  readonly method: 'external';
  readonly apiVersion: EsoApiVersion;
  /** A Go duration. */
  readonly refreshInterval: string;
  /** Written only when the config sets it (ESO's default is Periodic). */
  readonly refreshPolicy?: RefreshPolicy;
  /** The config keeps `refreshInterval: 0s` under the Periodic policy on purpose (`acknowledgeNoRefresh`). */
  readonly acknowledgeNoRefresh: boolean;
  /** The ESO release of the environment's cluster, when the config names it. */
  readonly esoVersion?: string;
  readonly fetch: FetchMode;
  readonly store: StorePlan;
  /** `fetch: properties`: one entry per key the store holds, sorted by key. */
  readonly data: readonly ExternalDataPlan[];
  /** `fetch: extract`: one entry per remote key, sorted by key. */
  readonly extracts: readonly ExternalExtractPlan[];
  /** Secrets made in the cluster by a Password generator, into a Secret of their own. */
  readonly generated?: GeneratedSecretsPlan;
  /** With a `vault` store: the policy its role needs for this environment (`read` on exactly these API paths, sorted). */
  readonly vaultPolicy?: { readonly name: string; readonly paths: readonly string[] };
}

export interface ExternalDataPlan {
  /** Key in the Kubernetes Secret (the environment variable name). */
  readonly secretKey: string;
  /** `property` absent: the remote secret's whole value; `version` absent: the latest. */
  readonly remoteRef: { readonly key: string; readonly property?: string; readonly version?: string };
}

export interface ExternalExtractPlan {
  /** Remote key read whole (a JSON object in the store). */
  readonly key: string;
  /** Properties renamed to the variable names, sorted by property. */
  readonly rewrites: readonly { readonly property: string; readonly secretKey: string }[];
}

export interface GeneratedSecretsPlan {
  /** The Secret (and its ExternalSecret) holding the generated values. */
  readonly secretName: string;
  /** The Password generator. */
  readonly generatorName: string;
  /** Variable names, sorted. */
  readonly keys: readonly string[];
}

export interface SecretKeySelectorPlan {
  readonly name: string;
  readonly key: string;
  readonly namespace?: string;
}

export interface ServiceAccountSelectorPlan {
  readonly name: string;
  readonly namespace?: string;
  readonly audiences?: readonly string[];
}

export type StoreProviderPlan =
  | {
      readonly provider: 'vault';
      readonly server: string;
      readonly path: string;
      readonly version: 'v1' | 'v2';
      readonly vaultNamespace?: string;
      /** The PEM bundle, base64-encoded as the CRD wants it. */
      readonly caBundle?: string;
      readonly caProvider?: { readonly type: 'Secret' | 'ConfigMap'; readonly name: string; readonly key: string; readonly namespace?: string };
      readonly auth: {
        readonly kubernetes: { readonly mountPath: string; readonly role: string; readonly serviceAccountRef?: ServiceAccountSelectorPlan };
      };
    }
  | {
      readonly provider: 'aws';
      readonly service: 'SecretsManager' | 'ParameterStore';
      readonly region: string;
      readonly role?: string;
      readonly prefix?: string;
      readonly auth?: {
        readonly jwt?: { readonly serviceAccountRef: ServiceAccountSelectorPlan };
        readonly secretRef?: {
          readonly accessKeyIDSecretRef: SecretKeySelectorPlan;
          readonly secretAccessKeySecretRef: SecretKeySelectorPlan;
          readonly sessionTokenSecretRef?: SecretKeySelectorPlan;
        };
      };
    }
  | {
      readonly provider: 'gcpsm';
      readonly projectID: string;
      readonly location?: string;
      readonly auth?: {
        readonly workloadIdentity?: {
          readonly serviceAccountRef: ServiceAccountSelectorPlan;
          readonly clusterLocation?: string;
          readonly clusterName?: string;
          readonly clusterProjectID?: string;
        };
        readonly secretRef?: { readonly secretAccessKeySecretRef: SecretKeySelectorPlan };
      };
    };

export interface StorePlan {
  readonly name: string;
  readonly kind: StoreKind;
  readonly apiVersion: EsoApiVersion;
  readonly provider: StoreProviderPlan;
  /**
   * ClusterSecretStore: the namespaces allowed to use it (`spec.conditions`), i.e. those of every
   * environment of the config that references it, sorted. Empty for a SecretStore.
   */
  readonly namespaces: readonly string[];
  /**
   * ClusterSecretStore: its labels, the app's only (no environment label), so that every
   * environment folder that emits it emits the same object. Absent for a SecretStore, which
   * carries its environment's labels like everything else in the folder.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ExternalDeliveryContext {
  readonly config: AragoraSecretsConfig;
  readonly appLabels: Readonly<Record<string, string>>;
  /** The environment's Secret (target of the ExternalSecret). */
  readonly secretName: string;
  /** The secrets delivered in the environment. */
  readonly secrets: readonly SecretPlan[];
  /**
   * Remote references that replace the catalog's `remote` (key and property), one per variable
   * read from the store; variables not in the map are not read. Used where each variable is a
   * secret of its own (GCP Secret Manager in a GCP environment).
   * @default - the catalog's remote key and property of each secret (and `keys`)
   */
  readonly remoteRefs?: ReadonlyMap<string, { readonly key: string; readonly version?: string }>;
  /** The environment's ESO identity: an `aws` store without `auth` authenticates as its ServiceAccount. */
  readonly esoIdentity?: EsoIdentityPlan;
}

export const DEFAULT_REFRESH_INTERVAL = '1h';
export const DEFAULT_STORE_KIND: StoreKind = 'SecretStore';
export const GENERATED_SECRET_SUFFIX = '-generated';

/** The long form of an `external` delivery, whether the config used the short one or not. */
export function externalOptions(delivery: DeliveryConfig | undefined): ExternalDeliveryConfig | undefined {
  if (delivery === 'external') return { method: 'external' };
  if (typeof delivery === 'object' && delivery.method === 'external') return delivery;
  return undefined;
}

/** The store an `external` delivery uses: the one named, or the only one defined. */
export function storeNameOf(config: AragoraSecretsConfig, options: ExternalDeliveryConfig): string | undefined {
  if (options.store !== undefined) return options.store;
  const names = Object.keys(config.stores ?? {});
  return names.length === 1 ? names[0] : undefined;
}

/** The environments whose `external` delivery uses `storeName`, sorted by name. */
export function storeUsers(config: AragoraSecretsConfig, storeName: string): { environment: string; namespace: string; apiVersion: EsoApiVersion }[] {
  return Object.keys(config.environments)
    .sort()
    .flatMap((environment) => {
      const env = config.environments[environment];
      const options = externalOptions(env.delivery);
      if (!options || storeNameOf(config, options) !== storeName) return [];
      return [{ environment, namespace: env.namespace, apiVersion: options.apiVersion ?? 'v1' }];
    });
}

/** `aragora-secrets` → `aragora-secrets-generated`; the caller checks the length (config validation does). */
export function generatedSecretName(secretName: string): string {
  return `${secretName}${GENERATED_SECRET_SUFFIX}`;
}

/** Whether a delivered secret is made by the Password generator rather than read from the store. */
export function isGeneratedHere(secret: Pick<SecretPlan, 'generated'>, options: ExternalDeliveryConfig): boolean {
  return secret.generated && options.generated === 'generator';
}

export function resolveExternalDelivery(options: ExternalDeliveryConfig, context: ExternalDeliveryContext): ExternalDeliveryPlan {
  const { config } = context;
  const storeName = storeNameOf(config, options);
  const storeConfig = storeName === undefined ? undefined : config.stores?.[storeName];
  if (storeName === undefined || storeConfig === undefined) {
    // Config validation reports this with a fix; reaching it means validation was skipped.
    throw new Error(`delivery external: store ${JSON.stringify(options.store)} is not defined under "stores"`);
  }
  const apiVersion = options.apiVersion ?? 'v1';
  const fetch = options.fetch ?? 'properties';
  const generated = context.secrets.filter((s) => isGeneratedHere(s, options));
  const fromStore = context.secrets.filter((s) => !isGeneratedHere(s, options));
  const listed = options.keys ? new Set(options.keys) : undefined;
  const { remoteRefs } = context;
  const held = fromStore.filter((s) => (remoteRefs ? remoteRefs.has(s.name) : !listed || listed.has(s.name)));

  const extracts = new Map<string, { property: string; secretKey: string }[]>();
  if (fetch === 'extract') {
    for (const s of fromStore) pushTo(extracts, s.remote.key, { property: s.remote.property, secretKey: s.name });
  }

  return {
    method: 'external',
    apiVersion,
    refreshInterval: options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
    refreshPolicy: options.refreshPolicy,
    acknowledgeNoRefresh: options.acknowledgeNoRefresh ?? false,
    esoVersion: options.esoVersion,
    fetch,
    store: resolveStore(config, storeName, storeConfig, apiVersion, context.appLabels, context.esoIdentity),
    data:
      fetch !== 'properties'
        ? []
        : held.map((s) => {
            const ref = remoteRefs?.get(s.name);
            return { secretKey: s.name, remoteRef: ref ? { key: ref.key, version: ref.version } : { key: s.remote.key, property: s.remote.property } };
          }),
    extracts: [...extracts]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([key, rewrites]) => ({ key, rewrites: rewrites.sort((a, b) => compareStrings(a.property, b.property)) })),
    generated:
      generated.length > 0
        ? {
            secretName: generatedSecretName(context.secretName),
            generatorName: deriveName(config.app.name, 'secret-generator'),
            keys: generated.map((s) => s.name),
          }
        : undefined,
  };
}

function resolveStore(
  config: AragoraSecretsConfig,
  name: string,
  store: StoreConfig,
  apiVersion: EsoApiVersion,
  appLabels: Readonly<Record<string, string>>,
  identity: EsoIdentityPlan | undefined,
): StorePlan {
  const kind = store.kind ?? DEFAULT_STORE_KIND;
  const cluster = kind === 'ClusterSecretStore';
  return {
    name,
    kind,
    apiVersion,
    provider: resolveProvider(store, kind, identity),
    namespaces: cluster ? [...new Set(storeUsers(config, name).map((u) => u.namespace))].sort() : [],
    labels: cluster ? { ...appLabels } : undefined,
  };
}

function resolveProvider(store: StoreConfig, kind: StoreKind, identity: EsoIdentityPlan | undefined): StoreProviderPlan {
  switch (store.provider) {
    case 'vault':
      return {
        provider: 'vault',
        server: store.server,
        path: store.path ?? 'secret',
        version: store.version ?? 'v2',
        vaultNamespace: store.vaultNamespace,
        caBundle: store.caBundle === undefined ? undefined : Buffer.from(normalizePem(store.caBundle), 'utf8').toString('base64'),
        caProvider: store.caProvider,
        auth: {
          kubernetes: {
            mountPath: store.auth.kubernetes.mountPath ?? 'kubernetes',
            role: store.auth.kubernetes.role,
            serviceAccountRef: store.auth.kubernetes.serviceAccountRef,
          },
        },
      };
    case 'aws': {
      // With an ESO role in the environment's AWS stack, the store authenticates as the role's
      // ServiceAccount (config validation refuses an `auth` that names another one).
      const sa = identity?.aws?.serviceAccount;
      const auth = store.auth ?? (sa && { jwt: { serviceAccountRef: serviceAccountRefFor(sa, kind) } });
      return { provider: 'aws', service: store.service, region: store.region, role: store.role, prefix: store.prefix, auth };
    }
    case 'gcpsm': {
      const wi = store.auth?.workloadIdentity;
      // The ESO CRD has no field for the Google service account: it lives on the ServiceAccount's annotation.
      const auth = store.auth && {
        secretRef: store.auth.secretRef,
        workloadIdentity: wi && {
          serviceAccountRef: wi.serviceAccountRef,
          clusterLocation: wi.clusterLocation,
          clusterName: wi.clusterName,
          clusterProjectID: wi.clusterProjectID,
        },
      };
      return { provider: 'gcpsm', projectID: store.projectID, location: store.location, auth };
    }
  }
}

/** A ClusterSecretStore names the ServiceAccount's namespace (ESO has none to default to); a SecretStore may not. */
export function serviceAccountRefFor(sa: { readonly name: string; readonly namespace: string }, kind: StoreKind): ServiceAccountSelectorPlan {
  return kind === 'ClusterSecretStore' ? { name: sa.name, namespace: sa.namespace } : { name: sa.name };
}

/** One certificate block a line, no trailing spaces, one final newline: the same PEM gives the same bytes. */
function normalizePem(pem: string): string {
  return (
    pem
      .trim()
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join('\n') + '\n'
  );
}


/** Whether a Go duration (`0`, `0s`, `0h0m`, `1h`...) is zero: ESO reads a zero refreshInterval as "never refresh". */
export function isZeroDuration(duration: string): boolean {
  return [...duration.matchAll(/(\d+(?:\.\d+)?)/g)].every(([n]) => Number(n) === 0);
}

/** The gcpsm store an environment's external delivery reads, if any (a GCP environment grants it access). */
export function gcpsmStoreOf(config: AragoraSecretsConfig, env: AragoraSecretsConfig['environments'][string]): { name: string; store: Extract<NonNullable<AragoraSecretsConfig['stores']>[string], { provider: 'gcpsm' }> } | undefined {
  const options = externalOptions(env.delivery);
  if (!options) return undefined;
  const name = storeNameOf(config, options);
  const store = name === undefined ? undefined : config.stores?.[name];
  return name !== undefined && store?.provider === 'gcpsm' ? { name, store } : undefined;
}
