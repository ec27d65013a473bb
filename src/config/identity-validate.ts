import { esoServiceAccountOf, roleName } from '../cloud/aws/plan';
import { knownRegions } from '../cloud/aws/regions';
import { shown } from '../config-kit/shown';
import { DEFAULT_STORE_KIND, externalOptions, isZeroDuration, storeNameOf, storeUsers } from '../delivery/external/plan';
import { resolvedServiceAccount } from '../plan/eso-identity';
import { IRSA_ROLE_ANNOTATION } from '../cloud/aws/cloud';
import { GKE_SERVICE_ACCOUNT_ANNOTATION } from '../cloud/gcp/cloud';
import type { AragoraSecretsConfig } from '../config-kit/schema';

type Add = (segments: PropertyKey[], message: string, fix?: string) => void;

/**
 * The identity chain of External Secrets Operator, checked before anything is derived from it: the
 * ServiceAccount an `aws` store authenticates as must be the one the environment's IRSA role trusts,
 * in the region the role and the secrets are in; a ServiceAccount made by synth is made once, with
 * one meaning; the application's own ServiceAccount never doubles as ESO's.
 */
export function identityProblems(config: AragoraSecretsConfig, add: Add): void {
  const stores = config.stores ?? {};
  /** ns/name → who creates it, with which annotation, for clashes between environments. */
  const created = new Map<string, { environment: string; at: PropertyKey[]; annotation: string }>();
  const create = (environment: string, at: PropertyKey[], sa: { namespace: string; name: string }, annotation: string) => {
    const key = `${sa.namespace}/${sa.name}`;
    const other = created.get(key);
    if (!other) created.set(key, { environment, at, annotation });
    else if (other.annotation !== annotation || other.environment === environment) {
      add(at, `ServiceAccount ${key} would be emitted twice with different meanings (also by ${other.at.join('.')}: ${other.annotation})`, 'give each identity its own ServiceAccount name');
    }
  };

  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const options = externalOptions(env.delivery);
    const storeName = options && storeNameOf(config, options);
    const store = storeName === undefined ? undefined : stores[storeName];
    const appServiceAccount = { namespace: env.namespace, name: config.app.name };
    const isAppServiceAccount = (sa: { namespace: string; name: string }) => sa.namespace === appServiceAccount.namespace && sa.name === appServiceAccount.name;

    const eso = env.aws?.eso;
    if (eso) {
      const esoAt = ['environments', envName, 'aws', 'eso'];
      const saAt = eso.serviceAccount ? [...esoAt, 'serviceAccount'] : esoAt;
      const sa = esoServiceAccountOf(config.app.name, env.namespace, eso);
      const region = env.aws!.region;
      const partition = knownRegions().partitions.get(region);
      const roleArn = partition && `arn:${partition}:iam::${env.aws!.account}:role/${roleName(`${config.app.name}-${envName}`, 'external-secrets')}`;
      if (isAppServiceAccount(sa)) {
        add([...saAt, 'name'], `${shown(sa.name)} is the application's ServiceAccount: its pods would obtain the ESO role and could read every secret of the environment in AWS directly`, `give ESO its own ServiceAccount (default ${config.app.name}-external-secrets)`);
      }
      if (eso.serviceAccount?.create) create(envName, [...saAt, 'create'], sa, `${IRSA_ROLE_ANNOTATION}=${roleArn ?? '?'}`);
      if (store?.provider !== 'aws') {
        // A role that nothing assumes can still read every secret of the stack, for whoever gets a token for its ServiceAccount.
        const delivery = options ? `its external delivery reads store "${storeName ?? '?'}" (provider ${store?.provider ?? 'unknown'})` : `its delivery is ${typeof env.delivery === 'object' ? env.delivery.method : (env.delivery ?? 'plain')}`;
        const awsStores = Object.keys(stores).filter((name) => stores[name].provider === 'aws');
        add(
          esoAt,
          `no store of environment ${envName} authenticates as this IRSA role (${delivery}): the role could read every secret of the stack while nothing in the output uses it`,
          `remove environments.${envName}.aws.eso, or deliver through an aws store (delivery: { method: external, store: ${awsStores[0] ?? '<an aws store>'} })`,
        );
      }

      if (store?.provider === 'aws') {
        const at = ['stores', storeName!];
        const kind = store.kind ?? DEFAULT_STORE_KIND;
        const link = `the IRSA role of environments.${envName}.aws.eso trusts ServiceAccount ${sa.namespace}/${sa.name}`;
        if (store.auth?.secretRef) {
          add([...at, 'auth', 'secretRef'], `store "${storeName}" authenticates with static credentials, but ${link}: the role would go unused`, `remove stores.${storeName}.auth (the store then authenticates as ${sa.namespace}/${sa.name}), or remove environments.${envName}.aws.eso`);
        } else if (store.auth?.jwt) {
          const written = resolvedServiceAccount(store.auth.jwt.serviceAccountRef, kind, env.namespace);
          if (written.name !== sa.name || written.namespace !== sa.namespace) {
            add(
              [...at, 'auth', 'jwt', 'serviceAccountRef'],
              `names ServiceAccount ${written.namespace}/${written.name}, but ${link} (${saAt.join('.')}): ESO would present a token the role refuses`,
              `remove stores.${storeName}.auth (it is derived from environments.${envName}.aws.eso), or name the same ServiceAccount in both`,
            );
          }
        }
        if (kind === 'SecretStore' && sa.namespace !== env.namespace) {
          add([...saAt, 'namespace'], `store "${storeName}" is a SecretStore: it can only authenticate as a ServiceAccount of its own namespace (${env.namespace}), not ${sa.namespace}`, `remove serviceAccount.namespace, or make stores.${storeName} kind: ClusterSecretStore`);
        }
        if (roleArn && store.role === roleArn) {
          add([...at, 'role'], `is the IRSA role itself: ESO would assume it a second time with its own credentials, which its trust policy (web identity from the cluster only) refuses`, `remove stores.${storeName}.role`);
        }
        if (store.region !== region) {
          add([...at, 'region'], `${shown(store.region)}, but environments.${envName}.aws.region (where the stack keeps the secrets and the role) is "${region}"`, `use ${region} in both`);
        }
      }
    }

    if (store?.provider === 'gcpsm' && store.auth?.workloadIdentity) {
      const wi = store.auth.workloadIdentity;
      const at = ['stores', storeName!, 'auth', 'workloadIdentity'];
      const sa = resolvedServiceAccount(wi.serviceAccountRef, store.kind, env.namespace);
      if (wi.createServiceAccount && !wi.gcpServiceAccount) {
        add([...at, 'createServiceAccount'], 'the ServiceAccount would carry no iam.gke.io/gcp-service-account annotation, which ESO needs to act as a Google service account', 'set gcpServiceAccount');
      }
      if (isAppServiceAccount(sa)) {
        add([...at, 'serviceAccountRef', 'name'], `${shown(sa.name)} is the application's ServiceAccount: its pods could act as the Google service account and read the secrets directly`, 'give ESO its own ServiceAccount');
      }
      if (wi.createServiceAccount && wi.gcpServiceAccount) create(envName, [...at, 'createServiceAccount'], sa, `${GKE_SERVICE_ACCOUNT_ANNOTATION}=${wi.gcpServiceAccount}`);
    }
  }

  for (const [name, store] of Object.entries(stores)) {
    if ((store.kind ?? DEFAULT_STORE_KIND) !== 'ClusterSecretStore') continue;
    const ref =
      store.provider === 'aws' ? { at: ['auth', 'jwt', 'serviceAccountRef'], value: store.auth?.jwt?.serviceAccountRef } : store.provider === 'gcpsm' ? { at: ['auth', 'workloadIdentity', 'serviceAccountRef'], value: store.auth?.workloadIdentity?.serviceAccountRef } : undefined;
    if (ref?.value && ref.value.namespace === undefined) {
      add(['stores', name, ...ref.at, 'namespace'], 'a ClusterSecretStore must name the namespace of its ServiceAccount: ESO has no namespace to default to and fails the store', 'add "namespace"');
    }
    // Without `auth`, each environment's IRSA role fills it in: the one object must come out the same everywhere.
    if (store.provider === 'aws' && !store.auth) {
      const derived = storeUsers(config, name).map(({ environment }) => {
        const env = config.environments[environment];
        const sa = env.aws?.eso && esoServiceAccountOf(config.app.name, env.namespace, env.aws.eso);
        return { environment, identity: sa ? `ServiceAccount ${sa.namespace}/${sa.name}` : "the controller's own credentials" };
      });
      if (new Set(derived.map((d) => d.identity)).size > 1) {
        add(['stores', name, 'auth'], `ClusterSecretStore "${name}" would authenticate differently per environment (${derived.map((d) => `${d.environment}: ${d.identity}`).join('; ')}), but it is one object in the cluster`, 'give each environment its own store (one store shared by environments reads all of their secrets, which the guard rail environment-isolation refuses)');
      }
    }
  }
}

