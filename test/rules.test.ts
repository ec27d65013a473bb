import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkFiles as checkRules, parseTree, runChecks, type Finding } from '../src/checks';
import { RULES } from '../src/app/rule-set';
import type { OutputFile } from '../src/core/output-file';
import { configWith, synth } from './helpers';

const root = resolve(__dirname, '..');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/**
 * The default's output with dev and staging reading their Secrets through the API, so that the
 * RBAC rules have a Role and RoleBinding to work on (the default itself makes none).
 */
const base: OutputFile[] = synth(
  configWith((c) => {
    for (const env of ['dev', 'staging']) c.environments[env].workload = { ...c.environments[env].workload, readsSecretsThroughApi: true };
  }),
);

/** `files` with the object of `path` changed by `change` (or the file removed when it returns undefined). */
function edit(files: readonly OutputFile[], path: string, change: (object: any) => any): OutputFile[] {
  if (!files.some((f) => f.path === path)) throw new Error(`no file ${path}`);
  return files.flatMap((f) => {
    if (f.path !== path) return [f];
    const changed = change(parse(f.content));
    return changed === undefined ? [] : [{ path, content: stringify(changed) }];
  });
}

function add(files: readonly OutputFile[], path: string, object: unknown): OutputFile[] {
  return [...files, { path, content: stringify(object) }];
}

/** Every rule over the files, without config facts (as over a tree written by hand). */
function checkFiles(files: readonly OutputFile[]): Finding[] {
  return checkRules(RULES, files);
}

/** The violations of one rule: errors, in the environment of their file; shown without those two fields. */
function only(findings: Finding[], rule: string): Omit<Finding, 'severity' | 'environment'>[] {
  const found = findings.filter((f) => f.rule === rule);
  for (const f of found) expect([f.severity, f.environment]).toEqual(['error', f.file.split('/')[0]]);
  return found.map(({ severity, environment, ...violation }) => violation);
}

describe('the guard rails over good output', () => {
  test('the synthesized default breaks no rule, nor does it with API readers', () => {
    expect(checkFiles(synth())).toEqual([]);
    expect(checkFiles(base)).toEqual([]);
  });

  test('the committed dist/ breaks no rule', () => {
    const dist = join(root, 'dist');
    const files = listFiles(dist).map((f) => ({ path: relative(dist, f), content: readFileSync(f, 'utf8') }));
    expect(files.length).toBeGreaterThan(30);
    expect(checkFiles(files)).toEqual([]);
  });

  test.each([
    ['workload turned off', configWith((c) => (c.environments.dev.workload = { enabled: false }))],
    ['envFrom everywhere, no NetworkPolicy', configWith((c) => {
      for (const env of Object.values(c.environments)) {
        if (typeof env.delivery !== 'object' || env.delivery.method !== 'vault') env.workload = { ...env.workload, injection: 'envFrom' };
        if (env.delivery === 'plain') env.network = { enabled: false };
      }
    })],
    ['a namespaced SecretStore with fetch: extract', configWith((c) => {
      const store = structuredClone(c.stores!['vault-backend']) as any;
      delete store.auth.kubernetes.serviceAccountRef.namespace;
      c.stores!['vault-backend'] = { ...store, kind: 'SecretStore' };
      c.environments.staging.delivery = { method: 'external', store: 'vault-backend', fetch: 'extract' };
    })],
  ])('%s breaks no rule', (_, config) => {
    expect(checkFiles(synth(config))).toEqual([]);
  });

  test('every rule has an id, a phase, a severity, and says what, why and how to fix; ids are unique', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(['objects', 'files']).toContain(rule.phase);
      expect(['error', 'warning']).toContain(rule.severity);
      expect(rule.what.length).toBeGreaterThan(20);
      for (const text of [rule.why, rule.fix]) expect(text.length).toBeGreaterThan(10);
    }
  });
});

