import { describe, expect, it } from 'vitest';
import { isFresh, tokenExpiry } from './auth.js';
import { apiBaseFromConfiguration } from './discovery.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const NOW = Date.parse('2026-10-10T12:00:00Z');

describe('token lifetime', () => {
  it('uses expires_in', () => {
    expect(tokenExpiry({ expires_in: 3600 }, 'opaque', NOW)).toBe(NOW + 3_600_000);
    expect(tokenExpiry({ expires_in: '60' }, 'opaque', NOW)).toBe(NOW + 60_000);
  });

  it('falls back to the exp claim, then to an hour', () => {
    const token = `h.${b64url({ exp: NOW / 1000 + 120 })}.s`;
    expect(tokenExpiry({}, token, NOW)).toBe(NOW + 120_000);
    expect(tokenExpiry({ expires_in: 0 }, 'opaque', NOW)).toBe(NOW + 3_600_000);
  });

  it('renews tokenRefreshSkew before expiry', () => {
    const token = { value: 't', issuedAtMs: NOW, expiresAtMs: NOW + 3_600_000 };
    const skew = 5 * 60_000;
    expect(isFresh(token, skew, NOW + 3_600_000 - skew - 1)).toBe(true);
    expect(isFresh(token, skew, NOW + 3_600_000 - skew)).toBe(false);
    expect(isFresh(token, skew, NOW + 4_000_000)).toBe(false);
  });

  it('never renews more than half a lifetime early (short tokens, large skew)', () => {
    const token = { value: 't', issuedAtMs: NOW, expiresAtMs: NOW + 60_000 };
    expect(isFresh(token, 5 * 60_000, NOW + 29_000)).toBe(true);
    expect(isFresh(token, 5 * 60_000, NOW + 30_000)).toBe(false);
  });
});

describe('apiBaseFromConfiguration', () => {
  it('prefers api_endpoint', () => {
    expect(
      apiBaseFromConfiguration({
        api_endpoint: 'https://api-na1.niceincontact.com/',
        area: 'x',
        domain: 'y',
      }),
    ).toBe('https://api-na1.niceincontact.com');
  });

  it('builds https://api-{area}.{domain} otherwise', () => {
    expect(apiBaseFromConfiguration({ area: 'au1', domain: 'niceincontact.com' })).toBe(
      'https://api-au1.niceincontact.com',
    );
    expect(apiBaseFromConfiguration({ area: 'a/b', domain: 'x' })).toBeUndefined();
    expect(apiBaseFromConfiguration({})).toBeUndefined();
  });
});
