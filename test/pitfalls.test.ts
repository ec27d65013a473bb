import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ConfigError } from '../src/core/errors';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import { checkFiles, GuardRailError, runChecks, parseTree, type EnvironmentFacts, type Finding, type Rule } from '../src/checks';
import { factsOf, RULES } from '../src/app/rule-set';
import { runSynth, synthesizeProject, type SynthResult } from '../src/synth';
import { synthesizePlan } from '../src/app/synthesize';
import { configWith, find, manifests, synth } from './helpers';
import { validateManifests } from './support/manifest-validation';

const FIXTURES = join(__dirname, 'fixtures', 'pitfalls');

/** An object as written by hand: nothing about its shape is assumed. */
type KubeObject = Record<string, any>;

/** The rules that were the pitfall rules: objects the API server accepts, that then fail quietly in the cluster. */
const PITFALL_IDS = [
  'eso-refresh-disabled',
  'eso-owner-takeover',
  'eso-api-version',
  'vault-annotation-placement',
  'vault-annotation-boolean',
  'vault-kv2-path',
  'vault-job-sidecar',
  'reloader-volatile-secret',
  'sealed-secret-unmanaged-target',
];
const PITFALL_RULES: readonly Rule[] = RULES.filter((r) => PITFALL_IDS.includes(r.id));

function load(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(FIXTURES, file), 'utf8')).map((d) => d.toJS() as KubeObject);
}

type Facts = Omit<EnvironmentFacts, 'name'>;

/** The objects as the files of one environment folder, `fixture`, whose namespace is `shop`. */
function contextFor(objects: readonly KubeObject[], extra: Facts = {}) {
  const files = objects.map((o, i) => ({ path: `fixture/${String(i).padStart(3, '0')}.k8s.yaml`, content: stringify(o) }));
  return { tree: parseTree(files), facts: [{ name: 'fixture', namespace: 'shop', ...extra }] };
}

/** A finding as the pitfall tests read it: the object as `Kind/name`, and its namespace. */
interface Seen extends Finding {
  readonly object: string;
  readonly namespace?: string;
}

function seen(findings: readonly Finding[]): Seen[] {
  return findings.map((f) => {
    const [kind, where] = f.resource.split(' ');
    const slash = where.indexOf('/');
    return { ...f, object: `${kind}/${where.slice(slash + 1)}`, namespace: slash < 0 ? undefined : where.slice(0, slash) };
  });
}

/** The rule, its `check` run through the engine (which adds the id, severity and environment). */
function rule(id: string): Omit<Rule, 'check'> & { check: (input: ReturnType<typeof contextFor>) => Seen[] } {
  const found = PITFALL_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return { ...found, check: (input) => seen(runChecks([found], input)) };
}

function checkEnvironment(input: ReturnType<typeof contextFor>): Finding[] {
  return runChecks(PITFALL_RULES, input);
}

