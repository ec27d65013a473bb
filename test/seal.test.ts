import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { constants, createDecipheriv, generateKeyPairSync, KeyObject, privateDecrypt, createPrivateKey, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Testing } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { SealedSecret } from '../src/delivery/sealed/sealed-secret';
import { encodingsOf } from '../src/output/leak-guard';
import { sealEnvironment } from '../src/delivery/sealed/seal-environment';
import { entryBinding } from '../src/delivery/sealed/sealed-entry';
import { readSealedFile } from '../src/delivery/sealed/sealed-file';
import { readSealingKey, sealingLabel, sealValue, SealTarget } from '../src/delivery/sealed/sealing';
import { makeVerifier } from '../src/delivery/sealed/verifier';
import { synthesizeProject } from '../src/synth';
import { loadPlan } from '../src/cli/commands';
import { find, manifests } from './helpers';
import { runInProcess } from './support/cli';
import { selfSignedCertificate } from './support/certificate';
import { allDocumentation } from './support/docs';
import { integration } from './support/tiers';
import { onPath } from './support/tools';

const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'aragora-secrets');

/** A controller key pair with a self-signed certificate, as the controller makes one (4096 bits, ten years). */
function controllerKeys(dir: string, bits = 4096): { certificate: string; privateKeyPem: string; keyFile: string } {
  const keyFile = join(dir, 'controller.key');
  const certificate = join(dir, 'controller.crt');
  const privateKeyPem = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(keyFile, privateKeyPem);
  const now = Date.now();
  writeFileSync(certificate, selfSignedCertificate(privateKeyPem, new Date(now), new Date(now + 3650 * 24 * 3600 * 1000)));
  return { certificate, privateKeyPem, keyFile };
}

/** A certificate for `keyFile` valid from `notBefore` to `notAfter`. */
function certificateValidBetween(keyFile: string, notBefore: string, notAfter: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aragora-ca-')), 'cert.pem');
  writeFileSync(file, selfSignedCertificate(readFileSync(keyFile, 'utf8'), new Date(notBefore), new Date(notAfter)));
  return file;
}

/** The controller's decryption, written from the format description (not from our sealing code). */
function unseal(privateKey: KeyObject, label: Buffer, ciphertext: string): string {
  const bytes = Buffer.from(ciphertext, 'base64');
  const rsaLength = bytes.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
    bytes.subarray(2, 2 + rsaLength),
  );
  const body = bytes.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}

/** Whether python3 with its cryptography package is there (a spawn: asked by the integration test that needs it). */
function pythonWithCryptography(): boolean {
  return spawnSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0;
}

function unsealWithPython(privateKeyPem: string, items: { label: string; ciphertext: string }[]): { ok: boolean; value?: string }[] {
  const out = execFileSync('python3', [join(__dirname, 'support', 'unseal.py')], { input: JSON.stringify({ privateKey: privateKeyPem, items }) });
  return JSON.parse(out.toString());
}

/** The CLI spawned as a user runs it: for what only a process shows (its start-up, its exit, what it prints). */
function spawned(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

/** The same CLI in this process (a spawn costs a Node start-up and a load of the whole program each time). */
function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runInProcess(cwd, args, { env });
}

// Realistic values, made at run time so that no key-shaped literal is committed.
const values = {
  ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + randomBytes(60).toString('base64url'),
  OPENAI_API_KEY: 'sk-' + 'proj-' + randomBytes(40).toString('base64url'),
  SUPABASE_KEY: 'eyJ' + randomBytes(20).toString('base64url') + '.eyJ' + randomBytes(40).toString('base64url') + '.' + randomBytes(32).toString('base64url'),
  ARAGORA_JWT_SECRET: randomBytes(32).toString('base64'),
};
const tricky = 'quote " backslash \\ dollar $HOME newline\nunicode ✓ ' + randomBytes(8).toString('hex');

// Generated once for the file: the controller's 4096-bit key, and a 2048-bit one for a renewed key and
// for certificates with chosen dates, where the size does not matter.
let keys: { certificate: string; privateKeyPem: string; keyFile: string };
let renewed: { certificate: string; privateKeyPem: string; keyFile: string };
let privateKey: KeyObject;
beforeAll(() => {
  keys = controllerKeys(mkdtempSync(join(tmpdir(), 'aragora-keys-')));
  renewed = controllerKeys(mkdtempSync(join(tmpdir(), 'aragora-renewed-')), 2048);
  privateKey = createPrivateKey(keys.privateKeyPem);
});

