import { execFileSync, spawnSync } from 'node:child_process';
import { constants, createDecipheriv, generateKeyPairSync, KeyObject, privateDecrypt, createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { encodingsOf } from '../src/output/leak-guard';
import { readSealedFile } from '../src/seal/sealed-file';
import { readSealingKey, sealingLabel, sealValue, SealTarget } from '../src/seal/sealing';
import { synthesizeProject } from '../src/synth';
import { find, manifests } from './helpers';

const root = resolve(__dirname, '..');
const bin = join(root, 'bin', 'aragora-secrets');

/** A 4096-bit controller key pair with a self-signed certificate, as the controller makes one. */
function controllerKeys(dir: string): { certificate: string; privateKeyPem: string } {
  const keyFile = join(dir, 'controller.key');
  const certificate = join(dir, 'controller.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', keyFile, '-out', certificate, '-days', '3650', '-subj', '/O=sealed-secret/CN='], { stdio: 'ignore' });
  return { certificate, privateKeyPem: readFileSync(keyFile, 'utf8') };
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

const pythonAvailable = spawnSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0;

function unsealWithPython(privateKeyPem: string, items: { label: string; ciphertext: string }[]): { ok: boolean; value?: string }[] {
  const out = execFileSync('python3', [join(__dirname, 'support', 'unseal.py')], { input: JSON.stringify({ privateKey: privateKeyPem, items }) });
  return JSON.parse(out.toString());
}

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

// Realistic values, made at run time so that no key-shaped literal is committed.
const values = {
  ANTHROPIC_API_KEY: 'sk-ant-' + 'api03-' + randomBytes(60).toString('base64url'),
  OPENAI_API_KEY: 'sk-' + 'proj-' + randomBytes(40).toString('base64url'),
  SUPABASE_KEY: 'eyJ' + randomBytes(20).toString('base64url') + '.eyJ' + randomBytes(40).toString('base64url') + '.' + randomBytes(32).toString('base64url'),
  ARAGORA_JWT_SECRET: randomBytes(32).toString('base64'),
};
const tricky = 'quote " backslash \\ dollar $HOME newline\nunicode ✓ ' + randomBytes(8).toString('hex');

let keys: { certificate: string; privateKeyPem: string };
let privateKey: KeyObject;
beforeAll(() => {
  keys = controllerKeys(mkdtempSync(join(tmpdir(), 'aragora-keys-')));
  privateKey = createPrivateKey(keys.privateKeyPem);
});

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
  test('the controller recovers every sealed value exactly from the synthesized SealedSecret', () => {
    // GIVEN values in .env and one literal with characters that need care
    const dir = project();
    // WHEN they are sealed for qa and the project is synthesized
    const sealed = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--from-literal', `OPENROUTER_API_KEY=${tricky}`]);
    expect(sealed.stderr).toBe('');
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

  (pythonAvailable ? test : test.skip)('an independent implementation (Python cryptography) unseals them too, in every scope', () => {
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      const config = structuredClone(DEFAULT_CONFIG);
      config.environments.qa.delivery = { method: 'sealed', scope };
      const dir = project(config);
      expect(cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']).status).toBe(0);
      const sealedSecret = find(manifests(synthesizeProject({ cwd: dir, env: {} }).files, 'qa'), 'SealedSecret');
      const label = { strict: 'aragora-qa/aragora-secrets', 'namespace-wide': 'aragora-qa', 'cluster-wide': '' }[scope];
      if (scope !== 'strict') expect(sealedSecret.metadata.annotations).toEqual({ [`sealedsecrets.bitnami.com/${scope}`]: 'true' });
      else expect(sealedSecret.metadata.annotations).toBeUndefined();
      const entries = Object.entries<string>(sealedSecret.spec.encryptedData);
      const results = unsealWithPython(keys.privateKeyPem, entries.map(([, ciphertext]) => ({ label, ciphertext })));
      expect(results).toEqual(entries.map(([key]) => ({ ok: true, value: (values as Record<string, string>)[key] })));
      // A wrong label is refused by the independent implementation as well.
      const wrong = unsealWithPython(keys.privateKeyPem, [{ label: 'other-ns/aragora-secrets', ciphertext: entries[0][1] }]);
      expect(wrong[0].ok).toBe(false);
    }
  });

  test('sealing merges: values sealed earlier are kept byte for byte', () => {
    const dir = project();
    expect(cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}`]).status).toBe(0);
    const first = readSealedFile(dir, 'qa')!;
    const second = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `SUPABASE_KEY=${values.SUPABASE_KEY}`]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/kept as is:\s+ANTHROPIC_API_KEY/);
    const merged = readSealedFile(dir, 'qa')!;
    expect(merged.values.ANTHROPIC_API_KEY).toEqual(first.values.ANTHROPIC_API_KEY);
    expect(Object.keys(merged.values)).toEqual(['ANTHROPIC_API_KEY', 'SUPABASE_KEY']);
    expect(merged.target).toEqual({ name: 'aragora-secrets', namespace: 'aragora-qa', scope: 'strict' });
  });

  test('the process environment is a source too, with the lowest priority', () => {
    const dir = project();
    const result = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', 'OPENAI_API_KEY=from-literal-' + 'x'.repeat(10)], {
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
  test('sealing the same values twice leaves sealed/ byte-identical', () => {
    const dir = project();
    expect(cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']).status).toBe(0);
    const first = readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8');
    const again = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/unchanged \(ciphertext kept\): ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, SUPABASE_KEY/);
    expect(again.stdout).not.toMatch(/sealed now/);
    expect(readFileSync(join(dir, 'sealed/qa.yaml'), 'utf8')).toBe(first);
  });

  test('only a changed value is sealed again', () => {
    const dir = project();
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    const before = readSealedFile(dir, 'qa')!;
    const result = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--from-literal', 'SUPABASE_KEY=rotated-' + randomBytes(24).toString('hex')]);
    expect(result.stdout).toMatch(/sealed now:\s+SUPABASE_KEY\n/);
    const after = readSealedFile(dir, 'qa')!;
    expect(after.values.SUPABASE_KEY.encrypted).not.toBe(before.values.SUPABASE_KEY.encrypted);
    for (const key of ['ANTHROPIC_API_KEY', 'ARAGORA_JWT_SECRET', 'OPENAI_API_KEY']) expect(after.values[key]).toEqual(before.values[key]);
  });

  test('a new certificate seals everything again; --no-verifier records nothing and always re-seals', () => {
    const dir = project();
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    const before = readSealedFile(dir, 'qa')!;
    const renewed = controllerKeys(mkdtempSync(join(tmpdir(), 'aragora-renewed-')));
    expect(cli(dir, ['seal', '--env', 'qa', '--cert', renewed.certificate, '--env-file', '.env']).stdout).toMatch(/sealed now:\s+ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, OPENAI_API_KEY, SUPABASE_KEY/);
    const after = readSealedFile(dir, 'qa')!;
    for (const key of Object.keys(before.values)) expect(after.values[key].certificate).not.toBe(before.values[key].certificate);

    const plain = project();
    cli(plain, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--no-verifier']);
    const first = readSealedFile(plain, 'qa')!;
    expect(Object.values(first.values).every((v) => v.verifier === undefined)).toBe(true);
    cli(plain, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env', '--no-verifier']);
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
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `OPENAI_API_KEY=${values.OPENAI_API_KEY}`]);
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
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    const config = structuredClone(DEFAULT_CONFIG);
    change(config);
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    expect(() => synthesizeProject({ cwd: dir, env: {} })).toThrow(/sealed\/qa\.yaml was sealed for Secret "aragora-secrets" in namespace "aragora-qa" \(strict\).*Seal them again/s);
  });

  test('seal for a changed target drops the old values and says which to give again', () => {
    const dir = project();
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.secretName = 'aragora-env';
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const result = cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--from-literal', `OPENAI_API_KEY=${values.OPENAI_API_KEY}`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/dropped \(sealed for another target; give them again\): ANTHROPIC_API_KEY, ARAGORA_JWT_SECRET, SUPABASE_KEY/);
    expect(readSealedFile(dir, 'qa')!.target.name).toBe('aragora-env');
    expect(() => synthesizeProject({ cwd: dir, env: {} })).not.toThrow();
  });

  test('values sealed for a certificate other than the configured current one are flagged', () => {
    const dir = project();
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
    const renewed = controllerKeys(mkdtempSync(join(tmpdir(), 'aragora-renewed-')));
    writeFileSync(join(dir, 'current.pem'), readFileSync(renewed.certificate));
    const config = structuredClone(DEFAULT_CONFIG);
    config.environments.qa.delivery = { method: 'sealed', certificate: 'current.pem' };
    writeFileSync(join(dir, 'aragora-secrets.yaml'), stringify(config));
    const { warnings } = synthesizeProject({ cwd: dir, env: {} });
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w).toMatch(/was sealed for certificate sha256:[0-9a-f]{12}, not the current sha256:[0-9a-f]{12} \(current\.pem\)/);
    // Sealing again with the current certificate clears them.
    cli(dir, ['seal', '--env', 'qa', '--cert', 'current.pem', '--env-file', '.env']);
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
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
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
    cli(dir, ['seal', '--env', 'qa', '--cert', keys.certificate, '--env-file', '.env']);
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
  ])('%j exits %i', (args, code, pattern) => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-seal-err-'));
    writeFileSync(join(dir, '.env'), `ANTHROPIC_API_KEY=${values.ANTHROPIC_API_KEY}\n`);
    const result = cli(dir, args.map((a) => (a === 'CERT' ? keys.certificate : a)));
    expect(result.status).toBe(code);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr + result.stdout).not.toContain(values.ANTHROPIC_API_KEY);
    expect(existsSync(join(dir, 'sealed'))).toBe(false);
  });

  test('--help works for the program and the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-help-'));
    const top = cli(dir, ['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/seal \[options\]/);
    const seal = cli(dir, ['seal', '--help']);
    expect(seal.status).toBe(0);
    expect(seal.stdout).toMatch(/--from-literal <KEY=VALUE>/);
  });
});
