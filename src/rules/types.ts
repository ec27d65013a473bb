/**
 * What the guard rails look at: the files of a synthesized tree, and the Kubernetes objects
 * parsed from its manifests. Pure data, so the rules run the same inside `aragora-secrets synth`
 * (on the files in memory, before anything is written) and inside the cdk8s validation plugin
 * (on the files `cdk8s synth` wrote).
 */

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

export interface TreeFile {
  /** Path as the caller knows it (relative to the output folder, or as cdk8s passed it). */
  readonly path: string;
  readonly content: string;
}

export interface ManifestObject {
  /** The file the object came from. */
  readonly file: string;
  /** The folder of that file: objects are checked against the others of the same folder (one environment). */
  readonly folder: string;
  readonly object: K8sObject;
}

export interface ManifestTree {
  /** Every file, manifests or not (the leak guard reads them all). */
  readonly files: readonly TreeFile[];
  /** The objects of the manifests (`*.k8s.yaml`). */
  readonly objects: readonly ManifestObject[];
  /** Manifests that are not valid YAML, or hold something that is not a Kubernetes object. */
  readonly unreadable: readonly { readonly file: string; readonly problem: string }[];
}

export interface Violation {
  /** The rule's name, e.g. `secret-access-get-only`. */
  readonly rule: string;
  /** `Kind namespace/name`, or the file when no object is concerned. */
  readonly resource: string;
  readonly file: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** Where in the object, e.g. `rules[0].verbs`. */
  readonly location?: string;
}

export interface GuardRail {
  readonly name: string;
  /** One line, for `--help`, reports and the README. */
  readonly description: string;
  readonly check: (tree: ManifestTree) => Violation[];
}
