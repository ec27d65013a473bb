import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdk8s';
import { SynthError, validationErrors } from '../core/synth-error';
export { SynthError, validationErrors } from '../core/synth-error';
import { EnvironmentChart, useWrittenObjects } from './environment-chart';
import type { Plan } from '../plan/plan';
import { constructIdOf } from '../core/names';
import { MANIFESTS_FOLDER, manifestPath } from '../core/manifest-layout';
import { cachedByBuild } from '../core/build-cache';
import type { OutputFile } from '../core/output-file';
import { withOutputMarker } from '../output/replace-output';
import { manifestYaml } from '../core/manifest-yaml';
import { FileArtifact } from '../artifacts/file-artifact';
import type { AwsOutput } from './synthesize-aws';

/** Builds one chart per environment of the plan in `app`. */
export function buildCharts(app: App, plan: Plan): EnvironmentChart[] {
  return plan.environments.map((env) => new EnvironmentChart(app, constructIdOf(env.name), { plan: env }));
}

/**
 * Synthesizes the plan into files, in memory: `<env>/manifests/<phase>-<Kind>.<name>.k8s.yaml`, one
 * resource a file, in apply order (see `manifestFileName`), plus each chart's supporting files beside
 * `manifests/`.
 * Nothing touches the disk, so the leak guard can look at everything before it is written.
 *
 * @throws SynthError with every construct validation error
 */
export function synthesizePlan(plan: Plan): OutputFile[] {
  return synthesizePlanWithObjects(plan).files;
}

export interface PlanSynthesis {
  readonly files: OutputFile[];
  /** The Kubernetes object of each manifest file (by path), as JSON: what the checks read without parsing the YAML again. */
  readonly manifests: ReadonlyMap<string, unknown>;
}

/** `synthesizePlan`, also handing out the objects it wrote. */
export function synthesizePlanWithObjects(plan: Plan): PlanSynthesis {
  const app = new App({ outdir: '.' });
  const charts = buildCharts(app, plan);
  const errors = validationErrors(app);
  if (errors.length > 0) throw new SynthError(errors);
  const aws = plan.environments.some((env) => env.aws) ? awsOutput(plan) : undefined;

  const files = new Map<string, string>();
  const manifests = new Map<string, unknown>();
  const add = (path: string, content: string) => {
    if (files.has(path)) throw new SynthError([`two objects would be written to ${path}: names must be unique per kind`]);
    files.set(path, content);
  };
  for (const chart of charts) {
    const objects = chart.toJson();
    useWrittenObjects(chart, objects);
    for (const object of objects) {
      const path = manifestPath(chart.plan.name, object.kind, object.metadata.name, chart.method.applyPhases);
      add(path, manifestYaml(object));
      manifests.set(path, object);
    }
    // Keyed by the stack's construct id, never a name every object inherits (`constructor`).
    const stackId = constructIdOf(chart.plan.name);
    const awsControls = aws && Object.hasOwn(aws.controls, stackId) ? aws.controls[stackId] : undefined;
    // The review report lists the AWS stack's cdk-nag controls beside the Kubernetes ones, and the IAM roles of the
    // template as it is written: known only after the AWS synth.
    const templatePath = chart.plan.aws && `${chart.plan.name}/aws/${chart.plan.aws.templateFile}`;
    const template = aws?.files.find((f) => f.path === templatePath);
    chart.withAwsStack({ controls: awsControls, template: template && JSON.parse(template.content) });
    for (const artifact of FileArtifact.of(chart)) add(`${chart.plan.name}/${artifact.path}`, artifact.file.content);
    const resources = [...files.keys()].filter((p) => p.startsWith(`${chart.plan.name}/${MANIFESTS_FOLDER}/`)).map((p) => p.slice(chart.plan.name.length + 1));
    add(`${chart.plan.name}/kustomization.yaml`, kustomization(resources));
  }
  for (const file of aws?.files ?? []) add(file.path, file.content);
  return { files: [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, content]) => ({ path, content })), manifests };
}

/**
 * The AWS templates and scripts, and the cdk-nag controls of each stack. They are a pure function of the
 * environment's plan and the build (our sources and the locked aws-cdk-lib and cdk-nag), so when the app runs from
 * its bundle (scripts/app.cjs sets the build hash) they are cached by that pair, one entry per environment: loading
 * aws-cdk-lib costs more than the rest of a synth, and a change to the other environments then loads it not at all.
 * Each stack is built from its environment's plan alone (SecretsStack), in an app of its own here, so it is the same
 * stack as beside the others. The cache holds what dist/ holds (templates and the controls of the review report, no
 * values), and the leak guard scans the files either way. A synth that fails throws, so nothing is cached for it;
 * the errors of every environment are reported together.
 */
function awsOutput(plan: Plan): AwsOutput {
  const files: OutputFile[] = [];
  const controls: Record<string, AwsOutput['controls'][string]> = {};
  const errors: string[] = [];
  for (const environment of plan.environments.filter((env) => env.aws)) {
    const single: Plan = { app: plan.app, environments: [environment] };
    try {
      const output = cachedByBuild('aws', JSON.stringify(single), () => {
        // Loaded only when needed: aws-cdk-lib takes a while to load.
        const { synthesizeAws } = require('./synthesize-aws') as typeof import('./synthesize-aws');
        return synthesizeAws(single);
      });
      files.push(...output.files);
      Object.assign(controls, output.controls);
    } catch (error) {
      if (!(error instanceof SynthError)) throw error;
      errors.push(...error.errors);
    }
  }
  if (errors.length > 0) throw new SynthError(errors);
  return { files, controls };
}

/**
 * `kustomization.yaml` listing the folder's manifests, so that `kubectl apply -k dist/<env>` and
 * Argo CD / Flux consume the folder as it is (supporting files are for people and stay out). It sits
 * beside `manifests/`, not in it: `kubectl apply -f` would read it as an object.
 */
function kustomization(resources: string[]): string {
  const header = '# The manifests of this environment, for `kubectl apply -k`, Argo CD and Flux. Generated by aragora-secrets.\n';
  return header + manifestYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources].sort() });
}

/** Writes `files` and the output marker into `outdir` (what `cdk8s synth` hands the app: a folder it has just emptied). */
export function writeOutput(outdir: string, files: readonly OutputFile[]): void {
  for (const file of withOutputMarker(files)) {
    const target = join(outdir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}
