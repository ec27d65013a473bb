import { VAULT_ANNOTATION_PREFIX as PREFIX } from './vault-agent';
import type { EnvironmentPlan } from '../../plan/plan';
import { splitKv2Path } from '../../artifacts/vault-policy';
import type { VaultDeliveryPlan } from './plan';
import { annotationsOf, environmentsOf, parseGoBool, podTemplates, problemWith, ref, runsToCompletion } from '../../checks/objects';
import type { EnvironmentFacts, Problem, Rule } from '../../checks/types';

/** The checks of the Vault Agent delivery (`vault`): the injector's annotations, as the injector reads them. */

const INJECT = `${PREFIX}agent-inject`;
const PRE_POPULATE_ONLY = `${PREFIX}agent-pre-populate-only`;
const SECRET_PREFIX = `${PREFIX}agent-inject-secret-`;
const TEMPLATE_PREFIX = `${PREFIX}agent-inject-template-`;

/**
 * Annotations the injector (hashicorp/vault-k8s) parses with Go's strconv.ParseBool: "true",
 * "True", "1", "false"... anything else ("yes", "on") fails the injection of the pod.
 */
const BOOLEAN_ANNOTATIONS = [
  'agent-inject', 'agent-init-first', 'agent-pre-populate', 'agent-pre-populate-only', 'agent-revoke-on-shutdown',
  'tls-skip-verify', 'preserve-secret-case', 'agent-run-as-same-user', 'agent-share-process-namespace', 'agent-set-security-context',
  'agent-cache-enable', 'agent-cache-exit-on-err', 'agent-enable-quit', 'agent-auto-auth-exit-on-err', 'template-config-exit-on-retry-failure',
].map((a) => PREFIX + a);
const BOOLEAN_PREFIXES = ['error-on-missing-key-', 'preserve-secret-case-'].map((a) => PREFIX + a);

function isBooleanAnnotation(key: string): boolean {
  return BOOLEAN_ANNOTATIONS.includes(key) || BOOLEAN_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length);
}

function vaultKeys(annotations: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(annotations).filter((k) => k.startsWith(PREFIX)).sort();
}

function injects(annotations: Readonly<Record<string, unknown>>): boolean {
  const v = annotations[INJECT];
  return (typeof v === 'string' ? parseGoBool(v) : v) === true;
}

export const vaultAnnotationPlacement: Rule = {
  id: 'vault-annotation-placement',
  phase: 'objects',
  severity: 'error',
  what: 'Vault Agent annotations anywhere but a pod template',
  why: 'the injector is a mutating webhook on Pods: it reads the pod\'s own annotations only, so on a Deployment\'s metadata (or any other object) they do nothing and the pods start without secrets (on an object without pods: a warning)',
  fix: 'move them to `spec.template.metadata.annotations`',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry) => {
        const obj = entry.object;
        if (obj.kind === 'Pod') return [];
        const keys = vaultKeys(annotationsOf(obj.metadata));
        if (keys.length === 0) return [];
        const templates = podTemplates(obj);
        const where = templates.length > 0 ? `${templates[0].path}.metadata.annotations` : 'the pod template of the workload that should get the agent';
        return [
          problemWith(
            entry,
            `${ref(obj)} carries ${keys.join(', ')} on its own metadata: the Vault injector reads only the annotations of Pods, so ${templates.length > 0 ? 'its pods start without the agent and without their secrets' : 'they do nothing here'}`,
            `move them to ${where}`,
            templates.length > 0 ? {} : { severity: 'warning' },
          ),
        ];
      }),
    ),
};

export const vaultAnnotationBoolean: Rule = {
  id: 'vault-annotation-boolean',
  phase: 'objects',
  severity: 'error',
  what: 'A boolean Vault Agent annotation that is not a string the injector can parse',
  why: 'annotation values are strings: an unquoted `true` is refused by the API server; a string such as "yes" fails the injector\'s strconv.ParseBool and the pod is not admitted',
  fix: 'write "true" or "false", quoted',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry) => {
        const obj = entry.object;
        const places = [{ where: 'metadata.annotations', annotations: annotationsOf(obj.metadata) }, ...podTemplates(obj).map((t) => ({ where: `${t.path ? `${t.path}.` : ''}metadata.annotations`, annotations: t.annotations }))];
        const seen = new Set<string>();
        return places.flatMap(({ where, annotations }) =>
          vaultKeys(annotations).flatMap((key): Problem[] => {
            const value = annotations[key];
            if (seen.has(`${where}/${key}`)) return [];
            seen.add(`${where}/${key}`);
            if (typeof value !== 'string') {
              return [problemWith(entry, `${ref(obj)}: ${where}["${key}"] is the ${typeof value} ${JSON.stringify(value)}, not a string: the API server refuses the object (annotation values are strings)`, `quote it: "${String(value)}"`)];
            }
            if (isBooleanAnnotation(key) && parseGoBool(value) === undefined) {
              return [problemWith(entry, `${ref(obj)}: ${where}["${key}"] is "${value}", which the Vault injector cannot read as a boolean (it uses Go's strconv.ParseBool): the pod fails admission`, 'write "true" or "false"')];
            }
            return [];
          }),
        );
      }),
    ),
};

