import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { APPLICATION_CHART } from '../src/helm/values';
import { configWith, synth } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', 'aragora-chart-0.1.0');
const schemaText = readFileSync(join(FIXTURE, 'values.schema.json'), 'utf8');
const schema = JSON.parse(schemaText);
const chartDefaults = parse(readFileSync(join(FIXTURE, 'values.yaml'), 'utf8'));

/** Helm's merge of user values over the chart's defaults: maps merge key by key, anything else replaces. */
function merge(base: any, over: any): any {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in base ? merge(base[key], value) : value;
  return out;
}
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What `helm install` checks: the merged values against the chart's schema. */
function schemaErrors(values: unknown): string[] {
  // The schema names its draft by an https URL, which Ajv does not know as a meta-schema; its keywords are draft-07's.
  const { $schema: _draft, ...body } = schema;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(body);
  return validate(merge(chartDefaults, values)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/**
 * What a plain schema check lets through (no `additionalProperties` anywhere): keys the chart silently ignores. Every
 * key of ours must be a property the schema declares, except inside objects it leaves free (annotations, env entries).
 */
function unknownKeys(values: unknown, node: any = schema, path = ''): string[] {
  const resolved = node?.$ref ? schema.$defs[node.$ref.replace('#/$defs/', '')] : node;
  if (Array.isArray(values)) return values.flatMap((item, i) => unknownKeys(item, resolved?.items, `${path}[${i}]`));
  if (!isMap(values) || !resolved?.properties) return [];
  return Object.entries(values).flatMap(([key, value]) =>
    key in resolved.properties ? unknownKeys(value, resolved.properties[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

const values = (files: { path: string; content: string }[], env: string) => files.find((f) => f.path === `${env}/helm/values.yaml`)!.content;

describe('Helm values for the application chart (deploy/helm/aragora 0.1.0)', () => {
  const files = synth();

  test('the fixture is the schema the values name in their header', () => {
    expect(createHash('sha256').update(schemaText).digest('hex')).toBe(APPLICATION_CHART.schemaSha256);
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      expect(values(files, env)).toContain(`# Checked against chart deploy/helm/aragora 0.1.0 (appVersion 2.8.0; values.schema.json of\n# an0mium/aragora@d45537c57685, sha256 59ca229848bbfce7`);
    }
  });

  test.each(['dev', 'qa', 'staging', 'prod'])('%s: valid against the chart schema, and every key is one the chart reads', (env) => {
    const parsed = parse(values(files, env));
    expect(schemaErrors(parsed)).toEqual([]);
    expect(unknownKeys(parsed)).toEqual([]);
  });

  test('the checks can fail: the keys the values used to carry are reported as ignored, a wrong type as invalid', () => {
    // GIVEN the layout before issue 20 (keys the chart never reads) and a type the schema refuses
    const old = { secrets: { existingSecret: 's', existingSecretKeys: { anthropicApiKey: 'ANTHROPIC_API_KEY' } }, serviceAccount: { create: false, name: 'a', automount: false }, podLabels: { app: 'a' } };
    expect(unknownKeys(old)).toEqual(['.secrets.existingSecretKeys', '.serviceAccount.automount', '.podLabels']);
    expect(schemaErrors({ secrets: { existingSecret: 1 } })).toEqual(['/secrets/existingSecret must be string']);
  });

  test('a Secret-based environment: existingSecret for the keys the chart reads, extraEnv references for the others, the mode', () => {
    const staging = parse(values(files, 'staging'));
    expect(staging.config).toEqual({ environment: 'staging' });
    expect(staging.secrets).toEqual({ create: false, existingSecret: 'aragora-secrets' });
    expect(staging.serviceAccount).toEqual({ create: false, name: 'aragora' });
    const extra = staging.backend.extraEnv as any[];
    expect(extra.map((e) => e.name)).toEqual(['ARAGORA_JWT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SUPABASE_KEY', 'ARAGORA_SECRETS_STRICT']);
    // The chart reads these three itself: a second entry would only duplicate them.
    for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY']) expect(extra.map((e) => e.name)).not.toContain(name);
    expect(extra[1]).toEqual({ name: 'STRIPE_SECRET_KEY', valueFrom: { secretKeyRef: { name: 'aragora-secrets', key: 'STRIPE_SECRET_KEY' } } });
    expect(extra[4]).toEqual({ name: 'ARAGORA_SECRETS_STRICT', value: 'false' });
    // dev runs non-strict from its tier: no override, ARAGORA_ENV=development through the chart's config.environment
    const dev = parse(values(files, 'dev'));
    expect(dev.config).toEqual({ environment: 'development' });
    expect((dev.backend?.extraEnv ?? []).map((e: any) => e.name)).not.toContain('ARAGORA_SECRETS_STRICT');
  });

  test('a renamed Secret is the existingSecret and the extraEnv references follow it', () => {
    const renamed = parse(values(synth(configWith((c) => (c.environments.staging.secretName = 'aragora-app-env'))), 'staging'));
    expect(renamed.secrets.existingSecret).toBe('aragora-app-env');
    expect(new Set(renamed.backend.extraEnv.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef.name))).toEqual(new Set(['aragora-app-env']));
  });

  test('an environment with protected files says the chart cannot express them, and passes no ARAGORA_SECRETS_DIR', () => {
    const text = values(synth(configWith((c) => (c.environments.staging.workload!.injection = 'files'))), 'staging');
    expect(text).toContain('# This environment gives the application protected files (workload.injection: files), which the chart cannot express');
    const parsed = parse(text);
    expect(parsed.backend.extraEnv.map((e: any) => e.name)).not.toContain('ARAGORA_SECRETS_DIR');
    expect(schemaErrors(parsed)).toEqual([]);
    expect(unknownKeys(parsed)).toEqual([]);
  });

  test('the Vault environment says the chart cannot express injection, and carries no annotation, volume or Secret', () => {
    const text = values(files, 'prod');
    expect(text).toContain('# Vault Agent injection cannot be expressed through this chart');
    const prod = parse(text);
    expect(prod).toEqual({
      config: { environment: 'production' },
      serviceAccount: { create: false, name: 'aragora' },
      backend: { extraEnv: [{ name: 'ARAGORA_SECRETS_STRICT', value: 'false' }] },
      secrets: { create: false },
    });
  });
});
