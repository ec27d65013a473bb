import { isStrictSubnet, parseCidr } from '../config-kit/fields';

/**
 * Address ranges of the egress NetworkPolicy: what "public" leaves out, and the cloud metadata
 * endpoints no rule may reach. Pure functions on CIDR strings, shared by the config checks, the
 * plan, the NetworkPolicy construct and the guard rails, so that all of them mean the same range.
 */

/**
 * IPv4 ranges that are not public internet: "this network" (0.0.0.0 reaches the host itself),
 * RFC 1918, shared address space (100.64/10, pods in some clusters, Alibaba's metadata endpoint),
 * loopback, link-local (the cloud metadata endpoint 169.254.169.254), and the special-purpose
 * blocks that GKE and others hand out as private pod and service ranges (192.0.0/24, 192.0.2/24,
 * 192.88.99/24, 198.18/15, 198.51.100/24, 203.0.113/24, 240/4).
 */
export const NON_PUBLIC_IPV4: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
];

/** The well-known NAT64 prefix: `64:ff9b::a9fe:a9fe` is 169.254.169.254 behind a NAT64 gateway. */
const NAT64_PREFIX = 0x0064ff9b_00000000_00000000_00000000n;

/**
 * IPv6 ranges that are not public internet: unspecified and loopback, IPv4-mapped addresses,
 * local-use NAT64, unique local (fc00::/7, which holds AWS's metadata endpoint fd00:ec2::254),
 * link-local, and the NAT64 image of each non-public IPv4 range (the public NAT64 prefix stays
 * open: IPv6-only clusters reach IPv4-only APIs through it).
 */
export const NON_PUBLIC_IPV6: readonly string[] = [
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  ...NON_PUBLIC_IPV4.map(nat64Image),
  '64:ff9b:1::/48',
  'fc00::/7',
  'fe80::/10',
];

export const ALL_IPV4 = '0.0.0.0/0';
export const ALL_IPV6 = '::/0';

/** Addresses where a cloud hands out the node's credentials to any process that asks. */
export const METADATA_ENDPOINTS: readonly { readonly address: string; readonly what: string }[] = [
  { address: '169.254.169.254', what: 'the cloud metadata endpoint (AWS, Google Cloud, Azure, and others)' },
  { address: '100.100.100.200', what: 'the Alibaba Cloud metadata endpoint' },
  { address: 'fd00:ec2::254', what: 'the AWS metadata endpoint over IPv6' },
  { address: '64:ff9b::a9fe:a9fe', what: 'the cloud metadata endpoint 169.254.169.254 through NAT64' },
];

export type AddressFamily = 'ipv4' | 'ipv6';

export function familyOf(cidr: string): AddressFamily | undefined {
  const parsed = parseCidr(cidr);
  return parsed && (parsed.bits === 32 ? 'ipv4' : 'ipv6');
}

/** The whole address space of a family, as an ipBlock `cidr`. */
export function everything(family: AddressFamily): string {
  return family === 'ipv4' ? ALL_IPV4 : ALL_IPV6;
}

/** Whether `address` (no prefix) lies in `cidr`. */
export function contains(cidr: string, address: string): boolean {
  const range = parseCidr(cidr);
  const host = parseCidr(`${address}/${address.includes(':') ? 128 : 32}`);
  if (!range || !host || range.bits !== host.bits) return false;
  const shift = BigInt(range.bits - range.prefix);
  return range.address >> shift === host.address >> shift;
}

/** Whether an ipBlock (`cidr` minus `except`) lets traffic to `address` through. */
export function admits(block: { readonly cidr: string; readonly except?: readonly string[] }, address: string): boolean {
  return contains(block.cidr, address) && !(block.except ?? []).some((range) => contains(range, address));
}

/** The metadata endpoints an ipBlock lets through. */
export function metadataAdmittedBy(block: { readonly cidr: string; readonly except?: readonly string[] }): (typeof METADATA_ENDPOINTS)[number][] {
  return METADATA_ENDPOINTS.filter((endpoint) => admits(block, endpoint.address));
}

/**
 * A range to add to `except` so that the block no longer reaches `address`: the non-public range
 * around it when that fits strictly inside `cidr` (as the API server requires), else the address
 * alone; undefined when even that does not fit (the block is the address itself).
 */
export function exclusionFor(cidr: string, address: string): string | undefined {
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  const candidates = [...(family === 'ipv4' ? NON_PUBLIC_IPV4 : NON_PUBLIC_IPV6).filter((range) => contains(range, address)), `${address}/${family === 'ipv4' ? 32 : 128}`];
  return candidates.find((range) => isStrictSubnet(range, cidr));
}

/** `10.0.0.0/8` → `64:ff9b::a00:0/104`: the same range as NAT64 presents it to IPv6 pods. */
export function nat64Image(ipv4Cidr: string): string {
  const parsed = parseCidr(ipv4Cidr);
  if (!parsed || parsed.bits !== 32) throw new Error(`"${ipv4Cidr}" is not an IPv4 range`);
  return `${formatIPv6(NAT64_PREFIX | parsed.address)}/${96 + parsed.prefix}`;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
export function formatIPv6(address: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

