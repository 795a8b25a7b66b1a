import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { base64ToHex, crc32cOf } from './checksums.js';
import { configSchema, DEFAULTS, resolveOptions } from './schema.js';

describe('options', () => {
  it('marks credentials secret and only credentials', () => {
    const secret = Object.entries(configSchema.properties)
      .filter(([, p]) => (p as Record<string, unknown>)['x-cxarchive-secret'] === true)
      .map(([name]) => name);
    expect(secret).toEqual(['credentials']);
  });
  it('applies defaults', () => {
    const resolved = resolveOptions({ bucket: 'cx-bucket' });
    expect(resolved._unsafeUnwrap()).toMatchObject({ bucket: 'cx-bucket', ...DEFAULTS });
  });
  it('reads credentials JSON from a Redacted value', () => {
    const resolved = resolveOptions({
      bucket: 'cx-bucket',
      credentials: Redacted.make('{"type":"service_account","client_email":"a@b"}'),
    });
    expect(resolved._unsafeUnwrap().credentials).toMatchObject({ client_email: 'a@b' });
  });
  it('refuses credentials that are not a JSON object without showing them', () => {
    const error = resolveOptions({
      bucket: 'cx-bucket',
      credentials: Redacted.make('not-json-s3cr3t'),
    })._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'credentials' });
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('checksums GCS reports', () => {
  it('base64 CRC32C → lowercase big-endian hex', () => {
    // CRC32C("123456789") = 0xe3069283, which GCS reports as base64 of its big-endian bytes.
    expect(crc32cOf({ crc32c: Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64') })).toEqual({
      algorithm: 'crc32c',
      value: 'e3069283',
    });
    expect(base64ToHex('1B2M2Y8AsgTpgAmY7PhCfg==')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(crc32cOf({})).toBeUndefined();
  });
});

describe('holds', () => {
  it('are off unless asked for, and declared in the schema with their defaults', () => {
    const resolved = resolveOptions({ bucket: 'cx-bucket' })._unsafeUnwrap();
    expect(resolved).toMatchObject({ eventBasedHold: false, temporaryHold: false });
    expect(configSchema.properties.eventBasedHold).toMatchObject({ type: 'boolean', default: false });
    expect(configSchema.properties.temporaryHold).toMatchObject({ type: 'boolean', default: false });
    expect(
      resolveOptions({ bucket: 'cx-bucket', eventBasedHold: true, temporaryHold: true })._unsafeUnwrap(),
    ).toMatchObject({ eventBasedHold: true, temporaryHold: true });
  });
});
