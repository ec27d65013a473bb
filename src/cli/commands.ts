import { deliveryMethod } from '../delivery/registry';
import { lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DEFAULT_CONFIG } from '../config/default';
import { describeAppMode } from '../plan/app-contract';
import { UserError } from '../core/errors';
import { packageRoot } from '../core/package-root';
import { JSON_SCHEMA_PATH } from '../config/json-schema';
import { CONFIG_ENV_VAR, CONFIG_FILE_NAME, loadConfig } from '../config/load';
import { renderConfigYaml } from '../config/render-config';
import { requireEnvironment } from '../config-kit/shown';
import { checkEnvValues, requirementRows, type EnvCheckRow } from '../env/env-check';
import { renderEnvExample } from '../env/env-example';
import { collectValues, readEnvFile, readEnvFileChecked } from '../config-kit/env-values';
import type { renderSecret as RenderSecret } from '../env/render-secret';
import { resolvePlan } from '../app/resolve-plan';
import type { EnvironmentPlan, Plan } from '../plan/plan';
import { readDotenvForGuard } from '../output/dotenv-sources';
import { collectSensitiveValues, findLeaks, LeakError } from '../output/leak-guard';
import { OutputFolder } from '../output/replace-output';
import { RULES } from '../app/rule-set';
import type { synthesizeProject as SynthesizeProject } from '../synth';
import { formatTable, type Style } from './terminal';
import { UsageError } from './usage-error';

// cdk8s is loaded only by the commands that synthesize.
const synthesizeProject: typeof SynthesizeProject = (options) => require('../synth').synthesizeProject(options);
const renderSecret: typeof RenderSecret = (...args) => require('../env/render-secret').renderSecret(...args);

/** What a command needs from the outside world; tests pass their own. */
export interface CommandIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTTY?: boolean;
  /** Styling for stdout and stderr (plain unless a terminal without NO_COLOR). */
  readonly out: Style;
  readonly err: Style;
}

export { UsageError };