/** `secret/aragora/env` → `secret/data/aragora/env`, inserting after the mount. */
function withData(path: string, mount: string | undefined): string {
  if (mount && path.startsWith(`${mount}/`)) return `${mount}/data/${path.slice(mount.length + 1)}`;
  const [first, ...rest] = path.split('/');
  return rest.length > 0 ? `${first}/data/${rest.join('/')}` : path;
}

export const vaultKv2Path: Rule = {
  id: 'vault-kv2-path',
  phase: 'objects',
  severity: 'error',
  what: 'A Vault Agent secret path of a KV version 2 engine without `/data/`',
  why: 'the agent reads through the HTTP API, where KV v2 secrets live under `<mount>/data/<key>` (`vault kv get` hides it): the read fails with 403 (policy) or 404',
  fix: 'write `<mount>/data/<key>`, e.g. `secret/data/aragora/env`',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const mounts = env.facts?.kv2Mounts ?? [];
      return env.objects.flatMap((entry) =>
        podTemplates(entry.object).flatMap((template) =>
          Object.keys(template.annotations)
            .filter((k) => k.startsWith(SECRET_PREFIX) && k.length > SECRET_PREFIX.length)
            .sort()
            .flatMap((key) => {
              const path = template.annotations[key];
              if (typeof path !== 'string') return [];
              const name = key.slice(SECRET_PREFIX.length);
              const body = template.annotations[TEMPLATE_PREFIX + name];
              const mount = mounts.find((m) => path === m || path.startsWith(`${m}/`));
              // KV v2 shows in the template (`.Data.data.<field>`) or in the config (a KV v2 mount of the environment).
              const byTemplate = typeof body === 'string' && /\.Data\.data\b/.test(body);
              if (!mount && !byTemplate) return [];
              if (mount ? path.startsWith(`${mount}/data/`) : /\/data\//.test(path)) return [];
              const why = mount ? `mount "${mount}" is a KV version 2 engine (environments.${env.name}.delivery.kvVersion)` : `its template reads .Data.data, the shape of KV version 2`;
              return [
                problemWith(
                  entry,
                  `${ref(entry.object)}: ${template.path}.metadata.annotations["${key}"] is "${path}", but ${why}, whose API paths carry /data/ after the mount: the agent's read fails (403 or 404) and the pod never starts`,
                  `write "${withData(path, mount)}"`,
                ),
              ];
            }),
        ),
      );
    }),
};

export const vaultJobSidecar: Rule = {
  id: 'vault-job-sidecar',
  phase: 'objects',
  severity: 'error',
  what: 'Vault Agent injection into a Job, CronJob or run-to-completion Pod without `agent-pre-populate-only`',
  why: 'the injected sidecar never exits, so the pod never completes: the Job hangs after its work is done',
  fix: '`vault.hashicorp.com/agent-pre-populate-only: "true"` (an init container renders the secrets once; no sidecar)',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      env.objects.flatMap((entry) =>
        podTemplates(entry.object).flatMap((template) => {
          const obj = entry.object;
          if (!runsToCompletion(obj, template) || !injects(template.annotations)) return [];
          const only = template.annotations[PRE_POPULATE_ONLY];
          if (typeof only === 'string' && parseGoBool(only) === true) return [];
          return [
            problemWith(
              entry,
              `${ref(obj)} gets the Vault Agent injected (${template.path || 'metadata'}.annotations["${INJECT}"]) without "${PRE_POPULATE_ONLY}": the agent sidecar runs until it is killed, so the pod never completes and the ${obj.kind === 'CronJob' ? 'CronJob\'s runs pile up' : 'Job never finishes'}`,
              `add ${PRE_POPULATE_ONLY}: "true" to ${template.path ? `${template.path}.` : ''}metadata.annotations (the secrets are rendered once, by an init container)`,
            ),
          ];
        }),
      ),
    ),
};

/** The rules of the `vault` delivery, in the order reports list them. */
export const VAULT_RULES: readonly Rule[] = [vaultAnnotationPlacement, vaultAnnotationBoolean, vaultKv2Path, vaultJobSidecar];

/** The config facts these rules need: the mounts of the KV version 2 engine the environment reads. */
export function vaultFacts(_env: EnvironmentPlan, delivery: VaultDeliveryPlan): Partial<EnvironmentFacts> {
  if (delivery.kvVersion !== 2) return {};
  return { kv2Mounts: [...new Set(delivery.sources.map((s) => splitKv2Path(s.path)?.mount).filter((m): m is string => m !== undefined))].sort() };
}