/** What each failing fixture must produce: the object at fault, the pitfall in the message, the fix. */
const FAILING: Record<string, { context?: Facts; object: string; message: RegExp; fix: RegExp; count?: number }> = {
  'eso-refresh-disabled': {
    object: 'ExternalSecret/billing',
    message: /spec\.refreshInterval is "0s" with the Periodic refresh policy .* "create once": the Secret "billing" is written once and never again, not even when the ExternalSecret's spec changes/,
    fix: /refreshPolicy: OnChange.*refreshPolicy: CreatedOnce.*acknowledgeNoRefresh: true/,
  },
  'eso-owner-takeover': {
    object: 'ExternalSecret/app-secrets',
    message: /creationPolicy Owner\) writes Secret "app-secrets", which the plain Secret\/app-secrets also makes or uses: ESO takes over a Secret that has no owner/,
    fix: /target name of its own.*creationPolicy: Merge/,
  },
  'eso-api-version': {
    context: { esoVersion: '0.17.1' },
    object: 'SecretStore/vault',
    message: /SecretStore\/vault is external-secrets\.io\/v1beta1, which ESO 0\.17\.1 no longer serves .*the API server refuses the object/,
    fix: /use apiVersion v1: remove environments\.fixture\.delivery\.apiVersion/,
    count: 2,
  },
  'vault-annotation-placement': {
    object: 'Deployment/api',
    message: /carries vault\.hashicorp\.com\/agent-inject, .* on its own metadata: the Vault injector reads only the annotations of Pods, so its pods start without the agent/,
    fix: /move them to spec\.template\.metadata\.annotations/,
  },
  'vault-annotation-boolean': {
    object: 'Deployment/api',
    message: /\["vault\.hashicorp\.com\/agent-inject"\] is the boolean true, not a string: the API server refuses the object/,
    fix: /quote it: "true"/,
    count: 2,
  },
  'vault-kv2-path': {
    object: 'Deployment/api',
    message: /\["vault\.hashicorp\.com\/agent-inject-secret-env"\] is "secret\/shop\/env", but its template reads \.Data\.data, the shape of KV version 2, whose API paths carry \/data\/ after the mount/,
    fix: /write "secret\/data\/shop\/env"/,
  },
  'vault-job-sidecar': {
    object: 'Job/migrate',
    message: /gets the Vault Agent injected .* without "vault\.hashicorp\.com\/agent-pre-populate-only": the agent sidecar runs until it is killed, so the pod never completes/,
    fix: /add vault\.hashicorp\.com\/agent-pre-populate-only: "true" to spec\.template\.metadata\.annotations/,
  },
  'reloader-volatile-secret': {
    object: 'Deployment/api',
    message: /restarts whenever Secret "session-keys" changes \(reloader\.stakater\.com\/auto: "true" .*\), and ExternalSecret\/session-keys changes it at every refresh: dataFrom\[0\] takes its values from the Password generator, which ESO runs again at every refresh\. The pods would restart every 1h/,
    fix: /replace reloader\.stakater\.com\/auto with secret\.reloader\.stakater\.com\/reload listing only the Secrets whose values change on rotation/,
  },
  'sealed-secret-unmanaged-target': {
    object: 'Secret/app-secrets',
    message: /exists beside SealedSecret\/app-secrets without sealedsecrets\.bitnami\.com\/managed: "true": the controller refuses to overwrite a Secret it does not own/,
    fix: /kubectl -n shop annotate secret app-secrets sealedsecrets\.bitnami\.com\/managed=true/,
  },
};

const PASSING_CONTEXT: Record<string, Facts> = {
  'eso-refresh-disabled': { acknowledgedNoRefresh: ['legacy'] },
  'eso-api-version': { esoVersion: '0.17.1' },
};

