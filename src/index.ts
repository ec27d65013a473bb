// The public API of aragora-secrets, listed by name: what is not here is internal and may change
// without notice. docs/library.md shows how the pieces fit; import internals from their modules
// only inside this repository.

// Each delivery method and cloud completes the config and plan types from its own folder (`declare module`):
// loading the registries brings those declarations (and the methods) to a consumer's compiler as well.
import './delivery/registry';
import './cloud/registry';

// Kubernetes constructs. Every Secret of ours is a `kplus.ISecret` (cdk8s-plus-27).
export { AppSecret, AppSecretBase, type AppSecretProps, type IAppSecret, type ISecretReader } from './k8s/app-secret';
export { SecretReader, type SecretReaderProps } from './k8s/secret-reader';
export { SecretsEgressPolicy, type SecretsEgressPolicyProps, type EgressPolicyPeer, type EgressPolicyRule } from './k8s/egress-policy';
export { SealedSecret, type SealedSecretProps, type SealedSecretScope } from './delivery/sealed/sealed-secret';
export { ExternalSecret, type ExternalSecretProps, type ExternalSecretRefreshPolicy } from './delivery/external/external-secret';
export {
  ClusterSecretStore,
  SecretStore,
  type AwsStoreProvider,
  type ClusterSecretStoreProps,
  type ExternalSecretsApiVersion,
  type GcpStoreProvider,
  type ISecretStore,
  type SecretKeySelector,
  type SecretStoreKind,
  type SecretStoreProps,
  type SecretStoreProvider,
  type ServiceAccountSelector,
  type VaultStoreProvider,
} from './delivery/external/secret-store';
export { PasswordGenerator, type IGenerator, type PasswordGeneratorProps } from './delivery/external/password-generator';
export { vaultInjectorAnnotations, VAULT_ANNOTATION_PREFIX, type VaultInjectorOptions } from './delivery/vault/vault-agent';
export type { VaultField, VaultSource } from './delivery/vault/plan';

// AWS constructs (aws-cdk-lib).
export { ManagedSecret, type ManagedSecretProps } from './cloud/aws/managed-secret';
export { SecureParameter, type SecureParameterProps } from './cloud/aws/secure-parameter';
export { SecretReaderRole, type RoleTrust, type SecretReaderRoleProps } from './cloud/aws/secret-reader-role';

// Sealing values for a SealedSecret, compatible with kubeseal, without a cluster.
export { readSealingKey, sealValue, type SealingKey, type SealTarget } from './delivery/sealed/sealing';
export type { SealScope } from './delivery/sealed/schema';

// The whole thing: config → plan → one chart per environment.
export { DEFAULT_CONFIG } from './config/default';
export { loadConfig, parseConfigFile, parseConfigText, CONFIG_FILE_NAME, type LoadedConfig, type LoadOptions } from './config/load';
export { validateConfig } from './config/validate';
export type { AragoraSecretsConfig, EnvironmentConfig, ReloaderMode, Tier } from './config-kit/schema';
export type { ConfigProblem } from './core/errors';
export type { LineLocator } from './config/validate';
export { ConfigError, UserError } from './core/errors';
export { loadPlanInputs, resolvePlan } from './app/resolve-plan';
export type { AppPlan, CloudPlans, DeliveryPlan, EnvironmentPlan, IdentityPlan, NetworkPlan, Plan, PlanInputs, SecretPlan, WorkloadPlan } from './plan/plan';
export type { EsoIdentityPlan } from './plan/eso-identity';
export { buildCharts, synthesizePlan, SynthError } from './app/synthesize';
export { EnvironmentChart, type AwsStackFacts, type EnvironmentChartProps } from './app/environment-chart';
export type { OutputFile } from './core/output-file';