/** The refresh options of delivery `external`: said once, with an effect, and in an API version that has them. */
export function refreshOptionProblems(config: AragoraSecretsConfig, add: Add): void {
  for (const envName of Object.keys(config.environments).sort()) {
    const options = externalOptions(config.environments[envName].delivery);
    if (!options) continue;
    const at = ['environments', envName, 'delivery'];
    const policy = options.refreshPolicy;
    const zero = options.refreshInterval !== undefined && isZeroDuration(options.refreshInterval);
    if (policy !== undefined && (options.apiVersion ?? 'v1') !== 'v1') {
      add([...at, 'refreshPolicy'], 'refreshPolicy needs apiVersion v1: ESO releases that serve only v1beta1 have no such field', 'remove refreshPolicy, or use apiVersion v1 (ESO 0.16+)');
    }
    if ((policy === 'OnChange' || policy === 'CreatedOnce') && options.refreshInterval !== undefined && !zero) {
      add([...at, 'refreshInterval'], `has no effect with refreshPolicy ${policy}: ESO does not poll then`, 'remove refreshInterval, or use refreshPolicy: Periodic');
    }
    if (options.acknowledgeNoRefresh && (!zero || (policy !== undefined && policy !== 'Periodic'))) {
      add(
        [...at, 'acknowledgeNoRefresh'],
        zero ? `nothing to acknowledge: refreshPolicy ${policy} says what happens` : 'nothing to acknowledge: refreshInterval is not zero',
        'remove acknowledgeNoRefresh',
      );
    }
  }
}
