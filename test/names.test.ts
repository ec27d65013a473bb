import fc from 'fast-check';
import { ConfigError } from '../src/core/errors';
import { deriveName, isDnsLabel, suggestDnsLabel } from '../src/core/names';
import { resolvePlan } from '../src/app/resolve-plan';
import { validateConfig } from '../src/config/validate';
import { configWith } from './helpers';

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