describe('each pitfall rule: one failing fixture (it fires, with its message) and one passing fixture (nothing fires)', () => {
  test('every rule has both fixtures and an expectation, and every fixture a rule', () => {
    const files = readdirSync(FIXTURES).sort();
    const ids = PITFALL_RULES.map((r) => r.id).sort();
    expect(files).toEqual(ids.flatMap((id) => [`${id}.fail.yaml`, `${id}.pass.yaml`]));
    expect(Object.keys(FAILING).sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  describe.each(PITFALL_RULES.map((r) => [r.id]))('%s', (id) => {
    test('the failing fixture: the rule fires on the object at fault, naming the pitfall and the fix', () => {
      const expected = FAILING[id];
      const findings = rule(id).check(contextFor(load(`${id}.fail.yaml`), expected.context));
      expect(findings).toHaveLength(expected.count ?? 1);
      const first = findings.find((f) => f.object === expected.object)!;
      expect(first).toMatchObject({ rule: id, severity: 'error', environment: 'fixture', object: expected.object, namespace: 'shop' });
      expect(first.message).toMatch(expected.message);
      expect(first.message.startsWith(expected.object)).toBe(true);
      expect(first.fix).toMatch(expected.fix);
    });

    test('the passing fixture: no rule fires', () => {
      const findings = checkEnvironment(contextFor(load(`${id}.pass.yaml`), PASSING_CONTEXT[id]));
      expect(findings).toEqual([]);
    });

    test('the rule documents what, why and fix (the generated checks reference lists it)', () => {
      const r = rule(id);
      for (const text of [r.what, r.why, r.fix]) expect(text.length).toBeGreaterThan(10);
      expect(readFileSync(join(__dirname, '..', 'docs', 'reference', 'checks.md'), 'utf8')).toContain(`\`${id}\``);
    });
  });

  test('the fixtures are objects the API server accepts: the pitfalls pass every schema (except the unquoted boolean, which is the point)', () => {
    // The CRDs of the tests are current: they no longer serve v1beta1, which the fixtures for old clusters use (and one pitfall is).
    const notServed = /v1beta1 is not served/;
    for (const file of readdirSync(FIXTURES)) {
      const problems = validateManifests(load(file));
      if (file === 'vault-annotation-boolean.fail.yaml') expect(problems.join('\n')).toMatch(/agent-inject/);
      else expect({ file, problems: problems.filter((p) => !notServed.test(p)) }).toEqual({ file, problems: [] });
    }
  });
});

describe('pitfall rules: the cases around each', () => {
  const es = (name: string, spec: object, apiVersion = 'external-secrets.io/v1'): KubeObject => ({ apiVersion, kind: 'ExternalSecret', metadata: { name, namespace: 'shop' }, spec });
  const deployment = (annotations: Record<string, unknown>, podAnnotations: Record<string, unknown> = {}, podSpec: object = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'shop', annotations },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' }, annotations: podAnnotations }, spec: { containers: [{ name: 'api', image: 'x' }], ...podSpec } } },
  });
  const ids = (findings: readonly Seen[]) => findings.map((f) => `${f.severity} ${f.rule} ${f.object}`);

  test('eso-refresh-disabled: any zero Go duration, in ExternalSecrets and ClusterExternalSecrets; an unset interval is ESO\'s 1h', () => {
    const check = (objects: KubeObject[]) => ids(rule('eso-refresh-disabled').check(contextFor(objects)));
    expect(check([es('a', { refreshInterval: '0h0m0s' }), es('b', { refreshInterval: '0', refreshPolicy: 'Periodic' }), es('c', {})])).toEqual([
      'error eso-refresh-disabled ExternalSecret/a',
      'error eso-refresh-disabled ExternalSecret/b',
    ]);
    const ces = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', metadata: { name: 'everywhere' }, spec: { externalSecretSpec: { refreshInterval: '0s' } } };
    expect(check([ces])).toEqual(['error eso-refresh-disabled ClusterExternalSecret/everywhere']);
    // The acknowledgement names an ExternalSecret of the environment, not any object of that name.
    expect(ids(rule('eso-refresh-disabled').check(contextFor([ces], { acknowledgedNoRefresh: ['everywhere'] })))).toHaveLength(1);
  });

  test('eso-owner-takeover: a SealedSecret, another ExternalSecret, a store\'s credentials, a Vault agent\'s TLS Secret', () => {
    const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'shop' }, spec: { template: { metadata: { name: 'app' } } } };
    const store = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'aws', namespace: 'shop' },
      spec: { provider: { aws: { auth: { secretRef: { accessKeyIDSecretRef: { name: 'aws-creds', key: 'id' } } } } } },
    };
    const findings = rule('eso-owner-takeover').check(
      contextFor([
        sealed,
        store,
        es('a', { target: { name: 'app' } }),
        es('b', { target: { name: 'app', creationPolicy: 'Merge' } }),
        es('creds', { target: { name: 'aws-creds' } }),
        es('tls', {}),
        deployment({}, { 'vault.hashicorp.com/tls-secret': 'tls' }),
      ]),
    );
    expect(ids(findings)).toEqual([
      'error eso-owner-takeover ExternalSecret/a',
      'error eso-owner-takeover ExternalSecret/creds',
      'error eso-owner-takeover ExternalSecret/tls',
    ]);
    expect(findings[0].message).toMatch(/SealedSecret\/s \(its controller writes it\) and ExternalSecret\/b \(its target\) also make or use/);
    expect(findings[1].message).toMatch(/SecretStore\/aws \(credentials at spec\.provider\.aws\.auth\.secretRef\.accessKeyIDSecretRef\)/);
    expect(findings[2].message).toMatch(/Deployment\/api \(the Vault agent's TLS Secret\)/);
  });

  test('eso-api-version: v1 before ESO 0.16 is an error, v1beta1 on 0.16 a warning, no version no check', () => {
    const objects = [es('a', {}), es('b', {}, 'external-secrets.io/v1beta1')];
    expect(ids(rule('eso-api-version').check(contextFor(objects, { esoVersion: 'v0.15.1' })))).toEqual(['error eso-api-version ExternalSecret/a']);
    const on016 = rule('eso-api-version').check(contextFor(objects, { esoVersion: '0.16.2' }));
    expect(ids(on016)).toEqual(['warning eso-api-version ExternalSecret/b']);
    expect(on016[0].fix).toMatch(/before upgrading ESO to 0\.17/);
    expect(rule('eso-api-version').check(contextFor(objects))).toEqual([]);
  });

  test('vault-annotation-placement: a warning on objects without pods (nothing to inject into)', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', annotations: { 'vault.hashicorp.com/role': 'shop' } }, spec: {} };
    expect(ids(rule('vault-annotation-placement').check(contextFor([service])))).toEqual(['warning vault-annotation-placement Service/api']);
  });

  test('vault-annotation-boolean: the values Go\'s ParseBool reads pass, others fail, on the object and on its pods', () => {
    const check = (value: unknown) => rule('vault-annotation-boolean').check(contextFor([deployment({}, { 'vault.hashicorp.com/agent-inject': value })]));
    for (const ok of ['true', 'True', 'TRUE', '1', 't', 'false', 'F', '0']) expect(check(ok)).toEqual([]);
    for (const bad of ['yes', 'on', 'enabled', '']) expect(check(bad)[0].message).toMatch(/cannot read as a boolean/);
    expect(check(1)[0].message).toMatch(/is the number 1, not a string/);
    // Non-boolean annotations take any string.
    expect(rule('vault-annotation-boolean').check(contextFor([deployment({}, { 'vault.hashicorp.com/role': 'yes' })]))).toEqual([]);
  });

  test('vault-kv2-path: the environment\'s KV v2 mounts decide without a template; other engines are left alone', () => {
    const objects = [deployment({}, { 'vault.hashicorp.com/agent-inject-secret-a': 'secret/shop/env', 'vault.hashicorp.com/agent-inject-secret-b': 'database/creds/shop', 'vault.hashicorp.com/agent-inject-secret-c': 'kv/prod/data/x' })];
    expect(rule('vault-kv2-path').check(contextFor(objects))).toEqual([]);
    const findings = rule('vault-kv2-path').check(contextFor(objects, { kv2Mounts: ['secret', 'kv/prod'] }));
    expect(findings.map((f) => f.fix)).toEqual(['write "secret/data/shop/env"']);
    expect(findings[0].message).toMatch(/mount "secret" is a KV version 2 engine \(environments\.fixture\.delivery\.kvVersion\)/);
  });

  test('vault-job-sidecar: CronJobs and Pods that run to completion too; Deployments keep their sidecar', () => {
    const inject = { 'vault.hashicorp.com/agent-inject': 'true' };
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report' }, spec: { jobTemplate: { spec: { template: { metadata: { annotations: inject }, spec: { containers: [{ name: 'r' }] } } } } } };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once', annotations: inject }, spec: { restartPolicy: 'Never', containers: [{ name: 'o' }] } };
    const findings = rule('vault-job-sidecar').check(contextFor([cron, pod, deployment({}, inject)]));
    expect(ids(findings)).toEqual(['error vault-job-sidecar CronJob/report', 'error vault-job-sidecar Pod/once']);
    expect(findings[0].message).toMatch(/spec\.jobTemplate\.spec\.template\.annotations.*CronJob's runs pile up/);
    expect(findings[1].fix).toMatch(/to metadata\.annotations/);
  });

  describe('reloader-volatile-secret', () => {
    const envFrom = (...names: string[]) => ({ containers: [{ name: 'api', image: 'x', envFrom: names.map((name) => ({ secretRef: { name } })) }] });
    const generated = (name: string, extra: object = {}) => es(name, { refreshInterval: '30m', dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'p' } } }], ...extra });
    const check = (objects: KubeObject[]) => rule('reloader-volatile-secret').check(contextFor(objects));

    test('a targeted annotation that names the volatile Secret fires too, with its own fix', () => {
      const findings = check([deployment({ 'secret.reloader.stakater.com/reload': 'app, keys' }, {}, envFrom('app', 'keys')), generated('keys')]);
      expect(findings).toHaveLength(1);
      expect(findings[0].message).toMatch(/\(secret\.reloader\.stakater\.com\/reload lists it\).*every 30m/);
      expect(findings[0].fix).toMatch(/or stop watching "keys"/);
    });

    test('time and randomness in a template; a plain template does not change the data', () => {
      const templated = (template: string) => es('app', { refreshInterval: '1h', target: { template: { data: { TOKEN: template } } } });
      const auto = deployment({ 'reloader.stakater.com/auto': 'true' }, {}, envFrom('app'));
      expect(check([auto, templated('{{ .key }}-{{ now | date "2006" }}')])[0].message).toMatch(/target\.template\.data\.TOKEN calls now/);
      expect(check([auto, templated('{{ randAlphaNum 16 }}')])[0].message).toMatch(/calls randAlphaNum/);
      expect(check([auto, templated('{{ .key | b64enc }} (generated now)')])).toEqual([]);
      expect(check([auto, es('app', { target: { template: { templateFrom: [{ literal: '{{ uuidv4 }}' }] } } })])[0].message).toMatch(/templateFrom\[0\]\.literal calls uuidv4/);
    });

    test('made once, immutable or not watched: no restart loop', () => {
      const auto = deployment({ 'reloader.stakater.com/auto': 'true' }, {}, envFrom('keys'));
      expect(check([auto, generated('keys', { refreshPolicy: 'CreatedOnce' })])).toEqual([]);
      expect(check([auto, generated('keys', { refreshPolicy: 'OnChange' })])).toEqual([]);
      expect(check([auto, generated('keys', { target: { immutable: true } })])).toEqual([]);
      expect(check([deployment({}, {}, envFrom('keys')), generated('keys')])).toEqual([]);
      expect(check([deployment({ 'reloader.stakater.com/auto': 'true' }, {}, envFrom('other')), generated('keys')])).toEqual([]);
    });

    test('search mode with the Secret marked to match, and volumes as references', () => {
      const marked = generated('keys', { target: { template: { metadata: { annotations: { 'reloader.stakater.com/match': 'true' } } } } });
      const volume = { containers: [{ name: 'api', image: 'x' }], volumes: [{ name: 'k', secret: { secretName: 'keys' } }] };
      expect(check([deployment({ 'reloader.stakater.com/search': 'true' }, {}, volume), marked])[0].message).toMatch(/reloader\.stakater\.com\/search with the Secret marked/);
      expect(check([deployment({ 'reloader.stakater.com/search': 'true' }, {}, volume), generated('keys')])).toEqual([]);
    });
  });

  test('sealed-secret-unmanaged-target: the mark is exactly "true"; with it, a warning that the plain Secret fights on', () => {
    const objects = (annotations?: Record<string, string>) => [
      { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'app', namespace: 'shop' }, spec: { template: { metadata: { name: 'app' } } } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app', namespace: 'shop', annotations } },
    ];
    const upper = rule('sealed-secret-unmanaged-target').check(contextFor(objects({ 'sealedsecrets.bitnami.com/managed': 'TRUE' })));
    expect(upper[0].message).toMatch(/\(it is "TRUE"; the controller accepts exactly "true"\)/);
    const managed = rule('sealed-secret-unmanaged-target').check(contextFor(objects({ 'sealedsecrets.bitnami.com/managed': 'true' })));
    expect(ids(managed)).toEqual(['warning sealed-secret-unmanaged-target Secret/app']);
    expect(managed[0].fix).toMatch(/remove the plain Secret/);
  });
});