function progress(io: CommandIo, message: string): void {
  io.stderr(io.err.dim(`aragora-secrets: ${message}`) + '\n');
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** More changed files than this are summed up, not listed (a first synth adds them all). */
const MAX_LISTED = 20;

export interface SynthCommandOptions {
  readonly configPath?: string;
  readonly out: string;
  /** Dotenv files besides those of the project root whose values the leak guard looks for. */
  readonly envFiles?: readonly string[];
}

/** `synth`: the same files as `cdk8s synth`, checked by the guard rails, swapped into place only when all is well. */
export function synthCommand(io: CommandIo, options: SynthCommandOptions): number {
  const started = Date.now();
  const target = resolve(io.cwd, options.out);
  for (const envFile of options.envFiles ?? []) {
    if (!readDotenvForGuard(io.cwd, envFile)) throw new UserError(`env file "${envFile}" not found (or not a regular file): the leak guard reads it to check the output`);
  }
  const configFile = options.configPath ?? (io.env[CONFIG_ENV_VAR] || CONFIG_FILE_NAME);
  const output = OutputFolder.open(target, {
    display: options.out,
    protectedPaths: [
      { path: io.cwd, what: 'the current folder' },
      { path: resolve(io.cwd, configFile), what: `the config file ${configFile}` },
    ],
  });
  let changes: ReturnType<OutputFolder['replace']>;
  let result: ReturnType<typeof SynthesizeProject>;
  try {
    for (const note of output.notes) progress(io, note);
    progress(io, 'synthesizing…');
    result = synthesizeProject({ cwd: io.cwd, env: io.env, configPath: options.configPath, envFiles: options.envFiles });
    progress(io, `synthesized ${result.plan.environments.length} environment(s), ${result.files.length} files, from ${result.source}, checked by ${RULES.length} guard rails (${seconds(started)})`);
    changes = output.replace(result.files);
  } finally {
    output.release();
  }
  for (const warning of result.warnings) io.stderr(`${io.err.yellow('warning:')} ${warning}\n`);
  const outdir = relative(io.cwd, target) || '.';
  const summary = [
    `${changes.changed.length} changed`,
    `${changes.added.length} added`,
    `${changes.removed.length} removed`,
    `${changes.unchanged} unchanged`,
  ].join(', ');
  const listed = [
    ...changes.changed.map((f) => `  ${io.out.yellow('changed')}  ${outdir}/${f}`),
    ...changes.added.map((f) => `  ${io.out.green('added')}    ${outdir}/${f}`),
    ...changes.removed.map((f) => `  ${io.out.red('removed')}  ${outdir}/${f}`),
  ];
  const lines = [
    `Wrote ${result.files.length} files to ${outdir}/ (${summary}) in ${seconds(started)}.`,
    ...listed.slice(0, MAX_LISTED),
    ...(listed.length > MAX_LISTED ? [`  … and ${listed.length - MAX_LISTED} more`] : []),
    `Review ${outdir}/<env>/SECRETS.md, then commit ${outdir}/.`,
  ];
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

export interface CheckCommandOptions {
  readonly configPath?: string;
  readonly environment?: string;
  readonly envFile?: string;
  readonly allowUnknown?: boolean;
}

/** `check`: everything synth would refuse, without writing; with an env file, its values against the environment's rules. */
export function checkCommand(io: CommandIo, options: CheckCommandOptions): number {
  const started = Date.now();
  const loaded = loadConfig({ path: options.configPath, cwd: io.cwd, env: io.env });
  const names = Object.keys(loaded.config.environments).sort();
  let environment = options.environment;
  if (options.envFile !== undefined && environment === undefined) {
    if (names.length !== 1) throw new UsageError(`--env-file needs --env: which environment's rules apply? (${names.join(', ')})`);
    environment = names[0];
  }
  if (environment !== undefined) requireEnvironment(names, environment);
  const envFiles = ['.env', ...(options.envFile !== undefined && options.envFile !== '.env' ? [options.envFile] : [])];
  if (options.envFile !== undefined) readEnvFile(io.cwd, options.envFile); // a missing file is reported before the long work
  progress(io, 'synthesizing in memory…');
  const result = synthesizeProject({ cwd: io.cwd, env: io.env, configPath: options.configPath, envFiles });
  const methods = result.plan.environments.map((e) => `${e.name}: ${e.delivery.method}`).join(', ');
  const modes = result.plan.environments.map((e) => `  ${e.name} (${e.tier}): the application runs ${describeAppMode(e.workload.app)}`);
  const lines: string[] = [];
  for (const warning of result.warnings) io.stderr(`${io.err.yellow('warning:')} ${warning}\n`);
  lines.push(
    `${io.out.green('ok')} config ${result.source}: ${Object.keys(loaded.config.secrets).length} secrets, ${result.plan.environments.length} environments (${methods}); ` +
      `synth and ${RULES.length} guard rails pass (${seconds(started)}).`,
    ...modes,
  );
  let findings = 0;
  if (environment !== undefined) {
    const plan = result.plan.environments.find((e) => e.name === environment)!;
    lines.push('', `Environment ${plan.name} (${plan.tier}, delivery ${plan.delivery.method}, namespace ${plan.namespace}):`, '');
    const notes = deliveryMethod(plan.delivery).checkNotes?.(plan, plan.delivery) ?? [];
    if (notes.length > 0) lines.push(...notes.map((note) => `note: ${note}`), '');
    if (options.envFile === undefined) {
      lines.push(requirementTable(io.out, requirementRows(plan), false));
    } else {
      const file = readEnvFileChecked(io.cwd, options.envFile);
      const check = checkEnvValues(plan, file.values, { allowUnknown: options.allowUnknown, sourcingHazards: file.hazards });
      findings = check.findings;
      lines.push(requirementTable(io.out, check.rows, true));
      const verdict =
        check.findings === 0
          ? io.out.green(`${options.envFile} is complete for ${plan.name}`)
          : io.out.red(`${options.envFile}: ${check.findings} finding(s) for ${plan.name}`);
      lines.push(`${verdict}${check.warnings > 0 ? `, ${check.warnings} warning(s)` : ''}. Values are never printed.`);
    }
  }
  io.stdout(lines.join('\n') + '\n');
  return findings > 0 ? 1 : 0;
}

function requirementTable(out: Style, rows: readonly EnvCheckRow[], withValues: boolean): string {
  const header = withValues ? ['KEY', 'STATUS HERE', 'WHY', 'PRESENT', 'VERDICT'] : ['KEY', 'STATUS HERE', 'WHY'];
  const cells = rows.map((r) => (withValues ? [r.key, r.status, r.why, r.present ?? '', r.verdict] : [r.key, r.status, r.why]));
  return formatTable(header, cells, (row, column, cell) => {
    if (column !== 4) return cell;
    const level = rows[row].level;
    return level === 'finding' ? out.red(cell) : level === 'warning' ? out.yellow(cell) : out.green(cell);
  });
}


/** The config's environments (in its order) and its plan, for the commands a delivery method brings. */
export function loadPlan(io: Pick<CommandIo, 'cwd' | 'env'>, configPath: string | undefined): { environments: string[]; plan: Plan } {
  const { config } = loadConfig({ path: configPath, cwd: io.cwd, env: io.env });
  return { environments: Object.keys(config.environments), plan: resolvePlan(config) };
}

function planFor(io: CommandIo, configPath: string | undefined): { plan: Plan; config: ReturnType<typeof loadConfig>['config'] } {
  const { config } = loadConfig({ path: configPath, cwd: io.cwd, env: io.env });
  return { plan: resolvePlan(config), config };
}

function environmentPlan(plan: Plan, environment: string): EnvironmentPlan {
  requireEnvironment(plan.environments.map((e) => e.name), environment);
  return plan.environments.find((e) => e.name === environment)!;
}

/** `env-example`: the `.env.example` of the catalog (or of one environment) on stdout. */
export function envExampleCommand(io: CommandIo, options: { configPath?: string; environment?: string }): number {
  const { plan, config } = planFor(io, options.configPath);
  const env = options.environment === undefined ? undefined : environmentPlan(plan, options.environment);
  const text = renderEnvExample(config, plan, env);
  // It is committed like dist/, and purposes are free text: the same guard as synth, before anything is printed.
  const sensitive = collectSensitiveValues({ cwd: io.cwd, env: io.env, secretNames: Object.keys(config.secrets) });
  const leaks = findLeaks([{ path: env === undefined ? '.env.example' : `.env.${env.name}.example`, content: text }], sensitive);
  if (leaks.length > 0) throw new LeakError(leaks);
  io.stdout(text);
  return 0;
}

export interface RenderCommandOptions {
  readonly configPath?: string;
  readonly environment: string;
  readonly envFile?: string;
  readonly allowMissing?: boolean;
  readonly force?: boolean;
}

/** `render`: the plain Secret with its values, to stdout only (never a file). */
export function renderCommand(io: CommandIo, options: RenderCommandOptions): number {
  if (io.stdoutIsTTY && !options.force) {
    throw new UsageError(
      [
        'refusing to print secret values to a terminal (they would stay in its scrollback). Pipe them instead:',
        `  aragora-secrets render --env ${options.environment} --env-file .env | kubectl apply --server-side -f -`,
        `  aragora-secrets render --env ${options.environment} --env-file .env | kubeseal --format yaml > sealed-secret.yaml`,
        'or pass --force to print them anyway.',
      ].join('\n'),
    );
  }
  const { plan } = planFor(io, options.configPath);
  const env = environmentPlan(plan, options.environment);
  const fromFile = options.envFile === undefined ? undefined : readEnvFile(io.cwd, options.envFile);
  const values = collectValues(env.secrets.map((s) => s.name), fromFile, io.env);
  const result = renderSecret(env, values, { allowMissing: options.allowMissing });
  io.stdout(result.yaml);
  const notes = [
    `rendered Secret ${env.namespace}/${env.secretName} with ${result.keys.length} key(s): ${result.keys.join(', ') || 'none'}`,
    ...(result.missing.length > 0 ? [`${io.err.yellow('left out although required')} (--allow-missing): ${result.missing.join('; ')}`] : []),
    ...(result.missingRecommended.length > 0 ? [`recommended but not set: ${result.missingRecommended.join(', ')}`] : []),
    ...[deliveryMethod(env.delivery).renderNote?.(env)].filter((note): note is string => note !== undefined),
  ];
  for (const note of notes) io.stderr(`aragora-secrets: ${note}\n`);
  return 0;
}

/** `init`: writes the embedded default as a commented `aragora-secrets.yaml`. */
export function initCommand(io: CommandIo, options: { configPath?: string; force?: boolean }): number {
  const relativePath = options.configPath ?? CONFIG_FILE_NAME;
  const target = resolve(io.cwd, relativePath);
  const existing = lstatSync(target, { throwIfNoEntry: false });
  if (existing) {
    if (existing.isDirectory()) throw new UserError(`"${relativePath}" is a folder`);
    // The new file replaces the path itself: a link, a device or a pipe there is not a config to overwrite.
    if (!existing.isFile()) throw new UserError(`"${relativePath}" is not a regular file (a symbolic link, device or pipe): init writes only a regular file; choose another --config`);
    if (!options.force) throw new UserError(`${relativePath} already exists; pass --force to overwrite it (your changes in it would be lost)`);
  }
  let schema = relative(dirname(target), join(packageRoot(), JSON_SCHEMA_PATH)).split('\\').join('/');
  if (!schema.startsWith('.')) schema = `./${schema}`;
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, renderConfigYaml(DEFAULT_CONFIG, schema));
  renameSync(temporary, target);
  io.stdout(
    [
      `Wrote ${relativePath}: the embedded default, with comments.`,
      'Next: edit it, then `aragora-secrets check` and `aragora-secrets synth`.',
      '',
    ].join('\n'),
  );
  return 0;
}
