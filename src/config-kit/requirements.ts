import type { RequirementRule, Tier } from './schema';

/**
 * What a requirement rule means in one environment:
 * - `required`: the environment does not work without it;
 * - `one-of`: at least one secret of its group is required;
 * - `recommended`: reported when missing, never required;
 * - `optional`: delivered when set;
 * - `excluded`: not used there (its feature is off), so it is not delivered at all.
 */
export type RequirementStatus = 'required' | 'one-of' | 'recommended' | 'optional' | 'excluded';

export interface RequirementContext {
  readonly environment: string;
  readonly tier: Tier;
  readonly features: Readonly<Record<string, boolean>>;
}

export interface Requirement {
  readonly status: RequirementStatus;
  /** The group of a `one-of` requirement. */
  readonly group?: string;
  /** Why, in words a reviewer reads: "required in production tier", "billing is disabled". */
  readonly reason: string;
}

export function evaluateRequirement(rule: RequirementRule | undefined, context: RequirementContext): Requirement {
  if (rule === undefined || rule === 'optional') return { status: 'optional', reason: 'optional' };
  if (rule === 'always') return { status: 'required', reason: 'required in every environment' };
  if (rule === 'recommended') return { status: 'recommended', reason: 'recommended' };
  if ('oneOf' in rule) {
    return { status: 'one-of', group: rule.oneOf, reason: `at least one of group "${rule.oneOf}" is required` };
  }
  if ('tiers' in rule) {
    const list = rule.tiers.join(', ');
    return rule.tiers.includes(context.tier)
      ? { status: 'required', reason: `required in ${list} tier; ${context.environment} is ${context.tier}` }
      : { status: 'optional', reason: `required in ${list} tier only; ${context.environment} is ${context.tier}` };
  }
  if ('environments' in rule) {
    const list = rule.environments.join(', ');
    return rule.environments.includes(context.environment)
      ? { status: 'required', reason: `required in environments ${list}` }
      : { status: 'optional', reason: `required in environments ${list} only` };
  }
  const enabled = context.features[rule.feature] === true;
  return enabled
    ? { status: 'required', reason: `feature ${rule.feature} is enabled` }
    : { status: 'excluded', reason: `feature ${rule.feature} is disabled` };
}
