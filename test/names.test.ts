import fc from 'fast-check';
import { ConfigError } from '../src/core/errors';
import { deriveName, isDnsLabel, suggestDnsLabel } from '../src/core/names';
import { resolvePlan } from '../src/app/resolve-plan';
import { validateConfig } from '../src/config/validate';
import { configWith } from './helpers';
import { chartKeyName } from '../src/helm/values';

describe('DNS-1123 names', () => {
  test('any input gives a valid DNS-1123 label suggestion or none', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (input) => {
        const suggestion = suggestDnsLabel(input);
        if (suggestion !== undefined) expect(isDnsLabel(suggestion)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('any app name either derives valid names everywhere or is a clear config error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9-]{1,50}$/)), (name) => {
        const config = configWith((c) => {
          c.app.name = name;
        });
        let plan;
        try {
          plan = resolvePlan(validateConfig(config, 't'));
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).problems.some((p) => p.path === 'app.name')).toBe(true);
          return;
        }
        for (const env of plan.environments) {
          const names = [env.identity.serviceAccountName, env.identity.roleName, env.identity.roleBindingName, env.workload.name, env.network!.policyName, env.secretName];
          for (const n of names) expect(isDnsLabel(n)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('suggestions keep what they can', () => {
    expect(suggestDnsLabel('Aragora_Prod')).toBe('aragora-prod');
    expect(suggestDnsLabel('--x--')).toBe('x');
    expect(suggestDnsLabel('!!!')).toBeUndefined();
    expect(suggestDnsLabel('a'.repeat(100))).toBe('a'.repeat(63));
  });

  test('deriveName refuses what is not a label instead of hashing it', () => {
    expect(deriveName('aragora', 'secrets-reader')).toBe('aragora-secrets-reader');
    expect(() => deriveName('Aragora', 'x')).toThrow(/not a DNS-1123 label/);
    expect(() => deriveName('a'.repeat(60), 'secrets')).toThrow(/not a DNS-1123 label/);
  });
});

describe('chartKeyName: the Helm chart key of a catalog variable', () => {
  /** The definition: the name's words (split at underscores, empty ones dropped), lower case, each after the first capitalized. */
  const byWords = (name: string) =>
    name
      .toLowerCase()
      .split('_')
      .filter((w) => w.length > 0)
      .map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1)))
      .join('');

  test('ANTHROPIC_API_KEY → anthropicApiKey, and any name as its words say', () => {
    expect(chartKeyName('ANTHROPIC_API_KEY')).toBe('anthropicApiKey');
    expect(chartKeyName('_A__B_')).toBe('aB');
    fc.assert(fc.property(fc.stringMatching(/^[A-Z0-9_]{0,24}$/), (name) => expect(chartKeyName(name)).toBe(byWords(name))), { numRuns: 2000 });
  });
});
