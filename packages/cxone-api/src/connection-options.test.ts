// The connection options every CXone plugin shares: the schema fragment and its resolution.
import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { CONNECTION_REQUIRED, connectionOptionsSchema, resolveConnection } from './connection-options.js';

const given = {
  accessKeyId: 'AKID-value',
  accessKeySecret: 'access-secret-value',
  clientId: 'client-id',
  clientSecret: 'client-secret-value',
};

describe('connection options', () => {
  it('marks the secrets, and only them, and requires the credentials', () => {
    const secrets = Object.entries(connectionOptionsSchema)
      .filter(([, p]) => (p as Record<string, unknown>)['x-cxarchive-secret'] === true)
      .map(([name]) => name);
    expect(secrets.sort()).toEqual(['accessKeyId', 'accessKeySecret', 'clientSecret']);
    expect([...CONNECTION_REQUIRED].sort()).toEqual([
      'accessKeyId',
      'accessKeySecret',
      'clientId',
      'clientSecret',
    ]);
  });

  it('resolves defaults, wraps the secrets and takes already wrapped ones', () => {
    const resolved = resolveConnection({
      ...given,
      clientSecret: Redacted.make('wrapped-secret'),
    })._unsafeUnwrap();
    expect(resolved).toMatchObject({
      issuer: 'https://cxone.niceincontact.com',
      requestTimeoutMs: 30_000,
      tokenRefreshSkewMs: 300_000,
    });
    expect(resolved.apiBaseUrl).toBeUndefined();
    expect(resolved.credentials.clientId).toBe('client-id');
    expect(resolved.credentials.clientAuth).toBe('basic');
    expect(Redacted.value(resolved.credentials.accessKeySecret)).toBe('access-secret-value');
    expect(Redacted.value(resolved.credentials.clientSecret)).toBe('wrapped-secret');
    expect(JSON.stringify(resolved)).not.toMatch(/access-secret-value|wrapped-secret/);
  });

  it('trims a base URL and allows plain http to loopback only', () => {
    const local = resolveConnection({
      ...given,
      issuer: 'http://127.0.0.1:8080/',
      apiBaseUrl: 'http://127.0.0.1:8080',
    });
    expect(local._unsafeUnwrap()).toMatchObject({
      issuer: 'http://127.0.0.1:8080',
      apiBaseUrl: 'http://127.0.0.1:8080',
    });
    const remote = resolveConnection({ ...given, apiBaseUrl: 'http://api-na1.niceincontact.com' });
    expect(remote._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'apiBaseUrl' });
  });

  it.each([
    [{ issuer: 'https://cxone.niceincontact.com/?tenant=x' }, 'issuer', /query string/],
    [{ clientAuth: 'jwt' }, 'clientAuth', /basic/],
    [{ requestTimeout: '0s' }, 'requestTimeout', /longer than 0/],
    [{ tokenRefreshSkew: 'later' }, 'tokenRefreshSkew', /not a duration/],
    [{ accessKeySecret: '' }, 'accessKeySecret', /required/],
  ])('refuses %j naming %s', (override, path, message) => {
    const error = resolveConnection({ ...given, ...override } as never)._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path });
    expect(error.message).toMatch(message);
  });
});
