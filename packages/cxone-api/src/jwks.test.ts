import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJwksCache } from './jwks.js';
import type { Transport } from './transport.js';

const key1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const key2 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const jwk = (key: KeyObject, kid: string, extra: Record<string, unknown> = {}) => ({
  ...key.export({ format: 'jwk' }),
  kid,
  ...extra,
});

/** A real JWKS endpoint on loopback whose answer the test changes. */
let server: Server;
let url: string;
let answer: { status: number; body: unknown };
let hits: number;
beforeEach(async () => {
  hits = 0;
  answer = { status: 200, body: { keys: [jwk(key1, 'k1')] } };
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/jwks`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let clockMs = Date.parse('2026-10-20T08:00:00Z');
const transport: Transport = {
  timeoutMs: 5000,
  now: () => new Date(clockMs),
  scrubber: { add() {}, scrub: (text) => text },
  budget: async () => {},
};
const signal = new AbortController().signal;

describe('the JWKS cache', () => {
  it('fetches the JWKS on first use only, and finds keys by kid', async () => {
    const cache = createJwksCache({ transport, jwksUri: url, minRefetchMs: 60_000 });
    expect((await cache.key('k1', false, signal))._unsafeUnwrap()?.equals(key1)).toBe(true);
    expect((await cache.key('k1', false, signal))._unsafeUnwrap()?.equals(key1)).toBe(true);
    expect((await cache.key('k2', false, signal))._unsafeUnwrap()).toBeUndefined();
    expect(hits).toBe(1);
  });

  it('fetches again on refresh after a rotation, at most once per minRefetchMs', async () => {
    const cache = createJwksCache({ transport, jwksUri: url, minRefetchMs: 60_000 });
    await cache.key('k1', false, signal);
    answer = { status: 200, body: { keys: [jwk(key2, 'k2')] } };
    // Just fetched: a refresh so soon asks nothing (an unknown kid cannot make a request each).
    expect((await cache.key('k2', true, signal))._unsafeUnwrap()).toBeUndefined();
    expect(hits).toBe(1);
    clockMs += 60_000;
    expect((await cache.key('k2', true, signal))._unsafeUnwrap()?.equals(key2)).toBe(true);
    expect((await cache.key('k1', false, signal))._unsafeUnwrap()).toBeUndefined();
    expect(hits).toBe(2);
  });

  it('skips entries that are not RSA signing keys or have no kid', async () => {
    answer = {
      status: 200,
      body: {
        keys: [
          jwk(key1, 'enc', { use: 'enc' }),
          jwk(key1, 'hs', { alg: 'HS256' }),
          { kty: 'oct', k: 'c2VjcmV0', kid: 'oct' },
          { ...key1.export({ format: 'jwk' }) },
          'not a key',
          jwk(key2, 'good'),
        ],
      },
    };
    const cache = createJwksCache({ transport, jwksUri: url, minRefetchMs: 0 });
    for (const kid of ['enc', 'hs', 'oct'])
      expect((await cache.key(kid, false, signal))._unsafeUnwrap()).toBeUndefined();
    expect((await cache.key('good', false, signal))._unsafeUnwrap()?.equals(key2)).toBe(true);
  });

  it('fails on an error status or a body without keys, and tries again on the next call', async () => {
    answer = { status: 503, body: { error: 'unavailable' } };
    const cache = createJwksCache({ transport, jwksUri: url, minRefetchMs: 60_000 });
    const failed = (await cache.key('k1', false, signal))._unsafeUnwrapErr();
    expect(failed._tag).toBe('Transient');
    expect(failed.message).toMatch(/^JWKS: /);
    answer = { status: 200, body: { nothing: [] } };
    expect((await cache.key('k1', false, signal))._unsafeUnwrapErr().message).toMatch(/no keys array/);
    answer = { status: 200, body: { keys: [jwk(key1, 'k1')] } };
    expect((await cache.key('k1', false, signal))._unsafeUnwrap()?.equals(key1)).toBe(true);
    expect(hits).toBe(3);
  });
});
