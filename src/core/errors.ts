import { mayQuote } from './quote';

/**
 * Errors a user can fix: each problem names the config path, what is wrong and how to fix it.
 * Entry points print `message` and exit non-zero; no stack trace reaches the user.
 */
export interface ConfigProblem {
  /** Dotted config path, e.g. `environments.prod.namespace`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** How to fix it, when there is something more specific to say than the message. */
  readonly fix?: string;
  /** 1-based line in the config file, when known. */
  readonly line?: number;
}

export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];
  public readonly source: string;

  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(formatProblems(source, problems));
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

/** An error whose message is meant for the user as it is (no stack trace). */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A config path as messages print it; a key that could be a pasted credential is not shown. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const s = String(segment);
      if (!mayQuote(s, MAX_SHOWN_KEY_LENGTH)) out += '[<key not shown>]';
      else out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

/** Label keys (a DNS prefix, "/", a name) are the longest keys of the config. */
const MAX_SHOWN_KEY_LENGTH = 253 + 1 + 63;

/** More problems than this are counted, not listed: past it they are usually one mistake repeated. */
const MAX_LISTED_PROBLEMS = 25;

function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = [`Invalid config ${source} (${count}):`];
  for (const p of problems.slice(0, MAX_LISTED_PROBLEMS)) {
    const where = (p.path || '(top level)') + (p.line ? ` (line ${p.line})` : '');
    lines.push(`  - ${where}: ${p.message}`);
    if (p.fix) lines.push(`    fix: ${p.fix}`);
  }
  if (problems.length > MAX_LISTED_PROBLEMS) lines.push(`  … and ${problems.length - MAX_LISTED_PROBLEMS} more (fix these first; is this the right file?)`);
  return lines.join('\n');
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowered = input.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lowered, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestDistance <= tolerance ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  // Optimal string alignment: like Levenshtein, and a swap of two neighbours counts as one
  // edit, so "delviery" is one typo away from "delivery".
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
      }
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}
