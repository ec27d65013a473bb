import { createHash } from 'node:crypto';
import { checkCiphertext } from './ciphertext';
import type { SealTarget } from './sealing';
import { VERIFIER_PATTERN } from './verifier';

/**
 * One sealed value as `sealed/<env>.yaml` records it. Format 2 (`aragora-secrets/v2` files) adds the
 * binding; format 1 entries (`aragora-secrets/v1`) have none.
 */
export interface SealedValue {
  readonly encrypted: string;
  /** `sha256:<hex>` of the controller public key the value was sealed with. */
  readonly certificate: string;
  /** Expiry of that certificate, when sealed from a certificate (ISO 8601). */
  readonly certificateNotAfter?: string;
  /** Ties the entry's fields together (see `entryBinding`). */
  readonly binding?: string;
  /** Lets `seal` recognise an unchanged value without decrypting (see verifier.ts). */
  readonly verifier?: string;
}

export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/;
const BINDING_DOMAIN = 'aragora-secrets sealed entry v2';
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * SHA-256 over the key, the target, the certificate, its expiry and the ciphertext. The Sealed
 * Secrets label binds a ciphertext to a namespace and name but not to a key, so without this an
 * entry moved to another key would unseal there unnoticed. It is a checksum anyone can recompute,
 * not a signature: it catches edits that were not made with the values (a hand edit, a moved or
 * swapped entry, a bad merge); what proves an entry holds the owner's value is the verifier, which
 * covers this binding and takes the value to make.
 */
export function entryBinding(key: string, target: SealTarget, entry: Pick<SealedValue, 'encrypted' | 'certificate' | 'certificateNotAfter'>): string {
  const fields = [BINDING_DOMAIN, key, target.scope, target.namespace, target.name, entry.certificate, entry.certificateNotAfter ?? '', entry.encrypted];
  return `sha256:${createHash('sha256').update(JSON.stringify(fields)).digest('hex')}`;
}

export interface EntryProblem {
  /** The field at fault, under `values.<key>`. */
  readonly field: string;
  readonly message: string;
}

export interface EntryCheckOptions {
  /** What the file says its values were sealed for. */
  readonly target: SealTarget;
  /** Format 2: every entry must carry a binding that holds. */
  readonly bound: boolean;
  /** Modulus length in bytes of a key known by fingerprint (the certificate given to `seal`, or configured). */
  readonly keyBytes?: (fingerprint: string) => number | undefined;
  /** Key names besides the file's own that an entry may have been moved from (the catalog's). */
  readonly otherKeys?: readonly string[];
}

/** Problems per key (only keys that have some), in the order of `values`. Messages never quote a field's content. */
export function sealedValuesProblems(values: Readonly<Record<string, SealedValue>>, options: EntryCheckOptions): Record<string, EntryProblem[]> {
  const problems: Record<string, EntryProblem[]> = {};
  const firstWithCiphertext = new Map<string, string>();
  const keys = Object.keys(values);
  const candidates = [...new Set([...keys, ...(options.otherKeys ?? [])])];
  for (const key of keys) {
    const found = entryProblems(key, values[key], candidates, options);
    const earlier = firstWithCiphertext.get(values[key].encrypted);
    if (earlier !== undefined) found.push({ field: 'encrypted', message: `the same ciphertext as ${earlier}: one entry was copied from the other` });
    else firstWithCiphertext.set(values[key].encrypted, key);
    if (found.length > 0) problems[key] = found;
  }
  return problems;
}

function entryProblems(key: string, entry: SealedValue, candidates: readonly string[], options: EntryCheckOptions): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const fingerprintValid = FINGERPRINT_PATTERN.test(entry.certificate);
  const ciphertext = checkCiphertext(entry.encrypted, fingerprintValid ? options.keyBytes?.(entry.certificate) : undefined);
  if (!ciphertext.ok) problems.push({ field: 'encrypted', message: ciphertext.problem });
  if (!fingerprintValid) problems.push({ field: 'certificate', message: 'not a fingerprint ("sha256:" and 64 hex digits)' });
  const expiry = entry.certificateNotAfter;
  if (expiry !== undefined && !(ISO_TIMESTAMP.test(expiry) && !Number.isNaN(Date.parse(expiry)) && new Date(expiry).toISOString() === expiry)) {
    problems.push({ field: 'certificateNotAfter', message: 'not a date and time as `seal` writes it (e.g. 2035-01-31T12:00:00.000Z)' });
  }
  if (entry.verifier !== undefined && !VERIFIER_PATTERN.test(entry.verifier)) {
    problems.push({ field: 'verifier', message: 'not a verifier written by `aragora-secrets seal`' });
  }
  if (!options.bound) {
    if (entry.binding !== undefined) problems.push({ field: 'binding', message: 'a binding in an aragora-secrets/v1 file, which has none' });
    return problems;
  }
  if (entry.binding === undefined) {
    problems.push({ field: 'binding', message: 'missing: every entry of an aragora-secrets/v2 file carries one' });
  } else if (entry.binding !== entryBinding(key, options.target, entry)) {
    const movedFrom = candidates.find((other) => other !== key && entry.binding === entryBinding(other, options.target, entry));
    problems.push({
      field: 'binding',
      message: movedFrom
        ? `this entry was sealed for ${movedFrom}, not for ${key}: it was moved or copied between keys`
        : 'does not match the entry: its ciphertext, certificate or expiry was edited after sealing, or the entry was sealed for another key or target',
    });
  }
  return problems;
}
