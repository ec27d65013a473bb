import { loadConfig } from './config/load';
import { ConfigError, UserError } from './config/errors';
import { resolvePlan } from './model/plan';
import { collectSensitiveValues, findLeaks, LeakError } from './output/leak-guard';
import type { OutputFile } from './output/output-file';
import { synthesizePlan, writeOutput } from './output/synthesize';

export interface SynthOptions {
  /** Output folder. */
  readonly outdir: string;
  /** Project root: where the config and `.env` are looked up. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Explicit config path. @default - the lookup order of `loadConfig` */
  readonly configPath?: string;
}

/** Config → plan → files, checked by the leak guard, then written. Throws UserError on bad input. */
export function synthesizeProject(options: Omit<SynthOptions, 'outdir'>): OutputFile[] {
  const { config } = loadConfig({ path: options.configPath, cwd: options.cwd, env: options.env });
  const plan = resolvePlan(config);
  const files = synthesizePlan(plan);
  const sensitive = collectSensitiveValues({ cwd: options.cwd, env: options.env, secretNames: Object.keys(config.secrets) });
  const leaks = findLeaks(files, sensitive);
  if (leaks.length > 0) throw new LeakError(leaks);
  return files;
}

/**
 * The entry point behind `cdk8s synth`: returns the exit code. Input errors print their
 * message alone; only a bug in aragora-secrets itself prints a stack trace.
 */
export function runSynth(options: SynthOptions, stderr: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  try {
    writeOutput(options.outdir, synthesizeProject(options));
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
