/**
 * The shape of a Sealed Secrets value, checked without the private key:
 *
 *   base64( uint16be(len(rsa)) ‖ rsa ‖ aesgcm )     rsa: one RSA-OAEP block, as long as the key's modulus
 *                                                  aesgcm: the value's ciphertext, then a 16-byte tag
 *
 * A truncated value, a value base64-encoded instead of sealed, or a block that does not fit the key fails
 * here with a reason; only the controller can tell whether a well-formed value decrypts.
 */

/** RSA blocks of 2048- to 16384-bit keys: Sealed Secrets refuses keys under 2048 bits. */
export const MIN_RSA_BLOCK_BYTES = 256;
export const MAX_RSA_BLOCK_BYTES = 2048;
const LENGTH_PREFIX_BYTES = 2;
const GCM_TAG_BYTES = 16;
/** `seal` never seals an empty value. */
const MIN_VALUE_BYTES = 1;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * How a key that still needs sealing is marked in `encryptedData`: obviously not ciphertext, so the
 * controller refuses the SealedSecret instead of unsealing something half-configured.
 */
export const UNSEALED_PLACEHOLDER_PREFIX = 'UNSEALED - ';

export interface CiphertextLayout {
  readonly rsaBlockBytes: number;
  readonly valueBytes: number;
}

export type CiphertextCheck = { readonly ok: true; readonly layout: CiphertextLayout } | { readonly ok: false; readonly problem: string };

/**
 * Checks `encrypted` (as found in `encryptedData`) against the layout; with `keyBytes` (the modulus length of
 * the key it claims to be sealed for), the RSA block must have exactly that length. Problems never quote the text.
 */
export function checkCiphertext(encrypted: string, keyBytes?: number): CiphertextCheck {
  if (!BASE64.test(encrypted) || encrypted.length % 4 !== 0 || Buffer.from(encrypted, 'base64').toString('base64') !== encrypted) {
    return { ok: false, problem: 'not base64 ciphertext' };
  }
  const bytes = Buffer.from(encrypted, 'base64');
  if (looksLikeText(bytes)) {
    return {
      ok: false,
      problem:
        'decodes to readable text, not to ciphertext: a value base64-encoded instead of sealed? If so, anyone who can read the repository has it: rotate it, then seal the new value',
    };
  }
  if (bytes.length < LENGTH_PREFIX_BYTES + MIN_RSA_BLOCK_BYTES) {
    return { ok: false, problem: `truncated: ${bytes.length} bytes, shorter than the RSA block of any key Sealed Secrets accepts` };
  }
  const rsaBlockBytes = bytes.readUInt16BE(0);
  if (rsaBlockBytes < MIN_RSA_BLOCK_BYTES || rsaBlockBytes > MAX_RSA_BLOCK_BYTES) {
    return {
      ok: false,
      problem: `not Sealed Secrets ciphertext: its first two bytes give an RSA block of ${rsaBlockBytes} bytes, where keys of 2048 to 16384 bits make ${MIN_RSA_BLOCK_BYTES} to ${MAX_RSA_BLOCK_BYTES}`,
    };
  }
  if (keyBytes !== undefined && rsaBlockBytes !== keyBytes) {
    return { ok: false, problem: `its RSA block has ${rsaBlockBytes} bytes, but the key of the certificate it names makes ${keyBytes}-byte blocks (${keyBytes * 8}-bit key)` };
  }
  const minimum = LENGTH_PREFIX_BYTES + rsaBlockBytes + MIN_VALUE_BYTES + GCM_TAG_BYTES;
  if (bytes.length < minimum) {
    return { ok: false, problem: `truncated: ${bytes.length} bytes, where a value sealed with a ${rsaBlockBytes * 8}-bit key has at least ${minimum}` };
  }
  return { ok: true, layout: { rsaBlockBytes, valueBytes: bytes.length - LENGTH_PREFIX_BYTES - rsaBlockBytes - GCM_TAG_BYTES } };
}

/**
 * Ciphertext is uniformly random: the chance that 24 or more random bytes are all printable ASCII is below
 * 2^-30. Text here means something that was never encrypted.
 */
function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length < 24) return false;
  for (const byte of bytes) {
    if (byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && (byte < 0x20 || byte > 0x7e)) return false;
  }
  return true;
}
