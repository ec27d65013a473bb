import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseConfigFile } from '../src/config/load';
import { MANIFESTS_FOLDER } from '../src/core/manifest-layout';
import { resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan, writeOutput } from '../src/app/synthesize';
import { startStandInApiServer, type ObjectRef, type Operator } from './support/stand-in-api-server';
import { allDocumentation, readDoc } from './support/docs';
import { integration } from './support/tiers';

/**
 * What the README tells users to run, with the real kubectl (client-side apply) against a stand-in
 * for a fresh cluster with the operators' CRDs installed (test/support/stand-in-api-server.ts): both
 * `kubectl apply -k dist/<env>` and `kubectl apply -f dist/<env>/manifests/` create every object of
 * every environment, of the committed dist/ and of each example, and the API server refuses none
 * (a namespaced object before its Namespace, a file that is no object).
 */
const root = resolve(__dirname, '..');

integration.test('kubectl is installed (this test needs the real client)', () => {
  expect(spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status).toBe(0);
});

interface Output {
  readonly name: string;
  readonly dir: string;
}

function exampleOutputs(): Output[] {
  const examples = readdirSync(join(root, 'examples')).filter((f) => /\.ya?ml$/.test(f)).sort();
  return examples.map((example) => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-apply-'));
    writeOutput(dir, synthesizePlan(resolvePlan(parseConfigFile(join(root, 'examples', example)))));
    return { name: `examples/${example}`, dir };
  });
}

const outputs: Output[] = [{ name: 'the committed dist/', dir: join(root, 'dist') }, ...exampleOutputs()];
const cases = outputs.flatMap((output) =>
  readdirSync(output.dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => [output.name, e.name, join(output.dir, e.name)] as const),
);

function kubectlApply(server: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // A HOME of its own: no kubeconfig, and a discovery cache that starts empty.
  const home = mkdtempSync(join(tmpdir(), 'aragora-kubectl-'));
  const argv = ['apply', '--server', server, '--validate=false', '--cache-dir', join(home, 'cache'), ...args];
  return new Promise((done) => {
    execFile('kubectl', argv, { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The objects of an environment folder, as the API server should end up holding them. */
function objectsOf(envDir: string): string[] {
  const manifests = join(envDir, MANIFESTS_FOLDER);
  return readdirSync(manifests)
    .sort()
    .map((file) => parse(readFileSync(join(manifests, file), 'utf8')))
    .map((o) => label({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
}

function label(ref: ObjectRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

test('there is something to apply: the four environments of the default and every example', () => {
  expect(cases.filter(([name]) => name === 'the committed dist/').map(([, env]) => env)).toEqual(['dev', 'prod', 'qa', 'staging']);
  expect(outputs.length).toBeGreaterThan(3);
});

integration.describe.each(cases)('%s, environment %s', (_output, _env, envDir) => {
  test.each([
    ['-k', (dir: string) => ['-k', dir]],
    ['-f manifests/', (dir: string) => ['-f', join(dir, MANIFESTS_FOLDER) + '/']],
  ] as const)('kubectl apply %s creates every object on a fresh cluster, none refused', async (how, args) => {
    const server = await startStandInApiServer();
    try {
      const result = await kubectlApply(server.url, args(envDir));
      expect({ refused: server.refused, stderr: result.stderr }).toEqual({ refused: [], stderr: '' });
      expect(result.code).toBe(0);
      const expected = objectsOf(envDir);
      expect(expected.length).toBeGreaterThan(3);
      expect(server.created.map(label).sort()).toEqual([...expected].sort());
      // -f creates them in the order of the files (the NetworkPolicy before the Deployment); kustomize sorts by
      // its own list of kinds, which also starts with the Namespace.
      if (how === '-f manifests/') expect(server.created.map(label)).toEqual(expected);
      if (expected.some((o) => o.startsWith('v1 Namespace '))) expect(server.created[0].kind).toBe('Namespace');
    } finally {
      await server.close();
    }
  });
});

test('the manifests folder holds Kubernetes objects only; the files for people stay beside it', () => {
  for (const [, , envDir] of cases) {
    for (const file of readdirSync(join(envDir, MANIFESTS_FOLDER))) {
      expect(file).toMatch(/^\d\d-[A-Za-z]+\..+\.k8s\.yaml$/);
      const object = parse(readFileSync(join(envDir, MANIFESTS_FOLDER, file), 'utf8'));
      expect(typeof object.apiVersion === 'string' && typeof object.kind === 'string' && typeof object.metadata?.name === 'string').toBe(true);
    }
    expect(existsSync(join(envDir, 'kustomization.yaml'))).toBe(true);
    expect(existsSync(join(envDir, 'SECRETS.md'))).toBe(true);
  }
});

integration.test('the stand-in refuses what a fresh cluster refuses: the layout before manifests/ (objects by kind name beside the audit policy and kustomization.yaml)', async () => {
  // GIVEN staging as it was written before: every file in one folder, objects named <Kind>.<name>.k8s.yaml
  const old = mkdtempSync(join(tmpdir(), 'aragora-old-layout-'));
  const staging = join(root, 'dist', 'staging');
  for (const file of readdirSync(join(staging, MANIFESTS_FOLDER))) copyFileSync(join(staging, MANIFESTS_FOLDER, file), join(old, file.replace(/^\d\d-/, '')));
  for (const file of ['audit-policy.yaml', 'kustomization.yaml']) copyFileSync(join(staging, file), join(old, file));
  const server = await startStandInApiServer();
  try {
    // WHEN it is applied as the README used to say
    const result = await kubectlApply(server.url, ['-f', old + '/']);
    // THEN the files that are no objects and the objects before their Namespace are refused
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no matches for kind "Policy" in version "audit.k8s.io/v1"');
    expect(result.stderr).toContain('no matches for kind "Kustomization" in version "kustomize.config.k8s.io/v1beta1"');
    expect(server.refused.map((r) => r.message)).toContain('namespaces "aragora-staging" not found');
    expect(server.refused.map((r) => r.request)).toContain('POST /apis/apps/v1/namespaces/aragora-staging/deployments');
  } finally {
    await server.close();
  }
});

integration.test('without the CRDs of the operator an environment uses, kubectl says to install them first (what the README asks)', async () => {
  const staging = join(root, 'dist', 'staging');
  const withoutEso: Operator[] = ['sealed-secrets', 'config-connector'];
  const server = await startStandInApiServer({ operators: withoutEso });
  try {
    const result = await kubectlApply(server.url, ['-k', staging]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ensure CRDs are installed first');
    expect(result.stderr).toContain('no matches for kind "ExternalSecret" in version "external-secrets.io/v1"');
  } finally {
    await server.close();
  }
});

test('docs/guides/applying-dist.md documents these two commands, and no page `-f` on an environment folder (which reads files that are no objects)', () => {
  const guide = readDoc('docs/guides/applying-dist.md');
  expect(guide).toContain('kubectl apply -k dist/<env>');
  expect(guide).toContain('kubectl apply -f dist/<env>/manifests/');
  expect(allDocumentation()).not.toMatch(/kubectl (?:apply|delete|diff) -f dist\/[^/\s`]+\/?[\s`]/);
});
