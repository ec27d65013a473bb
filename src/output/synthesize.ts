import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App, Yaml } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { UserError } from '../config/errors';
import { EnvironmentChart } from '../k8s/environment-chart';
import type { Plan } from '../model/plan';
import type { OutputFile } from './output-file';

export class SynthError extends UserError {
  constructor(public readonly errors: readonly string[]) {
    super([`Synthesis failed (${errors.length === 1 ? '1 error' : `${errors.length} errors`}; nothing was written):`, ...errors.map((e) => `  - ${e}`)].join('\n'));
    this.name = 'SynthError';
  }
}

/** Builds one chart per environment of the plan in `app`. */
export function buildCharts(app: App, plan: Plan): EnvironmentChart[] {
  return plan.environments.map((env) => new EnvironmentChart(app, env.name, { plan: env }));
}

/**
 * Synthesizes the plan into files, in memory: `<env>/<Kind>.<name>.k8s.yaml`, one resource a
 * file (the layout of cdk8s's folder-per-chart output), plus each chart's supporting files.
 * Nothing touches the disk, so the leak guard can look at everything before it is written.
 *
 * @throws SynthError with every construct validation error
 */
export function synthesizePlan(plan: Plan): OutputFile[] {
  const app = new App({ outdir: '.' });
  const charts = buildCharts(app, plan);
  const errors = validationErrors(app);
  if (errors.length > 0) throw new SynthError(errors);

  const files = new Map<string, string>();
  const add = (path: string, content: string) => {
    if (files.has(path)) throw new SynthError([`two objects would be written to ${path}: names must be unique per kind`]);
    files.set(path, content);
  };
  for (const chart of charts) {
    for (const object of chart.toJson()) {
      const fileName = `${object.kind}.${object.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
      add(`${chart.plan.name}/${fileName}.k8s.yaml`, Yaml.stringify(object));
    }
    for (const file of chart.supportingFiles) add(`${chart.plan.name}/${file.path}`, file.content);
  }
  if (plan.environments.some((env) => env.aws)) {
    // Loaded only when some environment enables AWS: aws-cdk-lib takes a while to load.
    const { synthesizeAws } = require('../aws/synthesize-aws') as typeof import('../aws/synthesize-aws');
    for (const file of synthesizeAws(plan)) add(file.path, file.content);
  }
  return [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, content]) => ({ path, content }));
}

/** What `node.addValidation` hooks report, prefixed with the construct path (as cdk8s's synth does). */
export function validationErrors(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) => c.node.validate().map((message) => `[${c.node.path}] ${message}`));
}

export function writeOutput(outdir: string, files: readonly OutputFile[]): void {
  for (const file of files) {
    const target = join(outdir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}
