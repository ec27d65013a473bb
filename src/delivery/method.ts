import type { Command } from 'commander';
import type { Construct } from 'constructs';
import type { z } from 'zod';
import type { AragoraSecretsConfig, ReloaderMode } from '../config-kit/schema';
import type { OutputFile } from '../core/output-file';
import type { IAppSecret } from '../k8s/app-secret';
import type { MethodPodWiring } from '../k8s/pod-wiring';
import type { DeliveryContext, DeliveryResolution, DeliveryResolver, EgressRule, EnvironmentPlan, Plan, PlanInputs, SecretPlan } from '../plan/plan';
import type { ValueAccess } from '../audit/value-access';
import type { EnvironmentFacts, Rule, SecretProducer } from '../checks/types';
import type { ApplyPhase } from '../core/manifest-layout';

/**
 * A delivery method: how the values of an environment reach its pods. Each method lives in
 * `src/delivery/<name>/` and is listed once in `registry.ts`; the rest of the code asks the method
 * (its schema, its plan, its objects, its pod wiring, its files, its part of the review report, its
 * commands) and never compares against its name.
 *
 * `P` is the method's resolved plan (`EnvironmentPlan.delivery` when the environment uses it).
 */
export interface DeliveryMethod<P extends { readonly method: string } = any> extends DeliveryResolver<P> {
  readonly name: P['method'];
  /** One line for `--help`, the docs and the architecture diagram. */
  readonly description: string;

  // --- config
  /** The long form of `delivery:` (`{ method: <name>, ...options }`), composed into the config schema. */
  readonly schema: z.ZodObject;
  /** Top-level blocks of the config the method adds (e.g. `stores:`), by name; each is optional. */
  readonly configBlocks?: Readonly<Record<string, z.ZodType>>;
  /** Rules of the method's options that span several fields (the schema sees one field at a time). */
  configProblems?(config: AragoraSecretsConfig, add: AddProblem): void;

  // --- plan
  /** What the plan needs besides the config (files the user commits), read before the plan is resolved. */
  loadInputs?(config: AragoraSecretsConfig, cwd: string, source: string): PlanInputs;
  resolve(context: DeliveryContext): DeliveryResolution<P>;
  readonly defaultReloader: ReloaderMode;
  /** Egress the pods themselves need for this method (an injected agent shares the pod's network). */
  egress?(delivery: P): EgressRule[];

  // --- objects and files
  /** Adds the method's objects to the environment's chart; returns the Secrets the workload reads. */
  addTo(scope: Construct, plan: EnvironmentPlan, delivery: P): DeliveredSecrets;
  /** Argo CD sync waves of the method's own kinds (a store before the secret it fills: see k8s/sync-waves.ts). */
  readonly syncWaves?: Readonly<Record<string, number>>;
  /** Where the method's own kinds go in the apply order of the manifest files (see core/manifest-layout.ts). */
  readonly applyPhases?: Readonly<Record<string, ApplyPhase>>;
  /** What the pod needs besides a Secret reference (annotations, volumes, a wrapped command). */
  podWiring?(delivery: P, workload: EnvironmentPlan['workload']): MethodPodWiring;
  /** Helm values for the application chart, when the method's differ from a Secret reference. */
  helmValues?(plan: EnvironmentPlan, delivery: P, identity: Record<string, unknown>, header: readonly string[]): string;
  /** Comment lines of the workload patch (for a Deployment managed elsewhere). */
  patchNotes?(plan: EnvironmentPlan, delivery: P): string[];
  /** Annotations of the application's ServiceAccount the method needs (a cloud identity the pods assume, e.g. IRSA's role ARN). */
  serviceAccountAnnotations?(delivery: P): Record<string, string>;
  /** What the application's ServiceAccount token reads, when the method logs in with it. */
  appTokenReads?(delivery: P): string;
  /** Other ServiceAccounts whose tokens read the values (a store's identity). */
  tokenHolders?(plan: EnvironmentPlan, delivery: P): ValueAccess[];
  /** Secrets that unlock the values without being them (a store's static credentials). */
  credentialSecrets?(plan: EnvironmentPlan, delivery: P): ValueAccess[];
  /** Names of the remote secrets the method reads (a cloud grants read on exactly these). */
  remoteSecretIds?(delivery: P): string[];
  /** Files beside the manifests in `dist/<env>/` (paths relative to it). */
  files?(plan: EnvironmentPlan, delivery: P, context: { readonly serviceAccountName: string }): OutputFile[];
  /** Kubernetes Secrets the method's own objects read (the audit policy records access to them). */
  auditedSecrets?(delivery: P): string[];
  /** Problems synth refuses once the chart is built. */
  chartProblems?(plan: EnvironmentPlan, delivery: P): string[];

