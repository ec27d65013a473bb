import { BUILT_IN_RULES } from '../checks/built-in';
import type { CheckInput, EnvironmentFacts, Rule, SecretProducer } from '../checks/types';
import { deliveryMethod, deliveryMethods } from '../delivery/registry';
import type { Plan } from '../plan/plan';

export { BUILT_IN_RULES };

/** The kinds of every registered method that make Secrets (a SealedSecret, an ExternalSecret...). */
export const SECRET_PRODUCERS: readonly SecretProducer[] = deliveryMethods.flatMap((method) => method.secretProducers ?? []);

/** A rule that sees the registered producers, whoever runs it (synth, `check`, the plugin, a test). */
function withProducers(rule: Rule): Rule {
  return { ...rule, check: (input: CheckInput) => rule.check(input.producers ? input : { ...input, producers: SECRET_PRODUCERS }) };
}

/** The one list of rules synth, `check` and the cdk8s validation plugin run: the built-in rules, then each registered method's. */
export const RULES: readonly Rule[] = [...BUILT_IN_RULES, ...deliveryMethods.flatMap((method) => method.checks ?? [])].map(withProducers);

/** What the rules need to know of each environment's config besides its objects (asked of the environment's method). */
export function factsOf(plan: Plan): EnvironmentFacts[] {
  return plan.environments.map((env) => ({
    name: env.name,
    namespace: env.namespace,
    tier: env.tier,
    workload: env.workload.containerName,
    appSecrets: env.secrets.map(({ name, critical, custody }) => ({ name, critical, custody })),
    ...deliveryMethod(env.delivery).checkFacts?.(env, env.delivery),
  }));
}
