import type { EnvironmentPlan } from '../../plan/plan';
import type { VaultOperatorDeliveryPlan } from './plan';
import { arr, environmentsOf, groupOf, madeByText, namespaceIn, podSpecOf, problemWith, ref, secretReferences, secretsMadeBy } from '../../checks/objects';
import type { EnvironmentFacts, ManifestObject, Problem, Rule, SecretProducer } from '../../checks/types';

/** The checks of the Vault Secrets Operator delivery (`vault-operator`): its objects, as the operator reads them. */

export const VSO_GROUP = 'secrets.hashicorp.com';
/** The kinds of the operator that write a Kubernetes Secret (`spec.destination`). */
const SYNCING_KINDS = ['VaultStaticSecret', 'VaultDynamicSecret'];
/** The shortest refresh that does not turn a restart target into a restart loop. */
const MIN_REFRESH_SECONDS = 60;

declare module '../../checks/types' {
  interface EnvironmentFacts {
    /** VaultStaticSecrets (by name) whose `destination.overwrite` the config asks for (`delivery.overwrite`). */
    readonly vaultOperatorOverwrite?: readonly string[];
  }
}

/** A VaultStaticSecret or VaultDynamicSecret writes the Secret of `spec.destination.name` in its own namespace. */
export const vaultOperatorProducers: readonly SecretProducer[] = SYNCING_KINDS.map((kind) => ({
  kind,
  group: VSO_GROUP,
  how: 'its destination',
  secretsOf: (object, namespace) => (typeof object.spec?.destination?.name === 'string' && object.spec.destination.name !== '' ? [{ namespace, name: object.spec.destination.name }] : []),
}));

function syncing(objects: readonly ManifestObject[]): ManifestObject[] {
  return objects.filter(({ object }) => SYNCING_KINDS.includes(object.kind) && groupOf(object.apiVersion) === VSO_GROUP);
}

/** A Go duration (`90s`, `1h30m`, `500ms`) in seconds; undefined when it is not one. */
export function goDurationSeconds(duration: unknown): number | undefined {
  if (typeof duration !== 'string' || !/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(duration)) return duration === '0' ? 0 : undefined;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  return [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

export const vsoRestartStorm: Rule = {
  id: 'vso-restart-storm',
  phase: 'objects',
  severity: 'error',
  what: 'A Vault Secrets Operator secret with rollout restart targets whose refresh restarts them without end',
  why: 'the operator restarts the targets whenever it sees new data: with `hmacSecretData: false` it cannot tell unchanged data from new, and with no `refreshAfter` or one under a minute it re-syncs so often that every rotation, or every sync, restarts the pods (vault-secrets-operator #582, #644)',
  fix: '`hmacSecretData: true` and a `refreshAfter` of a few minutes or more (aragora-secrets writes 1h), or no restart targets',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      syncing(env.objects).flatMap((entry): Problem[] => {
        const spec = entry.object.spec ?? {};
        const targets = arr(spec.rolloutRestartTargets);
        if (targets.length === 0) return [];
        const names = targets.map((t: any) => `${t?.kind}/${t?.name}`).join(', ');
        const out: Problem[] = [];
        if (entry.object.kind === 'VaultStaticSecret' && spec.hmacSecretData === false) {
          out.push(
            problemWith(
              entry,
              `${ref(entry.object)} restarts ${names} on a change but has spec.hmacSecretData false: the operator cannot tell unchanged data from new, so every refresh restarts them`,
              'remove hmacSecretData (it defaults to true) or write true',
              { location: 'spec.hmacSecretData' },
            ),
          );
        }
        const seconds = goDurationSeconds(spec.refreshAfter);
        if (entry.object.kind === 'VaultStaticSecret' && (seconds === undefined || seconds < MIN_REFRESH_SECONDS)) {
          out.push(
            problemWith(
              entry,
              `${ref(entry.object)} restarts ${names} on a change ${spec.refreshAfter === undefined ? 'and sets no spec.refreshAfter' : `and re-reads Vault every ${JSON.stringify(spec.refreshAfter)}`}: values rotated in quick succession, or a sync that sees a change each time, restart the pods again and again`,
              'write spec.refreshAfter: 5m or longer (aragora-secrets writes 1h)',
              { location: 'spec.refreshAfter' },
            ),
          );
        }
        return out;
      }),
    ),
};

export const vsoRestartTarget: Rule = {
  id: 'vso-restart-target',
  phase: 'objects',
  severity: 'error',
  what: 'A rollout restart target that does not read the Secret the operator writes',
  why: 'the operator restarts exactly the workloads it names: one that does not read the Secret is restarted for nothing at every change, and the one that reads it keeps its old values',
  fix: 'name the Deployment that reads the destination Secret in `rolloutRestartTargets`',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      syncing(env.objects).flatMap((entry): Problem[] => {
        const spec = entry.object.spec ?? {};
        const destination = spec.destination?.name;
        const ns = namespaceIn(env, entry.object);
        return arr(spec.rolloutRestartTargets).flatMap((target: any, i: number): Problem[] => {
          const kind = target?.kind === 'argo.Rollout' ? 'Rollout' : target?.kind;
          const workload = env.objects.find(({ object }) => object.kind === kind && object.metadata.name === target?.name && namespaceIn(env, object) === ns);
          if (!workload) {
            return [
              problemWith(entry, `${ref(entry.object)} restarts ${target?.kind}/${target?.name}, which is not in this folder: check that it is the workload that reads Secret "${destination}"`, 'name the workload that reads the Secret', {
                location: `spec.rolloutRestartTargets[${i}]`,
                severity: 'warning',
              }),
            ];
          }
          const reads = secretReferences(podSpecOf(workload.object)).some((r) => r.name === destination);
          if (reads) return [];
          return [
            problemWith(
              entry,
              `${ref(entry.object)} restarts ${ref(workload.object)} when Secret "${destination}" changes, but ${ref(workload.object)} does not read that Secret: it is restarted for nothing, and whatever reads the Secret keeps its old values`,
              `name the workload that reads Secret "${destination}", or remove the target`,
              { location: `spec.rolloutRestartTargets[${i}]` },
            ),
          ];
        });
      }),
    ),
};

