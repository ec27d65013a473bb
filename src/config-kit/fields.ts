import { z } from 'zod';
import { DNS1123_LABEL } from '../core/names';
import { pathPattern } from './path-pattern';

/**
 * The building blocks of the config schema that more than one part of it uses (the generic
 * schema in src/config and each delivery method's options): names, labels, addresses, durations.
 */

// A label key's name part and a label value share this grammar (at most 63 characters).
export const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
export const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;


export const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, { error: `${what} must be at most ${max} characters` })
    .regex(DNS1123_LABEL, {
      error: `${what} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });

// Vault paths, role and policy names: no spaces, no wildcards, nothing a shell or HCL would interpret.
export const VAULT_PATH = pathPattern({ characters: 'A-Za-z0-9_.-' });
export const DURATION = /^[1-9]\d*(s|m|h)$/;
export const vaultName = (what: string) =>
  z.string().max(128).regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, { error: `${what} is letters, digits, "-", "_" and ".", starting and ending with a letter or digit` });

export const labelKey = z
  .string()
  .refine(isValidLabelKey, {
    error: 'not a valid label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters of letters, digits, "-", "_" and "." that starts and ends alphanumeric',
  })
  // cdk8s takes an object with an own "constructor" entry for a class instance and refuses to render it.
  .refine((key) => key !== 'constructor', { error: 'the label key "constructor" cannot be rendered by cdk8s, which generates the manifests: use another key (e.g. with a prefix, example.com/constructor)' });
export const labelValue = z.string().refine((v) => v === '' || (v.length <= 63 && LABEL_NAME.test(v)), {
  error: 'not a valid label value: at most 63 characters of letters, digits, "-", "_" and ".", starting and ending alphanumeric',
});
export const labels = z.record(labelKey, labelValue);

export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !LABEL_PREFIX.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}


export const port = z.number().int().min(1).max(65535);

export const cidr = z.string().refine(isValidCidr, {
  error: 'not a valid CIDR: write an address and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"',
});


export const resourceQuantities = z.strictObject({
  cpu: z.string().regex(/^\d+(\.\d+)?m?$/, { error: 'a CPU quantity such as "250m" or "1"' }).optional(),
  memory: z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: 'a memory quantity such as "256Mi"' }).optional(),
});


export function isValidCidr(value: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return false;
  const [, address, prefix] = m;
  const bits = Number(prefix);
  if (isIPv4(address)) return bits <= 32;
  if (isIPv6(address)) return bits <= 128;
  return false;
}

/**
 * Whether `inner` lies strictly inside `outer` (same family, longer prefix, same network bits),
 * as the API server requires of a NetworkPolicy's `ipBlock.except`.
 */
export function isStrictSubnet(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b || a.bits !== b.bits || a.prefix <= b.prefix) return false;
  const shift = BigInt(b.bits - b.prefix);
  return a.address >> shift === b.address >> shift;
}

export interface ParsedCidr {
  readonly address: bigint;
  readonly prefix: number;
  readonly bits: number;
}

// The same few ranges (the non-public lists, the metadata endpoints, the config's CIDRs) are compared
// with each other by the config checks, the plan, the NetworkPolicy and the guard rails: parse each once.
const parsedCidrs = new Map<string, ParsedCidr | undefined>();

export function parseCidr(value: string): ParsedCidr | undefined {
  if (parsedCidrs.has(value)) return parsedCidrs.get(value);
  const parsed = parseCidrUncached(value);
  if (parsedCidrs.size < 10_000) parsedCidrs.set(value, parsed && Object.freeze(parsed));
  return parsed;
}

function parseCidrUncached(value: string): ParsedCidr | undefined {
  if (!isValidCidr(value)) return undefined;
  const [address, prefix] = value.split('/');
  if (isIPv4(address)) {
    return { address: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n), prefix: Number(prefix), bits: 32 };
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (s: string) => (s ? s.split(':').flatMap(expandEmbeddedIPv4) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return { address: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), prefix: Number(prefix), bits: 128 };
}

function expandEmbeddedIPv4(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a, b, c, d] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

function isIPv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(address: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(address) || address.split('::').length > 2) return false;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const all = [...groups(head), ...groups(tail)];
  let count = 0;
  for (const [i, g] of all.entries()) {
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return tail === undefined ? count === 8 : count < 8;
}
