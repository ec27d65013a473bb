import { didYouMean } from '../core/errors';
import { GCP_SECRET_ID } from '../cloud/gcp/schema';
import { evaluateRequirement } from '../config-kit/requirements';
import type { AragoraSecretsConfig } from '../config-kit/schema';
import { shown } from '../config-kit/shown';
import { externalOptions, gcpsmStoreOf, isGeneratedHere } from '../delivery/external/plan';
import { keyListProblems } from '../delivery/external/validate';
import { accessorName, gcpSecretNames, secretLocation, secretResourceName, serviceAccountEmail } from '../cloud/gcp/plan';

type Add = (segments: PropertyKey[], message: string, fix?: string) => void;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GCP_LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const GCP_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

/**
 * The rules of `environments.<env>.gcp` that span several fields: the secrets it keeps agree with
 * the catalog and its requirement rules, their IDs are valid and unique, Cloud Run has what it
 * needs, an ESO gcpsm store reads the same project, and nothing two environments emit collides
 * (a secret, a Cloud Run service, a ServiceAccount with two identities, a Config Connector object).
 * In the config layer rather than src/cloud/gcp/: the rules read the external delivery's options too,
 * and a cloud never imports a delivery method.
 */
export function gcpProblems(config: AragoraSecretsConfig, add: Add): void {
  const secretOwners = new Map<string, string>();
  const serviceOwners = new Map<string, string>();
  const ksaOwners = new Map<string, { environment: string; email: string }>();
  const ccOwners = new Map<string, string>();

  for (const envName of Object.keys(config.environments).sort()) {
    const env = config.environments[envName];
    const gcp = env.gcp;
    if (!gcp) continue;
    const at = ['environments', envName, 'gcp'];
    const options = externalOptions(env.delivery);
    const features = { ...config.features, ...env.features };
    const context = { environment: envName, tier: env.tier, features };
    const catalog = Object.keys(config.secrets)
      .sort()
      .map((name) => ({
        name,
        ...evaluateRequirement(config.secrets[name].required, context),
        generated: config.secrets[name].generated ?? false,
        generatedHere: (config.secrets[name].generated ?? false) && options?.generated === 'generator',
      }));
    const delivered = catalog.filter((s) => s.status !== 'excluded');
    const kept = delivered.filter((s) => !s.generatedHere);

    // keys: the same rules as an ExternalSecret's, because Cloud Run (like ESO) fails on a secret without a version.
    if (gcp.keys) {
      keyListProblems(config, catalog, kept, gcp.keys, [...at, 'keys'], envName, 'delivery generated: generator', add);
    }

    for (const name of Object.keys(gcp.secrets ?? {})) {
      if (!Object.hasOwn(config.secrets, name)) {
        const suggestion = didYouMean(name, Object.keys(config.secrets));
        add([...at, 'secrets', name], `"${name}" is not in the secret catalog`, suggestion ? `did you mean "${suggestion}"?` : 'use names from the top-level "secrets"');
      }
    }

    const names = gcpSecretNames(env, delivered, (s) => options !== undefined && isGeneratedHere(s, options));
    const byId = new Map<string, string>();
    const byResource = new Map<string, string>();
    const cc = gcp.configConnector !== undefined && gcp.configConnector !== false;
    const ccNamespace = (typeof gcp.configConnector === 'object' ? gcp.configConnector.namespace : undefined) ?? env.namespace;
    for (const name of names) {
      const { secretId } = secretLocation(gcp, name);
      const where = gcp.secrets?.[name]?.name !== undefined ? [...at, 'secrets', name, 'name'] : gcp.secretPrefix !== undefined ? [...at, 'secretPrefix'] : at;
      if (!GCP_SECRET_ID.test(secretId)) {
        add(where, `the secret ID of ${name} would be ${shown(secretId)}, which is not a Secret Manager secret ID (at most 255 letters, digits, "-" and "_")`, 'shorten secretPrefix, or set secrets.<NAME>.name');
        continue;
      }
      const other = byId.get(secretId);
      if (other) add([...at, 'secrets', name, 'name'], `${name} and ${other} would both be kept in secret ${shown(secretId)}`, 'give each variable its own secret');
      byId.set(secretId, name);
      const owner = secretOwners.get(`${gcp.project}/${secretId}`);
      if (owner) {
        add(
          where,
          `secret ${shown(secretId)} in project ${gcp.project} is also environment ${owner}'s: the two environments would share values and grants`,
          'give each environment its own project, or a secretPrefix (e.g. "' + envName + '-")',
        );
      } else {
        secretOwners.set(`${gcp.project}/${secretId}`, envName);
      }
      if (cc) {
        const resource = secretResourceName(secretId);
        if (resource.length > 253 - '-accessor'.length || !DNS1123_SUBDOMAIN.test(resource)) {
          add(where, `secret ID ${shown(secretId)} gives no valid Config Connector object name (it must make a DNS-1123 subdomain of at most 244 characters)`, 'choose an ID that starts and ends with a letter or digit');
        } else if (byResource.has(resource)) {
          add(where, `secrets ${shown(secretId)} and ${shown(byResource.get(resource)!)} would be the same Config Connector object (names are lowercase, "_" becomes "-")`, 'rename one of them');
        } else {
          byResource.set(resource, secretId);
          claim(ccOwners, `${ccNamespace}/SecretManagerSecret/${resource}`, envName, where, add);
          claim(ccOwners, `${ccNamespace}/IAMPolicyMember/${accessorName(resource)}`, envName, where, add);
        }
      }
    }

    const storeRef = gcpsmStoreOf(config, env);
    if (storeRef && options) {
      const { name: storeName, store } = storeRef;
      if (store.projectID !== gcp.project) {
        add(
          [...at, 'project'],
          `the environment keeps its secrets in project ${gcp.project}, but its store "${storeName}" reads project ${store.projectID}`,
          `use the same project (stores.${storeName}.projectID: ${gcp.project}), or give the environment a store of its own`,
        );
      }
      if (store.location !== undefined) {
        add(['stores', storeName, 'location'], `store "${storeName}" reads regional secrets (location ${shown(store.location)}), but environment ${envName} keeps global ones (the kind Cloud Run reads)`, 'remove "location"; use gcp.replication to choose where the data is kept');
      }
      if ((options.fetch ?? 'properties') === 'extract') {
        add(['environments', envName, 'delivery', 'fetch'], 'with gcp each variable is a secret of its own; fetch: extract reads one JSON secret', 'remove fetch (or write properties)');
      }
      if (options.keys) {
        add(['environments', envName, 'delivery', 'keys'], 'with gcp the secrets ESO reads are those kept in Secret Manager', 'move the list to gcp.keys, so that Cloud Run, Secret Manager and ESO use the same one');
      }
      const wi = store.auth?.workloadIdentity;
      if (wi) {
        const namespace = wi.serviceAccountRef.namespace ?? env.namespace;
        const name = wi.serviceAccountRef.name;
        const create = gcp.createStoreServiceAccount ?? true;
        if (create && namespace === env.namespace && name === config.app.name) {
          add(
            ['stores', storeName, 'auth', 'workloadIdentity', 'serviceAccountRef', 'name'],
            `${shown(name)} is the application's own ServiceAccount in ${env.namespace}: the pods would get the identity that reads every secret`,
            'give ESO a ServiceAccount of its own, e.g. name: ' + `${config.app.name}-external-secrets`,
          );
        }
        const email = serviceAccountEmail(gcp.serviceAccount, gcp.project);
        const key = `${namespace}/${name}`;
        const other = ksaOwners.get(key);
        if (other && other.email !== email && create) {
          add(
            [...at, 'serviceAccount'],
            `ServiceAccount ${key} (store "${storeName}") would be annotated with ${email} here and ${other.email} in environment ${other.environment}; it can impersonate only one`,
            'give each environment its own store ServiceAccount (one Google service account for both would read both environments\' secrets)',
          );
        } else if (!other) {
          ksaOwners.set(key, { environment: envName, email });
        }
        if (cc) claim(ccOwners, `${ccNamespace}/IAMPolicyMember/${config.app.name}-eso-workload-identity`, envName, [...at, 'configConnector'], add);
      }
    }

    const run = gcp.cloudRun;
    if (run) {
      if (!gcp.region) add([...at, 'region'], 'a Cloud Run service needs a region', 'add region (e.g. europe-west1)');
      if (!run.image && !env.workload?.image && !config.app.image) add([...at, 'cloudRun', 'image'], 'no container image for the Cloud Run service', 'set cloudRun.image, workload.image or app.image');
      if (run.minInstances !== undefined && run.maxInstances !== undefined && run.minInstances > run.maxInstances) {
        add([...at, 'cloudRun', 'minInstances'], `minInstances (${run.minInstances}) is above maxInstances (${run.maxInstances})`, 'lower minInstances or raise maxInstances');
      }
      if (options?.generated === 'generator' && delivered.some((s) => s.generatedHere)) {
        const generated = delivered.filter((s) => s.generatedHere).map((s) => s.name);
        add(
          ['environments', envName, 'delivery', 'generated'],
          `${generated.join(', ')} would be made in the cluster while Cloud Run reads ${generated.length === 1 ? 'it' : 'them'} from Secret Manager: two different values in one environment (tokens signed by one side fail on the other)`,
          'remove generated: generator (setup.sh generates the value into Secret Manager, and both read it there)',
        );
      }
      const service = run.service ?? config.app.name;
      const id = `${gcp.project}/${gcp.region}/${service}`;
      const owner = serviceOwners.get(id);
      if (owner) add([...at, 'cloudRun', 'service'], `Cloud Run service ${shown(service)} in ${gcp.project} (${gcp.region}) is also environment ${owner}'s`, 'name the services apart (cloudRun.service) or use a project per environment');
      else serviceOwners.set(id, envName);
    }

    if (cc) {
      // Config Connector copies unprefixed Kubernetes labels onto the Google Cloud resource, whose label grammar is narrower.
      const labels: Record<string, string> = { ...config.app.labels, ...env.labels, app: config.app.name };
      for (const [key, value] of Object.entries(labels)) {
        if (key.includes('/')) continue;
        if (!GCP_LABEL_KEY.test(key) || !GCP_LABEL_VALUE.test(value)) {
          const path = env.labels && key in env.labels ? ['environments', envName, 'labels', key] : key === 'app' ? ['app', 'name'] : ['app', 'labels', key];
          add(
            path,
            `label ${key}: ${shown(value)} cannot be a Google Cloud label, and Config Connector copies it onto the secrets of ${envName}`,
            'use lowercase letters, digits, "-" and "_" (keys start with a letter), or a prefixed key (example.com/' + key + '), which Config Connector does not copy',
          );
        }
      }
    }
  }
}

function claim(owners: Map<string, string>, key: string, environment: string, where: PropertyKey[], add: Add): void {
  const owner = owners.get(key);
  if (owner && owner !== environment) {
    const [namespace, kind, name] = key.split('/');
    add(where, `Config Connector ${kind} ${shown(name)} in namespace ${namespace} is also environment ${owner}'s`, 'give the environments different configConnector namespaces');
  } else {
    owners.set(key, environment);
  }
}

