import { DEFAULT_CONFIG } from '../src/config/default';
import { evaluateRequirement, RequirementStatus } from '../src/config-kit/requirements';
import type { Tier } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';

// The seed's table, as statuses per tier and feature state. A row is
// [secret, tier, features enabled, expected status].
type Row = [string, Tier, string[], RequirementStatus];
const tiers: Tier[] = ['development', 'staging', 'production'];
const featureSets = [[], ['billing'], ['googleOAuth'], ['sso'], ['billing', 'googleOAuth', 'sso']];

function expected(secret: string, tier: Tier, features: string[]): RequirementStatus {
  switch (secret) {
    case 'ANTHROPIC_API_KEY':
    case 'OPENAI_API_KEY':
      return 'one-of';
    case 'OPENROUTER_API_KEY':
      return 'recommended';
    case 'SUPABASE_KEY':
    case 'ARAGORA_JWT_SECRET':
      return tier === 'production' ? 'required' : 'optional';
    case 'STRIPE_SECRET_KEY':
    case 'STRIPE_WEBHOOK_SECRET':
      return features.includes('billing') ? 'required' : 'excluded';
    case 'GOOGLE_OAUTH_CLIENT_SECRET':
      return features.includes('googleOAuth') ? 'required' : 'excluded';
    case 'ARAGORA_SSO_CLIENT_SECRET':
      return features.includes('sso') ? 'required' : 'excluded';
  }
  throw new Error(`no expectation for ${secret}`);
}

const rows: Row[] = Object.keys(DEFAULT_CONFIG.secrets).flatMap((secret) =>
  tiers.flatMap((tier) => featureSets.map((features): Row => [secret, tier, features, expected(secret, tier, features)])),
);

describe('the seed requirement rules', () => {
  test.each(rows)('%s in %s with features [%s] is %s', (secret, tier, features, status) => {
    const context = {
      environment: 'e',
      tier,
      features: { billing: false, googleOAuth: false, sso: false, ...Object.fromEntries(features.map((f) => [f, true])) },
    };
    const requirement = evaluateRequirement(DEFAULT_CONFIG.secrets[secret].required, context);
    expect(requirement.status).toBe(status);
    expect(requirement.reason.length).toBeGreaterThan(0);
  });

  test('the one-of group of the LLM providers is ANTHROPIC or OPENAI', () => {
    const plan = resolvePlan(validateConfig(DEFAULT_CONFIG, 'd'));
    for (const env of plan.environments) {
      expect(env.oneOfGroups).toEqual([{ group: 'llm-provider', members: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'] }]);
    }
  });

  test('explicit environments and always', () => {
    const ctx = { environment: 'staging', tier: 'staging' as Tier, features: {} };
    expect(evaluateRequirement({ environments: ['staging'] }, ctx).status).toBe('required');
    expect(evaluateRequirement({ environments: ['prod'] }, ctx).status).toBe('optional');
    expect(evaluateRequirement('always', ctx).status).toBe('required');
    expect(evaluateRequirement(undefined, ctx).status).toBe('optional');
  });

  test('the default environments resolve the table with their own features', () => {
    const plan = resolvePlan(validateConfig(DEFAULT_CONFIG, 'd'));
    const statuses = Object.fromEntries(
      plan.environments.map((env) => [env.name, Object.fromEntries(env.catalog.map((s) => [s.name, s.status]))]),
    );
    expect(statuses).toEqual({
      dev: {
        ANTHROPIC_API_KEY: 'one-of',
        ARAGORA_JWT_SECRET: 'optional',
        ARAGORA_SSO_CLIENT_SECRET: 'excluded',
        GOOGLE_OAUTH_CLIENT_SECRET: 'excluded',
        OPENAI_API_KEY: 'one-of',
        OPENROUTER_API_KEY: 'recommended',
        STRIPE_SECRET_KEY: 'excluded',
        STRIPE_WEBHOOK_SECRET: 'excluded',
        SUPABASE_KEY: 'optional',
      },
      qa: {
        ANTHROPIC_API_KEY: 'one-of',
        ARAGORA_JWT_SECRET: 'optional',
        ARAGORA_SSO_CLIENT_SECRET: 'excluded',
        GOOGLE_OAUTH_CLIENT_SECRET: 'excluded',
        OPENAI_API_KEY: 'one-of',
        OPENROUTER_API_KEY: 'recommended',
        STRIPE_SECRET_KEY: 'excluded',
        STRIPE_WEBHOOK_SECRET: 'excluded',
        SUPABASE_KEY: 'optional',
      },
      staging: {
        ANTHROPIC_API_KEY: 'one-of',
        ARAGORA_JWT_SECRET: 'optional',
        ARAGORA_SSO_CLIENT_SECRET: 'excluded',
        GOOGLE_OAUTH_CLIENT_SECRET: 'excluded',
        OPENAI_API_KEY: 'one-of',
        OPENROUTER_API_KEY: 'recommended',
        STRIPE_SECRET_KEY: 'required',
        STRIPE_WEBHOOK_SECRET: 'required',
        SUPABASE_KEY: 'optional',
      },
      prod: {
        ANTHROPIC_API_KEY: 'one-of',
        ARAGORA_JWT_SECRET: 'required',
        ARAGORA_SSO_CLIENT_SECRET: 'required',
        GOOGLE_OAUTH_CLIENT_SECRET: 'excluded',
        OPENAI_API_KEY: 'one-of',
        OPENROUTER_API_KEY: 'recommended',
        STRIPE_SECRET_KEY: 'required',
        STRIPE_WEBHOOK_SECRET: 'required',
        SUPABASE_KEY: 'required',
      },
    });
  });
});
