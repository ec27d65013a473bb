import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AppSecret } from '../src/k8s/app-secret';
import { SecretReader } from '../src/k8s/secret-reader';
import { SecretsEgressPolicy } from '../src/k8s/egress-policy';
import { validationErrors } from '../src/app/synthesize';
import { configWith, find, findAll, manifests, problemsOf, synth } from './helpers';

/**
 * The embedded default with prod on plain delivery, as it was before prod moved to Vault Agent
 * injection: the Secret-based wiring is asserted on the environment with the most secrets.
 */
function synthPlainProd() {
  return synth(
    configWith((c) => {
      c.environments.prod.delivery = 'plain';
      delete c.environments.prod.workload!.command;
    }),
  );
}

describe('reader identity (least privilege): the kubelet reads the Secret, so the application gets no Role unless it reads through the API', () => {
  const objects = manifests(synthPlainProd(), 'prod');

  test('env/envFrom delivery: the ServiceAccount alone, no Role, no RoleBinding, no API token', () => {
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      const all = manifests(synth(), env);
      expect(findAll(all, 'Role')).toEqual([]);
      expect(findAll(all, 'RoleBinding')).toEqual([]);
      expect(findAll(all, 'ClusterRole')).toEqual([]);
      expect(findAll(all, 'ClusterRoleBinding')).toEqual([]);
    }
    expect(find(objects, 'ServiceAccount', 'aragora').automountServiceAccountToken).toBe(false);
    expect(find(objects, 'Deployment', 'aragora').spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(find(objects, 'Deployment', 'aragora').spec.template.spec.serviceAccountName).toBe('aragora');
  });

  describe('workload.readsSecretsThroughApi: the seed\'s Role, with the token the application needs to use it', () => {
    const reader = manifests(
      synth(
        configWith((c) => {
          c.environments.prod.delivery = 'plain';
          c.environments.prod.workload = { ...c.environments.prod.workload, command: undefined, readsSecretsThroughApi: true };
        }),
      ),
      'prod',
    );

    test('the Role allows only get, on exactly the Secret the workload reads', () => {
      const role = find(reader, 'Role', 'aragora-secrets-reader');
      expect(role.metadata.namespace).toBe('aragora-prod');
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['aragora-secrets'], verbs: ['get'] }]);
      expect(JSON.stringify(findAll(reader, 'Role'))).not.toMatch(/"\*"|"list"|"watch"/);
    });

    test('the RoleBinding binds that Role to the workload ServiceAccount in its namespace, which mounts its token', () => {
      const binding = find(reader, 'RoleBinding', 'aragora-secrets-reader');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'aragora-secrets-reader' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aragora', namespace: 'aragora-prod' }]);
      expect(find(reader, 'ServiceAccount', 'aragora').automountServiceAccountToken).toBe(true);
      expect(find(reader, 'Deployment', 'aragora').spec.template.spec).toMatchObject({ serviceAccountName: 'aragora', automountServiceAccountToken: true });
    });
  });

  test('with Vault delivery there is no Secret to read through the API: the option is a config error', () => {
    const problems = problemsOf(configWith((c) => (c.environments.prod.workload = { ...c.environments.prod.workload, readsSecretsThroughApi: true })));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'environments.prod.workload.readsSecretsThroughApi', message: expect.stringMatching(/Vault Agent injection creates no Kubernetes Secret/) }),
    );
  });

  test('a reader granted nothing is a synth error (an empty resourceNames would allow every Secret)', () => {
    const namespaced = new Chart(Testing.app(), 'c', { namespace: 'ns' });
    new SecretReader(namespaced, 'Reader', { serviceAccountName: 'sa', roleName: 'r' });
    expect(validationErrors(namespaced)).toEqual([expect.stringMatching(/granted no Secret/)]);
  });

  test('a Role without a token is refused; a reader without secret access makes the ServiceAccount only, and refuses grants', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ns' });
    expect(() => new SecretReader(chart, 'Unusable', { serviceAccountName: 'sa', roleName: 'r', automountToken: false })).toThrow(/makes a Role no pod can use/);
    const envOnly = new SecretReader(chart, 'Reader', { serviceAccountName: 'sa', roleName: 'r', secretAccess: false });
    expect(envOnly.automountToken).toBe(false);
    expect(Testing.synth(chart).map((o) => o.kind)).toEqual(['ServiceAccount']);
    AppSecret.fromSecretName(chart, 'S', 's').grantRead(envOnly);
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/reads no Secret through the API \(secretAccess: false\) but was granted s/)]);
  });

  test('grantRead accumulates names, sorted and unique', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ns' });
    const reader = new SecretReader(chart, 'Reader', { serviceAccountName: 'sa', roleName: 'r' });
    AppSecret.fromSecretName(chart, 'B', 'b-secret').grantRead(reader);
    AppSecret.fromSecretName(chart, 'A', 'a-secret').grantRead(reader);
    AppSecret.fromSecretName(chart, 'A2', 'a-secret').grantRead(reader);
    const role = Testing.synth(chart).find((o) => o.kind === 'Role');
    expect(role.rules[0].resourceNames).toEqual(['a-secret', 'b-secret']);
  });

  test('a reader outside a namespaced chart is refused', () => {
    expect(() => new SecretReader(Testing.chart(), 'Reader', { serviceAccountName: 'sa', roleName: 'r' })).toThrow(/namespace/);
  });
});

