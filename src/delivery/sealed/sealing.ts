import { createCipheriv, createHash, createPublicKey, KeyObject, publicEncrypt, randomBytes, X509Certificate, constants } from 'node:crypto';
import { UserError } from '../../core/errors';
import type { SealScope } from './schema';

/**
 * Sealing compatible byte for byte with the Sealed Secrets controller (and kubeseal):
 *
 *   output = uint16be(len(rsa)) ‖ rsa ‖ aesgcm
 *   rsa    = RSA-OAEP(SHA-256, label)(sessionKey)          sessionKey: 32 fresh random bytes
 *   aesgcm = AES-256-GCM(sessionKey, nonce = 12 zero bytes)(value) ‖ 16-byte tag
 *
 * The zero nonce is safe because every value gets its own session key. The label binds the
 * ciphertext to where it may be unsealed: `namespace/name` (strict), `namespace`
 * (namespace-wide) or nothing (cluster-wide); the controller refuses it anywhere else.
 */

const SESSION_KEY_BYTES = 32;
const GCM_NONCE = Buffer.alloc(12);

export interface SealTarget {
  readonly name: string;
  readonly namespace: string;
  readonly scope: SealScope;
}

export function sealingLabel(target: SealTarget): Buffer {
  switch (target.scope) {
    case 'strict':
      return Buffer.from(`${target.namespace}/${target.name}`, 'utf8');
    case 'namespace-wide':
      return Buffer.from(target.namespace, 'utf8');
    case 'cluster-wide':
      return Buffer.alloc(0);
  }
}

/** Encrypts one value for `target`; returns base64 as it goes into `spec.encryptedData`. */
export function sealValue(publicKey: KeyObject, target: SealTarget, value: string | Buffer): string {
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsa = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: sealingLabel(target) },
    sessionKey,
  );
  const cipher = createCipheriv('aes-256-gcm', sessionKey, GCM_NONCE);
  const body = Buffer.concat([cipher.update(typeof value === 'string' ? Buffer.from(value, 'utf8') : value), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rsa.length);
  return Buffer.concat([length, rsa, body]).toString('base64');
}

export interface SealingKey {
  readonly publicKey: KeyObject;
  /** `sha256:<hex>` of the public key (SubjectPublicKeyInfo, DER): the same for a certificate and its bare key. */
  readonly fingerprint: string;
  /** Size of the RSA modulus: every sealed value's RSA block has `modulusBits / 8` bytes. */
  readonly modulusBits: number;
  /** Certificate validity (ISO 8601), when a certificate was given. */
  readonly notBefore?: string;
  readonly notAfter?: string;
}

/** Sealed Secrets makes 4096-bit keys; anything under 2048 bits is within reach of a determined attacker. */
export const MIN_MODULUS_BITS = 2048;

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----/;

/**
 * Reads the controller's certificate as `kubeseal --fetch-cert` prints it (PEM X.509), or a bare
 * PEM public key. Only RSA keys of 2048 bits or more can seal. A private key is refused, even though
 * its public half could seal: the certificate is meant to be committed, and a private key there would
 * let anyone unseal every value. No message quotes the file.
 */
export function readSealingKey(pem: string | Buffer, source: string): SealingKey {
  const text = pem.toString();
  if (PRIVATE_KEY_PEM.test(text)) {
    throw new UserError(
      `${source} holds a private key, not the controller's certificate: sealing needs only the public certificate, and that file gets committed. ` +
        `Keep the private key out of the repository (if it was ever committed or shared, renew the controller's key), ` +
        `and fetch the certificate into a new file of its own: kubeseal --fetch-cert > NEW-FILE.pem`,
    );
  }
  let publicKey: KeyObject;
  let validity: { notBefore: string; notAfter: string } | undefined;
  try {
    if (text.includes('BEGIN CERTIFICATE')) {
      const certificate = new X509Certificate(text);
      publicKey = certificate.publicKey;
      validity = { notBefore: new Date(certificate.validFrom).toISOString(), notAfter: new Date(certificate.validTo).toISOString() };
    } else {
      publicKey = createPublicKey(text);
    }
  } catch {
    throw new UserError(
      `${source}: not a PEM certificate or public key. Fetch the controller's certificate with \`kubeseal --fetch-cert > ${source}\`.`,
    );
  }
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new UserError(`${source}: the key is ${publicKey.asymmetricKeyType}, but Sealed Secrets seals with RSA keys only.`);
  }
  const modulusBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < MIN_MODULUS_BITS) {
    throw new UserError(
      `${source}: the RSA key has ${modulusBits} bits; sealing needs at least ${MIN_MODULUS_BITS} (the Sealed Secrets controller makes 4096-bit keys). ` +
        `Is this the controller's certificate? Fetch it with \`kubeseal --fetch-cert\`.`,
    );
  }
  return { publicKey, fingerprint: publicKeyFingerprint(publicKey), modulusBits, ...validity };
}

/** Warnings (never errors: the controller unseals with any key it still holds) for a certificate outside its validity. */
export function certificateValidityWarnings(key: SealingKey, source: string, now: Date): string[] {
  if (key.notAfter !== undefined && now.getTime() > Date.parse(key.notAfter)) {
    return [
      `${source}: the certificate expired on ${key.notAfter.slice(0, 10)}; the controller has probably renewed its key since. ` +
        `Values sealed for it still unseal while the controller keeps the old key, but fetch the current certificate (kubeseal --fetch-cert) and seal again.`,
    ];
  }
  if (key.notBefore !== undefined && now.getTime() < Date.parse(key.notBefore)) {
    return [
      `${source}: the certificate is not valid before ${key.notBefore.slice(0, 10)}: check this machine's clock, and that this is the certificate the controller prints (kubeseal --fetch-cert).`,
    ];
  }
  return [];
}

export function publicKeyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}
