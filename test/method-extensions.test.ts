import { stringify } from 'yaml';
import { parseTree, runChecks, type SecretProducer } from '../src/checks';
import { RULES, SECRET_PRODUCERS } from '../src/app/rule-set';
import { deliveryMethods } from '../src/delivery/registry';
import { manifestFileName } from '../src/core/manifest-layout';
import type { OutputFile } from '../src/core/output-file';
import { synth } from './helpers';

/**
 * The extension points a delivery method uses instead of editing shared code: the kinds that make
 * Secrets (`secretProducers`, handed to every rule by the rule set) and the apply phases of its kinds
 * (`applyPhases`, read where the manifest file names are made).
 */

const workloadRule = RULES.filter((r) => r.id === 'workload-secrets-consistent');

/** A folder with a Deployment that reads Secret `app-secret`, and `producer` (an object of a kind no method registers). */
function folderWith(producer: object): OutputFile[] {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'app:1', envFrom: [{ secretRef: { name: 'app-secret' } }] }] } } },
  };
  return [
    { path: 'env/manifests/40-Deployment.app.k8s.yaml', content: stringify(deployment) },
    { path: 'env/manifests/30-Widget.maker.k8s.yaml', content: stringify(producer) },
  ];
}

const widget = { apiVersion: 'widgets.example.com/v1', kind: 'Widget', metadata: { name: 'maker', namespace: 'ns' }, spec: { output: 'app-secret' } };
const widgetProducer: SecretProducer = { kind: 'Widget', group: 'widgets.example.com', how: 'its output', secretsOf: (o, ns) => [{ namespace: ns, name: o.spec.output }] };

describe('secret producers', () => {
  test('a kind the rules were not told of makes no Secret; given as a producer, it does', () => {
    const tree = parseTree(folderWith(widget));
    expect(runChecks(workloadRule, { tree }).map((f) => f.message)).toEqual([expect.stringMatching(/^reads Secret "app-secret", which no SealedSecret, ExternalSecret/)]);
    expect(runChecks(workloadRule, { tree, producers: [widgetProducer] })).toEqual([]);
    // The group is part of the kind: a Widget of another group makes nothing.
    const other = parseTree(folderWith({ ...widget, apiVersion: 'other.example.com/v1' }));
    expect(runChecks(workloadRule, { tree: other, producers: [widgetProducer] })).toHaveLength(1);
  });

  test('the rule set hands every registered method\'s producers to the rules, and the default output still passes', () => {
    const declared = deliveryMethods.flatMap((m) => (m.secretProducers ?? []).map((p) => `${p.group}/${p.kind}`));
    expect(declared).toEqual(expect.arrayContaining(['bitnami.com/SealedSecret', 'external-secrets.io/ExternalSecret']));
    expect(SECRET_PRODUCERS.map((p) => `${p.group}/${p.kind}`)).toEqual(declared);
    expect(runChecks(RULES, { tree: parseTree(synth()) })).toEqual([]);
  });
});

describe('apply phases of a method\'s kinds', () => {
  test('a kind the table does not list goes with the secrets, unless its method places it', () => {
    expect(manifestFileName('Widget', 'x')).toBe('30-Widget.x.k8s.yaml');
    expect(manifestFileName('Widget', 'x', { Widget: 'store' })).toBe('20-Widget.x.k8s.yaml');
    // The table keeps the core kinds where they are, whatever a method says.
    expect(manifestFileName('Deployment', 'x', { Deployment: 'namespace' })).toBe('40-Deployment.x.k8s.yaml');
  });

  test('every kind a method places is in the phases it declares, and the files are named by them', () => {
    for (const method of deliveryMethods) {
      for (const [kind, phase] of Object.entries(method.applyPhases ?? {})) {
        expect(['namespace', 'identity', 'store', 'secret', 'workload']).toContain(phase);
        expect(manifestFileName(kind, 'x', method.applyPhases)).toMatch(/^\d0-/);
      }
    }
  });
});
