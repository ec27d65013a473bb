import type { AragoraSecretsConfig, DeliveryConfig, EnvironmentConfig, InjectionMode, ReloaderMode, Tier } from '../config-kit/schema';
import type { ZodType } from 'zod';
import type { RequirementStatus } from '../config-kit/requirements';
import { type AddressFamily, familyOf, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from './address-ranges';
import type { EsoIdentityPlan } from './eso-identity';
import type { AppCustody } from './app-contract';

/**
 * The resolved plan: what every artifact of every environment is made from. It is pure data,
 * derived once from a validated config; names, keys and defaults are decided here and
 * nowhere else, so that the Secret, the Role, the workload and the policy cannot disagree.
 */
export interface Plan {
  readonly app: AppPlan;
  /** Sorted by name. */
  readonly environments: readonly EnvironmentPlan[];
}

export interface AppPlan {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SecretPlan {
  /** Environment variable name and key in the Kubernetes Secret. */
  readonly name: string;
  readonly purpose: string;
  readonly status: RequirementStatus;
  readonly group?: string;
  readonly reason: string;
  readonly generated: boolean;
  /** The application refuses it from its environment in strict mode (`critical`, defaulting from the app's list). */
  readonly critical: boolean;
  /** Through which of the application's sources the value reaches it here (decided with the delivery). */
  readonly custody: AppCustody;
  /** Where the value lives in an external store. */
  readonly remote: { readonly key: string; readonly property: string };
}

/**
 * The resolved plan of each delivery method, keyed by its name: each method adds its own from its
 * folder (`declare module '../../plan/plan' { interface DeliveryPlans { <name>: ... } }`), so that
 * the plan names no method and `EnvironmentPlan.delivery` is still a union code can narrow.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DeliveryPlans {}

/** How the values reach the cluster, with the method's resolved options. */
export type DeliveryPlan = DeliveryPlans[keyof DeliveryPlans];

/**
 * What synth reads besides the config (files the user commits), by delivery method and then by
 * environment (e.g. sealed values and the controller's certificate). Kept apart so that the plan
 * stays a pure function; each method reads and types its own.
 */
export type PlanInputs = {
  /** AWS regions and their partitions (aws-cdk-lib's table, read by the caller: the plan loads no library). */
  readonly awsPartitions?: ReadonlyMap<string, string>;
  readonly [input: string]: unknown;
};

/** What the plan asks of a delivery method (`src/delivery/method.ts` extends it). */
export interface DeliveryResolver<P = DeliveryPlan> {
  readonly name: string;
  resolve(context: DeliveryContext): DeliveryResolution<P>;
  /** Whether the pods need their ServiceAccount token (the method authenticates from inside the pod). */
  readonly podAuthenticates: boolean;
  /** Reloader's mode when the config sets none. */
  readonly defaultReloader: ReloaderMode;
  /** Egress the pods themselves need for this method (an injected agent shares the pod's network). */
  egress?(delivery: P): EgressRule[];
  /**
   * The secret store in a cloud the method reads through, if any (a `gcpsm` store of External
   * Secrets): the cloud's plan grants it access and reads its identity from it.
   */
  cloudStore?(config: AragoraSecretsConfig, options: Exclude<DeliveryConfig, string>): CloudStoreRef | undefined;
  /** Whether the method makes a secret in the cluster, so that it never reaches a cloud's store. */
  generatedInCluster?(options: Exclude<DeliveryConfig, string>, secret: { readonly generated: boolean }): boolean;
  /**
   * The cloud whose secrets the application's pods read themselves, with their own ServiceAccount, when the
   * method makes them (a CSI provider on the node): that cloud grants the ServiceAccount an identity that
   * reads exactly the environment's secrets there, and tells the method where each one is.
   */
  podCloudReads?(options: Exclude<DeliveryConfig, string>): PodCloudReads | undefined;
}

/** What a delivery method asks of a cloud for the application's pods (see `DeliveryResolver.podCloudReads`). */
export interface PodCloudReads {
  /** The cloud's name (`CloudResolver.name`). */
  readonly cloud: string;
  /**
   * How the ServiceAccount gets the cloud identity: AWS IRSA (the cluster's IAM OIDC provider) or an EKS Pod
   * Identity association (the cluster's name); Google Workload Identity (the GKE cluster's project).
   */
  readonly identity:
    | { readonly kind: 'irsa'; readonly oidcProvider: string }
    | { readonly kind: 'podIdentity'; readonly clusterName: string }
    | { readonly kind: 'workloadIdentity'; readonly clusterProject?: string };
}

/** Where one variable lives in a cloud's store, when the cloud decides it (its own secrets). */
export interface RemoteRef {
  readonly key: string;
  readonly version?: string;
  /** The field of a JSON secret; absent: the whole value. */
  readonly property?: string;
  /** The kind of store object, when the cloud has several (AWS: `ssmparameter` for Parameter Store). */
  readonly objectType?: string;
}

/** The cloud identity the application's ServiceAccount gets for the pods' own reads (`podCloudReads`). */
export interface PodCloudIdentity {
  /** Annotations of the application's ServiceAccount (IRSA's role ARN, Workload Identity's Google service account). */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  /** Who the ServiceAccount acts as, for people: `IAM role arn:...`, `Google service account ...`. */
  readonly principal: string;
  /** Where the identity and its grants are written (a stack, a script), for the review report. */
  readonly writtenIn: string;
}

/** A store of the config (`stores.<name>`) that a delivery method reads from. */
export interface CloudStoreRef {
  readonly name: string;
  readonly store: NonNullable<AragoraSecretsConfig['stores']>[string];
}

export interface DeliveryContext {
  readonly config: AragoraSecretsConfig;
  readonly environment: string;
  readonly env: EnvironmentConfig;
  /** The long form of the environment's `delivery:`. */
  readonly options: Exclude<DeliveryConfig, string>;
  readonly appLabels: Readonly<Record<string, string>>;
  /** The environment's Secret. */
  readonly secretName: string;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly SecretPlan[];
  readonly inputs: PlanInputs;
  /** The identity External Secrets Operator uses in this environment. */
  readonly esoIdentity?: EsoIdentityPlan;
  /** Remote references that replace the catalog's `remote`, one per variable (a cloud's own secrets). */
  readonly remoteRefs?: ReadonlyMap<string, RemoteRef>;
  /** The identity a cloud gave the application's ServiceAccount for the pods' own reads (`podCloudReads`). */
  readonly podCloudIdentity?: PodCloudIdentity;
}

export interface DeliveryResolution<P> {
  readonly delivery: P;
  readonly warnings: string[];
  /** Committed inputs that no longer fit the config. */
  readonly errors: string[];
}

export interface IdentityPlan {
  readonly serviceAccountName: string;
  /**
   * Whether the application reads its Secrets through the Kubernetes API (`workload.readsSecretsThroughApi`):
   * only then does its ServiceAccount get the Role (`get` on those Secrets) and its binding. The kubelet
   * reads `secretKeyRef`, `envFrom` and secret volumes with its own credentials, so those need no Role.
   */
  readonly readsSecretsThroughApi: boolean;
  /** Name of that Role (and of its RoleBinding), when there is one. */
  readonly roleName: string;
  readonly roleBindingName: string;
  /** Whether pods get an API token: for API reads, and for delivery methods that authenticate from the pod. */
  readonly automountToken: boolean;
  /** Annotations of the ServiceAccount (a cloud identity it assumes, e.g. IRSA's role). */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

export interface WorkloadPlan {
  /** When false, the wiring is written as a patch for a Deployment managed elsewhere. */
  readonly enabled: boolean;
  readonly name: string;
  readonly containerName: string;
  readonly image: string;
  readonly replicas: number;
  readonly port?: number;
  readonly injection: InjectionMode;
  readonly runAsNonRoot: boolean;
  readonly resources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
  readonly podLabels: Readonly<Record<string, string>>;
  /** The application's program and arguments, when the config names them. */
  readonly command?: readonly string[];
  /** How the application's secret loader runs in this environment. */
  readonly app: AppModePlan;
  /** Protected files (`injection: files`): the directory, the uid that owns them, the variables written there. */
  readonly files?: { readonly dir: string; readonly uid: number; readonly names: readonly string[] };
}

/** The application's loader mode in one environment: what the workload sets, and what follows from it. */
export interface AppModePlan {
  /** ARAGORA_ENV. */
  readonly environment: string;
  /** Whether the loader refuses critical secrets from the environment. */
  readonly strict: boolean;
  /** ARAGORA_SECRETS_STRICT, when the config sets it (with its reason). */
  readonly strictOverride?: { readonly enabled: boolean; readonly reason: string };
  /** Literal env entries the container gets (ARAGORA_ENV, ARAGORA_SECRETS_STRICT...), sorted by name. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
}

export type EgressPeer =
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] }
  | { readonly kind: 'pods'; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };

export interface EgressRule {
  /** What the rule is for, shown in comments and reports. */
  readonly purpose: string;
  readonly peers: readonly EgressPeer[];
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP' }[];
}

export interface NetworkPlan {
  readonly policyName: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly egress: readonly EgressRule[];
}

/**
 * The clouds' parts of an environment's plan, keyed by cloud: each cloud adds its own from its
 * folder (`declare module`), as the delivery methods add theirs to `DeliveryPlans`.
 */
export interface CloudPlans {}

/** A cloud, as the plan sees it (src/cloud/<name>/cloud.ts implements it). */
export interface CloudResolver {
  readonly name: string;
  /** The environment's `<name>:` block (config/config-schema.ts composes the registered clouds'). */
  readonly schema: ZodType;
  resolve(context: CloudContext): CloudResolution;
}

export interface CloudContext {
  readonly config: AragoraSecretsConfig;
  readonly environment: string;
  readonly env: EnvironmentConfig;
  /** The secrets delivered in the environment, sorted by name. */
  readonly secrets: readonly SecretPlan[];
  readonly appLabels: Readonly<Record<string, string>>;
  /** The environment's labels for an object in `namespace`, or the app's alone when it is another namespace (a shared object). */
  labelsFor(namespace: string): Record<string, string> | undefined;
  readonly inputs: PlanInputs;
  readonly managedBy: string;
  readonly workload: {
    readonly containerName: string;
    readonly image: string;
    readonly port?: number;
    /** The application's mode (ARAGORA_ENV...), for the cloud's own runtimes (an ECS task). */
    readonly appEnv?: readonly { readonly name: string; readonly value: string }[];
  };
  /** The store of this cloud the delivery method reads, if any. */
  readonly store?: CloudStoreRef;
  /** Whether the delivery method makes a secret in the cluster (it then never reaches the cloud). */
  generatedInCluster(secret: { readonly generated: boolean }): boolean;
  /** The application's pods read this environment's cloud secrets themselves (see `DeliveryResolver.podCloudReads`). */
  readonly podReads?: PodCloudReads;
}

export interface CloudResolution {
  /** The cloud's part of the environment's plan (`{ aws: ... }`). */
  readonly plan: Partial<CloudPlans>;
  /** Its part of the identity External Secrets Operator uses. */
  readonly esoIdentity?: Partial<EsoIdentityPlan>;
  /** Remote references that replace the catalog's, when the cloud keeps one secret per variable that the delivery reads. */
  readonly remoteRefs?: ReadonlyMap<string, RemoteRef>;
  /** The identity the cloud gives the application's ServiceAccount, when the delivery's pods read it (`podCloudReads`). */
  readonly podIdentity?: PodCloudIdentity;
  /** The application reads these secrets from the cloud itself, with this env and ServiceAccount annotations. */
  readonly appCustody?: {
    readonly custody: AppCustody;
    readonly secrets: readonly string[];
    readonly env: readonly { readonly name: string; readonly value: string }[];
    readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  };
}

export interface EnvironmentPlan extends CloudPlans {
  readonly name: string;
  readonly namespace: string;
  /** Whether the Namespace object is generated. */
  readonly createNamespace: boolean;
  readonly tier: Tier;
  readonly delivery: DeliveryPlan;
  readonly features: Readonly<Record<string, boolean>>;
  /** Labels on every object of the environment. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Kubernetes Secret the workload reads. */
  readonly secretName: string;
  /** Every catalog secret with its status here, sorted by name; `excluded` ones are not delivered. */
  readonly catalog: readonly SecretPlan[];
  /** The secrets delivered here (all but `excluded`), sorted by name. */
  readonly secrets: readonly SecretPlan[];
  /** "At least one of" groups that apply here, with their members. */
  readonly oneOfGroups: readonly { readonly group: string; readonly members: readonly string[] }[];
  readonly identity: IdentityPlan;
  readonly workload: WorkloadPlan;
  readonly reloader: ReloaderMode;
  /** Absent when the config turns the policy off. */
  readonly network?: NetworkPlan;
  /** Things a reviewer should know (printed by synth), e.g. keys that still need sealing. */
  readonly warnings: readonly string[];
  /** Annotate objects with Argo CD sync waves, so that what an object needs is applied before it. */
  readonly argoSyncWaves: boolean;
  /** The identity External Secrets Operator uses here (IRSA role, workload identity), derived once. */
  readonly esoIdentity?: EsoIdentityPlan;
}

export const MANAGED_BY = 'aragora-secrets';

/** The long form of a delivery (`{ method, ...options }`), whichever form the config used. */
export function deliveryOptions(delivery: DeliveryConfig | undefined): Exclude<DeliveryConfig, string> {
  return typeof delivery === 'string' || delivery === undefined ? ({ method: delivery ?? 'plain' } as Exclude<DeliveryConfig, string>) : delivery;
}

/**
 * What "public" leaves out in one address family: the ranges the config lists in that family,
 * else every non-public range of it (private, shared, loopback, link-local with the metadata
 * endpoint...). Config validation refuses a list that would open a metadata endpoint.
 */
export function publicExceptions(family: AddressFamily, configured: readonly string[] | undefined): string[] {
  const listed = (configured ?? []).filter((range) => familyOf(range) === family);
  return [...new Set(listed.length > 0 ? listed : family === 'ipv4' ? NON_PUBLIC_IPV4 : NON_PUBLIC_IPV6)];
}

/** `ANTHROPIC_API_KEY` → `anthropic`, `ARAGORA_JWT_SECRET` → `aragora_jwt_secret`. */
export function defaultProperty(secretName: string): string {
  return secretName.replace(/_API_KEY$/, '').toLowerCase();
}

