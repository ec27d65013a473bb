import type { OutputFile } from '../core/output-file';

/**
 * What the checks look at: the files of a synthesized tree, the Kubernetes objects parsed from its
 * manifests, and the few facts of the config that the objects cannot show. Pure data, so the same
 * rules run inside synth (on the files in memory, before anything is written), `check`, and the
 * cdk8s validation plugin (on the files `cdk8s synth` wrote).
 */

export type Severity = 'error' | 'warning';

/**
 * What a rule reads, so a caller knows which rules it can run and the checks reference can say where
 * each applies: `objects`, the parsed manifests only (any cdk8s app's output); `files`, every file of
 * the tree as text too (policies, templates and scripts beside the manifests).
 */
export type Phase = 'objects' | 'files';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: any;
}

export interface ManifestObject {
  /** The file the object came from. */
  readonly file: string;
  /** The folder of that file: one environment; objects are checked against the others of the same folder. */
  readonly folder: string;
  readonly object: K8sObject;
}

export interface ManifestTree {
  /** Every file, manifests or not (the leak guard and the isolation rule read them all). */
  readonly files: readonly OutputFile[];
  /** The objects of the manifests (`*.k8s.yaml`). */
  readonly objects: readonly ManifestObject[];
  /** Manifests that are not valid YAML, or hold something that is not a Kubernetes object. */
  readonly unreadable: readonly { readonly file: string; readonly problem: string }[];
}

/**
 * The facts of one environment's config that its objects cannot show. Without them the rules still
 * run, over the objects alone (the namespace then comes from the folder's objects).
 */
export interface EnvironmentFacts {
  /** The environment, also the name of its output folder. */
  readonly name: string;
  /** The namespace of objects that name none. */
  readonly namespace?: string;
  /** The External Secrets Operator release of the environment's cluster (`delivery.esoVersion`). */
  readonly esoVersion?: string;
  /** ExternalSecrets (by name) whose zero refreshInterval the config keeps on purpose (`acknowledgeNoRefresh`). */
  readonly acknowledgedNoRefresh?: readonly string[];
  /** Mounts of the KV version 2 engine the environment's Vault delivery reads (`secret`). */
  readonly kv2Mounts?: readonly string[];
  /** The environment's tier. */
  readonly tier?: string;
  /** The container of the application, as the config names it. */
  readonly workload?: string;
  /** The secrets delivered to the application: whether it treats each as critical, and through which of its sources each arrives. */
  readonly appSecrets?: readonly { readonly name: string; readonly critical: boolean; readonly custody: 'env' | 'files' | 'aws' }[];
}

/**
 * A kind of object whose controller writes a Kubernetes Secret (a SealedSecret, an ExternalSecret...):
 * the delivery methods declare theirs, the rule set hands them to every rule, so that "who makes
 * Secret X" knows every registered method's kinds without the checks naming one. A core Secret is
 * built in.
 */
export interface SecretProducer {
  readonly kind: string;
  /** The API group of the kind (`bitnami.com`). */
  readonly group: string;
  /** How messages say the object makes the Secret, after its name: `its controller writes it`, `its target`. */
  readonly how: string;
  /** The Secrets the object makes (a SecretProviderClass may sync several); empty when it makes none. */
  secretsOf(object: K8sObject, namespace: string): readonly { readonly namespace: string; readonly name: string }[];
}

export interface CheckInput {
  readonly tree: ManifestTree;
  /** The kinds besides a core Secret that make Secrets (the rule set passes the registered methods'). */
  readonly producers?: readonly SecretProducer[];
  /** By environment name (= folder name); an environment without facts is checked on its objects alone. */
  readonly facts?: readonly EnvironmentFacts[];
}

/** What a rule reports; the engine adds the rule's id, the severity and the environment. */
export interface Problem {
  /** `Kind namespace/name`, or the file when no object is concerned. */
  readonly resource: string;
  readonly file: string;
  /** Where in the object or file, e.g. `rules[0].verbs`. */
  readonly location?: string;
  /** What is wrong, naming the object and what would happen. */
  readonly message: string;
  /** How to fix it, for this object. */
  readonly fix: string;
  /** Lower than the rule's severity when this case only needs attention. @default - the rule's severity */
  readonly severity?: 'warning';
}

export interface Finding extends Omit<Problem, 'severity'> {
  /** The rule's id, e.g. `secret-access-get-only`. */
  readonly rule: string;
  readonly severity: Severity;
  /** The environment (output folder) the file belongs to. */
  readonly environment: string;
}

/**
 * One check. Its text is what the checks reference is generated from: `what` it refuses, `why` that
 * matters, and `fix`, the general remedy (each finding carries its own, naming the object).
 */
export interface Rule {
  /** Lower-case words joined by `-`, e.g. `eso-refresh-disabled`. */
  readonly id: string;
  readonly phase: Phase;
  /** An error refuses the output; a warning is printed. A rule may report a case as a warning only. */
  readonly severity: Severity;
  readonly what: string;
  readonly why: string;
  readonly fix: string;
  readonly check: (input: CheckInput) => Problem[];
}
