import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parseConfigFile } from '../src/config/load';
import { validateConfig } from '../src/config/validate';
import { deployFiles } from '../src/cloud/aws/deploy-files';
import { gcpSetupScript } from '../src/cloud/gcp/setup-script';
import { workloadIdentityScript } from '../src/app/eso-identity';
import type { AwsPlan } from '../src/cloud/aws/plan';
import type { GcpPlan } from '../src/cloud/gcp/plan';
import type { GcpEsoIdentity } from '../src/cloud/gcp/cloud';
import { resolvePlan } from '../src/app/resolve-plan';
import { synthesizePlan } from '../src/app/synthesize';
import type { EnvironmentPlan } from '../src/plan/plan';
import type { VaultDeliveryPlan } from '../src/delivery/vault/plan';
import { comment, environmentVariable, operand, shellQuote, vaultArgument } from '../src/core/shell';
import { vaultPolicyHcl, vaultPutValuesScript, vaultSetupScript, type VaultServerFilesProps } from '../src/delivery/vault/server-files';
import { configWith, synth } from './helpers';
import { POSIX_SHELLS, stubWorld, type StubCall, type StubWorld } from './support/stub-clis';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

const root = resolve(__dirname, '..');
const tools = ['bash', 'jq', 'openssl'].every((tool) => onPath(tool));
const describeRun = tools ? integration.describe : integration.describe.skip;

/**
 * Config text an attacker controls, with everything a shell could read as code: command substitution,
 * backticks, quotes, a backslash, `;`, `&`, `|`, `#`, a newline followed by a command, the Unicode line
 * and paragraph separators, a carriage return, NEL, printf directives, parameter and arithmetic
 * expansion. Each injected command would leave a file named after the field in `marks`.
 */
function hostile(marks: string, field: string): string {
  const touch = (n: number) => `touch ${marks}/${field}.${n}`;
  return `${field} $(${touch(1)})\`${touch(2)}\`'\\''"; ${touch(3)} #\n${touch(4)}\u2028${touch(5)}\u2029\r\u0085 & ${touch(6)} | %s%n \${HOME} $((6*7)) \\ \u202e end`;
}

