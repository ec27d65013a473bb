import { annotationsOf, arr, environmentsOf, isZeroGoDuration, externalSecretSpecs, namespaceIn, podTemplates, problemWith, ref, secretReferences, targetName } from '../../checks/objects';
import type { ManifestObject, Rule } from '../../checks/types';

const AUTO = ['reloader.stakater.com/auto', 'secret.reloader.stakater.com/auto'];
const TARGETED = 'secret.reloader.stakater.com/reload';
const SEARCH = 'reloader.stakater.com/search';
const MATCH = 'reloader.stakater.com/match';

/**
 * Template functions of ESO's engine (Go templates with sprig, less env/expandenv) whose result
 * differs at every call: a template using one renders new data at every refresh.
 */
const VOLATILE_FUNCTIONS = [
  'now', 'ago', 'randAlpha', 'randAlphaNum', 'randAscii', 'randNumeric', 'randBytes', 'randInt', 'uuidv4', 'shuffle',
  'genPrivateKey', 'genCA', 'genCAWithKey', 'genSelfSignedCert', 'genSelfSignedCertWithKey', 'genSignedCert', 'genSignedCertWithKey',
  'bcrypt', 'htpasswd', 'encryptAES',
];
const VOLATILE_CALL = new RegExp(`\\{\\{[^}]*(?<![\\w.$])(${VOLATILE_FUNCTIONS.join('|')})(?![\\w])[^}]*\\}\\}`);

/**
 * Why the data of an ExternalSecret's Secret changes at every refresh even when the store does not:
 * a generator (ESO runs it again at each refresh) or a template calling a volatile function.
 * Undefined when the data only changes when the store's values do: ESO then skips the write (it
 * compares before updating) and Reloader, which hashes the data only, sees nothing.
 */
function volatility(spec: any): string | undefined {
  const generator = arr(spec?.dataFrom).findIndex((d) => d?.sourceRef?.generatorRef);
  if (generator >= 0) {
    const kind = spec.dataFrom[generator].sourceRef.generatorRef.kind;
    return `dataFrom[${generator}] takes its values from ${typeof kind === 'string' ? `the ${kind} generator` : 'a generator'}, which ESO runs again at every refresh`;
  }
  const dataGenerator = arr(spec?.data).findIndex((d) => d?.sourceRef?.generatorRef);
  if (dataGenerator >= 0) return `data[${dataGenerator}] takes its value from a generator, which ESO runs again at every refresh`;
  const template = spec?.target?.template;
  for (const [key, value] of Object.entries<unknown>(template?.data ?? {})) {
    const m = typeof value === 'string' ? VOLATILE_CALL.exec(value) : null;
    if (m) return `target.template.data.${key} calls ${m[1]}, which renders a new value at every refresh`;
  }
  for (const [i, from] of arr(template?.templateFrom).entries()) {
    const m = typeof from?.literal === 'string' ? VOLATILE_CALL.exec(from.literal) : null;
    if (m) return `target.template.templateFrom[${i}].literal calls ${m[1]}, which renders a new value at every refresh`;
  }
  return undefined;
}

/** Whether ESO writes the ExternalSecret's target again every `interval` (the Periodic policy with a non-zero interval, a mutable target). */
function refreshesPeriodically(spec: any): { periodic: boolean; interval: string } {
  const interval = spec?.refreshInterval === undefined ? '1h' : String(spec.refreshInterval);
  const policy = spec?.refreshPolicy ?? 'Periodic';
  return { periodic: policy === 'Periodic' && !isZeroGoDuration(interval) && spec?.target?.immutable !== true, interval };
}

export const reloaderVolatileSecret: Rule = {
  id: 'reloader-volatile-secret',
  phase: 'objects',
  severity: 'error',
  what: 'Reloader watching a Secret whose data ESO rewrites at every refresh (a generator or a time/random template function in a periodically refreshed ExternalSecret)',
  why: 'Reloader restarts the pods whenever the Secret data hash changes: every refreshInterval, forever. A refresh that finds the same values restarts nothing: ESO skips the write and Reloader hashes the data only',
  fix: 'watch only the Secrets that change on rotation (`secret.reloader.stakater.com/reload`, not `auto`), and make generated values once (`refreshPolicy: CreatedOnce`, immutable target)',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const volatile = new Map<string, { es: ManifestObject; reason: string; interval: string }>();
      for (const { entry, spec } of externalSecretSpecs(env.objects)) {
        if (entry.object.kind !== 'ExternalSecret') continue;
        const { periodic, interval } = refreshesPeriodically(spec);
        const reason = periodic ? volatility(spec) : undefined;
        if (reason) volatile.set(`${namespaceIn(env, entry.object)}/${targetName(entry.object, spec)}`, { es: entry, reason, interval });
      }
      if (volatile.size === 0) return [];
      const matchMarked = new Set(
        externalSecretSpecs(env.objects)
          .filter(({ spec }) => annotationsOf(spec?.target?.template?.metadata)[MATCH] === 'true')
          .map(({ entry, spec }) => `${namespaceIn(env, entry.object)}/${targetName(entry.object, spec)}`),
      );

      return env.objects.flatMap((entry) => {
        const obj = entry.object;
        const ns = namespaceIn(env, obj);
        return podTemplates(obj).flatMap((template) => {
          // Reloader reads the workload's annotations (recent releases the pod template's too).
          const annotations = { ...template.annotations, ...annotationsOf(obj.metadata) };
          const referenced = secretReferences(template.spec).map((r) => r.name);
          const auto = AUTO.find((a) => annotations[a] === 'true');
          const targeted = typeof annotations[TARGETED] === 'string' ? (annotations[TARGETED] as string).split(',').map((s) => s.trim()) : [];
          const search = annotations[SEARCH] === 'true';
          const watched = new Map<string, string>();
          if (auto) for (const name of referenced) watched.set(name, `${auto}: "true" (every Secret it references)`);
          for (const name of targeted) watched.set(name, `${TARGETED} lists it`);
          if (search) for (const name of referenced) if (matchMarked.has(`${ns}/${name}`)) watched.set(name, `${SEARCH} with the Secret marked ${MATCH}`);

          return [...watched].flatMap(([name, how]) => {
            const v = volatile.get(`${ns}/${name}`);
            if (!v) return [];
            return [
              problemWith(
                entry,
                `${ref(obj)} restarts whenever Secret "${name}" changes (${how}), and ${ref(v.es.object)} changes it at every refresh: ${v.reason}. The pods would restart every ${v.interval}`,
                auto && !targeted.includes(name)
                  ? `replace ${auto} with ${TARGETED} listing only the Secrets whose values change on rotation; and make the values of ${ref(v.es.object)} once (refreshPolicy: CreatedOnce with target.immutable: true), as aragora-secrets does for generated secrets`
                  : `make the values of ${ref(v.es.object)} once (refreshPolicy: CreatedOnce with target.immutable: true), or stop watching "${name}"`,
              ),
            ];
          });
        });
      });
    }),
};
