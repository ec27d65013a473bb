import { compareStrings } from '../core/sort';
import { posix } from 'node:path';
import { UserError } from '../core/errors';
import type { OutputFile } from '../core/output-file';
import { folderResolver, parseTree } from './objects';
import type { CheckInput, EnvironmentFacts, Finding, Rule } from './types';

/**
 * Runs `rules` over a parsed tree (and the config facts, when the caller has them). Findings are
 * sorted: errors first, then by file, rule, location and message, whatever the order of the files.
 */
export function runChecks(rules: readonly Rule[], input: CheckInput): Finding[] {
  const folderOf = folderResolver(input.tree);
  const findings = rules.flatMap((rule) =>
    rule.check(input).map(
      (problem): Finding => ({
        rule: rule.id,
        ...problem,
        severity: problem.severity ?? rule.severity,
        environment: posix.basename(folderOf(problem.file)),
      }),
    ),
  );
  return findings.sort(
    (a, b) =>
      compareStrings(a.severity === 'error' ? '0' : '1', b.severity === 'error' ? '0' : '1') ||
      compareStrings(a.file, b.file) ||
      compareStrings(a.rule, b.rule) ||
      compareStrings(a.location ?? '', b.location ?? '') ||
      compareStrings(a.message, b.message),
  );
}

/** Parses the files (but those whose object `known` holds already) and runs the rules. */
export function checkFiles(
  rules: readonly Rule[],
  files: readonly OutputFile[],
  facts?: readonly EnvironmentFacts[],
  known?: ReadonlyMap<string, unknown>,
): Finding[] {
  return runChecks(rules, { tree: parseTree(files, known), facts });
}

function where(finding: Finding): string {
  return `${finding.resource} (${finding.file}${finding.location ? `, ${finding.location}` : ''})`;
}

/** One finding a line, with its fix under it: what synth and `check` print when they refuse the output. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `  - [${f.rule}] ${where(f)}: ${f.message}\n    fix: ${f.fix}`).join('\n');
}

/** A warning on one line: `[rule] Kind ns/name (file): message. Fix: fix`. */
export function formatWarning(finding: Finding): string {
  return `[${finding.rule}] ${where(finding)}: ${finding.message}. Fix: ${finding.fix}`;
}

/** The output breaks a rule: nothing is written (exit code 1). The warnings of the same run follow the violations. */
export class GuardRailError extends UserError {
  constructor(
    public readonly findings: readonly Finding[],
    note = '',
    public readonly warnings: readonly Finding[] = [],
  ) {
    super(
      [
        `Guard rails failed (${findings.length === 1 ? '1 violation' : `${findings.length} violations`}${note}):`,
        formatFindings(findings),
        ...warnings.map((w) => `warning: ${formatWarning(w)}`),
      ].join('\n'),
    );
    this.name = 'GuardRailError';
  }
}