describe('each rule fires on a deliberately bad tree', () => {
  test('no-credential-shapes: a key-shaped value anywhere, also in base64', () => {
    // GIVEN a Stripe key (made at run time, so none is committed) in a ConfigMap and, base64-encoded, in the Helm values
    const key = 'sk_' + 'live_' + randomBytes(18).toString('hex');
    let files = add(base, 'dev/ConfigMap.settings.k8s.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'aragora-dev' }, data: { STRIPE: key } });
    files = files.map((f) => (f.path === 'qa/helm/values.yaml' ? { ...f, content: f.content + `extra: ${Buffer.from(key).toString('base64')}\n` } : f));
    // WHEN the rules run
    const found = only(checkFiles(files), 'no-credential-shapes');
    // THEN both files are named, with the shape and not the value
    expect(found).toEqual([
      expect.objectContaining({ resource: 'ConfigMap aragora-dev/settings', file: 'dev/ConfigMap.settings.k8s.yaml', message: 'holds something shaped like a Stripe secret key' }),
      expect.objectContaining({ resource: 'qa/helm/values.yaml', file: 'qa/helm/values.yaml', message: 'holds something shaped like a Stripe secret key' }),
    ]);
    expect(found[0].fix).toMatch(/aragora-secrets render.*aragora-secrets seal/);
    expect(JSON.stringify(found)).not.toContain(key);
  });

  test('no-secret-values: a Secret with data or stringData', () => {
    const files = add(base, 'dev/manifests/30-Secret.aragora-secrets.k8s.yaml', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'aragora-secrets', namespace: 'aragora-dev' },
      data: { B: 'eA==', A: 'eQ==' },
      stringData: { C: 'z' },
    });
    const found = only(checkFiles(files), 'no-secret-values');
    expect(found.map((v) => [v.resource, v.location, v.message])).toEqual([
      ['Secret aragora-dev/aragora-secrets', 'data', 'carries values in data (A, B), and this folder is committed'],
      ['Secret aragora-dev/aragora-secrets', 'stringData', 'carries values in stringData (C), and this folder is committed'],
    ]);
    expect(found[0].fix).toContain('aragora-secrets render --env ENV | kubectl apply --server-side -f -');
  });

  test('secret-access-get-only: list/watch on Secrets, and a rule that names no Secret', () => {
    const files = edit(base, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (role) => {
      role.rules[0].verbs = ['get', 'list', 'watch'];
      role.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
      return role;
    });
    const found = only(checkFiles(files), 'secret-access-get-only');
    expect(found).toEqual([
      expect.objectContaining({
        resource: 'Role aragora-dev/aragora-secrets-reader',
        location: 'rules[0].verbs',
        message: 'grants "list", "watch" on Secrets: list and watch return every value in the namespace',
        fix: 'keep only verbs: [get] with resourceNames listing the Secrets the workload reads',
      }),
      expect.objectContaining({ location: 'rules[1].resourceNames', message: expect.stringContaining('applies to every Secret of the namespace') }),
    ]);
  });

  test('no-cluster-wide-secret-access: a ClusterRole on Secrets, and bindings to it and to built-in readers', () => {
    let files = add(base, 'dev/manifests/10-ClusterRole.secret-reader.k8s.yaml', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['aragora-secrets'], verbs: ['get'] }],
    });
    files = add(files, 'dev/manifests/10-ClusterRoleBinding.secret-reader.k8s.yaml', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'secret-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'aragora', namespace: 'aragora-dev' }],
    });
    files = add(files, 'dev/manifests/10-RoleBinding.aragora-edit.k8s.yaml', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'aragora-edit', namespace: 'aragora-dev' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'aragora', namespace: 'aragora-dev' }],
    });
    const found = only(checkFiles(files), 'no-cluster-wide-secret-access');
    expect(found.map((v) => [v.resource, v.message])).toEqual([
      ['ClusterRole secret-reader', 'grants access to Secrets cluster-wide (a ClusterRole applies in every namespace it is bound in)'],
      ['ClusterRoleBinding secret-reader', 'binds ClusterRole "secret-reader", which can read Secrets in every namespace'],
      ['RoleBinding aragora-dev/aragora-edit', 'binds ClusterRole "edit", which can read Secrets (list included)'],
    ]);
    for (const v of found) expect(v.fix).toMatch(/namespaced Role/);
  });

  test('no-rbac-wildcards: "*" in verbs, resources or apiGroups', () => {
    const files = edit(base, 'staging/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (role) => {
      role.rules.push({ apiGroups: ['*'], resources: ['configmaps'], verbs: ['*'] });
      return role;
    });
    const found = only(checkFiles(files), 'no-rbac-wildcards');
    expect(found.map((v) => v.location)).toEqual(['rules[1].apiGroups', 'rules[1].verbs']);
    expect(found[0]).toMatchObject({ resource: 'Role aragora-staging/aragora-secrets-reader', fix: 'list the apiGroups the identity needs by name' });
    // The same wildcard also reaches Secrets: apiGroups "*" includes the core group.
    expect(only(checkFiles(files), 'secret-access-get-only')).toEqual([]);
  });

  test('egress-allows-dns: no egress rule at all, and egress without port 53/UDP', () => {
    const policy = 'prod/manifests/10-NetworkPolicy.aragora-secrets-access.k8s.yaml';
    const empty = edit(base, policy, (np) => ({ ...np, spec: { ...np.spec, egress: [] } }));
    expect(only(checkFiles(empty), 'egress-allows-dns')).toEqual([
      expect.objectContaining({
        resource: 'NetworkPolicy aragora-prod/aragora-secrets-access',
        message: 'restricts egress but lists no egress rule, so the pods can reach nothing, not even DNS',
      }),
    ]);
    const noDns = edit(base, policy, (np) => ({ ...np, spec: { ...np.spec, egress: np.spec.egress.filter((r: any) => !r.ports.some((p: any) => p.port === 53)) } }));
    expect(only(checkFiles(noDns), 'egress-allows-dns')).toEqual([
      expect.objectContaining({ message: 'allows no DNS (port 53/UDP): the pods could not resolve any name', fix: expect.stringContaining('53/UDP') }),
    ]);
    // TCP 53 alone is not DNS for most resolvers.
    const tcpOnly = edit(base, policy, (np) => ({ ...np, spec: { ...np.spec, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }] } }));
    expect(only(checkFiles(tcpOnly), 'egress-allows-dns')).toHaveLength(1);
  });

  test.each([
    ['a rule with no ports', [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }]],
    ['a port range over 53', [{ ports: [{ port: 1, endPort: 1024, protocol: 'UDP' }] }]],
    ['the named port "dns"', [{ ports: [{ port: 'dns', protocol: 'UDP' }] }]],
  ])('egress-allows-dns accepts %s', (_, egress) => {
    const files = edit(base, 'dev/manifests/10-NetworkPolicy.aragora-secrets-access.k8s.yaml', (np) => ({ ...np, spec: { ...np.spec, egress } }));
    expect(only(checkFiles(files), 'egress-allows-dns')).toEqual([]);
  });

  test('egress-allows-dns ignores ingress-only policies', () => {
    const files = add(base, 'dev/manifests/10-NetworkPolicy.ingress.k8s.yaml', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'ingress', namespace: 'aragora-dev' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    expect(checkFiles(files)).toEqual([]);
  });

  test('egress-blocks-metadata: the pre-1.0 public rule (private ranges only), a rule to every destination, and an IPv6 block without fc00::/7', () => {
    // GIVEN the dev policy as it was generated before: 0.0.0.0/0 except the RFC 1918 ranges only
    const policy = 'dev/manifests/10-NetworkPolicy.aragora-secrets-access.k8s.yaml';
    const old = edit(base, policy, (np) => ({
      ...np,
      spec: {
        ...np.spec,
        egress: [
          np.spec.egress[0],
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }, { ipBlock: { cidr: '::/0', except: ['fe80::/10'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
          { ports: [{ port: 80, protocol: 'TCP' }] },
        ],
      },
    }));
    const found = only(checkFiles(old), 'egress-blocks-metadata');
    expect(found.map((v) => [v.location, v.message.split(' (')[0], v.fix])).toEqual([
      ['spec.egress[1].to[0].ipBlock', '"0.0.0.0/0" lets the pods reach 100.100.100.200', 'add "100.64.0.0/10" to the ipBlock\'s except'],
      ['spec.egress[1].to[0].ipBlock', '"0.0.0.0/0" lets the pods reach 169.254.169.254', 'add "169.254.0.0/16" to the ipBlock\'s except'],
      ['spec.egress[1].to[1].ipBlock', '"::/0" lets the pods reach 64:ff9b::a9fe:a9fe', 'add "64:ff9b::a9fe:0/112" to the ipBlock\'s except'],
      ['spec.egress[1].to[1].ipBlock', '"::/0" lets the pods reach fd00:ec2::254', 'add "fc00::/7" to the ipBlock\'s except'],
      ['spec.egress[2]', 'allows every destination, the cloud metadata endpoints included', expect.stringContaining('list the destinations')],
    ]);
    expect(found[0].resource).toBe('NetworkPolicy aragora-dev/aragora-secrets-access');
  });

  test('workload-secrets-consistent: a Secret nobody makes, and one an API reader was not granted', () => {
    // GIVEN the plain environment's Deployment without its deploy-time note, and its API reader's Role naming another Secret
    let files = edit(base, 'dev/manifests/40-Deployment.aragora.k8s.yaml', (d) => {
      delete d.metadata.annotations['aragora-secrets/created-at-deploy-time'];
      return d;
    });
    files = edit(files, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (role) => {
      role.rules[0].resourceNames = ['something-else'];
      return role;
    });
    // THEN both halves of the rule fire, naming the Deployment, the Secret and where it is read
    const found = only(checkFiles(files), 'workload-secrets-consistent');
    expect(found).toEqual([
      expect.objectContaining({
        resource: 'Deployment aragora-dev/aragora',
        location: 'spec.template.spec.containers[0].envFrom[0]',
        message: 'reads Secret "aragora-secrets", but the Role in this folder that lets its ServiceAccount "aragora" read Secrets through the API does not grant it',
        fix: expect.stringContaining('add aragora-secrets to that Role\'s resourceNames'),
      }),
      expect.objectContaining({
        message: 'reads Secret "aragora-secrets", which no SealedSecret, ExternalSecret, VaultStaticSecret, VaultDynamicSecret or SecretProviderClass in this folder makes, and which is not marked as created at deploy time',
        fix: expect.stringContaining('aragora-secrets/created-at-deploy-time'),
      }),
    ]);
  });

  test('workload-secrets-consistent: the producer must be in the same folder and namespace, under the name read', () => {
    // A SealedSecret whose template makes another Secret than the one read.
    const renamed = edit(base, 'qa/manifests/30-SealedSecret.aragora-secrets.k8s.yaml', (s) => {
      s.spec.template.metadata.name = 'other';
      return s;
    });
    expect(only(checkFiles(renamed), 'workload-secrets-consistent').map((v) => v.location)).toEqual(
      expect.arrayContaining(['spec.template.spec.containers[0].env[0]']),
    );
    // The staging generated Secret comes from its own ExternalSecret: without it, that key's reference breaks.
    const noGenerated = edit(base, 'staging/manifests/30-ExternalSecret.aragora-secrets-generated.k8s.yaml', () => undefined);
    expect(only(checkFiles(noGenerated), 'workload-secrets-consistent')).toEqual([
      expect.objectContaining({ resource: 'Deployment aragora-staging/aragora', message: expect.stringContaining('"aragora-secrets-generated", which no SealedSecret, ExternalSecret') }),
    ]);
    // The kubelet reads secretKeyRef and envFrom: a workload bound to no Role needs no grant (qa has none).
    const otherAccount = edit(base, 'qa/manifests/40-Deployment.aragora.k8s.yaml', (d) => {
      d.spec.template.spec.serviceAccountName = 'other';
      return d;
    });
    expect(only(checkFiles(otherAccount), 'workload-secrets-consistent')).toEqual([]);
  });

  test('secret-role-has-user: the Role of the previous default (get on the Secret, bound to a ServiceAccount without a token)', () => {
    // GIVEN the dev folder as it was generated before: the Role and RoleBinding, with no API token anywhere
    let files = synth().filter((f) => f.path.startsWith('dev/'));
    files = add(files, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', parse(base.find((f) => f.path === 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml')!.content));
    files = add(files, 'dev/manifests/10-RoleBinding.aragora-secrets-reader.k8s.yaml', parse(base.find((f) => f.path === 'dev/manifests/10-RoleBinding.aragora-secrets-reader.k8s.yaml')!.content));
    expect(parse(files.find((f) => f.path === 'dev/manifests/10-ServiceAccount.aragora.k8s.yaml')!.content).automountServiceAccountToken).toBe(false);
    // THEN the binding is refused: no pod can use it, only whoever requests a token for the ServiceAccount
    expect(only(checkFiles(files), 'secret-role-has-user')).toEqual([
      {
        rule: 'secret-role-has-user',
        resource: 'RoleBinding aragora-dev/aragora-secrets-reader',
        file: 'dev/manifests/10-RoleBinding.aragora-secrets-reader.k8s.yaml',
        location: 'subjects[0]',
        message: expect.stringMatching(/^lets ServiceAccount "aragora" get Secrets through the API, but its pods mount no API token/),
        fix: expect.stringContaining('remove the Role and RoleBinding when the application takes its values from its environment'),
      },
    ]);
    // The pod's own setting counts before the ServiceAccount's, and a projected token counts as a token.
    const podToken = edit(files, 'dev/manifests/40-Deployment.aragora.k8s.yaml', (d) => {
      d.spec.template.spec.automountServiceAccountToken = true;
      return d;
    });
    expect(only(checkFiles(podToken), 'secret-role-has-user')).toEqual([]);
    const projected = edit(files, 'dev/manifests/40-Deployment.aragora.k8s.yaml', (d) => {
      d.spec.template.spec.volumes = [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }];
      return d;
    });
    expect(only(checkFiles(projected), 'secret-role-has-user')).toEqual([]);
    // A folder without the workload (a patch for a Deployment managed elsewhere) cannot tell: no violation.
    expect(only(checkFiles(edit(files, 'dev/manifests/40-Deployment.aragora.k8s.yaml', () => undefined)), 'secret-role-has-user')).toEqual([]);
  });

  test('external-secret-refs-exist: the store and the generator must be in the folder', () => {
    let files = edit(base, 'staging/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml', () => undefined);
    files = edit(files, 'staging/manifests/20-Password.aragora-secret-generator.k8s.yaml', () => undefined);
    const found = only(checkFiles(files), 'external-secret-refs-exist');
    expect(found.map((v) => [v.resource, v.location, v.message])).toEqual([
      ['ExternalSecret aragora-staging/aragora-secrets-generated', 'spec.dataFrom[0].sourceRef.generatorRef', 'uses Password "aragora-secret-generator", which is not in this folder'],
      ['ExternalSecret aragora-staging/aragora-secrets', 'spec.secretStoreRef', 'uses ClusterSecretStore "vault-backend", which is not in this folder'],
    ]);
    // Another environment's folder does not count, even if it holds a store of that name.
    const elsewhere = [...files, ...base.filter((f) => f.path === 'staging/manifests/20-ClusterSecretStore.vault-backend.k8s.yaml').map((f) => ({ ...f, path: 'other/ClusterSecretStore.vault-backend.k8s.yaml' }))];
    expect(only(checkFiles(elsewhere), 'external-secret-refs-exist')).toHaveLength(2);
  });

  test('readable-manifests: a manifest that is not YAML, or not an object', () => {
    const files = [...base, { path: 'dev/Broken.k8s.yaml', content: 'kind: [unclosed\n' }, { path: 'dev/List.k8s.yaml', content: '- a\n- b\n' }];
    expect(only(checkFiles(files), 'readable-manifests').map((v) => [v.file, v.message.split(':')[0]])).toEqual([
      ['dev/Broken.k8s.yaml', 'not valid YAML'],
      ['dev/List.k8s.yaml', 'not a Kubernetes object (apiVersion, kind and metadata.name are required)'],
    ]);
  });

  test('violations are sorted by file and rule, whatever the order of the files', () => {
    const bad = edit(edit(base, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (r) => ({ ...r, rules: [{ ...r.rules[0], verbs: ['*'] }] })), 'staging/manifests/20-Password.aragora-secret-generator.k8s.yaml', () => undefined);
    const forward = runChecks(RULES, { tree: parseTree(bad) });
    expect(runChecks(RULES, { tree: parseTree([...bad].reverse()) })).toEqual(forward);
    expect(forward.map((v) => v.file)).toEqual([...forward.map((v) => v.file)].sort());
  });
});

