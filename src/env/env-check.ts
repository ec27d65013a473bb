import { didYouMean, editDistance } from '../core/errors';
import type { EnvironmentPlan, SecretPlan } from '../plan/plan';
import { SECRET_LOOKING_NAME } from '../output/leak-guard';
import type { SourcingHazard } from '../config-kit/env-values';
import { placeholderReason } from './placeholders';

/** `finding`: exit 1 (the environment would not work, or the file has a mistake); `warning`: worth a look; `ok`. */
export type CheckLevel = 'ok' | 'warning' | 'finding';

export interface EnvCheckRow {
  readonly key: string;
  /** The requirement here, in words: `required`, `one of llm-provider`, `recommended`, `optional`, `not delivered`, `unknown`. */
  readonly status: string;
  readonly why: string;
  /** `yes`, `no` or `empty`; undefined when no env file was given. */
  readonly present?: 'yes' | 'no' | 'empty';
  readonly verdict: string;
  readonly level: CheckLevel;
}

export interface EnvCheckResult {
  readonly rows: readonly EnvCheckRow[];
  readonly findings: number;
  readonly warnings: number;
}

export interface EnvCheckOptions {
  /** Keys of the file that are not in the catalog are warnings rather than findings. @default false */
  readonly allowUnknown?: boolean;
  /**
   * Keys whose value a shell sourcing the file, or direnv, would read differently (`sourcingHazards`):
   * a finding when single quotes would fix it, else a warning (the file must then only be read by
   * aragora-secrets). @default none
   */
  readonly sourcingHazards?: ReadonlyMap<string, SourcingHazard>;
}

export function statusLabel(secret: Pick<SecretPlan, 'status' | 'group'>): string {
  switch (secret.status) {
    case 'one-of':
      return `one of ${secret.group}`;
    case 'excluded':
      return 'not delivered';
    default:
      return secret.status;
  }
}

/**
 * Checks the values of an env file against an environment's requirement rules. Only presence and
 * shape are looked at; no value is returned or printed.
 */
export function checkEnvValues(plan: EnvironmentPlan, values: Readonly<Record<string, string>>, options: EnvCheckOptions = {}): EnvCheckResult {
  const usable = (name: string) => {
    const v = values[name];
    return v !== undefined && v !== '' && placeholderReason(v) === undefined;
  };
  const satisfied = new Set(plan.oneOfGroups.filter((g) => g.members.some(usable)).map((g) => g.group));
  const rows: EnvCheckRow[] = plan.catalog.map((secret) => {
    const value = values[secret.name];
    const present = value === undefined ? 'no' : value === '' ? 'empty' : 'yes';
    const base = { key: secret.name, status: statusLabel(secret), why: secret.reason, present } as const;
    const placeholder = value ? placeholderReason(value) : undefined;
    if (secret.status === 'excluded') {
      return present === 'yes'
        ? { ...base, verdict: `set, but not delivered here (${secret.reason})`, level: 'warning' }
        : { ...base, verdict: 'ok (not used here)', level: 'ok' };
    }
    if (placeholder) return { ...base, verdict: `placeholder: looks like ${placeholder}`, level: 'finding' };
    if (present === 'yes') return { ...base, verdict: 'ok', level: 'ok' };
    const missing = present === 'empty' ? 'empty' : 'missing';
    switch (secret.status) {
      case 'required':
        return { ...base, verdict: missing, level: 'finding' };
      case 'one-of':
        return satisfied.has(secret.group!)
          ? { ...base, verdict: `ok (${missing}; another of ${secret.group} is set)`, level: 'ok' }
          : { ...base, verdict: `${missing}: no member of ${secret.group} is set`, level: 'finding' };
      case 'recommended':
        return { ...base, verdict: `${missing} (recommended)`, level: 'warning' };
      default:
        return { ...base, verdict: present === 'empty' ? 'ok (empty: left out)' : 'ok (not set)', level: 'ok' };
    }
  });
  const catalog = plan.catalog.map((s) => s.name);
  for (const key of Object.keys(values).sort()) {
    if (catalog.includes(key)) continue;
    const present = values[key] === '' ? 'empty' : 'yes';
    // SUPABASE_URL or LOG_LEVEL are settings, not secrets: a .env may hold them, render leaves them out.
    // A name one or two typos away from the catalog is a mistake all the same (OPENAI_API_KY).
    const typo = catalog.find((name) => editDistance(key.toLowerCase(), name.toLowerCase()) <= 2);
    if (!SECRET_LOOKING_NAME.test(key) && !typo) {
      rows.push({ key, status: 'unknown', why: 'not in the catalog; not a secret by its name', present, verdict: 'ignored (render leaves it out)', level: 'warning' });
      continue;
    }
    const suggestion = typo ?? didYouMean(key, catalog);
    rows.push({
      key,
      status: 'unknown',
      why: 'not in the catalog',
      present,
      verdict: suggestion ? `unknown: did you mean ${suggestion}?` : 'unknown: not delivered (add it to `secrets` in the config, or remove it)',
      level: options.allowUnknown && !suggestion ? 'warning' : 'finding',
    });
  }
  const flagged = rows.map((row) => withHazard(row, options.sourcingHazards?.get(row.key)));
  return { rows: flagged, findings: flagged.filter((r) => r.level === 'finding').length, warnings: flagged.filter((r) => r.level === 'warning').length };
}

const LEVELS: readonly CheckLevel[] = ['ok', 'warning', 'finding'];

/** The row with the sourcing hazard of its key added to the verdict (line number and characters, never the value). */
function withHazard(row: EnvCheckRow, hazard: SourcingHazard | undefined): EnvCheckRow {
  if (!hazard || row.present !== 'yes') return row;
  const note = hazard.fixable
    ? `line ${hazard.line}: sh or direnv would change it (${hazard.what}): write ${row.key}='...' (single quotes, no space around =)`
    : `line ${hazard.line}: sh or direnv would change it (${hazard.what}) and no quoting helps: never source the file, use \`aragora-secrets run\``;
  const level = hazard.fixable ? 'finding' : 'warning';
  return {
    ...row,
    verdict: row.verdict === 'ok' ? note : `${row.verdict}; ${note}`,
    level: LEVELS.indexOf(level) > LEVELS.indexOf(row.level) ? level : row.level,
  };
}

/** The requirement table of an environment, without an env file. */
export function requirementRows(plan: EnvironmentPlan): EnvCheckRow[] {
  return plan.catalog.map((secret) => ({ key: secret.name, status: statusLabel(secret), why: secret.reason, verdict: '', level: 'ok' }));
}
