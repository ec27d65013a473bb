import { compareStrings, sortRecord } from '../core/sort';
import type { AragoraSecretsConfig, BackendConfig, EnvironmentConfig } from '../config-kit/schema';
import { evaluateRequirement } from '../config-kit/requirements';
import { UserError } from '../core/errors';
import { deriveName } from '../core/names';
import { everything } from './address-ranges';
import type { EsoIdentityPlan } from './eso-identity';
import { APP_CRITICAL_SECRETS, APP_DEFAULT_UID, APP_ENVIRONMENT_VARIABLE, APP_MANAGED_SECRETS, APP_SECRETS_DIR, STRICT_OVERRIDE_VARIABLE, strictModeOf } from './app-contract';
import {
  defaultProperty,
  deliveryOptions,
  MANAGED_BY,
  publicExceptions,
  type CloudPlans,
  type CloudResolver,
  type DeliveryResolver,
  type EgressPeer,
  type EgressRule,
  type EnvironmentPlan,
  type NetworkPlan,
  type Plan,
  type PlanInputs,
  type SecretPlan,
  type AppModePlan,
} from './plan';
import { pushTo } from '../core/collections';

/**
 * Resolves the plan: a pure function of the validated config, the committed inputs the caller read
 * (`inputs`), the delivery methods and the clouds it knows (the registries, passed in so that the plan
 * names none). No file, no environment variable, no library that loads templates.
 *
 * @throws UserError when committed inputs no longer fit the config (values sealed for another target)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resolvePlan(config: AragoraSecretsConfig, inputs: PlanInputs, methods: readonly DeliveryResolver<any>[], clouds: readonly CloudResolver[]): Plan {
  const appName = config.app.name;
  const appLabels = sortRecord({
    ...config.app.labels,
    app: appName,
    'app.kubernetes.io/part-of': appName,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  });
  const environments = Object.keys(config.environments)
    .sort()
    .map((name) => resolveEnvironment(config, name, config.environments[name], appLabels, inputs, methods, clouds));
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
  clouds: readonly CloudResolver[],
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
        critical: secret.critical ?? APP_CRITICAL_SECRETS.includes(secretName),
        custody: 'env' as const,
        remote: {
          key: secret.remote?.key ?? remoteKey,
          property: secret.remote?.property ?? defaultProperty(secretName),
        },
      };
    });
  const secrets = catalog.filter((s) => s.status !== 'excluded');
  const groups = new Map<string, string[]>();
  for (const s of secrets) if (s.group) pushTo(groups, s.group, s.name);

  const labels = sortRecord({ ...appLabels, ...env.labels, 'app.kubernetes.io/instance': `${appName}-${name}` });
  const secretName = env.secretName ?? deriveName(appName, 'secrets');
  const workloadConfig = env.workload ?? {};
  const workloadName = workloadConfig.name ?? appName;
  const podLabels = sortRecord(workloadConfig.podLabels ?? { app: appName });
  const options = deliveryOptions(env.delivery);
  const method = methods.find((m) => m.name === options.method);
  if (!method) throw new Error(`no delivery method "${options.method}" is registered`);
  // The clouds come before the delivery (an `aws` store authenticates as the IRSA identity, a `gcpsm`
  // store reads the per-variable secrets); they learn from the method which of their stores it reads
  // and which values it makes itself.
  const podReads = method.podCloudReads?.(options);
  const resolvedClouds = clouds.map((cloud) =>
    cloud.resolve({
      config,
      environment: name,
      env,
      secrets,
      appLabels,
      labelsFor: (namespace) => (namespace === env.namespace ? undefined : { ...appLabels }),
      inputs,
      managedBy: MANAGED_BY,
      workload: { containerName: workloadName, image: workloadConfig.image ?? config.app.image ?? '', port: workloadConfig.port, appEnv: resolveAppMode(env).env },
      store: method.cloudStore?.(config, options),
      generatedInCluster: (secret) => method.generatedInCluster?.(options, secret) ?? false,
      podReads: podReads?.cloud === cloud.name ? podReads : undefined,
    }),
  );
  const cloudPlans: CloudPlans = Object.assign({}, ...resolvedClouds.map((c) => c.plan));
  const identities: EsoIdentityPlan = Object.assign({}, ...resolvedClouds.map((c) => c.esoIdentity ?? {}));
  const esoIdentity = Object.values(identities).some((identity) => identity !== undefined) ? identities : undefined;
  const remoteRefs = resolvedClouds.find((c) => c.remoteRefs)?.remoteRefs;
  // The identity a cloud gives the pods for their own reads (a CSI provider reads as the pod's ServiceAccount).
  const podCloudIdentity = resolvedClouds.find((c) => c.podIdentity)?.podIdentity;
  // A cloud the application reads itself: those secrets' custody, the env that tells the app where, the identity it assumes.
  const appCustody = resolvedClouds.find((c) => c.appCustody)?.appCustody;
  // Protected files hold the names the loader reads from its directory; the others stay environment variables.
  const filesInjection = (workloadConfig.injection ?? 'secretKeyRef') === 'files';
  const inAppCustody = new Set(appCustody?.secrets);
  const inFiles = (name: string) => filesInjection && APP_MANAGED_SECRETS.includes(name) && !inAppCustody.has(name);
  const withCustody = (s: SecretPlan): SecretPlan => (appCustody && inAppCustody.has(s.name) ? { ...s, custody: appCustody.custody } : inFiles(s.name) ? { ...s, custody: 'files' } : s);
  const appModeBase = resolveAppMode(env);
  const appMode = filesInjection ? { ...appModeBase, env: [...appModeBase.env, { name: 'ARAGORA_SECRETS_DIR', value: APP_SECRETS_DIR }] } : appModeBase;
  const app = appCustody ? { ...appMode, env: [...appMode.env, ...appCustody.env].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) } : appMode;
  const { delivery, warnings, errors } = method.resolve({ config, environment: name, env, options, appLabels, secretName, secrets, inputs, esoIdentity, remoteRefs, podCloudIdentity });

  return {
    name,
    namespace: env.namespace,
    createNamespace: env.createNamespace ?? true,
    tier: env.tier,
    delivery,
    features,
    labels,
    secretName,
    catalog: catalog.map(withCustody),
    secrets: secrets.map(withCustody),
    oneOfGroups: [...groups].sort(([a], [b]) => compareStrings(a, b)).map(([group, members]) => ({ group, members })),
    identity: {
      serviceAccountName: appName,
      readsSecretsThroughApi: workloadConfig.readsSecretsThroughApi ?? false,
      roleName: deriveName(appName, 'secrets-reader'),
      roleBindingName: deriveName(appName, 'secrets-reader'),
      automountToken: method.podAuthenticates || (workloadConfig.readsSecretsThroughApi ?? false),
      serviceAccountAnnotations: serviceAccountAnnotations(appCustody?.serviceAccountAnnotations, podCloudIdentity?.serviceAccountAnnotations),
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
      app,
      files: filesInjection ? { dir: APP_SECRETS_DIR, uid: workloadConfig.runAsUser ?? APP_DEFAULT_UID, names: secrets.filter((s) => inFiles(s.name)).map((s) => s.name) } : undefined,
    },
    reloader: env.rotation?.reloader ?? method.defaultReloader,
    network: env.network?.enabled === false ? undefined : resolveNetwork(appName, env, podLabels, method.egress?.(delivery) ?? []),
    warnings,
    errors,
    argoSyncWaves: config.gitops?.argoSyncWaves ?? false,
    ...cloudPlans,
    esoIdentity,
  };
}

/** The cloud identities the application's ServiceAccount carries (config validation refuses two for the same annotation). */
function serviceAccountAnnotations(...parts: (Readonly<Record<string, string>> | undefined)[]): Record<string, string> | undefined {
  const present = parts.filter((p): p is Readonly<Record<string, string>> => p !== undefined);
  return present.length === 0 ? undefined : sortRecord(Object.assign({}, ...present));
}

/** ARAGORA_ENV from the tier unless the config names it, and the strict mode the loader derives from what the workload sets. */
function resolveAppMode(env: EnvironmentConfig): AppModePlan {
  const environment = env.workload?.appEnvironment ?? env.tier;
  const override = env.workload?.strictMode;
  const vars: Record<string, string> = { [APP_ENVIRONMENT_VARIABLE]: environment };
  if (override) vars[STRICT_OVERRIDE_VARIABLE] = String(override.enabled);
  return {
    environment,
    strict: strictModeOf(vars),
    strictOverride: override ? { enabled: override.enabled, reason: override.reason } : undefined,
    env: Object.keys(vars)
      .sort()
      .map((name) => ({ name, value: vars[name] })),
  };
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
  for (const backend of [...(network.backends ?? [])].sort((a, b) => compareStrings(a.name, b.name))) {
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


