import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { accountNameOf, configSchema, DEFAULTS, resolveOptions } from './schema.js';

const secret = (value: string) => Redacted.make(value);

describe('configSchema', () => {
  it('is closed, requires the container, documents every property and marks the secrets', () => {
    expect(configSchema.additionalProperties).toBe(false);
    expect(configSchema.required).toEqual(['container']);
    const secrets: string[] = [];
    for (const [name, property] of Object.entries(configSchema.properties)) {
      expect((property as { description?: string }).description, name).toBeTruthy();
      if ((property as Record<string, unknown>)['x-cxarchive-secret'] === true) secrets.push(name);
    }
    expect(secrets.sort()).toEqual(['accountKey', 'connectionString', 'sasToken']);
  });

  it('declares the DEFAULTS as schema defaults', () => {
    expect(configSchema.properties.prefix.default).toBe(DEFAULTS.prefix);
    expect(configSchema.properties.createContainer.default).toBe(DEFAULTS.createContainer);
    expect(configSchema.properties.maxInFlight.default).toBe(DEFAULTS.maxInFlight);
    expect(configSchema.properties.legalHold.default).toBe(DEFAULTS.legalHold);
  });
});

describe('resolveOptions', () => {
  it('takes a connection string and applies the defaults', () => {
    const resolved = resolveOptions({ container: 'archive', connectionString: secret('x') })._unsafeUnwrap();
    expect(resolved).toMatchObject({
      container: 'archive',
      prefix: '',
      createContainer: false,
      maxInFlight: 8,
      legalHold: false,
    });
    expect(resolved.auth.kind).toBe('connectionString');
  });

  it('takes accountUrl with a SAS token, or with an account key (name from the URL)', () => {
    const sas = resolveOptions({
      container: 'archive',
      accountUrl: 'https://acct.blob.core.windows.net',
      sasToken: secret('?sv=x'),
    })._unsafeUnwrap();
    expect(sas.auth.kind).toBe('sas');
    const key = resolveOptions({
      container: 'archive',
      accountUrl: 'http://127.0.0.1:10000/devstoreaccount1',
      accountKey: secret('a2V5'),
    })._unsafeUnwrap();
    expect(key.auth).toMatchObject({ kind: 'sharedKey', accountName: 'devstoreaccount1' });
  });

  it('refuses missing, mixed or ambiguous credentials', () => {
    const cases = [
      { container: 'archive' },
      { container: 'archive', connectionString: secret('x'), accountUrl: 'https://a.blob.core.windows.net' },
      { container: 'archive', accountUrl: 'https://a.blob.core.windows.net' },
      {
        container: 'archive',
        accountUrl: 'https://a.blob.core.windows.net',
        sasToken: secret('s'),
        accountKey: secret('k'),
      },
      { container: 'archive', accountUrl: 'https://a.blob.core.windows.net?sv=1', sasToken: secret('s') },
    ];
    for (const options of cases) expect(resolveOptions(options)._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('refuses a secret that is not Redacted, a bad container name and an unsafe prefix', () => {
    expect(
      resolveOptions({ container: 'archive', connectionString: 'plain' as never })._unsafeUnwrapErr(),
    ).toMatchObject({ path: 'connectionString' });
    for (const container of ['ab', 'Upper', 'a--b', '-ab'])
      expect(resolveOptions({ container, connectionString: secret('x') })._unsafeUnwrapErr()).toMatchObject({
        path: 'container',
      });
    for (const prefix of ['/abs/', '../', 'a//', 'a b/'])
      expect(
        resolveOptions({ container: 'archive', prefix, connectionString: secret('x') })._unsafeUnwrapErr(),
      ).toMatchObject({ path: 'prefix' });
  });

  it('tells the account name from a URL', () => {
    expect(accountNameOf('https://acct.blob.core.windows.net')).toBe('acct');
    expect(accountNameOf('http://localhost:10000/devstoreaccount1')).toBe('devstoreaccount1');
    expect(accountNameOf('not a url')).toBeUndefined();
  });
});