export const vsoDestinationConflict: Rule = {
  id: 'vso-destination-conflict',
  phase: 'objects',
  severity: 'error',
  what: 'A Vault Secrets Operator destination Secret that another object also makes',
  why: 'two writers of one Secret overwrite each other (an ExternalSecret, a SealedSecret, a plain Secret): the values the pods get depend on who wrote last, and the operator refuses a Secret it does not own unless told to overwrite it',
  fix: 'give the destination a Secret of its own, or remove the other writer',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      syncing(env.objects).flatMap((entry): Problem[] => {
        const ns = namespaceIn(env, entry.object);
        const name = entry.object.spec?.destination?.name;
        if (typeof name !== 'string') return [];
        const madeHere = (other: ManifestObject) => secretsMadeBy(other.object, namespaceIn(env, other.object), env.producers).find((made) => made.namespace === ns && made.name === name);
        const others = env.objects.filter((other) => other !== entry && madeHere(other) !== undefined);
        if (others.length === 0) return [];
        const by = others.map((o) => madeByText(o.object, madeHere(o)!));
        return [
          problemWith(
            entry,
            `${ref(entry.object)} writes Secret "${name}", which ${by.join(' and ')} also ${others.length === 1 ? 'makes' : 'make'}: the writers overwrite each other and the pods get whichever values came last`,
            'give the destination a name of its own, or remove the other writer',
            { location: 'spec.destination.name' },
          ),
        ];
      }),
    ),
};

export const vsoOverwrite: Rule = {
  id: 'vso-overwrite',
  phase: 'objects',
  severity: 'error',
  what: 'A Vault Secrets Operator destination with `overwrite: true` the config did not ask for',
  why: 'with overwrite the operator takes over an existing Secret of the same name, whoever made it, and replaces its data: a Secret of another application or tool is lost silently',
  fix: '`delivery.overwrite: true` in the config when taking over the Secret is meant (migrating to the operator), else remove it',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      syncing(env.objects).flatMap((entry): Problem[] => {
        if (entry.object.spec?.destination?.overwrite !== true) return [];
        if (env.facts?.vaultOperatorOverwrite?.includes(entry.object.metadata.name)) return [];
        return [
          problemWith(
            entry,
            `${ref(entry.object)} takes over an existing Secret "${entry.object.spec.destination.name}" (spec.destination.overwrite true), which the config of environment ${env.name} does not ask for: the operator replaces the data of whatever Secret has that name`,
            `remove spec.destination.overwrite, or write delivery.overwrite: true for environment ${env.name} when taking over the Secret is meant`,
            { location: 'spec.destination.overwrite' },
          ),
        ];
      }),
    ),
};

