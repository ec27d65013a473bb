import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * A salted, deliberately slow verifier of a sealed value, so that `seal` can tell an unchanged
 * value from a changed one and keep the committed ciphertext as it is (ciphertext is randomized:
 * sealing the same value twice never gives the same bytes, and GitOps tools would see a change).
 *
 * It covers the entry's binding (see sealed-entry.ts: key, target, certificate and the ciphertext
 * itself), not only the value: a ciphertext put in place of the one that was sealed, even a
 * well-formed one sealed by anyone from the public certificate, no longer matches, and `seal`
 * seals the owner's value again instead of keeping the stranger's. Making a matching verifier for
 * a new ciphertext takes the owner's value.
 *
 * Why this does not weaken the secrets: the verifier is scrypt (N=2^14, r=8, p=1; about 50 ms per
 * guess on a laptop core) over the value, a random 16-byte salt per value, and the binding.
 * Provider API keys, webhook secrets and generated tokens carry 128 bits or more of entropy, far
 * beyond any guessing. A low-entropy value (a human password) would become guessable offline at
 * scrypt's cost: seal those with `--no-verifier`, and they are simply sealed again each time.
 *
 * `scrypt-v1` verifiers (aragora-secrets/v1 files) covered the value and target only; they are
 * recognised but never trusted to keep a ciphertext.
 */
const VERSION = 'scrypt-v2';
const PARAMS = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const DOMAIN = 'aragora-secrets sealed value verifier v2';

export function makeVerifier(value: string, binding: string): string {
  const salt = randomBytes(SALT_BYTES);
  return `${VERSION}:${salt.toString('base64')}:${derive(value, binding, salt).toString('base64')}`;
}

/** True when `value` is the value `verifier` was made from, for the entry whose binding is `binding`. */
export function matchesVerifier(verifier: string | undefined, value: string, binding: string): boolean {
  if (!verifier) return false;
  const [version, salt, hash] = verifier.split(':');
  if (version !== VERSION || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = derive(value, binding, Buffer.from(salt, 'base64'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Verifiers of both formats; only `scrypt-v2` ones can keep a ciphertext. */
export const VERIFIER_PATTERN = /^scrypt-v[12]:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/;

export function isCurrentVerifier(verifier: string | undefined): boolean {
  return verifier?.startsWith(`${VERSION}:`) === true;
}

function derive(value: string, binding: string, salt: Buffer): Buffer {
  const prefix = Buffer.from(JSON.stringify([DOMAIN, binding]), 'utf8');
  return scryptSync(Buffer.concat([prefix, Buffer.from([0]), Buffer.from(value, 'utf8')]), salt, HASH_BYTES, PARAMS);
}