/** Writes `config` as aragora-secrets.yaml into a fresh project folder. */
function project(config: AragoraSecretsConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-pitfalls-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  return dir;
}

function synthProject(config: AragoraSecretsConfig): SynthResult {
  return synthesizeProject({ cwd: project(config), env: {} });
}

function pitfallError(config: AragoraSecretsConfig): { message: string; findings: readonly Seen[] } {
  try {
    synthProject(config);
  } catch (e) {
    if (e instanceof GuardRailError) return { message: e.message, findings: seen(e.findings) };
    throw e;
  }
  throw new Error('expected a GuardRailError');
}

/** The former pitfall rules over the files synth makes of `config`, with the config's facts. */
function checkPitfalls(config: AragoraSecretsConfig, files = synth(config)): Finding[] {
  return checkFiles(PITFALL_RULES, files, factsOf(resolvePlan(validateConfig(config, 't'))));
}

/** The config errors of `config`; empty when it is valid. */
function configProblems(config: AragoraSecretsConfig): ConfigError['problems'] {
  try {
    validateConfig(config, 't');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('synth runs the rules over what it makes', () => {
  test('the embedded default is clean under every rule: no error, no warning', () => {
    expect(checkPitfalls(configWith())).toEqual([]);
    const { warnings } = synthProject(configWith());
    expect(warnings.filter((w) => PITFALL_RULES.some((r) => w.startsWith(`[${r.id}]`)))).toEqual([]);
  });

  test('the generated-secrets ExternalSecret (0s, made once) is recognised as intended, in v1 and in v1beta1', () => {
    for (const apiVersion of ['v1', 'v1beta1'] as const) {
      const config = configWith((c) => {
        c.environments.staging.delivery = { method: 'external', store: 'vault-backend', generated: 'generator', apiVersion };
      });
      const files = synth(config);
      const generated = find(manifests(files, 'staging'), 'ExternalSecret', 'aragora-secrets-generated');
      expect(generated.spec.refreshInterval).toBe('0s');
      expect(checkPitfalls(config, files)).toEqual([]);
    }
  });

  test('refreshInterval 0s without a policy or acknowledgement fails synth, naming the object, the pitfall and the config fix; nothing is written', () => {
    const config = configWith((c) => {
      c.environments.staging.delivery = { method: 'external', store: 'vault-backend', refreshInterval: '0s' };
    });
    const error = pitfallError(config);
    expect(error.findings.map((f) => `${f.rule} ${f.environment} ${f.object}`)).toEqual(['eso-refresh-disabled staging ExternalSecret/aragora-secrets']);
    expect(error.message).toMatch(
      /^Guard rails failed \(1 violation; nothing was written\):\n {2}- \[eso-refresh-disabled\] ExternalSecret aragora-staging\/aragora-secrets \(staging\/manifests\/30-ExternalSecret\.aragora-secrets\.k8s\.yaml\): ExternalSecret\/aragora-secrets: spec\.refreshInterval is "0s"/,
    );
    expect(error.message).toMatch(/environments\.staging\.delivery\.refreshPolicy, or acknowledgeNoRefresh: true/);

    const dir = project(config);
    const lines: string[] = [];
    expect(runSynth({ outdir: join(dir, 'dist'), cwd: dir, env: {} }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/eso-refresh-disabled/);
    expect(lines.join('\n')).not.toMatch(/at \w+ \(/);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  test('the explicit ways out: acknowledgeNoRefresh keeps 0s; refreshPolicy OnChange or CreatedOnce is written into the ExternalSecret', () => {
    const acknowledged = synthProject(
      configWith((c) => {
        c.environments.staging.delivery = { method: 'external', store: 'vault-backend', refreshInterval: '0s', acknowledgeNoRefresh: true };
      }),
    );
    const es = find(manifests(acknowledged.files, 'staging'), 'ExternalSecret', 'aragora-secrets');
    expect(es.spec.refreshInterval).toBe('0s');
    expect(es.spec.refreshPolicy).toBeUndefined();

    for (const refreshPolicy of ['OnChange', 'CreatedOnce'] as const) {
      const { files } = synthProject(
        configWith((c) => {
          c.environments.staging.delivery = { method: 'external', store: 'vault-backend', refreshPolicy };
        }),
      );
      expect(find(manifests(files, 'staging'), 'ExternalSecret', 'aragora-secrets').spec.refreshPolicy).toBe(refreshPolicy);
    }
  });

  test('refresh options that contradict each other are config errors', () => {
    const problems = (delivery: object) =>
      configProblems(
        configWith((c) => {
          c.environments.staging.delivery = { method: 'external', store: 'vault-backend', ...delivery } as never;
        }),
      ).map((p) => `${p.path}: ${p.message}`);
    expect(problems({ refreshPolicy: 'OnChange', apiVersion: 'v1beta1' })).toEqual([
      'environments.staging.delivery.refreshPolicy: refreshPolicy needs apiVersion v1: ESO releases that serve only v1beta1 have no such field',
    ]);
    expect(problems({ refreshPolicy: 'CreatedOnce', refreshInterval: '1h' })).toEqual([
      'environments.staging.delivery.refreshInterval: has no effect with refreshPolicy CreatedOnce: ESO does not poll then',
    ]);
    expect(problems({ acknowledgeNoRefresh: true })).toEqual(['environments.staging.delivery.acknowledgeNoRefresh: nothing to acknowledge: refreshInterval is not zero']);
    expect(problems({ acknowledgeNoRefresh: true, refreshInterval: '0s', refreshPolicy: 'OnChange' })).toEqual([
      'environments.staging.delivery.acknowledgeNoRefresh: nothing to acknowledge: refreshPolicy OnChange says what happens',
    ]);
    expect(problems({ esoVersion: '0.17' })).toEqual([]);
    expect(problems({ esoVersion: 'latest' })[0]).toMatch(/esoVersion: "latest" is invalid: an External Secrets Operator version such as "0\.17\.1"/);
  });

  test('esoVersion: v1beta1 against ESO 0.17 fails synth; against 0.16 it is a warning synth prints', () => {
    const withVersion = (esoVersion: string) =>
      configWith((c) => {
        c.environments.staging.delivery = { method: 'external', store: 'vault-backend', apiVersion: 'v1beta1', esoVersion };
      });
    const error = pitfallError(withVersion('0.17.0'));
    expect(error.findings.map((f) => f.object)).toEqual(['ClusterSecretStore/vault-backend', 'ExternalSecret/aragora-secrets']);
    expect(error.findings[0].fix).toMatch(/remove environments\.staging\.delivery\.apiVersion/);
    const { warnings } = synthProject(withVersion('0.16.2'));
    expect(warnings.filter((w) => w.startsWith('[eso-api-version]'))).toEqual([
      expect.stringMatching(
        /^\[eso-api-version\] ClusterSecretStore vault-backend \(staging\/manifests\/20-ClusterSecretStore\.vault-backend\.k8s\.yaml\): ClusterSecretStore\/vault-backend is external-secrets\.io\/v1beta1, which ESO 0\.16\.2 still serves but 0\.17 removes\. Fix: switch to apiVersion v1/,
      ),
      expect.stringMatching(/^\[eso-api-version\] ExternalSecret aragora-staging\/aragora-secrets \(staging\/manifests\/30-ExternalSecret\.aragora-secrets\.k8s\.yaml\): ExternalSecret\/aragora-secrets is/),
    ]);
  });

  test('synth checks the files it makes with the config facts: errors first, then warnings, the same whatever the order of the files', () => {
    const plan = resolvePlan(
      validateConfig(
        configWith((c) => {
          c.environments.staging.delivery = { method: 'external', store: 'vault-backend', apiVersion: 'v1beta1', esoVersion: '0.16.0', refreshInterval: '0s' };
        }),
        't',
      ),
    );
    const files = synthesizePlan(plan);
    const findings = seen(checkFiles(PITFALL_RULES, files, factsOf(plan)));
    expect(findings.map((f) => `${f.severity} ${f.rule} ${f.object}`)).toEqual([
      'error eso-refresh-disabled ExternalSecret/aragora-secrets',
      'warning eso-api-version ClusterSecretStore/vault-backend',
      'warning eso-api-version ExternalSecret/aragora-secrets',
    ]);
    expect(seen(checkFiles(PITFALL_RULES, [...files].reverse(), factsOf(plan)))).toEqual(findings);
  });

  test('sealed delivery taking over an existing Secret: the template carries the controller\'s managed mark', () => {
    const files = synth(
      configWith((c) => {
        c.environments.qa.delivery = { method: 'sealed', scope: 'namespace-wide', manageExisting: true };
      }),
    );
    const sealed = find(manifests(files, 'qa'), 'SealedSecret', 'aragora-secrets');
    expect(sealed.spec.template.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/managed': 'true', 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    // The SealedSecret's own metadata keeps the scope only: the mark belongs on the Secret.
    expect(sealed.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    expect(validateManifests([sealed])).toEqual([]);
    const plain = find(manifests(synth(), 'qa'), 'SealedSecret', 'aragora-secrets');
    expect(plain.spec.template.metadata.annotations).toBeUndefined();
    expect(parse(stringify(plain)).spec.template.metadata.name).toBe('aragora-secrets');
  });
});
