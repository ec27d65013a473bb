import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib/core';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import type { Plan } from '../plan/plan';
import { constructIdOf } from '../core/names';
import type { OutputFile } from '../core/output-file';
import { SynthError, validationErrors } from '../core/synth-error';
import { addNagPlugins, violationMessage, type AwsControl, type NagResults } from '../cloud/aws/compliance';
import { deployFiles } from '../cloud/aws/deploy-files';
import { SecretsStack } from '../cloud/aws/secrets-stack';

/**
 * The context of every AWS app: the feature flags `cdk init` would write for this aws-cdk-lib
 * (pinned by the exact version in package.json, so an upgrade shows up as a reviewed diff), and
 * none of the metadata that would make templates depend on construct paths or the machine.
 */
export const AWS_APP_CONTEXT: Readonly<Record<string, unknown>> = {
  ...CURRENTLY_RECOMMENDED_FLAGS,
  'aws:cdk:enable-path-metadata': false,
  'aws:cdk:enable-asset-metadata': false,
  'aws:cdk:version-reporting': false,
  '@aws-cdk/core:enableAdditionalMetadataCollection': false,
  // cdk-nag runs as a validation plugin; its findings become our own synth error (rule, resource, fix), not aws-cdk-lib's report.
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

/** Environment variables through which the CDK CLI hands context to an app: ignored, the plan is the only input. */
const CDK_CONTEXT_VARIABLES = ['CDK_CONTEXT_JSON', 'CONTEXT_OVERFLOW_LOCATION_ENV'];

export interface AwsSynthesis {
  readonly app: App;
  readonly stacks: readonly SecretsStack[];
  /** What the cdk-nag packs found, once `app.synth()` has run. */
  readonly nag: () => NagResults;
}

/** The AWS output: files for dist/, and the cdk-nag controls of each environment for its review report. */
export interface AwsOutput {
  readonly files: OutputFile[];
  /** By environment name. */
  readonly controls: Readonly<Record<string, readonly AwsControl[]>>;
}

/** Builds one stack per environment that has an `aws:` block, in a fresh aws-cdk-lib App. */
export function buildAwsStacks(plan: Plan, outdir: string): AwsSynthesis {
  const saved = CDK_CONTEXT_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of CDK_CONTEXT_VARIABLES) delete process.env[name];
  let app: App;
  try {
    app = new App({
      outdir,
      analyticsReporting: false,
      stackTraces: false,
      // The built-in template validator costs seconds per run; the test suite runs it on every template instead.
      builtinCloudFormationValidation: false,
      postCliContext: { ...AWS_APP_CONTEXT },
    });
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
  const stacks = plan.environments.filter((env) => env.aws).map((env) => new SecretsStack(app, constructIdOf(env.name), { plan: env }));
  const packs = new Map(stacks.map((stack) => [stack.node.id, stack.aws.nagPacks]));
  const { results } = addNagPlugins(app, (environment) => packs.get(environment) ?? []);
  return { app, stacks, nag: results };
}

/**
 * Synthesizes the AWS stacks into files: `<env>/aws/<stack>.template.json` plus the deploy and
 * fill-in scripts and a README. aws-cdk-lib writes a cloud assembly to a temporary folder, which
 * is read back and removed: the templates reach `dist/` through the leak guard like every file.
 * The cdk-nag packs of each environment run during `app.synth()`; every unacknowledged error fails it.
 *
 * @throws SynthError with every construct validation error, or every unacknowledged cdk-nag error
 */
export function synthesizeAws(plan: Plan): AwsOutput {
  if (!plan.environments.some((env) => env.aws)) return { files: [], controls: {} };
  const outdir = mkdtempSync(join(tmpdir(), 'aragora-secrets-cdk-'));
  try {
    const { app, stacks, nag } = buildAwsStacks(plan, outdir);
    const errors = validationErrors(app);
    if (errors.length > 0) throw new SynthError(errors);
    const assembly = app.synth();
    const { controls, violations } = nag();
    if (violations.length > 0) throw new SynthError(violations.map(violationMessage));
    const files: OutputFile[] = [];
    for (const stack of stacks) {
      const artifact = assembly.getStackArtifact(stack.artifactId);
      const problems = artifact.messages.filter((m) => m.level === 'error' || m.level === 'warning');
      if (problems.length > 0) throw new SynthError(problems.map((m) => `[${m.id}] ${m.level}: ${String(m.entry.data)}`));
      // CloudFormation rejects a template without resources (an environment that only keeps
      // parameters, which the script creates): then there is no stack, only the script.
      const hasStack = Object.keys(artifact.template.Resources ?? {}).length > 0;
      if (hasStack) files.push({ path: `${stack.plan.name}/aws/${stack.aws.templateFile}`, content: JSON.stringify(artifact.template, null, 2) + '\n' });
      for (const file of deployFiles(stack.plan, { hasStack })) files.push({ path: `${stack.plan.name}/aws/${file.path}`, content: file.content });
    }
    return { files, controls };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
