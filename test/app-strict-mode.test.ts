import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { appStrictModeEnvSecret } from '../src/checks/app-contract';
import { checkFiles } from '../src/checks/engine';
import { DEFAULT_CONFIG } from '../src/config/default';
import { strictModeOf } from '../src/plan/app-contract';
import { resolvePlan } from '../src/app/resolve-plan';
import { factsOf as planFacts } from '../src/app/rule-set';
import { validateConfig } from '../src/config/validate';
import { configWith, find, manifests, synth } from './helpers';
import { root, spawnCli, STACK_LINE } from './support/cli';
import { integration } from './support/tiers';

function project(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-strict-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  return dir;
}

/** Only the environments named, from the default config. */
function only(...names: string[]) {
  return configWith((c) => {
    for (const name of Object.keys(c.environments)) if (!names.includes(name)) delete c.environments[name];
  });
}

describe("the application's strict mode (ARAGORA_ENV, ARAGORA_SECRETS_STRICT)", () => {
  test('the loader rules as read: the override wins, ARAGORA_ENVIRONMENT only when ARAGORA_ENV is unset or empty', () => {
    expect(strictModeOf({ ARAGORA_ENV: 'production' })).toBe(true);
    expect(strictModeOf({ ARAGORA_ENV: 'Stage' })).toBe(true);
    expect(strictModeOf({ ARAGORA_ENV: 'development' })).toBe(false);
    expect(strictModeOf({ ARAGORA_ENV: 'production', ARAGORA_SECRETS_STRICT: 'false' })).toBe(false);
    expect(strictModeOf({ ARAGORA_ENV: 'development', ARAGORA_SECRETS_STRICT: 'YES' })).toBe(true);
    expect(strictModeOf({ ARAGORA_ENV: 'production', ARAGORA_SECRETS_STRICT: 'maybe' })).toBe(true);
    expect(strictModeOf({ ARAGORA_ENV: '', ARAGORA_ENVIRONMENT: 'production' })).toBe(true);
    expect(strictModeOf({ ARAGORA_ENV: 'development', ARAGORA_ENVIRONMENT: 'production' })).toBe(false);
    expect(strictModeOf({})).toBe(false);
  });

  test('the catalog flags the default nine from the application list; the config overrides it', () => {
    const plan = resolvePlan(validateConfig(configWith((c) => {
      c.secrets.SUPABASE_KEY.critical = true;
      c.secrets.OPENROUTER_API_KEY.critical = false;
    }), 'test'));
    const critical = plan.environments.find((e) => e.name === 'prod')!.catalog.filter((s) => s.critical).map((s) => s.name);
    expect(critical).toEqual(['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_KEY']);
    const defaults = resolvePlan(validateConfig(DEFAULT_CONFIG, 'test')).environments[0].catalog.filter((s) => s.critical).map((s) => s.name);
    expect(defaults).toEqual(['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
  });

  test('every workload sets ARAGORA_ENV from its tier, and ARAGORA_SECRETS_STRICT where the config sets it', () => {
    const files = synth();
    const envOf = (env: string) => find(manifests(files, env), 'Deployment').spec.template.spec.containers[0].env.filter((e: any) => 'value' in e);
    expect(envOf('dev')).toEqual([{ name: 'ARAGORA_ENV', value: 'development' }]);
    expect(envOf('qa')).toEqual([{ name: 'ARAGORA_ENV', value: 'staging' }, { name: 'ARAGORA_SECRETS_STRICT', value: 'false' }]);
    expect(envOf('prod')).toEqual([{ name: 'ARAGORA_ENV', value: 'production' }, { name: 'ARAGORA_SECRETS_STRICT', value: 'false' }]);
    const report = files.find((f) => f.path === 'prod/SECRETS.md')!.content;
    expect(report).toContain('| application mode | non-strict (ARAGORA_SECRETS_STRICT=false, ARAGORA_ENV=production: ');
    expect(report).toMatch(/\| `ANTHROPIC_API_KEY` \|[^\n]*\| environment variable; critical: accepted only because strict mode is off \|/);
    expect(report).toMatch(/\| `SUPABASE_KEY` \|[^\n]*\| environment variable \|/);
  });

  integration.test('check refuses a strict production environment whose critical secrets arrive as env, and names the options (through the CLI)', () => {
    // GIVEN prod with sealed delivery (secretKeyRef) and no strictMode: ARAGORA_ENV=production is strict
    const config = only('prod') as any;
    config.environments.prod.delivery = { method: 'sealed' };
    delete config.environments.prod.workload.strictMode;
    delete config.environments.prod.aws;
    const run = spawnCli(project(config), ['check']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/app-strict-mode-env-secret/);
    expect(run.stderr).toMatch(/strict mode \(ARAGORA_ENV=production\), but the critical secrets ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, OPENROUTER_API_KEY, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET reach it only as environment variables/);
    expect(run.stderr).toMatch(/protected files \(ARAGORA_SECRETS_DIR\)/);
    expect(run.stderr).toMatch(/ARAGORA_USE_SECRETS_MANAGER/);
    expect(run.stderr).toMatch(/environments\.prod\.workload\.strictMode/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  integration.test('the Cloud Run service sets the mode too; a strict one is refused, for its Secret Manager references are env (through the CLI)', () => {
    // GIVEN the Cloud Run example's prod, as committed (non-strict on purpose)
    const example = parse(readFileSync(join(root, 'examples', 'gcp-cloud-run.yaml'), 'utf8'));
    for (const name of Object.keys(example.environments)) if (name !== 'prod') delete example.environments[name];
    const dir = project(example);
    // WHEN it is synthesized
    const run = spawnCli(dir, ['synth']);
    // THEN the service's container carries the mode as literal values, beside the secret references
    expect(run.status).toBe(0);
    const service = parse(readFileSync(join(dir, 'dist', 'prod', 'cloudrun', 'service.yaml'), 'utf8'));
    const env = service.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'ARAGORA_ENV', value: 'production' }, { name: 'ARAGORA_SECRETS_STRICT', value: 'false' }]));
    expect(env.filter((e: any) => e.valueFrom).length).toBeGreaterThan(0);

    // AND WHEN strict mode is left on (the tier's default)
    delete example.environments.prod.workload.strictMode;
    const strict = spawnCli(project(example), ['check']);
    // THEN check refuses the service, naming its file and the critical secrets it reads as env
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/\[app-strict-mode-cloud-run\] Cloud Run service aragora \(prod\/cloudrun\/service\.yaml, spec\.template\.spec\.containers\[0\]\.env\): container "aragora" runs the application in strict mode \(ARAGORA_ENV=production\), but the critical secrets [A-Z_, ]*STRIPE_WEBHOOK_SECRET/);
    expect(strict.stderr).not.toMatch(STACK_LINE);
  });

  test('the Vault file sourced into the environment counts as env too, and marking the secrets non-critical is accepted', () => {
    // GIVEN the default prod (Vault agent, /vault/secrets/env sourced) running strict
    const config = only('prod');
    delete (config.environments.prod.workload as any).strictMode;
    const strictFindings = checkFiles([appStrictModeEnvSecret], synth(config), factsOf(config));
    expect(strictFindings.map((f) => f.message)).toEqual([expect.stringContaining('the critical secrets ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET')]);
    // WHEN every delivered critical name is marked non-critical
    for (const name of ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) config.secrets[name].critical = false;
    expect(checkFiles([appStrictModeEnvSecret], synth(config), factsOf(config))).toEqual([]);
  });

  test('a hand-written Deployment is judged on its own env entries, with the application list as the critical one', () => {
    const deployment = (env: unknown[]) => ({
      path: 'prod/manifests/Deployment.app.k8s.yaml',
      content: stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: 'x' },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'i', env }] } } },
      }),
    });
    const fromSecret = { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 's', key: 'DATABASE_URL' } } };
    expect(checkFiles([appStrictModeEnvSecret], [deployment([{ name: 'ARAGORA_ENVIRONMENT', value: 'prod' }, fromSecret])])).toHaveLength(1);
    expect(checkFiles([appStrictModeEnvSecret], [deployment([{ name: 'ARAGORA_ENV', value: 'development' }, fromSecret])])).toEqual([]);
    // A mode from somewhere the output does not show cannot be judged.
    expect(checkFiles([appStrictModeEnvSecret], [deployment([{ name: 'ARAGORA_ENV', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }, fromSecret])])).toEqual([]);
  });

  integration.test.each([
    ['a newline', 'production\nARAGORA_SECRETS_STRICT=false', /environments\.prod\.workload\.appEnvironment/],
    ['a shell expansion', '$(id)', /environments\.prod\.workload\.appEnvironment/],
  ])('a hostile appEnvironment (%s) is refused with the config path', (_what, value, path) => {
    const config = only('prod') as any;
    config.environments.prod.workload.appEnvironment = value;
    const run = spawnCli(project(config), ['check']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(path);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  test('strict mode set without a reason is refused', () => {
    expect(() => validateConfig(configWith((c) => {
      (c.environments.prod.workload as any).strictMode = { enabled: false, reason: '  ' };
    }), 'test')).toThrow(/environments\.prod\.workload\.strictMode\.reason[\s\S]*say why/);
  });
});

function factsOf(config: Parameters<typeof validateConfig>[0]) {
  return planFacts(resolvePlan(validateConfig(config, 'test')));
}
