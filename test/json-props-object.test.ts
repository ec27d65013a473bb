import { Chart, type GroupVersionKind, Testing } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import fc from 'fast-check';
import * as bitnami from '../imports/bitnami.com';
import * as eso from '../imports/external-secrets.io';
import * as vso from '../imports/secrets.hashicorp.com';
import { SealedSecret } from '../src/delivery/sealed/sealed-secret';
import { AppSecret } from '../src/k8s/app-secret';
import { jsonPropsObject } from '../src/k8s/json-props-object';

/**
 * Keys as a catalog, a user or an attacker writes them: ordinary names, prototype names, empty and odd ones.
 * (A key named `constructor` makes cdk8s refuse the object, with the L1 class or without: a test of its own.)
 */
const key = fc.oneof(fc.constantFrom('A', 'a', 'B_1', '__proto__', 'toString', 'hasOwnProperty', '', ' ', 'é', '0', '10', '9'), fc.string({ maxLength: 12 }));
const stringMap = fc.dictionary(key, fc.string({ maxLength: 20 }), { maxKeys: 12, noNullPrototype: true });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Records with a prototype, as props are written (cdk8s refuses an object without one, with the L1 class or without). */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });
const metadata = record({ name: fc.constantFrom('app-secrets', 'x'), labels: maybe(stringMap), annotations: maybe(stringMap) });

function jsonOf(make: (chart: Chart) => void): unknown[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'ns' });
  make(chart);
  return chart.toJson();
}

/** The JSON, or the error cdk8s raises (a map without a prototype is refused by both). */
function outcomeOf(make: (chart: Chart) => void): unknown {
  try {
    return jsonOf(make);
  } catch (e) {
    return `refused: ${String(e)}`;
  }
}

/**
 * For every generated `props`, the object made from them as JSON writes what the L1 class `L1` writes from
 * them, key for key and in order (or is refused alike).
 */
function expectSameAsL1<P extends object>(props: fc.Arbitrary<P>, L1: { readonly GVK: GroupVersionKind; new (scope: Chart, id: string, props: P): unknown }): void {
  let refused = 0;
  fc.assert(
    fc.property(props, (p) => {
      const theirs = outcomeOf((c) => new L1(c, 'Resource', p));
      if (typeof theirs === 'string') refused++;
      expect(JSON.stringify(outcomeOf((c) => jsonPropsObject<P>(c, 'Resource', L1.GVK, p)))).toBe(JSON.stringify(theirs));
    }),
    { numRuns: 300 },
  );
  // Most props must make an object: a property that only compares refusals proves nothing.
  expect(refused).toBeLessThan(30);
}

