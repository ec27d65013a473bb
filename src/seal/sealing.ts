import { createCipheriv, createHash, createPublicKey, KeyObject, publicEncrypt, randomBytes, X509Certificate, constants } from 'node:crypto';
import { UserError } from '../config/errors';
import type { SealScope } from '../config/schema';

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
  /** Certificate expiry (ISO 8601), when a certificate was given. */
  readonly notAfter?: string;
}

/**
 * Reads the controller's certificate as `kubeseal --fetch-cert` prints it (PEM X.509), or a bare
 * PEM public key. Only RSA keys can seal.
 */
export function readSealingKey(pem: string | Buffer, source: string): SealingKey {
  const text = pem.toString();
  let publicKey: KeyObject;
  let notAfter: string | undefined;
  try {
    if (text.includes('BEGIN CERTIFICATE')) {
      const certificate = new X509Certificate(text);
      publicKey = certificate.publicKey;
      notAfter = new Date(certificate.validTo).toISOString();
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
  return { publicKey, fingerprint: publicKeyFingerprint(publicKey), notAfter };
}

export function publicKeyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}
