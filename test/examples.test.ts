import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import { resolvePlan } from '../src/app/resolve-plan';
import { withOutputMarker } from '../src/output/replace-output';
import { synthesizePlan } from '../src/app/synthesize';
import { spawnApp } from './support/cli';
import { validateManifests } from './support/manifest-validation';
import { integration } from './support/tiers';

/**
 * Every config in examples/ is loaded with the real loader, synthesized without errors, and every
 * object it produces is valid; and `cdk8s synth` (the app, with ARAGORA_SECRETS_CONFIG) writes
 * exactly that. A new example is covered by being there.
 */
const root = resolve(__dirname, '..');
const examplesDir = join(root, 'examples');
const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

test('examples/ is not empty (the GCP example at least)', () => {
  expect(examples).toContain('gcp-cloud-run.yaml');
});

describe.each(examples)('examples/%s', (name) => {
  const path = join(examplesDir, name);
  const files = synthesizePlan(resolvePlan(parseConfigFile(path)));

  test('synthesizes, and every object would be accepted', () => {
    expect(files.length).toBeGreaterThan(0);
    // The Kubernetes manifests, and the KRM files beside them (the Cloud Run service).
    const objects = files
      .filter((f) => f.path.endsWith('.k8s.yaml') || f.path.endsWith('/cloudrun/service.yaml'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => ({ path: f.path, object: d.toJS() })));
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(({ path: p, object }) => validateManifests([object]).map((problem) => `${p}: ${problem}`))).toEqual([]);
  });

  integration.test('`cdk8s synth` with ARAGORA_SECRETS_CONFIG writes the same files', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aragora-example-'));
    const outdir = join(cwd, 'dist');
    const result = spawnApp(cwd, { CDK8S_OUTDIR: outdir, ARAGORA_SECRETS_CONFIG: path });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const written = Object.fromEntries(listFiles(outdir).sort().map((f) => [relative(outdir, f), readFileSync(f, 'utf8')]));
    expect(written).toEqual(Object.fromEntries(withOutputMarker(files).map((f) => [f.path, f.content])));
  });
});