/** Script comment lines (from the generators' own line structure): none may hold a line break or a direction mark. */
function expectCommentsOneLine(script: string): void {
  for (const line of script.split('\n').filter((l) => l.trimStart().startsWith('#'))) {
    expect({ line, unsafe: /[\r\u0085\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(line) }).toEqual({ line, unsafe: false });
  }
}

function run(world: StubWorld, shell: string, script: string, name: string, values: Record<string, string> = {}, shellArgs: string[] = []) {
  const dir = join(world.dir, `run-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, name), script);
  const result = spawnSync(shell, [...shellArgs, join(dir, name)], { cwd: world.dir, env: { ...world.env, HOME: world.dir, ...values }, encoding: 'utf8' });
  return { ...result, dir };
}

const gcloud = (calls: StubCall[]) => calls.filter((c) => c.cli === 'gcloud');

describeRun('hostile config text in every string that reaches a script (the generators called directly, past the schema)', () => {
  const world = stubWorld();
  const h = (field: string) => hostile(world.marks, field);

  afterEach(() => {
    expect(world.marksLeft()).toEqual([]);
    expect(world.calls().filter((c) => c.cli === 'kubectl')).toEqual([]);
  });

  describe('gcp/setup.sh', () => {
    const gcp = (configConnector: boolean): GcpPlan => ({
      project: h('project'),
      region: h('region'),
      serviceAccount: { email: h('saEmail'), accountId: h('saAccountId'), project: h('saProject'), member: h('saMember') },
      replication: { automatic: false, locations: [h('location1'), h('location2')] },
      secrets: [
        { env: 'ALPHA_KEY', secretId: h('alphaId'), version: 'latest', resourceName: h('alphaResource'), accessorName: h('alphaAccessor'), required: true, generated: false, purpose: h('alphaPurpose') },
        { env: 'BRAVO_KEY', secretId: h('bravoId'), version: h('bravoVersion'), resourceName: h('bravoResource'), accessorName: h('bravoAccessor'), required: false, generated: true, purpose: h('bravoPurpose') },
      ],
      labels: { [h('labelKey')]: h('labelValue') },
      cloudRun: { service: h('service'), region: h('runRegion'), image: h('image'), port: 8080, ingress: 'all' },
      configConnector: configConnector ? { namespace: h('ccNamespace') } : undefined,
      store: { name: h('store'), auth: 'workloadIdentity' },
      workloadIdentity: { serviceAccountName: h('ksa'), namespace: h('ksaNamespace'), pool: h('pool'), member: h('wiMember'), bindingName: h('binding'), create: false },
      podWorkloadIdentity: { serviceAccountName: h('podKsa'), namespace: h('podNamespace'), pool: h('podPool'), member: h('podMember'), bindingName: h('podBinding') },
    });
    const values = { ALPHA_KEY: h('alphaValue') };

    test.each(POSIX_SHELLS)('without Config Connector, under %s: every gcloud call gets the exact text; nothing injected runs', (shell) => {
      const plan = gcp(false);
      const script = gcpSetupScript({ environment: h('environment'), gcp: plan });
      expectCommentsOneLine(script);
      const before = world.calls().length;
      const result = run(world, shell, script, 'setup.sh', values, [], );
      const calls = gcloud(world.calls().slice(before));
      const p = `--project=${plan.project}`;
      const [alpha, bravo] = plan.secrets;
      const secretSetup = (id: string) => [
        ['secrets', 'describe', id, p],
        ['secrets', 'create', id, p, '--replication-policy=user-managed', `--locations=${plan.replication.automatic ? '' : plan.replication.locations.join(',')}`, `--labels=${h('labelKey')}=${h('labelValue')}`],
        ['secrets', 'add-iam-policy-binding', id, p, `--member=${plan.serviceAccount.member}`, '--role=roles/secretmanager.secretAccessor', '--condition=None'],
      ];
      const list = (id: string, ...flags: string[]) => ['secrets', 'versions', 'list', id, p, '--format=value(name)', ...flags];
      expect(calls.map((c) => c.args)).toEqual([
        ['services', 'enable', 'secretmanager.googleapis.com', p],
        ['iam', 'service-accounts', 'describe', plan.serviceAccount.email, `--project=${plan.serviceAccount.project}`],
        ['iam', 'service-accounts', 'create', plan.serviceAccount.accountId, `--project=${plan.serviceAccount.project}`, `--display-name=${plan.serviceAccount.accountId}`],
        ...secretSetup(alpha.secretId),
        ['secrets', 'versions', 'add', alpha.secretId, p, '--data-file=-'],
        list(alpha.secretId, '--filter=state:ENABLED'),
        ...secretSetup(bravo.secretId),
        list(bravo.secretId, '--limit=1'),
        ['secrets', 'versions', 'add', bravo.secretId, p, '--data-file=-'],
        list(bravo.secretId, '--filter=state:ENABLED'),
        ['iam', 'service-accounts', 'add-iam-policy-binding', plan.serviceAccount.email, `--project=${plan.serviceAccount.project}`, '--role=roles/iam.workloadIdentityUser', `--member=${plan.workloadIdentity!.member}`, '--condition=None'],
        ['iam', 'service-accounts', 'add-iam-policy-binding', plan.serviceAccount.email, `--project=${plan.serviceAccount.project}`, '--role=roles/iam.workloadIdentityUser', `--member=${plan.podWorkloadIdentity!.member}`, '--condition=None'],
      ]);
      // The value arrives byte for byte on stdin; the generated one is 32 random bytes.
      expect(calls.filter((c) => c.stdin !== undefined).map((c) => c.stdin)).toEqual([values.ALPHA_KEY, expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
      // No version is listed (the stub has none): both secrets are reported, by variable name.
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(' ALPHA_KEY BRAVO_KEY\n');
    });

    test.each(POSIX_SHELLS)('with Config Connector, under %s: only the service account and the values', (shell) => {
      const plan = gcp(true);
      const script = gcpSetupScript({ environment: h('environment'), gcp: plan });
      expectCommentsOneLine(script);
      const before = world.calls().length;
      run(world, shell, script, 'setup.sh', values, [], );
      const calls = gcloud(world.calls().slice(before));
      expect(calls.map((c) => c.args.slice(0, 3))).toEqual([
        ['services', 'enable', 'secretmanager.googleapis.com'],
        ['iam', 'service-accounts', 'describe'],
        ['iam', 'service-accounts', 'create'],
        ['secrets', 'versions', 'add'],
        ['secrets', 'versions', 'list'],
        ['secrets', 'versions', 'list'],
        ['secrets', 'versions', 'add'],
        ['secrets', 'versions', 'list'],
      ]);
      expect(calls[3].args[3]).toBe(plan.secrets[0].secretId);
      expect(calls[3].stdin).toBe(values.ALPHA_KEY);
    });
  });

  describe('vault/setup.sh and vault/put-values.sh', () => {
    const delivery: VaultDeliveryPlan = {
      method: 'vault',
      role: h('role'),
      policyName: h('policy'),
      kvVersion: 2,
      file: 'env',
      filePath: '/vault/secrets/env',
      sources: [
        {
          path: `${h('mount')}/data/${h('key')}`,
          fields: [
            { env: 'ALPHA_KEY', field: h('alphaField'), required: true },
            { env: 'BRAVO_KEY', field: h('bravoField'), required: false },
          ],
        },
      ],
      authPath: h('authPath'),
      authPathConfigured: true,
      vaultNamespace: h('vaultNamespace'),
      prePopulateOnly: false,
      tokenTtl: h('ttl'),
      tokenMaxTtl: h('maxTtl'),
      audience: h('audience'),
      server: { port: 8200 },
      tls: {},
    };
    const props: VaultServerFilesProps = {
      environment: h('environment'),
      namespace: h('namespace'),
      serviceAccountName: h('serviceAccount'),
      delivery,
      oneOfGroups: [{ group: h('group'), members: ['ALPHA_KEY', 'BRAVO_KEY'] }],
    };

    test.each(POSIX_SHELLS)('setup.sh under %s: the policy and the role get the exact text', (shell) => {
      const script = vaultSetupScript(props);
      expectCommentsOneLine(script);
      const before = world.calls().length;
      const result = run(world, shell, script, 'setup.sh');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const ns = `-namespace=${delivery.vaultNamespace}`;
      expect(world.calls().slice(before).map((c) => c.args)).toEqual([
        ['policy', 'write', ns, delivery.policyName, 'policy.hcl'],
        [
          'write',
          ns,
          `${delivery.authPath}/role/${delivery.role}`,
          `bound_service_account_names=${props.serviceAccountName}`,
          `bound_service_account_namespaces=${props.namespace}`,
          `audience=${delivery.audience}`,
          `token_policies=${delivery.policyName}`,
          `token_ttl=${delivery.tokenTtl}`,
          `token_max_ttl=${delivery.tokenMaxTtl}`,
        ],
      ]);
    });

    test.each(POSIX_SHELLS)('put-values.sh under %s: one JSON object on stdin, with the exact field names and values', (shell) => {
      const script = vaultPutValuesScript(props);
      expectCommentsOneLine(script);
      const before = world.calls().length;
      const values = { ALPHA_KEY: h('alphaValue'), BRAVO_KEY: h('bravoValue') };
      const result = run(world, shell, script, 'put-values.sh', values);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const calls = world.calls().slice(before);
      expect(calls.map((c) => c.args)).toEqual([['kv', 'put', `-namespace=${delivery.vaultNamespace}`, `${h('mount')}/${h('key')}`, '-']]);
      expect(JSON.parse(calls[0].stdin!)).toEqual({ [h('alphaField')]: values.ALPHA_KEY, [h('bravoField')]: values.BRAVO_KEY });
      expect(readdirSync(result.dir)).toEqual(['put-values.sh']);
    });
  });

  describe('aws/deploy.sh and aws/put-secret-values.sh (bash scripts)', () => {
    const base = resolvePlan(validateConfig(configWith(), 'test')).environments.find((e) => e.name === 'prod')!;
    const aws: AwsPlan = {
      account: h('account'),
      region: h('region'),
      partition: 'aws',
      stackName: h('stack'),
      templateFile: h('template'),
      tags: { [h('tagKey')]: h('tagValue') },
      kms: { alias: h('keyAlias') },
      secretsManager: {
        secrets: [
          {
            name: h('secretName'),
            id: 'Hostile',
            keys: [
              { secret: 'ALPHA_KEY', purpose: h('alphaPurpose'), status: 'required', generated: false, jsonKey: h('alphaJsonKey') },
              { secret: 'CHARLIE_KEY', purpose: h('charliePurpose'), status: 'optional', generated: false, jsonKey: h('charlieJsonKey') },
            ],
          },
        ],
        replicaRegions: [],
      },
      parameterStore: { prefix: h('prefix'), parameters: [{ secret: 'BRAVO_KEY', purpose: h('bravoPurpose'), status: 'required', generated: false, name: h('parameter'), arn: h('arn') }] },
      locations: [],
      nagPacks: ['AwsSolutions'],
    };
    const plan: EnvironmentPlan = { ...base, name: h('environment'), oneOfGroups: [{ group: h('group'), members: ['ALPHA_KEY', 'BRAVO_KEY'] }], aws };
    const files = deployFiles(plan, { hasStack: true });
    const script = (name: string) => files.find((f) => f.path === name)!.content;

    test('deploy.sh: the stack and template names reach the AWS CLI exactly', () => {
      expectCommentsOneLine(script('deploy.sh'));
      world.setAwsState({ account: aws.account, secrets: {}, parameters: {} });
      const before = world.awsCalls().length;
      const result = run(world, 'bash', script('deploy.sh'), 'deploy.sh');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(world.awsCalls().slice(before)).toEqual([
        ['sts', 'get-caller-identity', '--region', aws.region, '--query', 'Account', '--output', 'text'],
        ['cloudformation', 'deploy', '--region', aws.region, '--stack-name', aws.stackName, '--template-file', aws.templateFile, '--capabilities', 'CAPABILITY_NAMED_IAM', '--no-fail-on-empty-changeset'],
        ['cloudformation', 'update-termination-protection', '--region', aws.region, '--stack-name', aws.stackName, '--enable-termination-protection'],
      ]);
    });

    test('put-secret-values.sh: names, keys, description, key alias and tags arrive exactly; so do the values', () => {
      expectCommentsOneLine(script('put-secret-values.sh'));
      const secretName = aws.secretsManager!.secrets[0].name;
      world.setAwsState({ account: aws.account, secrets: { [secretName]: { versions: [] } }, parameters: {} });
      const values = { ALPHA_KEY: h('alphaValue'), BRAVO_KEY: h('bravoValue') };
      const result = run(world, 'bash', script('put-secret-values.sh'), 'put-secret-values.sh', values);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const state = world.awsState();
      expect(JSON.parse(state.secrets[secretName].versions.at(-1))).toEqual({ [h('alphaJsonKey')]: values.ALPHA_KEY, [h('charlieJsonKey')]: '' });
      expect(state.parameters[h('parameter')]).toEqual({
        value: values.BRAVO_KEY,
        type: 'SecureString',
        keyId: aws.kms!.alias,
        description: h('bravoPurpose'),
        tags: [{ Key: h('tagKey'), Value: h('tagValue') }],
      });
      for (const argv of world.awsCalls()) for (const value of Object.values(values)) expect(argv.join(' ')).not.toContain(value);
    });
  });

  describe('gcp/eso-workload-identity.sh (bash)', () => {
    const config = parseConfigFile(join(root, 'examples/gcp-eso.yaml'));
    const base = resolvePlan(config).environments.find((e) => e.name === 'prod')!;
    if (base.delivery.method !== 'external') throw new Error('the example delivers prod with ESO');
    const data = base.delivery.data[0];
    const plan: EnvironmentPlan = { ...base, name: h('environment'), delivery: { ...base.delivery, data: [{ ...data, remoteRef: { ...data.remoteRef, key: h('secretId') } }], extracts: [] } };
    const gsa = `${h('gsa')}@${h('gsaProject')}.iam.gserviceaccount.com`;
    const identity: GcpEsoIdentity = {
      store: h('store'),
      serviceAccount: { name: h('ksa'), namespace: h('ksaNamespace'), annotations: { [h('annotation')]: h('annotationValue') }, create: false },
      gcpServiceAccount: gsa,
      workloadPool: h('pool'),
      member: h('member'),
      role: 'roles/iam.workloadIdentityUser',
      secretProject: h('secretProject'),
    };

    test('both bindings get the exact text and --condition=None', () => {
      const script = workloadIdentityScript(plan, identity);
      expectCommentsOneLine(script);
      const before = world.calls().length;
      const result = run(world, 'bash', script, 'eso-workload-identity.sh');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(world.calls().slice(before).map((c) => c.args)).toEqual([
        ['iam', 'service-accounts', 'add-iam-policy-binding', gsa, `--project=${h('gsaProject')}`, '--role=roles/iam.workloadIdentityUser', `--member=${identity.member}`, '--condition=None'],
        ['secrets', 'add-iam-policy-binding', h('secretId'), `--project=${identity.secretProject}`, '--role=roles/secretmanager.secretAccessor', `--member=serviceAccount:${gsa}`, '--condition=None'],
      ]);
    });
  });
});

describe('the quoting helper', () => {
  integration.test.each(POSIX_SHELLS)('under %s, any text (no NUL) quoted is read back exactly, and a comment runs nothing', (shell) => {
    const texts = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }).filter((t) => !t.includes('\0')), { numRuns: 300, seed: 4242 });
    const extra = ["'", "''", '\\', '$(id)', '`id`', '\n', '-n', '~root', '*', '!x', '%s', '#', '\u2028', ''];
    const all = [...texts, ...extra];
    const script = [
      ...all.map((t) => `printf '%s\\0' ${shellQuote(t)}`),
      ...all.map((t) => comment`${t}`.code),
      "printf '%s\\0' END",
    ].join('\n');
    const result = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\0')).toEqual([...all, 'END', '']);
  });

  test('refuses what quoting cannot make safe', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
    expect(() => environmentVariable('lower_case')).toThrow(/not an environment variable name/);
    expect(() => environmentVariable('X:-$(id)')).toThrow(/not an environment variable name/);
    expect(() => operand('--impersonate-service-account=evil@example.com')).toThrow(/starts with "-"/);
    expect(() => vaultArgument('token_policies', '-')).toThrow(/stdin/);
    // "@path" would make the Vault CLI read that file into the value: escaped, so it stays text.
    expect(vaultArgument('token_policies', '@/etc/passwd').code).toBe("token_policies='\\@/etc/passwd'");
  });
});

describeRun('xtrace: an inherited `set -x` prints no value', () => {
  const rand = (n: number) => require('node:crypto').randomBytes(n).toString('base64url');
  const values: Record<string, string> = {
    ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + rand(60),
    ARAGORA_JWT_SECRET: rand(48),
    ARAGORA_SSO_CLIENT_SECRET: rand(32),
    OPENAI_API_KEY: 'sk-' + 'proj-' + rand(40),
    OPENROUTER_API_KEY: 'sk-' + 'or-v1-' + rand(40),
    STRIPE_SECRET_KEY: 'sk_live_' + rand(30),
    STRIPE_WEBHOOK_SECRET: 'whsec_' + rand(30),
    SUPABASE_KEY: 'eyJ' + rand(20) + '.eyJ' + rand(40) + '.' + rand(32),
  };
  const files = synth();
  const gcpFiles = synth(parseConfigFile(join(root, 'examples/gcp-cloud-run.yaml')));
  const content = (list: typeof files, path: string) => list.find((f) => f.path === path)!.content;
  const ways = (shell: string): [string, string[], Record<string, string>][] => [
    [`${shell} -x`, ['-x'], {}],
    ...(shell === 'bash' ? ([['SHELLOPTS=xtrace bash', [], { SHELLOPTS: 'xtrace' }]] as [string, string[], Record<string, string>][]) : []),
  ];

  const cases: [string, string, string, string[], Record<string, string>][] = [
    ...ways('bash').map(([how, args, env]) => [how, 'prod/aws/put-secret-values.sh', 'bash', args, env] as [string, string, string, string[], Record<string, string>]),
    ...POSIX_SHELLS.flatMap((shell) => ways(shell).map(([how, args, env]) => [how, 'prod/vault/put-values.sh', shell, args, env] as [string, string, string, string[], Record<string, string>])),
    ...POSIX_SHELLS.flatMap((shell) => ways(shell).map(([how, args, env]) => [how, 'staging/gcp/setup.sh', shell, args, env] as [string, string, string, string[], Record<string, string>])),
  ];

  test.each(cases)('%s %s', (_how, path, shell, args, env) => {
    const world = stubWorld();
    world.setAwsState({ account: '123456789012', secrets: { 'aragora/api-keys': { versions: [] } }, parameters: {} });
    const script = path.startsWith('staging/gcp') ? content(gcpFiles, path) : content(files, path);
    const result = run(world, shell, script, path.split('/').pop()!, { ...values, ...env }, args);
    expect(result.stdout + result.stderr).toMatch(/\S/);
    for (const [name, value] of Object.entries(values)) {
      expect({ name, inStdout: result.stdout.includes(value), inStderr: result.stderr.includes(value) }).toEqual({ name, inStdout: false, inStderr: false });
    }
    // The values did reach the CLIs: the run was not empty.
    const received = [...world.calls().map((c) => c.stdin ?? ''), JSON.stringify(world.awsState())].join('\n');
    expect(Object.values(values).some((v) => received.includes(v))).toBe(true);
  });
});

describeRun('gcp/setup.sh tells "no version" from "could not tell", and never generates over an existing secret', () => {
  const files = synth(parseConfigFile(join(root, 'examples/gcp-cloud-run.yaml')));
  const script = files.find((f) => f.path === 'staging/gcp/setup.sh')!.content;
  const added = (world: StubWorld, id: string) => gcloud(world.calls()).filter((c) => c.args.slice(0, 4).join(' ') === `secrets versions add ${id}`);

  test.each(POSIX_SHELLS)('under %s: when gcloud cannot list the versions, it stops; no JWT secret is generated', (shell) => {
    // GIVEN a Secret Manager API that fails (no access, network, quota) while the script runs again
    const world = stubWorld();
    // WHEN it runs with one value given and the generated secret unset
    const result = run(world, shell, script, 'setup.sh', { STUB_LIST_FAILS: '1', ANTHROPIC_API_KEY: 'sk-ant-' + 'x'.repeat(4) + 'Q9' });
    // THEN it stops at the first listing, says why, and adds no version to the JWT secret
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('could not list the versions of secret anthropic-api-key');
    expect(added(world, 'aragora-jwt-secret')).toEqual([]);
  });

  test('a secret that has versions, none enabled, gets no generated one: the run fails naming it', () => {
    const world = stubWorld();
    const result = run(world, 'sh', script, 'setup.sh', { STUB_ANY_VERSIONS: 'projects/p/secrets/aragora-jwt-secret/versions/1', STUB_ENABLED_VERSIONS: '' });
    expect(added(world, 'aragora-jwt-secret')).toEqual([]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/for: ANTHROPIC_API_KEY ARAGORA_JWT_SECRET SUPABASE_KEY\n/);
  });

  test('a secret with no version at all is generated, once', () => {
    const world = stubWorld();
    run(world, 'sh', script, 'setup.sh', {});
    expect(added(world, 'aragora-jwt-secret')).toHaveLength(1);
  });
});

describeRun('put-secret-values.sh checks everything, then writes Parameter Store before Secrets Manager', () => {
  const script = synth().find((f) => f.path === 'prod/aws/put-secret-values.sh')!.content;
  const values = {
    ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + 'Q'.repeat(40),
    ARAGORA_SSO_CLIENT_SECRET: 'sso-' + 'S'.repeat(30),
    STRIPE_SECRET_KEY: 'sk_live_' + 'K'.repeat(30),
    STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30),
    SUPABASE_KEY: 'eyJ' + 'J'.repeat(60),
  };
  function world(state: Record<string, unknown> = {}) {
    const w = stubWorld();
    w.setAwsState({ account: '123456789012', secrets: { 'aragora/api-keys': { versions: [] } }, parameters: {}, ...state });
    const writes = () => w.awsCalls().filter((argv) => argv[1].startsWith('put-'));
    return { w, writes };
  }

  test('a Parameter Store failure leaves Secrets Manager untouched', () => {
    const { w, writes } = world();
    const result = run(w, 'bash', script, 'put-secret-values.sh', { ...values, FAKE_AWS_FAIL: 'ssm put-parameter' });
    expect(result.status).not.toBe(0);
    expect(writes().map((argv) => argv.slice(0, 2).join(' '))).toEqual(['ssm put-parameter']);
    expect(w.awsState().secrets['aragora/api-keys'].versions).toEqual([]);
    expect(result.stderr).not.toContain('stopped after writing');
  });

  test('a failure after a write says what was written', () => {
    const { w } = world();
    const result = run(w, 'bash', script, 'put-secret-values.sh', { ...values, FAKE_AWS_FAIL: 'secretsmanager put-secret-value' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('put-secret-values: stopped after writing: /aragora/supabase-key');
  });

  test('a disabled KMS key, or a value too large for a parameter, stops it before any write', () => {
    const disabled = world({ keys: { 'alias/aragora-prod-secrets': 'Disabled' } });
    const first = run(disabled.w, 'bash', script, 'put-secret-values.sh', values);
    expect(first.status).toBe(1);
    expect(first.stderr).toContain('the KMS key alias/aragora-prod-secrets is Disabled, not Enabled; nothing was written');
    expect(disabled.writes()).toEqual([]);

    const large = world();
    const second = run(large.w, 'bash', script, 'put-secret-values.sh', { ...values, SUPABASE_KEY: 'eyJ' + 'J'.repeat(5000) });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('SUPABASE_KEY: over 4096 bytes, the limit of a standard parameter (/aragora/supabase-key)');
    expect(large.writes()).toEqual([]);
  });
});

describeRun('Vault: the role checks the audience the pods present, bounds the token, and values go in through stdin', () => {
  const files = synth();
  const setup = files.find((f) => f.path === 'prod/vault/setup.sh')!.content;
  const putValues = files.find((f) => f.path === 'prod/vault/put-values.sh')!.content;

  test('the role requires the audience of the token the pods project, and has a token_max_ttl', () => {
    const world = stubWorld();
    expect(run(world, 'sh', setup, 'setup.sh').status).toBe(0);
    const role = world.calls().find((c) => c.args[0] === 'write')!.args;
    const deployment = files.find((f) => f.path === 'prod/manifests/40-Deployment.aragora.k8s.yaml')!.content;
    const spec = require('yaml').parse(deployment).spec.template;
    const volume = spec.spec.volumes.find((v: any) => v.name === spec.metadata.annotations['vault.hashicorp.com/agent-service-account-token-volume-name']);
    expect(role).toContain(`audience=${volume.projected.sources[0].serviceAccountToken.audience}`);
    expect(role).toContain('token_max_ttl=24h');
  });

  test('tokenMaxTtl: longer than tokenTtl by default, configurable, never shorter', () => {
    const withVault = (options: Record<string, string>) =>
      configWith((c) => {
        c.environments.prod.delivery = { ...(c.environments.prod.delivery as object), ...options } as any;
      });
    const roleOf = (options: Record<string, string>) => synth(withVault(options)).find((f) => f.path === 'prod/vault/setup.sh')!.content;
    expect(roleOf({ tokenTtl: '48h' })).toMatch(/token_ttl=48h \\\n {4}token_max_ttl=48h$/m);
    expect(roleOf({ tokenMaxTtl: '4h' })).toMatch(/token_ttl=1h \\\n {4}token_max_ttl=4h$/m);
    expect(() => synth(withVault({ tokenTtl: '2h', tokenMaxTtl: '30m' }))).toThrow(/tokenMaxTtl 30m is shorter than tokenTtl 2h/);
  });

  test('put-values.sh: nothing written while a required value is missing; then one JSON object on stdin, no file', () => {
    const world = stubWorld();
    const missing = run(world, 'sh', putValues, 'put-values.sh', { ANTHROPIC_API_KEY: 'sk-ant-' + 'Q'.repeat(30) });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('ARAGORA_JWT_SECRET (required in prod)');
    expect(missing.stderr).toContain('nothing was written');
    expect(world.calls()).toEqual([]);

    const values = {
      ANTHROPIC_API_KEY: 'sk-ant-' + "Q'$(id)`id`\\".repeat(3),
      ARAGORA_JWT_SECRET: 'Zq9$x7' + 'J'.repeat(30),
      ARAGORA_SSO_CLIENT_SECRET: 'sso-' + 'S'.repeat(30),
      STRIPE_SECRET_KEY: 'sk_live_' + 'K'.repeat(30),
      STRIPE_WEBHOOK_SECRET: 'whsec_' + 'W'.repeat(30),
      SUPABASE_KEY: 'eyJ' + 'J'.repeat(60),
    };
    const ok = run(world, 'sh', putValues, 'put-values.sh', values);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const [call] = world.calls();
    expect(call.args).toEqual(['kv', 'put', 'secret/aragora/env', '-']);
    expect(JSON.parse(call.stdin!)).toEqual({
      anthropic: values.ANTHROPIC_API_KEY,
      jwt_secret: values.ARAGORA_JWT_SECRET,
      sso_client_secret: values.ARAGORA_SSO_CLIENT_SECRET,
      stripe_secret: values.STRIPE_SECRET_KEY,
      stripe_webhook: values.STRIPE_WEBHOOK_SECRET,
      supabase: values.SUPABASE_KEY,
    });
    expect(readdirSync(ok.dir)).toEqual(['put-values.sh']);
  });

  test('policy.hcl: a line break in a name cannot add a rule of its own', () => {
    const delivery = resolvePlan(validateConfig(configWith(), 'test')).environments.find((e) => e.name === 'prod')!.delivery as VaultDeliveryPlan;
    const grant = '\npath "*" {\n  capabilities = ["sudo", "read", "create", "update", "delete", "list"]\n}\n';
    const hcl = vaultPolicyHcl({ environment: `prod${grant}`, namespace: `ns${grant}`, serviceAccountName: 'aragora', delivery: { ...delivery, role: `r${grant}`, policyName: `p${grant}` } });
    expect(hcl.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['path "secret/data/aragora/env" {', '  capabilities = ["read"]', '}']);
  });

  test('no generated file tells anyone to write a value into a file', () => {
    for (const f of files.filter((f) => f.path.includes('/vault/'))) expect(f.content).not.toMatch(/=@|\.txt\b/);
  });
});

describeRun('vault/put-values.sh of the Vault Secrets Operator and the Vault CSI provider: the KV secret they read, values through stdin', () => {
  const synthOf = (example: string) => synthesizePlan(resolvePlan(parseConfigFile(join(root, 'examples', example))));
  const values = {
    ANTHROPIC_API_KEY: 'sk-ant-' + "Q'$(id)`id`\\".repeat(3),
    OPENAI_API_KEY: 'sk-proj-' + 'O'.repeat(40),
    SUPABASE_KEY: 'eyJ' + 'J'.repeat(60) + '\n$HOME',
  };

  test('the operator: one JSON object into the path the VaultStaticSecret reads (KV v2 without /data/, the Enterprise namespace); nothing written while a required value is missing', () => {
    const files = synthOf('vault-operator.yaml');
    const script = files.find((f) => f.path === 'prod/vault/put-values.sh')!.content;
    const staticSecret = require('yaml').parse(files.find((f) => f.path.startsWith('prod/manifests/') && f.path.includes('VaultStaticSecret'))!.content);
    const world = stubWorld();
    const missing = run(world, 'sh', script, 'put-values.sh', { ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('SUPABASE_KEY (required in prod)');
    expect(world.calls()).toEqual([]);

    const ok = run(world, 'sh', script, 'put-values.sh', values);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const [call] = world.calls();
    expect(call.args).toEqual(['kv', 'put', '-namespace=admin/aragora', `${staticSecret.spec.mount}/${staticSecret.spec.path}`, '-']);
    expect(JSON.parse(call.stdin!)).toEqual({ anthropic: values.ANTHROPIC_API_KEY, openai: values.OPENAI_API_KEY, supabase: values.SUPABASE_KEY });
    expect(readdirSync(ok.dir)).toEqual(['put-values.sh']);
    expect(files.find((f) => f.path === 'prod/vault/setup.sh')!.content).toContain('npx aragora-secrets run --env-file .env.prod -- sh dist/prod/vault/put-values.sh');
  });

  test('the CSI provider: each KV secret its objects read, with the fields the class mounts; one of a group is enough', () => {
    const files = synthOf('csi-vault.yaml');
    const script = files.find((f) => f.path === 'staging/vault/put-values.sh')!.content;
    const spc = require('yaml').parse(files.find((f) => f.path === 'staging/manifests/20-SecretProviderClass.aragora-secrets.k8s.yaml')!.content);
    const objects: { objectName: string; secretPath: string; secretKey: string }[] = require('yaml').parse(spc.spec.parameters.objects);
    const world = stubWorld();
    const none = run(world, 'sh', script, 'put-values.sh', {});
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('one of ANTHROPIC_API_KEY, OPENAI_API_KEY (group llm-provider)');
    expect(world.calls()).toEqual([]);

    const ok = run(world, 'sh', script, 'put-values.sh', { OPENAI_API_KEY: values.OPENAI_API_KEY });
    expect(ok.status).toBe(0);
    const calls = world.calls();
    // The class reads the API path (KV v2: <mount>/data/<key>); `vault kv put` takes it without /data/.
    expect(calls.map((c) => c.args[2])).toEqual([...new Set(objects.map((o) => o.secretPath.replace('/data/', '/')))]);
    const written = Object.assign({}, ...calls.map((c) => JSON.parse(c.stdin!)));
    expect(written).toEqual({ [objects.find((o) => o.objectName === 'OPENAI_API_KEY')!.secretKey]: values.OPENAI_API_KEY });
  });
});
