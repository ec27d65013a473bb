import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { writeOutput } from '../src/app/synthesize';
import { SYNC_WAVE_ANNOTATION } from '../src/k8s/sync-waves';
import { configWith, find, manifests, synth } from './helpers';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

const kubectl = onPath('kubectl');

describe('kustomization.yaml per environment', () => {
  const files = synth();
  const environments = [...new Set(files.map((f) => f.path.split('/')[0]))];

  test.each(environments)('%s lists exactly its manifests, sorted', (env) => {
    const kustomization = parse(files.find((f) => f.path === `${env}/kustomization.yaml`)!.content);
    const expected = files.filter((f) => f.path.startsWith(`${env}/`) && f.path.endsWith('.k8s.yaml')).map((f) => f.path.slice(env.length + 1));
    expect(kustomization).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: expected.sort() });
    expect(expected.length).toBeGreaterThan(3);
  });

  (kubectl ? integration.test : integration.test.skip)('`kubectl kustomize dist/<env>` renders every resource of each folder', () => {
    const out = mkdtempSync(join(tmpdir(), 'aragora-kustomize-'));
    writeOutput(out, files);
    for (const env of environments) {
      const result = spawnSync('kubectl', ['kustomize', join(out, env)], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const rendered = parseAllDocuments(result.stdout).map((d) => d.toJS());
      const expected = manifests(files, env);
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(expected.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    }
  });
});

describe('Argo CD sync waves', () => {
  test('off by default', () => {
    for (const f of synth().filter((f) => f.path.endsWith('.k8s.yaml'))) expect(f.content).not.toContain(SYNC_WAVE_ANNOTATION);
  });

  test('when asked for: namespace and identity, then stores, then secrets, then the workload', () => {
    const files = synth(
      configWith((c) => {
        c.gitops = { argoSyncWaves: true };
        c.environments.staging.workload = { ...c.environments.staging.workload, readsSecretsThroughApi: true };
      }),
    );
    const wave = (env: string, kind: string, name?: string) => Number(find(manifests(files, env), kind, name).metadata.annotations![SYNC_WAVE_ANNOTATION]);
    expect(wave('staging', 'Namespace')).toBeLessThan(wave('staging', 'ServiceAccount'));
    expect(wave('staging', 'Role')).toBeLessThan(wave('staging', 'ClusterSecretStore'));
    expect(wave('staging', 'ClusterSecretStore')).toBeLessThan(wave('staging', 'ExternalSecret', 'aragora-secrets'));
    expect(wave('staging', 'Password')).toBeLessThan(wave('staging', 'ExternalSecret', 'aragora-secrets-generated'));
    expect(wave('staging', 'ExternalSecret', 'aragora-secrets')).toBeLessThan(wave('staging', 'Deployment'));
    expect(wave('qa', 'SealedSecret')).toBeLessThan(wave('qa', 'Deployment'));
    for (const o of manifests(files, 'prod')) expect(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]).toMatch(/^-?\d+$/);
  });

  test('the waves and the order of the files in manifests/ (what `kubectl apply -f` follows) agree', () => {
    const files = synth(configWith((c) => (c.gitops = { argoSyncWaves: true }))).filter((f) => f.path.endsWith('.k8s.yaml'));
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      const inFileOrder = files.filter((f) => f.path.startsWith(`${env}/manifests/`)).sort((a, b) => (a.path < b.path ? -1 : 1));
      const waves = inFileOrder.map((f) => Number(parse(f.content).metadata.annotations[SYNC_WAVE_ANNOTATION]));
      expect(waves).toEqual([...waves].sort((a, b) => a - b));
      expect(new Set(waves).size).toBeGreaterThan(2);
    }
  });
});
