import { APP_CRITICAL_SECRETS, APP_ENVIRONMENT_FALLBACK_VARIABLE, APP_ENVIRONMENT_VARIABLE, STRICT_OVERRIDE_VARIABLE, strictModeOf } from '../plan/app-contract';
import { parse } from 'yaml';
import { arr, environmentsOf, podTemplates, problemWith } from './objects';
import type { Problem, Rule } from './types';

const MODE_VARIABLES = [APP_ENVIRONMENT_VARIABLE, APP_ENVIRONMENT_FALLBACK_VARIABLE, STRICT_OVERRIDE_VARIABLE];

/**
 * The loader's mode variables a container sets as literals; undefined when one comes from somewhere the
 * output does not show (a `valueFrom`), so the mode cannot be known from the object.
 */
function modeVariables(container: any): Record<string, string> | undefined {
  const vars: Record<string, string> = {};
  for (const entry of arr(container?.env)) {
    if (!MODE_VARIABLES.includes(entry?.name)) continue;
    if (typeof entry.value !== 'string') return undefined;
    vars[entry.name] = entry.value;
  }
  return vars;
}

export const appStrictModeEnvSecret: Rule = {
  id: 'app-strict-mode-env-secret',
  phase: 'objects',
  severity: 'error',
  what:
    'a workload whose application runs in strict mode (ARAGORA_ENV production, prod, staging or stage, or ARAGORA_SECRETS_STRICT=true) while a critical secret reaches it only as an environment variable (secretKeyRef, envFrom, a sourced Vault file)',
  why:
    "the Aragora server's loader refuses critical secrets from its environment in strict mode: with no value from its own custody it stops at startup (SecretNotFoundError) or at first use",
  fix:
    'deliver the critical secrets through a custody the application reads itself (protected files in ARAGORA_SECRETS_DIR, or Secrets Manager read by the app); or run the environment non-strict on purpose (`workload.strictMode: { enabled: false, reason }`)',
  check: (input) => {
    const out: Problem[] = [];
    for (const env of environmentsOf(input)) {
      const facts = env.facts;
      const critical = new Set(facts?.appSecrets ? facts.appSecrets.filter((s) => s.critical).map((s) => s.name) : APP_CRITICAL_SECRETS);
      // What the objects cannot show: values the method's own wiring puts into the environment (a sourced file), or a whole Secret by envFrom.
      const envByConfig = new Set((facts?.appSecrets ?? []).filter((s) => s.critical && s.custody === 'env').map((s) => s.name));
      for (const entry of env.objects) {
        for (const template of podTemplates(entry.object)) {
          for (const [index, container] of arr(template.spec?.containers).entries()) {
            const vars = modeVariables(container);
            if (vars === undefined || !strictModeOf(vars)) continue;
            const fromEnv = new Set<string>();
            // With the config's facts, a name the application reads from its own custody also arrives another way.
            const elsewhere = new Set((facts?.appSecrets ?? []).filter((s) => s.custody !== 'env').map((s) => s.name));
            for (const e of arr(container.env)) if (critical.has(e?.name) && e?.valueFrom && !elsewhere.has(e.name)) fromEnv.add(e.name);
            // Only the workloads aragora-secrets wires carry the config's facts: a foreign container is judged on its own env entries.
            if (facts?.appSecrets && facts.workload === container.name) for (const name of envByConfig) fromEnv.add(name);
            if (fromEnv.size === 0) continue;
            const { message, fix } = strictModeProblem(container.name, vars, [...fromEnv].sort(), env.name);
            out.push(problemWith(entry, message, fix, { location: `${template.path ? `${template.path}.` : ''}spec.containers[${index}].env` }));
          }
        }
      }
    }
    return out;
  },
};

function strictModeProblem(containerName: string, vars: Record<string, string>, names: readonly string[], environment: string, custody = 'as protected files (ARAGORA_SECRETS_DIR) or from Secrets Manager read by the application (ARAGORA_USE_SECRETS_MANAGER)') {
  const mode = vars[STRICT_OVERRIDE_VARIABLE] !== undefined ? `${STRICT_OVERRIDE_VARIABLE}=${vars[STRICT_OVERRIDE_VARIABLE]}` : `${APP_ENVIRONMENT_VARIABLE}=${vars[APP_ENVIRONMENT_VARIABLE] ?? vars[APP_ENVIRONMENT_FALLBACK_VARIABLE]}`;
  const one = names.length === 1;
  return {
    message: `container "${containerName}" runs the application in strict mode (${mode}), but the critical secret${one ? '' : 's'} ${names.join(', ')} reach${one ? 'es' : ''} it only as environment variable${one ? '' : 's'}: the application refuses ${one ? 'it' : 'them'} and does not start`,
    fix: `deliver ${one ? 'it' : 'them'} ${custody}; or set \`environments.${environment}.workload.strictMode: { enabled: false, reason: ... }\` to run non-strict on purpose; or mark a secret \`critical: false\` if your application version does not treat it as critical`,
  };
}

/** `<env>/cloudrun/service.yaml`: the Cloud Run service synth writes beside the manifests. */
const CLOUD_RUN_SERVICE = /^(?:.*\/)?([^/]+)\/cloudrun\/service\.yaml$/;

export const appStrictModeCloudRun: Rule = {
  id: 'app-strict-mode-cloud-run',
  phase: 'files',
  severity: 'error',
  what: 'a Cloud Run service (cloudrun/service.yaml) whose application runs in strict mode while a critical secret reaches it as an environment variable (every Secret Manager reference of a Cloud Run container is one)',
  why: "the Aragora server's loader refuses critical secrets from its environment in strict mode, and a Cloud Run service delivers every secret that way",
  fix: 'run the Cloud Run environment non-strict on purpose (`workload.strictMode: { enabled: false, reason }`), or mark a secret `critical: false` if your application version does not treat it as critical',
  check: ({ tree, facts }) => {
    const out: Problem[] = [];
    for (const file of tree.files) {
      const match = CLOUD_RUN_SERVICE.exec(file.path);
      if (!match) continue;
      let service: any;
      try {
        service = parse(file.content);
      } catch {
        continue; // not ours to judge: the file is written by synth and read by gcloud
      }
      const environment = match[1];
      const appSecrets = facts?.find((f) => f.name === environment)?.appSecrets;
      const critical = new Set(appSecrets ? appSecrets.filter((s) => s.critical).map((s) => s.name) : APP_CRITICAL_SECRETS);
      for (const [index, container] of arr(service?.spec?.template?.spec?.containers).entries()) {
        const vars = modeVariables(container);
        if (vars === undefined || !strictModeOf(vars)) continue;
        const names = arr(container.env).filter((e: any) => critical.has(e?.name) && e?.valueFrom).map((e: any) => e.name as string).sort();
        if (names.length === 0) continue;
        const { message, fix } = strictModeProblem(container.name, vars, names, environment, 'through a custody the application reads itself, which a Cloud Run service does not offer');
        out.push({ resource: `Cloud Run service ${service?.metadata?.name ?? '?'}`, file: file.path, message, fix, location: `spec.template.spec.containers[${index}].env` });
      }
    }
    return out;
  },
};
