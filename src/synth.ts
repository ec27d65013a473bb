import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from './config/load';
import { ConfigError, UserError } from './core/errors';
import { saveBuildCache } from './core/build-cache';
import { startConfigFileScan, type PendingConfigScan } from './output/config-scan';
import { loadPlanInputs, resolvePlan } from './app/resolve-plan';
import { deliveryMethod, deliveryMethods } from './delivery/registry';
import type { Plan } from './plan/plan';
import { collectSensitiveValues, findLeaks, LeakError, redactMessage, type SensitiveValue } from './output/leak-guard';
import type { OutputFile } from './core/output-file';
import { synthesizePlanWithObjects, writeOutput } from './app/synthesize';
import { checkFiles, formatWarning, GuardRailError, type Finding } from './checks';
import { factsOf, RULES } from './app/rule-set';
import { backendHints } from './plan/backend-hints';

export interface SynthOptions {
  /** Output folder. */
  readonly outdir: string;
  /** Project root: where the config and `.env` are looked up. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The date certificate expiry warnings compare with. @default - now */
  readonly now?: Date;
  /** Explicit config path. @default - the lookup order of `loadConfig` */
  readonly configPath?: string;
  /**
   * Dotenv files whose values must not reach the output besides those of the project root (which
   * are always read: `.env`, `.env.*`, `*.env`...), relative to `cwd` or absolute.
   * @default - none
   */
  readonly envFiles?: readonly string[];
}

export interface SynthResult {
  readonly files: OutputFile[];
  /** For the reviewer, not errors: e.g. keys that still need sealing. */
  readonly warnings: string[];
  /** Where the config came from: a file, or `(embedded default)`. */
  readonly source: string;
  readonly plan: Plan;
  /** What the checks found (errors refuse the output, so these are warnings). */
  readonly findings: readonly Finding[];
}

/**
 * Config (and committed inputs) → plan → files, checked by the leak guard: the config text is
 * scanned for credentials (in a worker thread, while synth runs), and the files for the values
 * of the environment and the dotenv files and for known credential shapes. Throws UserError on bad input.
 */
export function synthesizeProject(options: Omit<SynthOptions, 'outdir'>): SynthResult {
  const { config, source, file } = loadConfigOrCredentialError(options);
  const configScan = file ? startConfigFileScan(file, source) : undefined;
  try {
    const sensitive = collectSensitiveValues({ cwd: options.cwd, env: options.env, secretNames: Object.keys(config.secrets), envFiles: options.envFiles });
    let synthesized: ReturnType<typeof synthesizeChecked>;
    try {
      synthesized = synthesizeChecked(config, source, options);
    } catch (e) {
      // A message about a bad value might show that value: a credential in the config is reported
      // instead, and a value of the environment or a dotenv file is blanked out.
      configScan?.throwIfFindings();
      throw withoutValues(e, sensitive);
    }
    configScan?.throwIfFindings();
    const { files, plan, findings } = synthesized;
    const leaks = findLeaks(files, sensitive);
    if (leaks.length > 0) throw new LeakError(leaks);
    // Only now may anything derived from the config be written, even to a cache.
    saveBuildCache();
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) throw new GuardRailError(errors, '; nothing was written', findings.filter((f) => f.severity === 'warning'));
    return {
      files,
      warnings: [
        ...plan.environments.flatMap((env) => env.warnings),
        ...findings.filter((f) => f.severity === 'warning').map(formatWarning),
        ...certificateExpiryWarnings(plan, options.now ?? new Date()),
        ...deliveryMethods.flatMap((method) => method.projectWarnings?.(options.cwd, plan) ?? []),
        ...backendHints(plan),
      ],
      source,
      plan,
      findings,
    };
  } finally {
    configScan?.cancel();
  }
}

/** The error, with any sensitive value its message (or stack) would show blanked out. */
function withoutValues(error: unknown, sensitive: readonly SensitiveValue[]): unknown {
  if (!(error instanceof Error)) return error;
  const message = redactMessage(error.message, sensitive);
  if (message === error.message) return error;
  const redacted = error instanceof UserError || error instanceof ConfigError ? new UserError(message) : new Error(message);
  redacted.name = error.name;
  redacted.stack = `${error.name}: ${message}\n${(error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n')}`;
  return redacted;
}

function synthesizeChecked(config: LoadedConfig['config'], source: string, options: Omit<SynthOptions, 'outdir'>) {
  const plan = resolvePlan(config, loadPlanInputs(config, options.cwd, source));
  const { files, manifests } = synthesizePlanWithObjects(plan);
  return { files, plan, findings: checkFiles(RULES, files, factsOf(plan), manifests) };
}

/** `loadConfig`; when the config is refused, a credential in its text is reported rather than a message that might quote it. */
function loadConfigOrCredentialError(options: Omit<SynthOptions, 'outdir'>): LoadedConfig {
  try {
    return loadConfig({ path: options.configPath, cwd: options.cwd, env: options.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      const file = resolve(options.cwd, e.source);
      if (existsSync(file) && statSync(file).isFile()) {
        const scan: PendingConfigScan = startConfigFileScan(file, e.source);
        try {
          scan.throwIfFindings();
        } finally {
          scan.cancel();
        }
      }
      throw withoutValues(e, collectSensitiveValues({ cwd: options.cwd, env: options.env, secretNames: [], envFiles: options.envFiles }));
    }
    throw e;
  }
}

/** Warnings that depend on the date (stderr only: dist/ never depends on it), e.g. certificates that expire soon. */
export function certificateExpiryWarnings(plan: Plan, now: Date, withinDays = 30): string[] {
  return plan.environments.flatMap((env) => deliveryMethod(env.delivery).timelyWarnings?.(env, env.delivery, now, withinDays) ?? []);
}

/**
 * The entry point behind `cdk8s synth`: returns the exit code. Input errors print their
 * message alone; only a bug in aragora-secrets itself prints a stack trace.
 */
export function runSynth(options: SynthOptions, stderr: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  try {
    const { files, warnings } = synthesizeProject(options);
    writeOutput(options.outdir, files);
    for (const warning of warnings) stderr(`warning: ${warning}`);
    return 0;
  } catch (e) {
    if (e instanceof UserError || e instanceof ConfigError) {
      stderr(e.message);
      return 1;
    }
    stderr(`aragora-secrets: internal error (please report it): ${(e as Error).stack ?? String(e)}`);
    return 70;
  }
}