export const vsoAuthServiceAccount: Rule = {
  id: 'vso-auth-service-account',
  phase: 'objects',
  severity: 'error',
  what: 'A VaultAuth whose ServiceAccount is not in the output',
  why: 'the operator requests a token for that ServiceAccount to log into Vault: when it does not exist, every sync fails; the namespace\'s `default` ServiceAccount exists, but every pod without one runs as it, so they share its Vault role (a warning)',
  fix: 'add the ServiceAccount to the manifests, or name the one the Vault role binds',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry): Problem[] => {
        const obj = entry.object;
        if (obj.kind !== 'VaultAuth' || groupOf(obj.apiVersion) !== VSO_GROUP || obj.spec?.method !== 'kubernetes') return [];
        const account = obj.spec?.kubernetes?.serviceAccount;
        const ns = namespaceIn(env, obj);
        if (typeof account !== 'string' || account === '') {
          return [problemWith(entry, `${ref(obj)} logs in with the kubernetes method but names no spec.kubernetes.serviceAccount: the operator cannot request a token`, 'name the ServiceAccount the Vault role binds', { location: 'spec.kubernetes' })];
        }
        if (account === 'default') {
          return [
            problemWith(entry, `${ref(obj)} logs into Vault as the namespace's default ServiceAccount: every pod of ${ns} that names no ServiceAccount runs as it, and shares its Vault role`, 'use a ServiceAccount of its own (delivery.serviceAccount: dedicated)', {
              location: 'spec.kubernetes.serviceAccount',
              severity: 'warning',
            }),
          ];
        }
        const exists = env.objects.some(({ object }) => object.kind === 'ServiceAccount' && object.apiVersion === 'v1' && object.metadata.name === account && namespaceIn(env, object) === ns);
        if (exists) return [];
        return [
          problemWith(entry, `${ref(obj)} logs into Vault as ServiceAccount "${account}", which no manifest in this folder creates in ${ns}: the operator cannot request its token and no secret is synced`, `add ServiceAccount ${account} to namespace ${ns}, or name the one the Vault role binds`, {
            location: 'spec.kubernetes.serviceAccount',
          }),
        ];
      }),
    ),
};

export const vsoKv2Path: Rule = {
  id: 'vso-kv2-path',
  phase: 'objects',
  severity: 'error',
  what: 'A VaultStaticSecret of a KV version 2 engine whose path starts with `data/`',
  why: 'the operator takes the mount and the path apart and inserts `/data/` itself: the read goes to `<mount>/data/data/...` and fails with 403 (policy) or 404',
  fix: 'write the path as `vault kv get` names it, without `data/`',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry): Problem[] => {
        const obj = entry.object;
        if (obj.kind !== 'VaultStaticSecret' || groupOf(obj.apiVersion) !== VSO_GROUP || obj.spec?.type !== 'kv-v2') return [];
        const path = obj.spec?.path;
        if (typeof path !== 'string' || !/^\/?data(\/|$)/.test(path)) return [];
        return [
          problemWith(
            entry,
            `${ref(obj)}: spec.path is ${JSON.stringify(path)} on a KV v2 mount, but the operator adds /data/ after the mount itself: it reads ${obj.spec.mount}/data/${path.replace(/^\//, '')} and fails (403 or 404)`,
            `write ${JSON.stringify(path.replace(/^\/?data\/?/, ''))}`,
            { location: 'spec.path' },
          ),
        ];
      }),
    ),
};

export const vsoSkipTlsVerify: Rule = {
  id: 'vso-skip-tls-verify',
  phase: 'objects',
  severity: 'error',
  what: 'A VaultConnection that skips TLS verification',
  why: "the operator would send the ServiceAccount's token to whoever answers at the address, and write whatever it returns into the Secrets the pods read",
  fix: "`skipTLSVerify: false` and Vault's CA in `caCertSecretRef`",
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry): Problem[] => {
        const obj = entry.object;
        if (obj.kind !== 'VaultConnection' || groupOf(obj.apiVersion) !== VSO_GROUP || obj.spec?.skipTLSVerify !== true) return [];
        return [problemWith(entry, `${ref(obj)} skips the verification of Vault's certificate (spec.skipTLSVerify true): anyone on the path gets the operator's Vault token`, "write skipTLSVerify: false and give Vault's CA in spec.caCertSecretRef (a Secret with ca.crt)", { location: 'spec.skipTLSVerify' })];
      }),
    ),
};

/** The rules of the `vault-operator` delivery, in the order reports list them. */
export const VAULT_OPERATOR_RULES: readonly Rule[] = [vsoRestartStorm, vsoRestartTarget, vsoDestinationConflict, vsoOverwrite, vsoAuthServiceAccount, vsoKv2Path, vsoSkipTlsVerify];

/** The config facts these rules need: the destination the config lets the operator take over. */
export function vaultOperatorFacts(_env: EnvironmentPlan, delivery: VaultOperatorDeliveryPlan): Partial<EnvironmentFacts> {
  return delivery.overwrite ? { vaultOperatorOverwrite: [delivery.staticSecretName] } : {};
}
