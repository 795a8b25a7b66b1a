import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoryOf, createAddressPolicy, embeddedIpv4, parseCidr } from './address-policy.js';

describe('categoryOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(categoryOf(address)).toBe(category);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.0.2.1', '2606:4700::1111'])(
    '%s is public',
    (address) => {
      expect(categoryOf(address)).toBeUndefined();
    },
  );

  it('judges an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(embeddedIpv4(`::ffff:${v4}`)).toBe(v4);
        expect(categoryOf(`::ffff:${v4}`)).toBe(categoryOf(v4));
      }),
    );
  });
});

describe('createAddressPolicy', () => {
  const strict = createAddressPolicy({
    allowPrivateNetworks: false,
    allowedNetworks: [],
    loopbackOnly: false,
  });

  it('refuses every default-refused category and names it', () => {
    expect(strict.refusal('10.0.0.5')).toMatch(/10\.0\.0\.5, a private address: refused by the SSRF guard/);
    expect(strict.refusal('169.254.169.254')).toMatch(/cloud metadata/);
    expect(strict.refusal('::1')).toMatch(/loopback/);
    expect(strict.refusal('::ffff:127.0.0.1')).toMatch(/127\.0\.0\.1, a loopback address/);
    expect(strict.refusal('93.184.216.34')).toBeUndefined();
  });

  it('allowPrivateNetworks opens the private ranges only, not loopback, link-local or metadata', () => {
    const policy = createAddressPolicy({
      allowPrivateNetworks: true,
      allowedNetworks: [],
      loopbackOnly: false,
    });
    expect(policy.refusal('10.0.0.5')).toBeUndefined();
    expect(policy.refusal('fd12::1')).toBeUndefined();
    expect(policy.refusal('127.0.0.1')).toMatch(/loopback/);
    expect(policy.refusal('169.254.169.254')).toMatch(/metadata/);
    expect(policy.refusal('fe80::1')).toMatch(/link-local/);
  });

  it('allowedNetworks opens exactly the listed networks', () => {
    const policy = createAddressPolicy({
      allowPrivateNetworks: false,
      allowedNetworks: ['127.0.0.1/32', '10.20.0.0/16'],
      loopbackOnly: false,
    });
    expect(policy.refusal('127.0.0.1')).toBeUndefined();
    expect(policy.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(policy.refusal('127.0.0.2')).toMatch(/loopback/);
    expect(policy.refusal('10.20.3.4')).toBeUndefined();
    expect(policy.refusal('10.21.0.1')).toMatch(/private/);
  });

  it('loopbackOnly (a plain-http url) accepts loopback and nothing else, not even public or allowed addresses', () => {
    const policy = createAddressPolicy({
      allowPrivateNetworks: true,
      allowedNetworks: ['10.0.0.0/8'],
      loopbackOnly: true,
    });
    expect(policy.refusal('127.0.0.1')).toBeUndefined();
    expect(policy.refusal('::1')).toBeUndefined();
    expect(policy.refusal('93.184.216.34')).toMatch(/not a loopback address/);
    expect(policy.refusal('10.0.0.1')).toMatch(/not a loopback address/);
  });
});

describe('parseCidr', () => {
  it('reads networks and single addresses', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual(['10.20.0.0', 16, 'ipv4']);
    expect(parseCidr('fd12::/64')).toEqual(['fd12::', 64, 'ipv6']);
    expect(parseCidr('127.0.0.1')).toEqual(['127.0.0.1', 32, 'ipv4']);
  });
  it.each(['10.0.0.0/33', 'fd12::/129', 'lake.example.com/24', '10.0.0.0/8/1', '10.0.0.0/x', ''])(
    'refuses %j',
    (cidr) => {
      expect(() => parseCidr(cidr)).toThrow(/CIDR/);
    },
  );
});
