export type Severity = 'error' | 'warning';

/** One pitfall found in the output: what, where, why it bites, and how to fix it. */
export interface Finding {
  /** The rule's id, e.g. `eso-refresh-disabled`. */
  readonly rule: string;
  readonly severity: Severity;
  /** The environment (output folder) the object belongs to. */
  readonly environment: string;
  /** `Kind/name` of the object at fault. */
  readonly object: string;
  readonly namespace?: string;
  /** The pitfall, naming the object and what would happen. */
  readonly message: string;
  readonly fix: string;
}

/** A Kubernetes object as parsed from the output (or written by hand): nothing about its shape is assumed. */
export interface KubeObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly annotations?: unknown; readonly labels?: unknown };
  readonly spec?: any;
  readonly [key: string]: unknown;
}

/**
 * What a rule looks at: one environment's objects, and the few facts of its config that the
 * objects cannot tell (`contextOf` takes them from the plan). Rules are pure functions of this;
 * without the config facts they still run, over the objects alone.
 */
export interface PitfallContext {
  readonly environment: string;
  /** The namespace of objects that name none. */
  readonly namespace: string;
  readonly objects: readonly KubeObject[];
  /** The External Secrets Operator release of the environment's cluster (`delivery.esoVersion`). */
  readonly esoVersion?: string;
  /** ExternalSecrets (by name) whose zero refreshInterval the config keeps on purpose (`acknowledgeNoRefresh`). */
  readonly acknowledgedNoRefresh?: readonly string[];
  /** Mounts of the KV version 2 engine the environment's Vault delivery reads (`secret`). */
  readonly kv2Mounts?: readonly string[];
}

export interface PitfallRule {
  readonly id: string;
  /** One line each, for the README table and reports. */
  readonly what: string;
  readonly why: string;
  readonly fix: string;
  check(context: PitfallContext): Finding[];
}