const qaLabel = Buffer.from('aragora-qa/aragora-secrets');
const qaTarget: SealTarget = { name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' };

/** Seals in this process, for the setup of a test (the CLI is what the tests check). */
function sealHere(dir: string, extra: { envFile?: string; literals?: string[] } = { envFile: '.env' }) {
  return sealEnvironment({ cwd: dir, env: {}, loadPlan: () => loadPlan({ cwd: dir, env: {} }, undefined), environment: 'qa', certificatePath: keys.certificate, ...extra });
}

function sealedYaml(dir: string): any {
  return parse(readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8'));
}

function writeSealedYaml(dir: string, content: unknown): void {
  writeFileSync(join(dir, 'sealed/qa.yaml'), stringify(content, { lineWidth: 0 }));
}

function project(config = DEFAULT_CONFIG): string {
  const dir = mkdtempSync(join(tmpdir(), 'aragora-seal-'));
  writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
  writeFileSync(join(dir, '.env'), Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return dir;
}

describe('sealing format', () => {
  const target: SealTarget = { name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' };

  test.each([
    ['strict', 'aragora-qa/aragora-secrets'],
    ['namespace-wide', 'aragora-qa'],
    ['cluster-wide', ''],
  ] as const)('%s scope seals with label "%s" and round-trips', (scope, label) => {
    const t = { ...target, scope };
    expect(sealingLabel(t).toString()).toBe(label);
    const ciphertext = sealValue(readSealingKey(readFileSync(keys.certificate), 'c').publicKey, t, tricky);
    expect(unseal(privateKey, Buffer.from(label), ciphertext)).toBe(tricky);
  });

  test('layout: 2-byte length, 512-byte RSA block for a 4096-bit key, then GCM ciphertext and tag', () => {
    const ciphertext = Buffer.from(sealValue(readSealingKey(readFileSync(keys.certificate), 'c').publicKey, target, 'abc'), 'base64');
    expect(ciphertext.readUInt16BE(0)).toBe(512);
    expect(ciphertext.length).toBe(2 + 512 + 3 + 16);
  });

  test('every sealing uses a fresh session key', () => {
    const key = readSealingKey(readFileSync(keys.certificate), 'c').publicKey;
    expect(sealValue(key, target, 'same')).not.toBe(sealValue(key, target, 'same'));
  });

  test('a value sealed for one namespace/name does not unseal under another', () => {
    const ciphertext = sealValue(readSealingKey(readFileSync(keys.certificate), 'c').publicKey, target, 'v');
    for (const label of ['aragora-prod/aragora-secrets', 'aragora-qa/other', 'aragora-qa', '']) {
      expect(() => unseal(privateKey, Buffer.from(label), ciphertext)).toThrow();
    }
  });

  test('tampering is detected in the RSA block and in the GCM body', () => {
    const ciphertext = Buffer.from(sealValue(readSealingKey(readFileSync(keys.certificate), 'c').publicKey, target, 'value'), 'base64');
    for (const offset of [10, ciphertext.length - 20, ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[offset] ^= 0x01;
      expect(() => unseal(privateKey, Buffer.from('aragora-qa/aragora-secrets'), tampered.toString('base64'))).toThrow();
    }
  });

  test('a certificate and its bare public key have the same fingerprint; non-RSA keys and garbage are refused', () => {
    const fromCert = readSealingKey(readFileSync(keys.certificate), 'cert.pem');
    const bare = fromCert.publicKey.export({ type: 'spki', format: 'pem' });
    const fromKey = readSealingKey(bare, 'key.pem');
    expect(fromKey.fingerprint).toBe(fromCert.fingerprint);
    expect(fromCert.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fromCert.notAfter).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(fromKey.notAfter).toBeUndefined();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(() => readSealingKey(ec, 'ec.pem')).toThrow(/RSA keys only/);
    expect(() => readSealingKey('not a key', 'x.pem')).toThrow(/kubeseal --fetch-cert/);
  });
});

describe('aragora-secrets seal, then synth', () => {
  integration.test('the controller recovers every sealed value exactly from the synthesized SealedSecret', () => {
    // GIVEN values in .env and one literal with characters that need care
    const dir = project();
    // WHEN they are sealed for qa and the project is synthesized
    const sealed = spawned(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--from-literal', `OPENROUTER_API_KEY=${tricky}`]);
    expect(sealed.stderr).toBe(
      'warning: --from-literal puts the value on the command line, where every user of this machine can read it (ps, /proc/<pid>/cmdline) and the shell history keeps it: prefer --env-file FILE or --from-stdin KEY\n',
    );
    expect(sealed.status).toBe(0);
    const { files, warnings } = synthesizeProject({ cwd: dir, env: {} });
    // THEN the SealedSecret carries ciphertext for each key, and unsealing gives the values back
    const sealedSecret = find(manifests(files, 'qa'), 'SealedSecret', 'aragora-secrets');
    expect(sealedSecret.metadata.namespace).toBe('aragora-qa');
    expect(Object.keys(sealedSecret.spec.encryptedData)).toEqual(['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'SUPABASE_KEY']);
    const expected: Record<string, string> = { ...values, OPENROUTER_API_KEY: tricky };
    const label = Buffer.from('aragora-qa/aragora-secrets');
    for (const [key, ciphertext] of Object.entries<string>(sealedSecret.spec.encryptedData)) {
      expect(unseal(privateKey, label, ciphertext)).toBe(expected[key]);
    }
    expect(warnings).toEqual([]);
    // AND no value appears in clear or encoded anywhere: output, sealed file, logs
    const everything = [sealed.stdout, sealed.stderr, readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8'), ...files.map((f) => f.content)].join('\n');
    for (const value of Object.values(expected)) {
      for (const form of encodingsOf(value)) expect(everything.includes(form.text)).toBe(false);
    }
  });

  // CI machines have python3 with cryptography: there the cross-check is required, never skipped.
  (onPath('python3') || process.env.CI ? integration.test : integration.test.skip)('an independent implementation (Python cryptography) unseals them too, in every scope', async () => {
    expect(pythonWithCryptography()).toBe(true); // fails in CI when python3 or its cryptography package is missing
    // Every scope's entries, and one under a wrong label, go to one Python process: its start-up is most of its cost.
    const checks: { scope: string; key: string; label: string; ciphertext: string; expected: { ok: boolean; value?: string } }[] = [];
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      const config = structuredClone(DEFAULT_CONFIG);
      config.environments.qa.delivery = { method: 'sealed', scope };
      const dir = project(config);
      expect((await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env'])).status).toBe(0);
      const sealedSecret = find(manifests(synthesizeProject({ cwd: dir, env: {} }).files, 'qa'), 'SealedSecret');
      const label = { strict: 'aragora-qa/aragora-secrets', 'namespace-wide': 'aragora-qa', 'cluster-wide': '' }[scope];
      if (scope !== 'strict') expect(sealedSecret.metadata.annotations).toEqual({ [`sealedsecrets.bitnami.com/${scope}`]: 'true' });
      else expect(sealedSecret.metadata.annotations).toBeUndefined();
      const entries = Object.entries<string>(sealedSecret.spec.encryptedData);
      expect(entries.length).toBeGreaterThan(0);
      for (const [key, ciphertext] of entries) checks.push({ scope, key, label, ciphertext, expected: { ok: true, value: (values as Record<string, string>)[key] } });
      // A wrong label is refused by the independent implementation as well.
      checks.push({ scope, key: `${entries[0][0]} under another label`, label: 'other-ns/aragora-secrets', ciphertext: entries[0][1], expected: { ok: false } });
    }
    const results = unsealWithPython(keys.privateKeyPem, checks.map(({ label, ciphertext }) => ({ label, ciphertext })));
    expect(results.map((r, i) => ({ scope: checks[i].scope, key: checks[i].key, ok: r.ok, ...(r.ok ? { value: r.value } : {}) }))).toEqual(
      checks.map(({ scope, key, expected }) => ({ scope, key, ...expected })),
    );
  });

  test('sealing merges: values sealed earlier are kept byte for byte', async () => {
    const dir = project();
    expect((await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}`])).status).toBe(0);
    const first = readSealedFile(dir, 'qa')!;
    const second = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `SUPABASE_KEY=${values.SUPABASE_KEY}`]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/kept as is:\s+ANTHROPIC_API_KEY/);
    const merged = readSealedFile(dir, 'qa')!;
    expect(merged.values.ANTHROPIC_API_KEY).toEqual(first.values.ANTHROPIC_API_KEY);
    expect(Object.keys(merged.values)).toEqual(['ANTHROPIC_API_KEY', 'SUPABASE_KEY']);
    expect(merged.target).toEqual({ name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' });
  });

  test('the process environment is a source too, with the lowest priority', async () => {
    const dir = project();
    const result = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', 'OPENAI_API_KEY=from-literal-' + 'x'.repeat(10)], {
      OPENAI_API_KEY: 'from-environment-xxxxxxxx',
      ANTHROPIC_API_KEY: values.ANTHROPIC_API_KEY,
    });
    expect(result.status).toBe(0);
    const sealed = readSealedFile(dir, 'qa')!;
    expect(unseal(privateKey, Buffer.from('aragora-qa/aragora-secrets'), sealed.values.OPENAI_API_KEY.encrypted)).toBe('from-literal-' + 'x'.repeat(10));
    expect(unseal(privateKey, Buffer.from('aragora-qa/aragora-secrets'), sealed.values.ANTHROPIC_API_KEY.encrypted)).toBe(values.ANTHROPIC_API_KEY);
  });
});

describe('stable sealing', () => {
  test('sealing the same values twice leaves sealed/ byte-identical', async () => {
    const dir = project();
    expect((await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env'])).status).toBe(0);
    const first = readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8');
    const again = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/unchanged \(ciphertext kept\): ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, SUPABASE_KEY/);
    expect(again.stdout).not.toMatch(/sealed now/);
    expect(readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8')).toBe(first);
  });

  test('only a changed value is sealed again', async () => {
    const dir = project();
    sealHere(dir);
    const before = readSealedFile(dir, 'qa')!;
    const result = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--from-literal', 'SUPABASE_KEY=rotated-' + randomBytes(24).toString('hex')]);
    expect(result.stdout).toMatch(/sealed now:\s+SUPABASE_KEY\n/);
    const after = readSealedFile(dir, 'qa')!;
    expect(after.values.SUPABASE_KEY.encrypted).not.toBe(before.values.SUPABASE_KEY.encrypted);
    for (const key of ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY']) expect(after.values[key]).toEqual(before.values[key]);
  });

  test('a new certificate seals everything again; --no-verifier records nothing and always re-seals', async () => {
    const dir = project();
    sealHere(dir);
    const before = readSealedFile(dir, 'qa')!;
    expect((await cli(dir, ['seal', '--env', 'qa', '--cert', renewed.certificate, '--env-file', '.env'])).stdout).toMatch(/sealed now:\s+ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, SUPABASE_KEY/);
    const after = readSealedFile(dir, 'qa')!;
    for (const key of Object.keys(before.values)) expect(after.values[key].certificate).not.toBe(before.values[key].certificate);

    const plain = project();
    await cli(plain, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--no-verifier']);
    const first = readSealedFile(plain, 'qa')!;
    expect(Object.values(first.values).every((v) => v.verifier === undefined)).toBe(true);
    await cli(plain, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--no-verifier']);
    expect(readSealedFile(plain, 'qa')!.values.SUPABASE_KEY.encrypted).not.toBe(first.values.SUPABASE_KEY.encrypted);
  });
});

describe('placeholders, mismatches and certificate renewal', () => {
  test('with nothing sealed, required keys and unfilled groups get an obvious placeholder and synth says so', () => {
    const dir = project();
    const { files, warnings } = synthesizeProject({ cwd: dir, env: {} });
    const sealedSecret = find(manifests(files, 'qa'), 'SealedSecret');
    expect(sealedSecret.spec.encryptedData).toEqual({
      ANTHROPIC_API_KEY: 'UNSEALED - run: aragora-secrets seal --env qa',
      OPENAI_API_KEY: 'UNSEALED - run: aragora-secrets seal --env qa',
    });
    expect(warnings).toEqual([expect.stringMatching(/environment qa: 2 key\(s\) still need sealing .*ANTHROPIC_API_KEY, OPENAI_API_KEY/)]);
  });

  test('one sealed member of a group is enough: the other is left out, not a placeholder', () => {
    const dir = project();
    sealHere(dir, { literals: [`OPENAI_API_KEY=${values.OPENAI_API_KEY}`] });
    const { files, warnings } = synthesizeProject({ cwd: dir, env: {} });
    expect(Object.keys(find(manifests(files, 'qa'), 'SealedSecret').spec.encryptedData)).toEqual(['OPENAI_API_KEY']);
    expect(warnings).toEqual([]);
  });

  test.each([
    ['the Secret is renamed', (c: any) => (c.environments.qa.secretName = 'aragora-env')],
    ['the namespace changes', (c: any) => (c.environments.qa.namespace = 'aragora-test')],
    ['the scope changes', (c: any) => (c.environments.qa.delivery = { method: 'sealed', scope: 'namespace-wide' })],
  ])('synth fails clearly when %s after sealing', (_what, change) => {
    const dir = project();
    sealHere(dir);
    const config = structuredClone(DEFAULT_CONFIG);
    change(config);
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(/sealed\/qa\.yaml was sealed for Secret "aragora-secrets" in namespace "aragora-qa" \(strict\).*Seal them again/s);
  });

  test('seal for a changed target drops the old values and says which to give again', async () => {
    const dir = project();
    sealHere(dir);
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.secretName = 'aragora-env';
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const result = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `OPENAI_API_KEY=${values.OPENAI_API_KEY}`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/dropped \(sealed for another target; give them again\): ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, SUPABASE_KEY/);
    expect(readSealedFile(dir, 'qa')!.target.name).toBe('aragora-env');
    expect(() => synthesizeProject({ cwd: dir, env: {} })).not.toThrow();
  });

  test('values sealed for a certificate other than the configured current one are flagged', async () => {
    const dir = project();
    sealHere(dir);
    writeFileSync(join(dir, 'current.pem'), readFileSync(renewed.certificate));
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.delivery = { method: 'sealed', certificate: 'current.pem' };
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const { warnings } = synthesizeProject({ cwd: dir, env: {} });
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w).toMatch(/was sealed for certificate sha256:[0-9a-f]{12}, not the current sha256:[0-9a-f]{12} \(current\.pem\)/);
    // Sealing again with the current certificate clears them.
    await cli(dir, ['seal', '--env', 'qa', '--cert', 'current.pem', '--env-file', '.env']);
    expect(synthesizeProject({ cwd: dir, env: {} }).warnings).toEqual([]);
  });

  test('a configured certificate that does not exist is a config error', () => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.delivery = { method: 'sealed', certificate: 'missing.pem' };
    const dir = project(config);
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(/environments\.qa\.delivery\.certificate[\s\S]*kubeseal --fetch-cert > missing\.pem/);
  });

  test('a corrupted sealed file is a clear error', () => {
    const dir = project();
    sealHere(dir);
    const file = join(dir, 'sealed/qa.yaml');
    const content = parse(readFileSync(file, 'utf8'));
    content.values.SUPABASE_KEY.encrypted = 'not base64!';
    writeFileSync(file, stringify(content));
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(/sealed\/qa\.yaml[\s\S]*values\.SUPABASE_KEY\.encrypted: not base64 ciphertext/);
  });
});

describe('certificate expiry', () => {
  test('the review report shows until when each value\'s certificate is valid, and synth warns 30 days ahead', () => {
    const dir = project();
    sealHere(dir);
    const expiry = readSealingKey(readFileSync(keys.certificate), 'c').notAfter!;
    const day = 86_400_000;
    const early = synthesizeProject({ cwd: dir, env: {}, now: new Date(Date.parse(expiry) - 100 * day) });
    expect(early.warnings).toEqual([]);
    const report = early.files.find((f) => f.path === 'qa/SECRETS.md')!.content;
    expect(report).toContain(`(valid until ${expiry.slice(0, 10)})`);
    const late = synthesizeProject({ cwd: dir, env: {}, now: new Date(Date.parse(expiry) - 10 * day) });
    expect(late.warnings).toEqual([expect.stringMatching(/environment qa: the certificate sha256:.* that ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, SUPABASE_KEY were sealed for expires on .* \(in 10 day\(s\)\)/)]);
    // The output itself never depends on the date.
    expect(late.files).toEqual(early.files);
    const expired = synthesizeProject({ cwd: dir, env: {}, now: new Date(Date.parse(expiry) + day) });
    expect(expired.warnings[0]).toMatch(/expired on/);
  });
});

describe('seal command errors', () => {
  test.each([
    [['seal', '--env', 'qaa', '--cert', 'CERT', '--env-file', '.env'], 1, /unknown environment "qaa"; did you mean "qa"\?/],
    [['seal', '--env', 'dev', '--cert', 'CERT', '--env-file', '.env'], 1, /environment dev delivers its secrets with "plain", not "sealed"/],
    [['seal', '--env', 'qa', '--cert', 'CERT', '--from-literal', 'ANTHROPIC_KEY=x'], 1, /--from-literal ANTHROPIC_KEY: not a secret delivered in this environment; did you mean "ANTHROPIC_API_KEY"\?/],
    [['seal', '--env', 'qa', '--cert', 'CERT', '--from-literal', 'ANTHROPIC_API_KEY='], 1, /the value is empty/],
    [['seal', '--env', 'qa', '--cert', 'CERT', '--from-literal', 'STRIPE_SECRET_KEY=x'], 1, /not a secret delivered in this environment/],
    [['seal', '--env', 'qa', '--cert', 'missing.pem', '--env-file', '.env'], 1, /certificate file "missing.pem" not found/],
    [['seal', '--env', 'qa', '--cert', 'CERT'], 1, /no value to seal for environment qa/],
    [['seal', '--env', 'qa'], 2, /required option '--cert <cert.pem>' not specified/],
    [['seal', '--env', 'qa', '--cert', 'CERT', '--bogus'], 2, /unknown option '--bogus'/],
  ])('%j exits %i', async (args, code, pattern) => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-seal-err-'));
    writeFileSync(join(dir, '.env'), `ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}\n`);
    const result = await cli(dir, args.map((a) => (a === 'CERT' ? keys.certificate : a)));
    expect(result.status).toBe(code);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr + result.stdout).not.toContain(values.ANTHROPIC_API_KEY);
    expect(existsSync(join(dir, 'sealed'))).toBe(false);
  });

  integration.test('--help works for the program and the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-help-'));
    const top = spawned(dir, ['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/seal \[options\]/);
    const seal = spawned(dir, ['seal', '--help']);
    expect(seal.status).toBe(0);
    expect(seal.stdout).toMatch(/--from-literal <KEY=VALUE>/);
  });
});

integration.describe('two seal runs at once (one lock per sealed file)', () => {
  const barrier = join(__dirname, 'support', 'seal-barrier.js');

  /**
   * Starts `seal` in a process that stops right after it has opened or read sealed/qa.yaml, until the
   * test says go (see support/seal-barrier.js): the schedule in which unlocked runs lose keys.
   */
  function startSeal(dir: string, barrierDir: string, envFile: string): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string; stderr: string }>; stderr: () => string } {
    const child = spawn(process.execPath, [bin, 'seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', envFile], {
      cwd: dir,
      env: { PATH: process.env.PATH, NODE_OPTIONS: `--require ${barrier}`, SEAL_BARRIER_DIR: barrierDir, SEAL_BARRIER_FILE: join(dir, 'sealed/qa.yaml') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolveDone) => child.on('close', (status) => resolveDone({ status, stdout, stderr })));
    return { child, done, stderr: () => stderr };
  }

  test('both runs keep their keys: the second waits for the first, which holds sealed/qa.yaml.lock', async () => {
    // GIVEN a sealed file holding one key, and two runs each sealing another key
    const dir = realpathSync(project());
    sealHere(dir, { literals: [`ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}`] });
    writeFileSync(join(dir, 'a.env'), `OPENAI_API_KEY=${values.OPENAI_API_KEY}\n`);
    writeFileSync(join(dir, 'b.env'), `SUPABASE_KEY=${values.SUPABASE_KEY}\n`);
    const barrierDir = mkdtempSync(join(tmpdir(), 'aragora-barrier-'));
    // WHEN both start at once, and one is held after reading the sealed file until the other has read it
    // too (without a lock) or says it waits for the lock
    const runs = [startSeal(dir, barrierDir, 'a.env'), startSeal(dir, barrierDir, 'b.env')];
    try {
      for (;;) {
        const arrived = readdirSync(barrierDir).filter((f) => f.startsWith('read-')).map((f) => Number(f.slice('read-'.length)));
        const othersWait = runs.filter((r) => !arrived.includes(r.child.pid!)).every((r) => /waiting for another seal/.test(r.stderr()));
        if (arrived.length === 2 || (arrived.length === 1 && othersWait)) break;
        if (runs.some((r) => r.child.exitCode !== null)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      writeFileSync(join(barrierDir, 'go'), '');
      const [a, b] = await Promise.all(runs.map((r) => r.done));
      // THEN both succeed, and the file holds the earlier key and both new ones
      expect([a.status, b.status]).toEqual([0, 0]);
      const sealed = readSealedFile(dir, 'qa')!;
      expect(Object.keys(sealed.values)).toEqual(['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY']);
      expect([a.stderr, b.stderr].filter((e) => /waiting for another seal of the same file to finish \(sealed\/qa\.yaml\.lock is held by seal process \d+/.test(e))).toHaveLength(1);
      for (const key of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'SUPABASE_KEY'] as const) {
        expect(unseal(privateKey, qaLabel, sealed.values[key].encrypted)).toBe(values[key]);
      }
      // AND neither the lock nor a temporary file is left behind
      expect(readdirSync(join(dir, 'sealed'))).toEqual(['qa.yaml']);
    } finally {
      for (const run of runs) if (run.child.exitCode === null) run.child.kill();
    }
  }, 120_000);

  test('a lock held by a running process is refused after --lock-timeout, naming the file to delete; a dead holder\'s lock is taken over', async () => {
    // GIVEN a lock naming a process of this host that runs (this test's parent)
    const dir = project();
    mkdirSync(join(dir, 'sealed'));
    const lock = join(dir, 'sealed/qa.yaml.lock');
    const holder = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2025-01-01T00:00:00.000Z', token: 'f'.repeat(32) });
    writeFileSync(lock, holder(process.ppid));
    // WHEN seal runs with a short wait
    const refused = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--lock-timeout', '0']);
    // THEN it refuses, names the holder and the lock file, and writes nothing
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`another seal of the same file is running \\(sealed/qa\\.yaml\\.lock is held by seal process ${process.ppid} on .*delete sealed/qa\\.yaml\\.lock and run again`));
    expect(readdirSync(join(dir, 'sealed'))).toEqual(['qa.yaml.lock']);

    // GIVEN a lock left by a process that no longer runs
    const finished = spawnSync('true');
    writeFileSync(lock, holder(finished.pid!));
    // WHEN seal runs, THEN it takes the lock over, seals, and leaves no lock
    const taken = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--lock-timeout', '0']);
    expect(taken.status).toBe(0);
    expect(taken.stderr).toContain(`removed sealed/qa.yaml.lock, left by seal process ${finished.pid}, which no longer runs`);
    expect(readdirSync(join(dir, 'sealed'))).toEqual(['qa.yaml']);
  });

  test('the temporary file is never one planted in advance: a link at the old predictable name is not followed', async () => {
    // GIVEN a link where the temporary file used to be written (sealed/qa.yaml.tmp-<pid>), to a file outside
    const dir = project();
    mkdirSync(join(dir, 'sealed'));
    const victim = join(mkdtempSync(join(tmpdir(), 'aragora-victim-')), 'authorized_keys');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, `sealed/qa.yaml.tmp-${process.pid}`));
    // WHEN seal runs (in this process, so with this pid)
    const result = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    // THEN the file outside is untouched, and the sealed file is a regular file only its owner can read
    expect(result.status).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const written = lstatSync(join(dir, 'sealed/qa.yaml'));
    expect(written.isFile()).toBe(true);
    expect(written.mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sealed')).sort()).toEqual(['qa.yaml', `qa.yaml.tmp-${process.pid}`]);
  });

  test('a sealed file that is a link, or a sealed folder that is a link, is refused', async () => {
    const dir = project();
    const outside = mkdtempSync(join(tmpdir(), 'aragora-outside-'));
    symlinkSync(outside, join(dir, 'sealed'));
    const result = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/sealed\/ is a symbolic link: seal writes only into a real folder of the project/);
    expect(readdirSync(outside)).toEqual([]);

    const other = project();
    mkdirSync(join(other, 'sealed'));
    symlinkSync('/dev/zero', join(other, 'sealed/qa.yaml'));
    expect(() => synthesizeProject({ cwd: other, env: {} })).toThrow(/sealed\/qa\.yaml[\s\S]*is a symbolic link, not a file/);
  });
});

describe('a swapped ciphertext does not survive a re-seal (entries are bound to key, target and ciphertext)', () => {
  test('seal re-seals an entry whose ciphertext was replaced, with or without a matching verifier; synth refuses the edited one; --verify names both', async () => {
    // GIVEN sealed values, then two entries replaced by someone holding only the public certificate:
    // ARAGORA_JWT_SECRET's ciphertext alone, SUPABASE_KEY's ciphertext with a binding and verifier made for the stranger's value
    const dir = project();
    sealHere(dir);
    const publicKey = readSealingKey(readFileSync(keys.certificate), 'c').publicKey;
    const forged = 'attacker-' + randomBytes(16).toString('hex');
    const content = sealedYaml(dir);
    content.values.ARAGORA_JWT_SECRET.encrypted = sealValue(publicKey, qaTarget, forged);
    writeSealedYaml(dir, content);
    // THEN synth refuses the entry whose binding no longer holds, naming the file, the key and the fix
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(
      /sealed\/qa\.yaml: values\.ARAGORA_JWT_SECRET\.binding: does not match the entry: its ciphertext, certificate or expiry was edited after sealing.*Seal ARAGORA_JWT_SECRET again: aragora-secrets seal --env qa/,
    );
    const supabase = { ...content.values.SUPABASE_KEY, encrypted: sealValue(publicKey, qaTarget, forged + '-2') };
    supabase.binding = entryBinding('SUPABASE_KEY', qaTarget, supabase);
    supabase.verifier = makeVerifier(forged + '-2', supabase.binding);
    content.values.SUPABASE_KEY = supabase;
    writeSealedYaml(dir, content);

    // WHEN the owner checks with the values, THEN both are named, and nothing is written
    const before = readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8');
    const verify = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--verify']);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/match: +ANTHROPIC_API_KEY, OPENAI_API_KEY\n/);
    expect(verify.stdout).toMatch(/DOES NOT MATCH ARAGORA_JWT_SECRET: binding: does not match the entry/);
    expect(verify.stdout).toMatch(/DOES NOT MATCH SUPABASE_KEY: its ciphertext was not sealed from the value given/);
    expect(readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8')).toBe(before);

    // WHEN the owner seals again with the same values
    const result = await cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    // THEN both are sealed again from the owner's values, the others keep their ciphertext
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/sealed now: +ARAGORA_JWT_SECRET, SUPABASE_KEY\n/);
    expect(result.stdout).toMatch(/unchanged \(ciphertext kept\): ANTHROPIC_API_KEY, OPENAI_API_KEY\n/);
    expect(result.stderr).toMatch(/warning: sealed\/qa\.yaml: the entry of ARAGORA_JWT_SECRET was damaged or edited after sealing \(binding: does not match/);
    const after = readSealedFile(dir, 'qa')!;
    expect(unseal(privateKey, qaLabel, after.values.ARAGORA_JWT_SECRET.encrypted)).toBe(values.ARAGORA_JWT_SECRET);
    expect(unseal(privateKey, qaLabel, after.values.SUPABASE_KEY.encrypted)).toBe(values.SUPABASE_KEY);
    expect(() => synthesizeProject({ cwd: dir, env: {} })).not.toThrow();
  });

  test('a file in the older format (aragora-secrets/v1) is accepted with a warning; seal re-seals its values and binds the rest', async () => {
    // GIVEN a v1 file as aragora-secrets wrote it before entries were bound: no binding, a verifier of value and target only
    const dir = project();
    sealHere(dir);
    const content = sealedYaml(dir);
    content.apiVersion = 'aragora-secrets/v1';
    for (const [key, entry] of Object.entries<any>(content.values)) {
      delete entry.binding;
      const salt = randomBytes(16);
      const context = Buffer.from('strict:aragora-qa/aragora-secrets');
      const hash = scryptSync(Buffer.concat([context, Buffer.from([0]), Buffer.from((values as Record<string, string>)[key])]), salt, 32, { N: 1 << 14, r: 8, p: 1 });
      entry.verifier = `scrypt-v1:${salt.toString('base64')}:${hash.toString('base64')}`;
    }
    writeSealedYaml(dir, content);
    // THEN synth accepts it and says how to upgrade
    const { warnings } = synthesizeProject({ cwd: dir, env: {} });
    expect(warnings).toEqual([expect.stringMatching(/sealed\/qa\.yaml is in the older format \(aragora-secrets\/v1\): its entries are not bound .*Seal environment qa once/)]);
    // WHEN two of the values are given again
    writeFileSync(join(dir, 'two.env'), `ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}\nOPENAI_API_KEY=${values.OPENAI_API_KEY}\n`);
    const result = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', 'two.env']);
    // THEN they are sealed again (an old verifier never keeps a ciphertext), the others are bound as they are
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/sealed now: +ANTHROPIC_API_KEY, OPENAI_API_KEY\n/);
    expect(result.stdout).toMatch(/kept from the older format, bound as they are \(seal their values to check them\): ARAGORA_JWT_SECRET, SUPABASE_KEY\n/);
    const upgraded = sealedYaml(dir);
    expect(upgraded.apiVersion).toBe('aragora-secrets/v2');
    expect(upgraded.values.ANTHROPIC_API_KEY.encrypted).not.toBe(content.values.ANTHROPIC_API_KEY.encrypted);
    expect(upgraded.values.SUPABASE_KEY.encrypted).toBe(content.values.SUPABASE_KEY.encrypted);
    expect(upgraded.values.SUPABASE_KEY.verifier).toBeUndefined();
    expect(synthesizeProject({ cwd: dir, env: {} }).warnings).toEqual([]);
  });
});

describe('sealed entries of the wrong shape are clear errors naming the file, the key and the fix', () => {
  let sealedProject: string;
  beforeAll(() => {
    sealedProject = project();
    sealHere(sealedProject);
  });

  /** A project whose sealed/qa.yaml is the good one, changed by `edit`. */
  function edited(edit: (content: any) => void, config = DEFAULT_CONFIG): string {
    const dir = project(config);
    mkdirSync(join(dir, 'sealed'));
    const content = sealedYaml(sealedProject);
    edit(content);
    writeSealedYaml(dir, content);
    return dir;
  }

  const withCertificate = structuredClone(DEFAULT_CONFIG);
  withCertificate.environments.qa.delivery = { method: 'sealed', certificate: 'current.pem' };

  test.each([
    ['a truncated ciphertext', (c: any) => (c.values.SUPABASE_KEY.encrypted = c.values.SUPABASE_KEY.encrypted.slice(0, 400)), 'SUPABASE_KEY', /encrypted: truncated: 300 bytes, where a value sealed with a 4096-bit key has at least 531/],
    ['a value base64-encoded instead of sealed', (c: any) => (c.values.SUPABASE_KEY.encrypted = Buffer.from(values.SUPABASE_KEY).toString('base64')), 'SUPABASE_KEY', /encrypted: decodes to readable text, not to ciphertext.*rotate it/],
    ['entries swapped between keys', (c: any) => ([c.values.ANTHROPIC_API_KEY, c.values.OPENAI_API_KEY] = [c.values.OPENAI_API_KEY, c.values.ANTHROPIC_API_KEY]), 'ANTHROPIC_API_KEY', /binding: this entry was sealed for OPENAI_API_KEY, not for ANTHROPIC_API_KEY: it was moved or copied between keys/],
    ['an entry copied to another key', (c: any) => (c.values.SUPABASE_KEY = { ...c.values.ARAGORA_JWT_SECRET }), 'SUPABASE_KEY', /encrypted: the same ciphertext as ARAGORA_JWT_SECRET: one entry was copied from the other/],
    ['an edited fingerprint', (c: any) => (c.values.OPENAI_API_KEY.certificate = c.values.OPENAI_API_KEY.certificate.replace(/.$/, (d: string) => (d === '0' ? '1' : '0'))), 'OPENAI_API_KEY', /binding: does not match the entry/],
    ['a fingerprint that is not one', (c: any) => (c.values.OPENAI_API_KEY.certificate = 'sha1:abc'), 'OPENAI_API_KEY', /certificate: not a fingerprint/],
    ['certificateNotAfter: not-a-date', (c: any) => (c.values.ARAGORA_JWT_SECRET.certificateNotAfter = 'not-a-date'), 'ARAGORA_JWT_SECRET', /certificateNotAfter: not a date and time as `seal` writes it/],
    ['a missing binding', (c: any) => delete c.values.ARAGORA_JWT_SECRET.binding, 'ARAGORA_JWT_SECRET', /binding: missing: every entry of an aragora-secrets\/v2 file carries one/],
  ])('%s', (_what, edit, key, problem) => {
    const dir = edited(edit);
    let message = '';
    try {
      synthesizeProject({ cwd: dir, env: {} });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`sealed/qa\\.yaml: values\\.${key}\\.${problem.source}`));
    expect(message).toMatch(new RegExp(`Seal ${key} again: aragora-secrets seal --env qa --cert CERT\\.pem --from-stdin ${key}`));
    for (const value of Object.values(values)) expect(message).not.toContain(value);
    expect(message).not.toMatch(/NaN/);
  });

  test('an RSA block that does not fit the configured certificate\'s key', () => {
    // The length prefix says 256 bytes (a 2048-bit key) in a value sealed for the 4096-bit key: rebound, so only the layout can tell
    const dir = edited((c) => {
      const bytes = Buffer.from(c.values.OPENAI_API_KEY.encrypted, 'base64');
      bytes.writeUInt16BE(256, 0);
      c.values.OPENAI_API_KEY.encrypted = bytes.toString('base64');
      c.values.OPENAI_API_KEY.binding = entryBinding('OPENAI_API_KEY', qaTarget, c.values.OPENAI_API_KEY);
    }, withCertificate);
    writeFileSync(join(dir, 'current.pem'), readFileSync(keys.certificate));
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(
      /sealed\/qa\.yaml: values\.OPENAI_API_KEY\.encrypted: its RSA block has 256 bytes, but the key of the certificate it names makes 512-byte blocks \(4096-bit key\)/,
    );
  });

  test('seal replaces a damaged entry from its value, and refuses to keep one it has no value for', async () => {
    // GIVEN an entry copied to another key
    const dir = edited((c) => (c.values.SUPABASE_KEY = { ...c.values.ARAGORA_JWT_SECRET }));
    const before = readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8');
    // WHEN seal is not given that key's value, THEN it refuses and writes nothing
    writeFileSync(join(dir, 'other.env'), `OPENAI_API_KEY=${values.OPENAI_API_KEY}\n`);
    const refused = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', 'other.env']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/sealed\/qa\.yaml has entries that are damaged or were edited after sealing.*\n  - values\.SUPABASE_KEY\.binding: this entry was sealed for ARAGORA_JWT_SECRET, not for SUPABASE_KEY[\s\S]*Give their values \(e\.g\. --env-file FILE, or --from-stdin SUPABASE_KEY\)/);
    expect(readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8')).toBe(before);
    // WHEN it is given the value, THEN the entry is sealed again and synth accepts the file
    const repaired = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    expect(repaired.status).toBe(0);
    expect(repaired.stdout).toMatch(/sealed now: +SUPABASE_KEY\n/);
    expect(unseal(privateKey, qaLabel, readSealedFile(dir, 'qa')!.values.SUPABASE_KEY.encrypted)).toBe(values.SUPABASE_KEY);
    expect(() => synthesizeProject({ cwd: dir, env: {} })).not.toThrow();
  });

  test('the SealedSecret construct refuses a value that is not ciphertext', () => {
    const chart = Testing.chart();
    expect(() => new SealedSecret(chart, 'plain', { secretName: 's', encryptedData: { TOKEN: Buffer.from(values.OPENAI_API_KEY).toString('base64') } })).toThrow(
      /SealedSecret "s": encryptedData\.TOKEN is not Sealed Secrets ciphertext \(decodes to readable text/,
    );
    expect(() => new SealedSecret(chart, 'clear', { secretName: 's', encryptedData: { TOKEN: values.OPENAI_API_KEY } })).toThrow(/encryptedData\.TOKEN is not Sealed Secrets ciphertext/);
    const good = sealValue(readSealingKey(readFileSync(keys.certificate), 'c').publicKey, qaTarget, 'v');
    expect(() => new SealedSecret(chart, 'sealed', { secretName: 's', encryptedData: { TOKEN: good, OTHER: 'UNSEALED - run: aragora-secrets seal --env qa' } })).not.toThrow();
  });
});

describe('what --cert accepts', () => {
  test('a private key is refused without quoting it; so is a key under 2048 bits', async () => {
    const dir = project();
    writeFileSync(join(dir, 'controller.key'), keys.privateKeyPem);
    const result = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', 'controller.key', '--env-file', '.env']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/controller\.key holds a private key, not the controller's certificate: sealing needs only the public certificate/);
    for (const line of keys.privateKeyPem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) expect(result.stderr).not.toContain(line.slice(0, 16));
    expect(existsSync(join(dir, 'sealed'))).toBe(false);

    writeFileSync(join(dir, 'weak.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    const weak = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', 'weak.pem', '--env-file', '.env']);
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/weak\.pem: the RSA key has 1024 bits; sealing needs at least 2048/);
    expect(existsSync(join(dir, 'sealed'))).toBe(false);
  });

  test('a private key as the configured certificate is a config error', () => {
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.delivery = { method: 'sealed', certificate: 'controller.key' };
    const dir = project(config);
    writeFileSync(join(dir, 'controller.key'), keys.privateKeyPem);
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(/environments\.qa\.delivery\.certificate: controller\.key holds a private key/);
  });

  test('an expired or not yet valid certificate seals, with a warning', async () => {
    const dir = project();
    const expired = certificateValidBetween(renewed.keyFile, '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z');
    const early = certificateValidBetween(renewed.keyFile, '2099-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
    const old = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', expired, '--env-file', '.env']);
    expect(old.status).toBe(0);
    expect(old.stderr).toMatch(/^warning: .*cert\.pem: the certificate expired on 2021-01-01; the controller has probably renewed its key since/m);
    const future = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', early, '--env-file', '.env']);
    expect(future.status).toBe(0);
    expect(future.stderr).toMatch(/^warning: .*cert\.pem: the certificate is not valid before 2099-01-01: check this machine's clock/m);
  });
});

describe('values stay off the command line and out of messages', () => {
  test.each([
    ['a value with no KEY=', values.OPENAI_API_KEY],
    ['a value whose own "=" looks like KEY=', values.ARAGORA_JWT_SECRET],
  ])('--from-literal with %s: refused, and the value is not shown', async (_what, value) => {
    const dir = project();
    const result = await runInProcess(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', value]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--from-literal takes KEY=VALUE, with KEY a variable name; this argument does not start with one \(it is not shown/);
    for (const part of [value, value.slice(0, 12), value.slice(-12, -1)]) expect(result.stderr + result.stdout).not.toContain(part);
  });

  integration.test('--from-stdin KEY reads the value from a pipe (one trailing newline removed); the docs give no value in argv', () => {
    const dir = project();
    const result = spawnSync(process.execPath, [bin, 'seal', '--env', 'qa', '--cert', keys.certificate, '--from-stdin', 'ARAGORA_JWT_SECRET'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      input: `${values.ARAGORA_JWT_SECRET}\n`,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/sealed now: +ARAGORA_JWT_SECRET\n/);
    expect(unseal(privateKey, qaLabel, readSealedFile(dir, 'qa')!.values.ARAGORA_JWT_SECRET.encrypted)).toBe(values.ARAGORA_JWT_SECRET);
    expect(allDocumentation()).not.toMatch(/--from-literal [A-Z_]+="?\$/);
  });
});