describe('the cdk8s validation plugin (plugins/guard-rails)', () => {
  const { GuardRails } = require(join(root, 'plugins', 'guard-rails'));

  /** The parts of cdk8s-cli's ValidationContext the plugin uses. */
  function fakeContext(manifests: string[]) {
    const violations: any[] = [];
    let summary: any;
    return {
      context: { manifests, report: { addViolation: (v: any) => violations.push(v), submit: (status: string, metadata: any) => (summary = { status, metadata }) } },
      violations,
      summary: () => summary,
    };
  }

  function writeTree(files: readonly OutputFile[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-plugin-'));
    return files
      .filter((f) => f.path.endsWith('.yaml'))
      .map((f) => {
        const full = join(dir, f.path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, f.content);
        return full;
      });
  }

  test('passes the synthesized default', async () => {
    const run = fakeContext(writeTree(base));
    await new GuardRails().validate(run.context);
    expect(run.summary()).toEqual({ status: 'success', metadata: expect.objectContaining({ violations: '0', rules: String(RULES.length) }) });
    expect(run.violations).toEqual([]);
  });

  test('fails a bad tree, one entry per rule and message with the resources, files and fix', async () => {
    const bad = edit(base, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (role) => {
      role.rules[0].verbs = ['get', 'list'];
      return role;
    });
    const run = fakeContext(writeTree(bad));
    await new GuardRails().validate(run.context);
    expect(run.summary().status).toBe('failure');
    expect(run.violations).toEqual([
      {
        ruleName: 'secret-access-get-only',
        recommendation: 'grants "list" on Secrets: list and watch return every value in the namespace',
        fix: 'keep only verbs: [get] with resourceNames listing the Secrets the workload reads',
        violatingResources: [{ resourceName: 'Role aragora-dev/aragora-secrets-reader', manifestPath: expect.stringMatching(/dev\/manifests\/10-Role\.aragora-secrets-reader\.k8s\.yaml$/), locations: ['rules[0].verbs'] }],
      },
    ]);
  });

  test('reads every file of the output folder, the ones beside the manifests too, but follows no link out of it', async () => {
    // GIVEN the default's manifests, a key-shaped value in a Vault policy beside them, and links: one to a
    // file outside the folder holding another key, one to the folder itself (a loop)
    const key = () => 'sk_' + 'live_' + randomBytes(18).toString('hex');
    const manifests = writeTree(base);
    const dir = dirname(dirname(manifests[0]));
    writeFileSync(join(dir, 'dev', 'planted.hcl'), `path "secret/data/x" { capabilities = ["read"] } # ${key()}\n`);
    const outside = join(mkdtempSync(join(tmpdir(), 'aragora-outside-')), 'values.env');
    writeFileSync(outside, `STRIPE=${key()}\n`);
    symlinkSync(outside, join(dir, 'dev', 'linked.env'));
    symlinkSync(dir, join(dir, 'dev', 'loop'), 'dir');
    // WHEN the plugin runs over the manifests cdk8s lists
    const run = fakeContext(manifests);
    await new GuardRails().validate(run.context);
    // THEN the policy file is checked, and nothing the links point at is read
    expect(run.summary().status).toBe('failure');
    expect(run.violations.map((v) => [v.ruleName, v.violatingResources.map((r: any) => r.manifestPath)])).toEqual([
      ['no-credential-shapes', [join(dir, 'dev', 'planted.hcl')]],
    ]);
  });

  test('without a readable config the rules run over the objects alone, and the plugin says why', () => {
    // GIVEN a project whose config is not valid YAML, and a clean output
    const project = mkdtempSync(join(tmpdir(), 'aragora-plugin-project-'));
    writeFileSync(join(project, 'aragora-secrets.yaml'), 'app: [unclosed\n');
    // WHEN the plugin's checks run there
    const { checkWrittenOutput } = require(join(root, 'src', 'validation-plugin'));
    const result = checkWrittenOutput(writeTree(base), { cwd: project, env: {} });
    // THEN they ran, found nothing, and the note names the config problem (no value of it)
    expect(result.findings).toEqual([]);
    expect(result.rules).toHaveLength(RULES.length);
    expect(result.note).toMatch(/^the config could not be read, so the rules ran over the objects alone: /);
  });

  test('runs only the rules named in its properties', async () => {
    const bad = edit(base, 'dev/manifests/10-Role.aragora-secrets-reader.k8s.yaml', (role) => ({ ...role, rules: [{ ...role.rules[0], verbs: ['*'] }] }));
    const run = fakeContext(writeTree(bad));
    await new GuardRails({ rules: ['no-rbac-wildcards'] }).validate(run.context);
    expect(run.violations.map((v) => v.ruleName)).toEqual(['no-rbac-wildcards']);
  });
});
