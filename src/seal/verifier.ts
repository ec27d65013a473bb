import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * A salted, deliberately slow verifier of a sealed value, so that `seal` can tell an unchanged
 * value from a changed one and keep the committed ciphertext as it is (ciphertext is randomized:
 * sealing the same value twice never gives the same bytes, and GitOps tools would see a change).
 *
 * Why this does not weaken the secrets: the verifier is scrypt (N=2^14, r=8, p=1; about 50 ms per
 * guess on a laptop core) over the value, a random 16-byte salt per value, and the target it was
 * sealed for. Provider API keys, webhook secrets and generated tokens carry 128 bits or more of
 * entropy, far beyond any guessing. A low-entropy value (a human password) would become guessable
 * offline at scrypt's cost: seal those with `--no-verifier`, and they are simply sealed again each time.
 */
const VERSION = 'scrypt-v1';
const PARAMS = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export function makeVerifier(value: string, context: string): string {
  const salt = randomBytes(SALT_BYTES);
  return `${VERSION}:${salt.toString('base64')}:${derive(value, context, salt).toString('base64')}`;
}

/** True when `value` (for `context`) is the value `verifier` was made from. */
export function matchesVerifier(verifier: string | undefined, value: string, context: string): boolean {
  if (!verifier) return false;
  const [version, salt, hash] = verifier.split(':');
  if (version !== VERSION || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = derive(value, context, Buffer.from(salt, 'base64'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export const VERIFIER_PATTERN = /^scrypt-v1:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/;

function derive(value: string, context: string, salt: Buffer): Buffer {
  return scryptSync(Buffer.concat([Buffer.from(context, 'utf8'), Buffer.from([0]), Buffer.from(value, 'utf8')]), salt, HASH_BYTES, PARAMS);
}
