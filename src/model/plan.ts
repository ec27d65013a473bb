import { sortRecord } from '../core/sort';
import type { AragoraSecretsConfig, BackendConfig, DeliveryConfig, EnvironmentConfig, InjectionMode, ReloaderMode, Tier } from '../config/schema';
import { evaluateRequirement, RequirementStatus } from '../config/requirements';
import { UserError } from '../core/errors';
import type { SealedValuesFile } from '../delivery/sealed/sealed-file';
import { AwsPlan, resolveAwsPlan } from './aws-plan';
import { type AddressFamily, everything, familyOf, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from './address-ranges';
import { deriveName } from '../core/names';
import { externalOptions, ExternalDeliveryContext, ExternalDeliveryPlan, resolveExternalDelivery } from '../delivery/external/plan';
import { resolveEsoIdentity, type EsoIdentityPlan } from './identity';
import { CurrentCertificate, resolveSealed, SealedDeliveryPlan } from '../delivery/sealed/plan';
import { externalVaultPaths, resolveVaultDelivery, type VaultDeliveryPlan } from '../delivery/vault/plan';
import { gcpsmStoreOf, resolveGcp, type GcpPlan } from './gcp-plan';

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

/** How the values reach the cluster, with the method's resolved options. */
export type DeliveryPlan = { readonly method: 'plain' } | SealedDeliveryPlan | ExternalDeliveryPlan | VaultDeliveryPlan;

/**
 * What synth reads besides the config (files the user commits): sealed values and the current
 * controller certificates, per environment. Kept apart so that the plan stays a pure function.
 */
export interface PlanInputs {
  readonly sealed?: Readonly<Record<string, SealedValuesFile | undefined>>;
  readonly certificates?: Readonly<Record<string, CurrentCertificate | undefined>>;
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
export function resolvePlan(config: AragoraSecretsConfig, inputs: PlanInputs = {}): Plan {
  const appName = config.app.name;
  const appLabels = sortRecord({
    ...config.app.labels,
    app: appName,
    'app.kubernetes.io/part-of': appName,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  });
  const environments = Object.keys(config.environments)
    .sort()
    .map((name) => resolveEnvironment(config, name, config.environments[name], appLabels, inputs));
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
  const { delivery, warnings, errors } = resolveDelivery(name, env, secretName, secrets, inputs, { config, appLabels, secretName, secrets, esoIdentity, remoteRefs });

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
      automountToken: needsApiToken(delivery) || (workloadConfig.readsSecretsThroughApi ?? false),
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
    reloader: env.rotation?.reloader ?? defaultReloader(delivery),
    network: env.network?.enabled === false ? undefined : resolveNetwork(appName, env, podLabels, deliveryEgress(delivery)),
    warnings,
    errors,
    argoSyncWaves: config.gitops?.argoSyncWaves ?? false,
    aws,
    esoIdentity,
    gcp,
  };
}

interface DeliveryResolution {
  readonly delivery: DeliveryPlan;
  readonly warnings: string[];
  readonly errors: string[];
}

function resolveDelivery(
  environment: string,
  env: EnvironmentConfig,
  secretName: string,
  secrets: readonly SecretPlan[],
  inputs: PlanInputs,
  context: DeliveryContext,
): DeliveryResolution {
  const appName = context.config.app.name;
  const options = deliveryOptions(env.delivery);
  switch (options.method) {
    case 'plain':
      return { delivery: { method: 'plain' }, warnings: [], errors: [] };
    case 'sealed':
      return resolveSealed({
        environment,
        namespace: env.namespace,
        secretName,
        scope: options.scope ?? 'strict',
        manageExisting: options.manageExisting ?? false,
        secrets,
        file: inputs.sealed?.[environment],
        certificate: inputs.certificates?.[environment],
      });
    case 'external': {
      const delivery = resolveExternalDelivery(externalOptions(env.delivery)!, context);
      const paths = externalVaultPaths(delivery);
      const vaultPolicy = delivery.store.provider.provider === 'vault' ? { name: `${appName}-${environment}-external-secrets`, paths } : undefined;
      return { delivery: vaultPolicy ? { ...delivery, vaultPolicy } : delivery, warnings: [], errors: [] };
    }
    case 'vault':
      return { delivery: resolveVaultDelivery(options, { appName, environment, secrets }), warnings: [], errors: [] };
  }
}

/** What a delivery method may need besides its own options (the external method's context is the widest). */
type DeliveryContext = ExternalDeliveryContext;

/** The long form of a delivery (`{ method, ...options }`), whichever form the config used. */
export function deliveryOptions(delivery: DeliveryConfig | undefined): Exclude<DeliveryConfig, string> {
  return typeof delivery === 'string' || delivery === undefined ? ({ method: delivery ?? 'plain' } as Exclude<DeliveryConfig, string>) : delivery;
}

/** Reloader restarts pods when a Kubernetes Secret changes; with Vault injection there is none to watch. */
function defaultReloader(delivery: DeliveryPlan): ReloaderMode {
  return delivery.method === 'vault' ? 'none' : 'targeted';
}

/** Egress a delivery method needs from the pods themselves (the injected agent shares the pod's network). */
function deliveryEgress(delivery: DeliveryPlan): EgressRule[] {
  if (delivery.method !== 'vault' || !delivery.server.peer) return [];
  const peer = delivery.server.peer;
  return [
    {
      purpose: 'Vault server (the injected agent authenticates and reads the secrets there)',
      peers: [peer.kind === 'cidr' ? { kind: 'cidr', cidr: peer.cidr, except: [] } : { kind: 'pods', namespace: peer.namespace, podLabels: peer.podLabels }],
      ports: [{ port: delivery.server.port, protocol: 'TCP' }],
    },
  ];
}

/** Methods that authenticate from inside the pod need its ServiceAccount token (reading through the API does too). */
function needsApiToken(delivery: DeliveryPlan): boolean {
  switch (delivery.method) {
    case 'plain':
    case 'sealed':
      return false;
    // Vault's kubernetes auth logs the agent in with the pod's ServiceAccount token.
    case 'vault':
      return true;
    // The ESO controller authenticates to the store, not the pod.
    case 'external':
      return false;
  }
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

