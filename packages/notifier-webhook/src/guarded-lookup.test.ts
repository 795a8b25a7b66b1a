import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from './address-policy.js';
import { guardedLookup, RefusedAddressError, type Resolver } from './guarded-lookup.js';

const policy = createAddressPolicy({ allowPrivateNetworks: false, allowedNetworks: [], loopbackOnly: false });
const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

/** Calls the lookup as net.connect does, in either form; resolves with what its callback got. */
const call = (resolver: Resolver, all: boolean) =>
  new Promise<{ error: Error | null; address?: unknown; family?: number }>((resolve) => {
    (
      guardedLookup(resolver, policy) as unknown as (
        h: string,
        o: object,
        cb: (error: Error | null, address?: unknown, family?: number) => void,
      ) => void
    )('lake.test', { all, family: 0 }, (error: Error | null, address?: unknown, family?: number) =>
      resolve({ error, address, family }),
    );
  });

describe('guardedLookup', () => {
  it('passes allowed answers on, in the one-address and the all forms', async () => {
    expect(await call(answering('93.184.216.34', '2606:4700::1111'), false)).toEqual({
      error: null,
      address: '93.184.216.34',
      family: 4,
    });
    expect(await call(answering('93.184.216.34', '2606:4700::1111'), true)).toMatchObject({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
    });
  });

  it('refuses the whole answer when any address in it is refused', async () => {
    for (const all of [false, true]) {
      const { error } = await call(answering('93.184.216.34', '10.0.0.1'), all);
      expect(error).toBeInstanceOf(RefusedAddressError);
      expect(error?.message).toBe(
        'lake.test resolved to 10.0.0.1, a private address: refused by the SSRF guard (set allowPrivateNetworks: true or list its network in allowedNetworks)',
      );
    }
  });

  it('passes a resolver failure and an empty answer on as errors', async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND lake.test'), { code: 'ENOTFOUND' });
    };
    expect((await call(failing, true)).error?.message).toContain('ENOTFOUND');
    expect((await call(answering(), true)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