describe('plain Secret', () => {
  test('is never emitted into dist for plain delivery: values come at deploy time', () => {
    for (const env of ['dev', 'staging', 'prod']) expect(findAll(manifests(synth(), env), 'Secret')).toEqual([]);
  });

  test('renders like kubectl create secret generic, keys sorted, values base64', () => {
    const chart = Testing.chart();
    new AppSecret(chart, 'S', { secretName: 'aragora-secrets', values: { B_KEY: 'two', A_KEY: 'one' } });
    const [secret] = Testing.synth(chart);
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'aragora-secrets' } });
    expect(Object.keys(secret.data)).toEqual(['A_KEY', 'B_KEY']);
    expect(Buffer.from(secret.data.A_KEY, 'base64').toString()).toBe('one');
    expect(secret.stringData).toBeUndefined();
  });
});

describe('workload wiring', () => {
  test('secretKeyRef: one entry per delivered secret; only required ones are not optional', () => {
    const deployment = find(manifests(synthPlainProd(), 'prod'), 'Deployment', 'aragora');
    const env = (deployment.spec.template.spec.containers[0].env as any[]).filter((e) => e.valueFrom);
    expect(env.map((e) => e.name)).toEqual([
      'ANTHROPIC_API_KEY',
      'ARAGORA_JWT_SECRET',
      'ARAGORA_SSO_CLIENT_SECRET',
      'OPENAI_API_KEY',
      'OPENROUTER_API_KEY',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'SUPABASE_KEY',
    ]);
    for (const e of env) expect(e.valueFrom.secretKeyRef.name).toBe('aragora-secrets');
    const optional = env.filter((e) => e.valueFrom.secretKeyRef.optional).map((e) => e.name);
    expect(optional).toEqual(['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY']);
    expect(env.map((e) => e.name)).not.toContain('GOOGLE_OAUTH_CLIENT_SECRET');
  });

  test('envFrom mode reads the whole Secret (the seed Option 1)', () => {
    const deployment = find(manifests(synth(), 'dev'), 'Deployment', 'aragora');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: 'aragora-secrets' } }]);
    expect(container.env).toEqual([{ name: 'ARAGORA_ENV', value: 'development' }]);
  });

  test('replicas, image, port, resources and a restricted security context come from config', () => {
    const deployment = find(manifests(synth(), 'prod'), 'Deployment', 'aragora');
    expect(deployment.spec.replicas).toBe(3);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]).toMatchObject({
      image: 'ghcr.io/aragora/aragora:1.0.0',
      ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'aragora' });
    // prod uses Vault delivery: the one volume is the agent's Vault-only token, which the application container does not mount.
    expect(pod.volumes).toEqual([{ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', path: 'token' } }] } }]);
    expect(pod.containers[0]).not.toHaveProperty('volumeMounts');
  });

  // Plain delivery also names the Secret created at deploy time, for reviewers and the guard rails.
  const deployTime = { 'aragora-secrets/created-at-deploy-time': 'aragora-secrets' };
  test.each([
    ['targeted', { ...deployTime, 'secret.reloader.stakater.com/reload': 'aragora-secrets' }],
    ['auto', { ...deployTime, 'reloader.stakater.com/auto': 'true' }],
    ['none', deployTime],
  ] as const)('reloader %s', (mode, annotations) => {
    const files = synth(configWith((c) => (c.environments.dev.rotation = { reloader: mode })));
    expect(find(manifests(files, 'dev'), 'Deployment', 'aragora').metadata.annotations).toEqual(annotations);
  });

  test('turned off, the Deployment becomes a patch with the same wiring', () => {
    const files = synth(
      configWith((c) => {
        c.environments.prod.delivery = 'plain';
        c.environments.prod.workload = { ...c.environments.prod.workload, command: undefined, enabled: false };
      }),
    );
    expect(findAll(manifests(files, 'prod'), 'Deployment')).toEqual([]);
    const patchFile = files.find((f) => f.path === 'prod/patches/workload.patch.yaml');
    expect(patchFile).toBeDefined();
    const patch = parse(patchFile!.content);
    expect(patch).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'aragora', namespace: 'aragora-prod' } });
    expect(patch.metadata.annotations).toEqual({
      'aragora-secrets/created-at-deploy-time': 'aragora-secrets',
      'secret.reloader.stakater.com/reload': 'aragora-secrets',
    });
    const pod = patch.spec.template.spec;
    expect(pod.serviceAccountName).toBe('aragora');
    expect(pod.containers[0].env.filter((e: any) => e.valueFrom)).toHaveLength(8);
    expect(patch.spec.template.metadata.labels).toEqual({ app: 'aragora' });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('a renamed Secret is renamed everywhere at once', () => {
    // staging delivers through ESO, with its generated values in a Secret of their own.
    const files = synth(
      configWith((c) => {
        c.environments.staging.secretName = 'aragora-app-env';
        c.environments.staging.workload = { ...c.environments.staging.workload, readsSecretsThroughApi: true };
      }),
    );
    const objects = manifests(files, 'staging');
    expect(find(objects, 'Role').rules[0].resourceNames).toEqual(['aragora-app-env', 'aragora-app-env-generated']);
    const env = (find(objects, 'Deployment').spec.template.spec.containers[0].env as any[]).filter((e) => e.valueFrom);
    expect(new Set(env.map((e) => e.valueFrom.secretKeyRef.name))).toEqual(new Set(['aragora-app-env', 'aragora-app-env-generated']));
    expect(find(objects, 'Deployment').metadata.annotations).toEqual({ 'secret.reloader.stakater.com/reload': 'aragora-app-env,aragora-app-env-generated' });
    expect(find(objects, 'ExternalSecret', 'aragora-app-env').spec.target.name).toBe('aragora-app-env');
    expect(find(objects, 'ExternalSecret', 'aragora-app-env-generated').spec.target.name).toBe('aragora-app-env-generated');
  });
});