  /** Warnings that depend on the date (printed by synth, never written to dist/). */
  timelyWarnings?(plan: EnvironmentPlan, delivery: P, now: Date, withinDays?: number): string[];
  /**
   * Warnings about the method's committed inputs in the project (read by synth and `check`, whatever
   * method the environments use now: e.g. an input file that no environment reads any more).
   */
  projectWarnings?(cwd: string, plan: Plan): string[];

  // --- checks
  /**
   * Rules about the method's own kinds of object. They run over every tree, whatever method the config
   * names, so that an object written by hand (or by another tool) into the output is checked too.
   */
  readonly checks?: readonly Rule[];
  /** The method's kinds whose controller writes a Kubernetes Secret, and how to read which one (the rules ask "who makes Secret X"). */
  readonly secretProducers?: readonly SecretProducer[];
  /** What `check --env ENV` tells about the environment's delivery before its requirements (a trap of the method). */
  checkNotes?(plan: EnvironmentPlan, delivery: P): string[];
  /** What those rules need to know of an environment that uses the method, besides its objects. */
  checkFacts?(plan: EnvironmentPlan, delivery: P): Partial<EnvironmentFacts>;

  // --- people
  readonly report: ReportSection<P>;
  /** Why `render` refuses the environment (no Secret is created from values); absent when it renders. */
  renderRefusal?(plan: EnvironmentPlan): string | undefined;
  /** A note `render` prints after the Secret. */
  renderNote?(plan: EnvironmentPlan): string | undefined;
  /** Commands of the method's own (e.g. `seal`). */
  addCommands?(program: Command, context: CommandContext): void;
}

export type AddProblem = (segments: PropertyKey[], message: string, fix?: string) => void;

export interface DeliveredSecrets {
  /** The Secret the workload reads; absent when the method creates none (the values reach the pod otherwise). */
  readonly secret?: IAppSecret;
  /** Secrets besides `secret` that hold some keys. */
  readonly additionalSecrets?: readonly { readonly secret: IAppSecret; readonly keys: readonly string[] }[];
  /** Secrets created at deploy time by no object of ours (named on the workload for reviewers and guard rails). */
  readonly deployTimeSecrets?: readonly string[];
}

/** The method's part of `SECRETS.md`. */
export interface ReportSection<P> {
  /** The `delivery` row of the overview. */
  summary(plan: EnvironmentPlan, delivery: P): string;
  /** Where a delivered secret's value comes from. */
  valueSource(plan: EnvironmentPlan, delivery: P, secret: SecretPlan): string;
  /** How the container gets its values when not from a Secret (the workload row). */
  injection?(delivery: P): string;
  /** Who consumes a secret, when the method decides it; undefined: the Secret reference. */
  consumer?(plan: EnvironmentPlan, delivery: P, secret: SecretPlan, deployment: string): string | undefined;
  /** Who can read a secret, when not the pods through a Secret. */
  readableBy?(delivery: P, serviceAccountName: string): string;
  /** The Kubernetes line of "Who can read the values" when no Role is bound; undefined: the default. */
  kubernetesReader?(account: string, token: string): string | undefined;
  /** The method's lines of "Who can read the values". */
  readers(plan: EnvironmentPlan, delivery: P, serviceAccountName: string): string[];
  /** Where the reads are audited, when not by the Kubernetes audit policy. */
  readonly readsAuditedElsewhere?: { readonly where: string; readonly how: string };
  /** The method's open items. */
  openItems(plan: EnvironmentPlan, delivery: P): string[];
  /**
   * Whether the committed inputs the plan read hold a value for a secret (a sealed file): true or false
   * when the method knows, absent when the value lives where the plan does not look (an env file, a store).
   */
  valueCommitted?(delivery: P, secret: string): boolean;
}

export interface CommandContext {
  readonly io: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly stdout: (text: string) => void; readonly stderr: (text: string) => void };
  /** The `--config` given on the command line. */
  configPath(): string | undefined;
  /** Loads the config (`--config`, else the lookup order) and resolves its plan; `environments` in the config's order. */
  loadPlan(): { readonly environments: readonly string[]; readonly plan: import('../plan/plan').Plan };
  /** Sets the exit code of the run. */
  exit(code: number): void;
  /** The `Examples:` block of a command's help. */
  examples(...lines: string[]): string;
  /** Collects a repeatable option's values. */
  collect(value: string, previous: string[]): string[];
}
