// Options the schema cannot check, refused with the option named; the shared connection options resolved.
import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from './settings.js';

const base = {
  accessKeyId: 'key-id-value',
  accessKeySecret: 'key-secret-value',
  clientId: 'client-id',
  clientSecret: 'client-secret-value',
};

describe('resolveSettings', () => {
  it('applies the defaults and wraps the secrets', () => {
    const settings = resolveSettings(base)._unsafeUnwrap();
    expect(settings).toMatchObject({
      maxAttachmentBytes: 25 * 1024 * 1024,
      expiryMarginMs: 120_000,
      uploadTimeoutMs: 600_000,
      customChannelAuthor: 'cxarchive',
    });
    expect(settings.connection.issuer).toBe('https://cxone.niceincontact.com');
    expect(Redacted.is(settings.connection.credentials.clientSecret)).toBe(true);
    expect(JSON.stringify(settings)).not.toContain('client-secret-value');
    expect([...settings.customChannels]).toEqual([]);
  });

  it.each([
    [{ dfoBaseUrl: 'http://dfo.example.com' }, 'dfoBaseUrl', /must be https/],
    [{ issuer: 'ftp://cxone.example.com' }, 'issuer', /issuer/],
    [{ expiryMargin: 'soon' }, 'expiryMargin', /not a duration/],
    [{ uploadTimeout: '0s' }, 'uploadTimeout', /longer than 0/],
    [{ maxAttachmentBytes: 0 }, 'maxAttachmentBytes', /positive integer/],
    [{ customChannels: [''] }, 'customChannels', /channel ids/],
    [{ clientSecret: '' }, 'clientSecret', /required/],
  ])('refuses %j naming %s', (override, path, message) => {
    const error = resolveSettings({ ...base, ...override } as never)._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path });
    expect(error.message).toMatch(message);
  });
});
