import { BlockList, isIP } from 'node:net';

/** Why an address is refused by default. */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Range = readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6'];

/**
 * Ranges refused unless allowed, by category (checked in this order, so the metadata addresses
 * are named as such although they are link-local or ULA too). Sources: RFC 1918, RFC 6598
 * (CGNAT), RFC 4193 (ULA), RFC 3927 / RFC 4291 (link-local), RFC 1122 / RFC 6890 (special use);
 * the metadata services of AWS, GCP and Azure answer at 169.254.169.254, AWS on IPv6 at fd00:ec2::254.
 */
const RANGES: ReadonlyArray<readonly [AddressCategory, readonly Range[]]> = [
  [
    'metadata',
    [
      ['169.254.169.254', 32, 'ipv4'],
      ['169.254.170.2', 32, 'ipv4'],
      ['fd00:ec2::254', 128, 'ipv6'],
    ],
  ],
  [
    'unspecified',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ],
  ],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  [
    'reserved',
    [
      ['240.0.0.0', 4, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
    ],
  ],
];

const blockListOf = (ranges: readonly Range[]): BlockList => {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
};

const CATEGORIES: ReadonlyArray<readonly [AddressCategory, BlockList]> = RANGES.map(([category, ranges]) => [
  category,
  blockListOf(ranges),
]);

const MAPPED = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i;
const MAPPED_HEX = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;
const NAT64 = /^64:ff9b::(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i;

const v4FromHex = (high: string, low: string): string => {
  const h = Number.parseInt(high, 16);
  const l = Number.parseInt(low, 16);
  return `${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`;
};

/**
 * The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, its hex form
 * `::ffff:7f00:1`, or NAT64 `64:ff9b::/96`), so `::ffff:127.0.0.1` is judged as 127.0.0.1.
 */
export const embeddedIpv4 = (address: string): string | undefined => {
  const text = address.toLowerCase();
  const mapped = MAPPED.exec(text);
  if (mapped) return mapped[1];
  const hex = MAPPED_HEX.exec(text);
  if (hex) return v4FromHex(hex[1]!, hex[2]!);
  const nat64 = NAT64.exec(text);
  if (nat64) {
    const tail = nat64[1]!;
    if (tail.includes('.')) return tail;
    const [high, low] = tail.split(':');
    return v4FromHex(high!, low!);
  }
  return undefined;
};

/** An address as the policy judges it: the IPv4 address inside an IPv6 wrapper, else itself. */
const normalise = (address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: 'ipv4' };
  if (version !== 6) return undefined;
  const inner = embeddedIpv4(bare);
  return inner && isIP(inner) === 4 ? { address: inner, family: 'ipv4' } : { address: bare, family: 'ipv6' };
};

/** The category an address is refused by default for, if any. Unparseable text counts as reserved. */
export const categoryOf = (address: string): AddressCategory | undefined => {
  const n = normalise(address);
  if (!n) return 'reserved';
  for (const [category, list] of CATEGORIES) if (list.check(n.address, n.family)) return category;
  return undefined;
};

export interface AddressPolicyOptions {
  readonly allowPrivateNetworks: boolean;
  /** CIDRs allowed although refused by default. */
  readonly allowedNetworks: readonly string[];
  /** Only loopback addresses may be connected to (a plain-http url on loopback). */
  readonly loopbackOnly: boolean;
}

export interface AddressPolicy {
  /** Undefined when the address may be connected to, else why not (for a message). */
  refusal(address: string): string | undefined;
}

/** Parses `10.0.0.0/8`, `fd12::/64` or a single address; throws a RangeError naming the entry. */
export const parseCidr = (cidr: string): Range => {
  const [network = '', prefixText, extra] = cidr.trim().split('/');
  const family = isIP(network);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (
    family === 0 ||
    extra !== undefined ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > bits ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  )
    throw new RangeError(`"${cidr}" is not a network in CIDR notation (e.g. 10.20.0.0/16 or fd12::/64)`);
  return [network, prefix, family === 4 ? 'ipv4' : 'ipv6'];
};

const describeCategory: Readonly<Record<AddressCategory, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata service address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

export const createAddressPolicy = (options: AddressPolicyOptions): AddressPolicy => {
  const allowed = blockListOf(options.allowedNetworks.map(parseCidr));
  return {
    refusal(address) {
      const n = normalise(address);
      if (!n) return `${address} is not an IP address`;
      const category = categoryOf(address);
      if (options.loopbackOnly)
        return category === 'loopback'
          ? undefined
          : `${n.address}, not a loopback address: a plain-http url may only reach loopback`;
      if (category === undefined) return undefined;
      if (allowed.check(n.address, n.family)) return undefined;
      if (category === 'private' && options.allowPrivateNetworks) return undefined;
      const hint =
        category === 'private'
          ? 'set allowPrivateNetworks: true or list its network in allowedNetworks'
          : 'list its network in allowedNetworks if the receiver really is there';
      return `${n.address}, ${describeCategory[category]}: refused by the SSRF guard (${hint})`;
    },
  };
};
