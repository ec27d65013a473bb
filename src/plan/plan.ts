import { sortRecord } from '../core/sort';
import type { AragoraSecretsConfig, BackendConfig, DeliveryConfig, EnvironmentConfig, InjectionMode, ReloaderMode, Tier } from '../config/schema';
import { evaluateRequirement, RequirementStatus } from '../config/requirements';
import { UserError } from '../core/errors';
import { AwsPlan, resolveAwsPlan } from '../model/aws-plan';
import { type AddressFamily, everything, familyOf, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from './address-ranges';
import { deriveName } from '../core/names';
import { resolveEsoIdentity, type EsoIdentityPlan } from '../model/identity';
import { gcpsmStoreOf, resolveGcp, type GcpPlan } from '../model/gcp-plan';

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
export type PlanInputs = { readonly [input: string]: unknown };

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
  readonly remoteRefs?: ReadonlyMap<string, { readonly key: string; readonly version?: string }>;
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

export interface EnvironmentPlan {
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
  /** The AWS stack of the environment; absent when it has no `aws:` block. */
  readonly aws?: AwsPlan;
  /** Google Cloud: Secret Manager secrets, their reader, Cloud Run, Config Connector. */
  readonly gcp?: GcpPlan;
  /** The identity External Secrets Operator uses here (IRSA role, workload identity), derived once. */
  readonly esoIdentity?: EsoIdentityPlan;
}

export const MANAGED_BY = 'aragora-secrets';

/**
 * @throws UserError when committed inputs no longer fit the config (values sealed for another target)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resolvePlan(config: AragoraSecretsConfig, inputs: PlanInputs, methods: readonly DeliveryResolver<any>[]): Plan {
  const appName = config.app.name;
  const appLabels = sortRecord({
    ...config.app.labels,
    app: appName,
    'app.kubernetes.io/part-of': appName,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  });
  const environments = Object.keys(config.environments)
    .sort()
    .map((name) => resolveEnvironment(config, name, config.environments[name], appLabels, inputs, methods));
  const errors = environments.flatMap((env) => env.errors);
  if (errors.length > 0) {
    throw new UserError([`The committed inputs do not fit the config (${errors.length === 1 ? '1 problem' : `${errors.length} problems`}):`, ...errors.map((e) => `  - ${e}`)].join('\n'));
  }
  return { app: { name: appName, labels: appLabels }, environments: environments.map(({ errors: _, ...env }) => env) };
}

function resolveEnvironment(
  config: AragoraSecretsConfig,
  name: string,
  env: EnvironmentConfig,
  appLabels: Record<string, string>,
  inputs: PlanInputs,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  methods: readonly DeliveryResolver<any>[],
): EnvironmentPlan & { errors: string[] } {
  const appName = config.app.name;
  const features = sortRecord({ ...config.features, ...env.features });
  const context = { environment: name, tier: env.tier, features };
  const remoteKey = config.remoteKey ?? `${appName}/api-keys`;

  const catalog: SecretPlan[] = Object.keys(config.secrets)
    .sort()
    .map((secretName) => {
      const secret = config.secrets[secretName];
      const requirement = evaluateRequirement(secret.required, context);
      return {
        name: secretName,
        purpose: secret.purpose,
        ...requirement,
        generated: secret.generated ?? false,
        remote: {
          key: secret.remote?.key ?? remoteKey,
          property: secret.remote?.property ?? defaultProperty(secretName),
        },
      };
    });
  const secrets = catalog.filter((s) => s.status !== 'excluded');
  const groups = new Map<string, string[]>();
  for (const s of secrets) if (s.group) groups.set(s.group, [...(groups.get(s.group) ?? []), s.name]);

  const labels = sortRecord({ ...appLabels, ...env.labels, 'app.kubernetes.io/instance': `${appName}-${name}` });
  const secretName = env.secretName ?? deriveName(appName, 'secrets');
  const workloadConfig = env.workload ?? {};
  const workloadName = workloadConfig.name ?? appName;
  const podLabels = sortRecord(workloadConfig.podLabels ?? { app: appName });
  // The AWS stack and the ESO identity come before the delivery: an `aws` store authenticates as the identity.
  const aws =
    env.aws &&
    resolveAwsPlan({
      appName,
      environment: name,
      namespace: env.namespace,
      config: env.aws,
      secrets,
      managedBy: MANAGED_BY,
      workload: { containerName: workloadName, image: workloadConfig.image ?? config.app.image ?? '', port: workloadConfig.port },
    });
  const esoIdentity = resolveEsoIdentity({ config, env, awsRole: aws?.eso, appLabels });
  const gcp = resolveGcp({ config, environment: name, env, secrets, appLabels });
  // A gcpsm store of a GCP environment reads the same per-variable Secret Manager secrets as Cloud Run.
  const remoteRefs =
    gcp && gcpsmStoreOf(config, env) ? new Map(gcp.secrets.map((s) => [s.env, { key: s.secretId, version: s.version === 'latest' ? undefined : s.version }])) : undefined;
  const options = deliveryOptions(env.delivery);
  const method = methods.find((m) => m.name === options.method);
  if (!method) throw new Error(`no delivery method "${options.method}" is registered`);
  const { delivery, warnings, errors } = method.resolve({ config, environment: name, env, options, appLabels, secretName, secrets, inputs, esoIdentity, remoteRefs });

  return {
    name,
    namespace: env.namespace,
    createNamespace: env.createNamespace ?? true,
    tier: env.tier,
    delivery,
    features,
    labels,
    secretName,
    catalog,
    secrets,
    oneOfGroups: [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, members]) => ({ group, members })),
    identity: {
      serviceAccountName: appName,
      readsSecretsThroughApi: workloadConfig.readsSecretsThroughApi ?? false,
      roleName: deriveName(appName, 'secrets-reader'),
      roleBindingName: deriveName(appName, 'secrets-reader'),
      automountToken: method.podAuthenticates || (workloadConfig.readsSecretsThroughApi ?? false),
    },
    workload: {
      enabled: workloadConfig.enabled ?? true,
      name: workloadName,
      containerName: workloadName,
      image: workloadConfig.image ?? config.app.image ?? '',
      replicas: workloadConfig.replicas ?? 1,
      port: workloadConfig.port,
      injection: workloadConfig.injection ?? 'secretKeyRef',
      runAsNonRoot: workloadConfig.runAsNonRoot ?? true,
      resources: workloadConfig.resources,
      podLabels,
      command: workloadConfig.command,
    },
    reloader: env.rotation?.reloader ?? method.defaultReloader,
    network: env.network?.enabled === false ? undefined : resolveNetwork(appName, env, podLabels, method.egress?.(delivery) ?? []),
    warnings,
    errors,
    argoSyncWaves: config.gitops?.argoSyncWaves ?? false,
    aws,
    esoIdentity,
    gcp,
  };
}

/** The long form of a delivery (`{ method, ...options }`), whichever form the config used. */
export function deliveryOptions(delivery: DeliveryConfig | undefined): Exclude<DeliveryConfig, string> {
  return typeof delivery === 'string' || delivery === undefined ? ({ method: delivery ?? 'plain' } as Exclude<DeliveryConfig, string>) : delivery;
}

function resolveNetwork(appName: string, env: EnvironmentConfig, podLabels: Record<string, string>, deliveryRules: readonly EgressRule[] = []): NetworkPlan {
  const network = env.network ?? {};
  const egress: EgressRule[] = [
    {
      purpose: 'cluster DNS',
      peers: [
        {
          kind: 'pods',
          namespace: network.dns?.namespace ?? 'kube-system',
          podLabels: sortRecord(network.dns?.podLabels ?? { 'k8s-app': 'kube-dns' }),
        },
      ],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
    ...deliveryRules,
  ];
  for (const backend of [...(network.backends ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
    egress.push(backendRule(backend));
  }
  const https = network.publicHttps ?? {};
  if (https.enabled ?? true) {
    egress.push({
      purpose: 'HTTPS to the LLM provider APIs and other public services',
      peers: (['ipv4', 'ipv6'] as const).map((family) => ({ kind: 'cidr', cidr: everything(family), except: publicExceptions(family, https.except) })),
      ports: [...new Set(https.ports ?? [443])].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP' as const })),
    });
  }
  return { policyName: deriveName(appName, 'secrets-access'), podLabels, egress };
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

function backendRule(backend: BackendConfig): EgressRule {
  const peer: EgressPeer = backend.cidr
    ? { kind: 'cidr', cidr: backend.cidr, except: backend.except ?? [] }
    : { kind: 'pods', namespace: backend.namespace!, podLabels: sortRecord(backend.podLabels ?? {}) };
  return {
    purpose: `backend ${backend.name}`,
    peers: [peer],
    ports: [...new Set(backend.ports)].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP' as const })),
  };
}

/** `ANTHROPIC_API_KEY` → `anthropic`, `ARAGORA_JWT_SECRET` → `aragora_jwt_secret`. */
export function defaultProperty(secretName: string): string {
  return secretName.replace(/_API_KEY$/, '').toLowerCase();
}

