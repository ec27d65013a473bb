import type { EnvironmentPlan, Plan } from '../model/plan';
import { workloadSecretsConsistent } from './consistency';
import { environmentIsolation } from './isolation';
import { noCredentialShapes, noSecretValues } from './leak';
import { EXTERNAL_RULES, externalFacts } from './method-rules/external';
import { SEALED_RULES } from './method-rules/sealed';
import { VAULT_RULES, vaultFacts } from './method-rules/vault';
import { egressAllowsDns, egressBlocksMetadata } from './network';
import { noClusterWideSecretAccess, noRbacWildcards, secretAccessGetOnly, secretRoleHasUser } from './rbac';
import { readableManifests } from './readable';
import { reloaderVolatileSecret } from './reloader';
import type { EnvironmentFacts, Rule } from './types';

/**
 * The one list of rules synth, `check` and the cdk8s validation plugin run. The built-in rules,
 * then each delivery method's. (Until the delivery methods register their own, this module is the
 * one place that lists them.)
 */
export const BUILT_IN_RULES: readonly Rule[] = [
  readableManifests,
  noCredentialShapes,
  noSecretValues,
  secretAccessGetOnly,
  noClusterWideSecretAccess,
  noRbacWildcards,
  secretRoleHasUser,
  egressAllowsDns,
  egressBlocksMetadata,
  workloadSecretsConsistent,
  environmentIsolation,
  reloaderVolatileSecret,
];

/** Each delivery method's rules, and the facts of its config they need. */
export const METHOD_CHECKS: readonly { readonly rules: readonly Rule[]; readonly facts?: (env: EnvironmentPlan) => Partial<EnvironmentFacts> }[] = [
  { rules: EXTERNAL_RULES, facts: externalFacts },
  { rules: VAULT_RULES, facts: vaultFacts },
  { rules: SEALED_RULES },
];

export const RULES: readonly Rule[] = [...BUILT_IN_RULES, ...METHOD_CHECKS.flatMap((m) => m.rules)];

/** What the rules need to know of each environment's config besides its objects. */
export function factsOf(plan: Plan): EnvironmentFacts[] {
  return plan.environments.map((env) => Object.assign({ name: env.name, namespace: env.namespace }, ...METHOD_CHECKS.map((m) => m.facts?.(env) ?? {})));
}