describe('egress NetworkPolicy', () => {
  test('selects the app pods and allows DNS and public HTTPS, not the private ranges (the seed example would cut off the LLM APIs)', () => {
    const policy = find(manifests(synthPlainProd(), 'prod'), 'NetworkPolicy', 'aragora-secrets-access');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { app: 'aragora' } });
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      {
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: expect.arrayContaining(['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16']) } },
          { ipBlock: { cidr: '::/0', except: expect.arrayContaining(['fc00::/7', 'fe80::/10']) } },
        ],
        ports: [{ port: 443, protocol: 'TCP' }],
      },
    ]);
  });

  test('backends become rules of their own, sorted by name', () => {
    const files = synth(
      configWith((c) => {
        c.environments.dev.network = {
          publicHttps: { enabled: false },
          backends: [
            { name: 'vault', namespace: 'vault', podLabels: { 'app.kubernetes.io/name': 'vault' }, ports: [8200] },
            { name: 'aws', cidr: '10.20.0.0/16', except: ['10.20.5.0/24'], ports: [443, 443] },
          ],
        };
      }),
    );
    const policy = find(manifests(files, 'dev'), 'NetworkPolicy');
    expect(policy.spec.egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault' } } }],
        ports: [{ port: 8200, protocol: 'TCP' }],
      },
    ]);
    expect(JSON.stringify(policy)).not.toContain('0.0.0.0/0');
  });

  test('can be turned off', () => {
    const files = synth(configWith((c) => (c.environments.dev.network = { enabled: false })));
    expect(findAll(manifests(files, 'dev'), 'NetworkPolicy')).toEqual([]);
  });

  test('a policy without DNS is a synth error; one without pod labels is refused', () => {
    const chart = Testing.chart();
    new SecretsEgressPolicy(chart, 'P', { policyName: 'p', podLabels: { app: 'a' }, egress: [{ purpose: 'x', peers: [], ports: [{ port: 443, protocol: 'TCP' }] }] });
    expect(validationErrors(chart)).toEqual([expect.stringMatching(/allows no DNS/)]);
    expect(() => new SecretsEgressPolicy(Testing.chart(), 'P', { policyName: 'p', podLabels: {}, egress: [] })).toThrow(/every pod/);
  });
});

describe('environment isolation', () => {
  test('every object of an environment is in its namespace and carries its labels', () => {
    for (const [env, ns] of [
      ['dev', 'aragora-dev'],
      ['staging', 'aragora-staging'],
      ['prod', 'aragora-prod'],
    ]) {
      for (const o of manifests(synth(), env)) {
        if (o.kind === 'ClusterSecretStore') {
          // Cluster-wide and shared: no namespace, and no environment's label (see external-secrets.test.ts).
          expect(o.metadata.namespace).toBeUndefined();
          expect(o.metadata.labels).toEqual({ app: 'aragora', 'app.kubernetes.io/managed-by': 'aragora-secrets', 'app.kubernetes.io/part-of': 'aragora' });
          continue;
        }
        if (o.kind === 'Namespace') {
          expect(o.metadata.name).toBe(ns);
          expect(o.metadata.namespace).toBeUndefined();
          expect(o.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
        } else {
          expect(o.metadata.namespace).toBe(ns);
        }
        expect(o.metadata.labels).toMatchObject({ app: 'aragora', 'app.kubernetes.io/instance': `aragora-${env}`, 'app.kubernetes.io/managed-by': 'aragora-secrets' });
      }
    }
  });

  test('the Namespace object can be left to the cluster admin', () => {
    const files = synth(configWith((c) => (c.environments.prod.createNamespace = false)));
    expect(findAll(manifests(files, 'prod'), 'Namespace')).toEqual([]);
  });
});