describe('jsonPropsObject: an object made from its Kubernetes JSON is the one the L1 class makes', () => {
  test('a Secret: the same JSON, key for key and in order, as KubeSecret from the same props (or the same refusal)', () => {
    const props = record({ metadata, type: maybe(fc.constantFrom('Opaque', 'kubernetes.io/tls')), data: maybe(stringMap), stringData: maybe(stringMap), immutable: maybe(fc.boolean()) });
    expectSameAsL1<k8s.KubeSecretProps>(props, k8s.KubeSecret);
  });

  test('a SealedSecret: the same JSON, key for key and in order, as the imported SealedSecret (or the same refusal)', () => {
    const props = record({
      metadata,
      spec: record({ encryptedData: stringMap, template: record({ metadata, type: maybe(fc.constantFrom('Opaque', 'kubernetes.io/dockerconfigjson')) }) }),
    });
    expectSameAsL1<bitnami.SealedSecretProps>(props, bitnami.SealedSecret);
  });

  test('a VaultStaticSecret: the same JSON, key for key and in order, as the imported VaultStaticSecret (or the same refusal)', () => {
    const props = record({
      metadata,
      spec: record({
        vaultAuthRef: fc.constantFrom('auth', 'a'),
        namespace: maybe(fc.constantFrom('team-a', '')),
        mount: fc.constantFrom('secret', 'kv'),
        path: fc.constantFrom('app/env', 'x'),
        type: fc.constantFrom(vso.VaultStaticSecretSpecType.KV_HYPHEN_V1, vso.VaultStaticSecretSpecType.KV_HYPHEN_V2),
        refreshAfter: maybe(fc.constantFrom('1h', '30s')),
        hmacSecretData: maybe(fc.boolean()),
        destination: record({
          name: fc.constantFrom('app-secrets'),
          create: maybe(fc.boolean()),
          overwrite: maybe(fc.boolean()),
          labels: maybe(stringMap),
          type: maybe(fc.constantFrom('Opaque')),
          transformation: record({
            excludeRaw: maybe(fc.boolean()),
            excludes: maybe(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
            templates: fc.dictionary(key, record({ text: fc.string({ maxLength: 30 }) }), { noNullPrototype: true }),
          }),
        }),
        rolloutRestartTargets: maybe(fc.array(record({ kind: fc.constant(vso.VaultStaticSecretSpecRolloutRestartTargetsKind.DEPLOYMENT), name: fc.constantFrom('app') }), { maxLength: 2 })),
      }),
    });
    expectSameAsL1<vso.VaultStaticSecretProps>(props, vso.VaultStaticSecret);
  });

  test('an ExternalSecret (v1 and v1beta1): the same JSON, key for key and in order, as the imported classes (or the same refusal)', () => {
    const rewrite = fc.array(record({ regexp: record({ source: fc.string({ maxLength: 8 }), target: fc.string({ maxLength: 8 }) }) }), { maxLength: 2 });
    const spec = record({
      refreshInterval: maybe(fc.constantFrom('1h', '0s')),
      secretStoreRef: maybe(record({ name: fc.constantFrom('vault-backend'), kind: maybe(fc.constantFrom(eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, eso.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE)) })),
      target: maybe(
        record({
          name: maybe(fc.constantFrom('app-secrets')),
          creationPolicy: maybe(fc.constantFrom(eso.ExternalSecretSpecTargetCreationPolicy.OWNER, eso.ExternalSecretSpecTargetCreationPolicy.MERGE)),
          deletionPolicy: maybe(fc.constantFrom(eso.ExternalSecretSpecTargetDeletionPolicy.RETAIN, eso.ExternalSecretSpecTargetDeletionPolicy.DELETE)),
          immutable: maybe(fc.boolean()),
          template: maybe(record({ type: maybe(fc.constantFrom('Opaque')), metadata: maybe(record({ labels: maybe(stringMap), annotations: maybe(stringMap) })) })),
        }),
      ),
      data: maybe(
        fc.array(record({ secretKey: fc.string({ maxLength: 10 }), remoteRef: record({ key: fc.string({ maxLength: 10 }), property: maybe(fc.string({ maxLength: 6 })), version: maybe(fc.constantFrom('1', 'AWSCURRENT')) }) }), { maxLength: 4 }),
      ),
      dataFrom: maybe(
        fc.array(
          fc.oneof(
            record({ extract: record({ key: fc.string({ maxLength: 10 }) }), rewrite: maybe(rewrite) }),
            record({ sourceRef: record({ generatorRef: record({ apiVersion: fc.constant('generators.external-secrets.io/v1alpha1'), kind: fc.constant(eso.ExternalSecretSpecDataFromSourceRefGeneratorRefKind.PASSWORD), name: fc.constantFrom('gen') }) }), rewrite }),
          ),
          { maxLength: 3 },
        ),
      ),
    });
    const props = record({ metadata, spec });
    expectSameAsL1<eso.ExternalSecretProps>(props, eso.ExternalSecret);
    expectSameAsL1<eso.ExternalSecretV1Beta1Props>(props as fc.Arbitrary<unknown> as fc.Arbitrary<eso.ExternalSecretV1Beta1Props>, eso.ExternalSecretV1Beta1);
  });

  test('a Deployment as the workload writes it (no quantity): the same JSON, key for key and in order, as KubeDeployment', () => {
    const name = fc.constantFrom('app', 'aragora', 'copy-secrets');
    const env = record({
      name: fc.string({ maxLength: 10 }),
      value: maybe(fc.string({ maxLength: 6 })),
      valueFrom: maybe(record({ secretKeyRef: record({ name: fc.constantFrom('app-secrets'), key: fc.string({ maxLength: 10 }), optional: maybe(fc.boolean()) }) })),
    });
    const container = record({
      name,
      image: fc.constantFrom('ghcr.io/x/app:1'),
      command: maybe(fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 })),
      args: maybe(fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 })),
      ports: maybe(fc.array(record({ name: fc.constant('http'), containerPort: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 1 })),
      env: maybe(fc.array(env, { maxLength: 5 })),
      envFrom: maybe(fc.array(record({ secretRef: record({ name: fc.constantFrom('app-secrets'), optional: maybe(fc.boolean()) }) }), { maxLength: 2 })),
      volumeMounts: maybe(fc.array(record({ name, mountPath: fc.constantFrom('/vault/secrets', '/run/x'), readOnly: maybe(fc.boolean()) }), { maxLength: 2 })),
      securityContext: maybe(record({ allowPrivilegeEscalation: maybe(fc.boolean()), readOnlyRootFilesystem: maybe(fc.boolean()), runAsNonRoot: maybe(fc.boolean()), runAsUser: maybe(fc.nat()), capabilities: maybe(record({ drop: fc.constant(['ALL']).map((d) => [...d]) })) })),
    });
    const props = record({
      metadata,
      spec: record({
        replicas: maybe(fc.nat(5)),
        selector: record({ matchLabels: maybe(stringMap) }),
        template: record({
          metadata: maybe(record({ labels: maybe(stringMap), annotations: maybe(stringMap) })),
          spec: record({
            serviceAccountName: maybe(name),
            automountServiceAccountToken: maybe(fc.boolean()),
            securityContext: maybe(record({ runAsNonRoot: maybe(fc.boolean()), runAsUser: maybe(fc.nat()), fsGroup: maybe(fc.nat()), seccompProfile: maybe(record({ type: fc.constant('RuntimeDefault') })) })),
            volumes: maybe(fc.array(record({ name, emptyDir: maybe(record({ medium: maybe(fc.constant('Memory')) })), projected: maybe(record({ sources: fc.array(record({ secret: record({ name }) }), { maxLength: 2 }) })) }), { maxLength: 2 })),
            initContainers: maybe(fc.array(container, { maxLength: 1 })),
            containers: fc.array(container, { minLength: 1, maxLength: 2 }),
          }),
        }),
      }),
    });
    expectSameAsL1<k8s.KubeDeploymentProps>(props, k8s.KubeDeployment);
  });

  test('a map with a key named "constructor" is refused alike, with the L1 class or without', () => {
    const p = { metadata: { name: 'x' }, data: { constructor: 'eA==' } };
    const theirs = outcomeOf((c) => new k8s.KubeSecret(c, 'Resource', p));
    expect(theirs).toMatch(/^refused: .*non-simple object/);
    expect(outcomeOf((c) => jsonPropsObject<k8s.KubeSecretProps>(c, 'Resource', k8s.KubeSecret.GVK, p))).toBe(theirs);
  });

  test('the key order is the L1 class\'s (the YAML is written in that order)', () => {
    const p = { metadata: { name: 's', labels: { b: '1', a: '2' } }, type: 'Opaque', data: { Z: 'eg==', A: 'YQ==' } };
    const ours = jsonOf((c) => jsonPropsObject<k8s.KubeSecretProps>(c, 'Resource', k8s.KubeSecret.GVK, p));
    const theirs = jsonOf((c) => new k8s.KubeSecret(c, 'Resource', p));
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
    expect(Object.keys(ours[0] as object)).toEqual(['apiVersion', 'kind', 'metadata', 'data', 'type']);
  });

  // The L1 classes copy a map once per key while converting it: the conversion alone of 20,000 keys took 115 s.
  test('a Secret and a SealedSecret of 20,000 keys hold every key, in order', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `SERVICE_${String(i).padStart(5, '0')}_API_KEY`);
    const [secret] = jsonOf((c) => new AppSecret(c, 'Secret', { secretName: 'app-secrets', values: Object.fromEntries(keys.map((k) => [k, 'v'])) })) as { data: object }[];
    expect(Object.keys(secret.data)).toEqual(keys);
    const [sealed] = jsonOf((c) => new SealedSecret(c, 'Sealed', { secretName: 'app-secrets', encryptedData: Object.fromEntries(keys.map((k) => [k, `UNSEALED - run aragora-secrets seal`])) })) as {
      spec: { encryptedData: object };
    }[];
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(keys);
  });
});
