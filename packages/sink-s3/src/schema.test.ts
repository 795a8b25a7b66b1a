import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';
import { configSchema, DEFAULTS, resolveOptions } from './schema.js';

describe('configSchema', () => {
  it('is closed, requires bucket and documents every property', () => {
    expect(configSchema.additionalProperties).toBe(false);
    expect(configSchema.required).toEqual(['bucket']);
    for (const [name, property] of Object.entries(configSchema.properties))
      expect((property as { description?: string }).description, name).toBeTruthy();
  });

  it('marks the access key id and the secret as secrets, and nothing else', () => {
    const secrets = Object.entries(configSchema.properties)
      .filter(([, property]) => (property as Record<string, unknown>)['x-cxarchive-secret'] === true)
      .map(([name]) => name);
    expect(secrets).toEqual(['accessKeyId', 'secretAccessKey']);
  });

  it('declares the DEFAULTS as schema defaults', () => {
    expect(configSchema.properties.prefix.default).toBe(DEFAULTS.prefix);
    expect(configSchema.properties.region.default).toBe(DEFAULTS.region);
    expect(configSchema.properties.partSize.default).toBe(DEFAULTS.partSize);
    expect(configSchema.properties.queueSize.default).toBe(DEFAULTS.queueSize);
    expect(configSchema.properties.maxInFlight.default).toBe(DEFAULTS.maxInFlight);
  });
});

describe('resolveOptions', () => {
  it('applies the defaults; no credentials means the AWS credential chain', () => {
    expect(resolveOptions({ bucket: 'b-1' })._unsafeUnwrap()).toEqual({
      bucket: 'b-1',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
      partBuffers: 4,
      maxInFlight: 8,
      verify: 'etag',
      signPayload: 'auto',
    });
  });

  it('keeps explicit keys wrapped: the secret prints as [redacted]', () => {
    const resolved = resolveOptions({
      bucket: 'b-1',
      accessKeyId: Redacted.make('AKIDEXAMPLE'),
      secretAccessKey: 'plain-secret-value',
    })._unsafeUnwrap();
    expect(Redacted.value(resolved.credentials!.secretAccessKey)).toBe('plain-secret-value');
    expect(JSON.stringify(resolved)).not.toContain('plain-secret-value');
    expect(inspect(resolved, { depth: 5 })).not.toContain('plain-secret-value');
  });

  it('refuses one key without the other', () => {
    expect(resolveOptions({ bucket: 'b-1', accessKeyId: 'AKID' })._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'secretAccessKey',
    });
  });

  it('refuses a prefix that is not key segments ending with "/"', () => {
    for (const prefix of ['archive', '/archive/', 'a//', '../']) {
      expect(resolveOptions({ bucket: 'b-1', prefix })._unsafeUnwrapErr()).toMatchObject({
        _tag: 'InvalidInput',
        path: 'prefix',
      });
    }
    expect(resolveOptions({ bucket: 'b-1', prefix: 'a/b-2/' }).isOk()).toBe(true);
  });

  it('refuses kmsKeyId without aws:kms', () => {
    expect(resolveOptions({ bucket: 'b-1', kmsKeyId: 'k' })._unsafeUnwrapErr()).toMatchObject({
      path: 'kmsKeyId',
    });
    expect(resolveOptions({ bucket: 'b-1', serverSideEncryption: 'aws:kms', kmsKeyId: 'k' }).isOk()).toBe(
      true,
    );
  });

  it('verifies classes that cannot be read without a restore by ETag, and refuses to read them back', () => {
    for (const storageClass of ['GLACIER', 'DEEP_ARCHIVE'] as const) {
      expect(resolveOptions({ bucket: 'b-1', storageClass })._unsafeUnwrap().verify).toBe('etag');
      const refused = resolveOptions({ bucket: 'b-1', storageClass, verify: 'read-back' })._unsafeUnwrapErr();
      expect(refused).toMatchObject({ _tag: 'InvalidInput', path: 'verify' });
      expect(refused.message).toContain('cannot be read without a restore');
    }
    expect(resolveOptions({ bucket: 'b-1', storageClass: 'GLACIER_IR', verify: 'read-back' }).isOk()).toBe(
      true,
    );
  });

  it('reads back by default with SSE-KMS (its ETags are not MD5s), and refuses ETag verification with it', () => {
    expect(resolveOptions({ bucket: 'b-1', serverSideEncryption: 'aws:kms' })._unsafeUnwrap().verify).toBe(
      'read-back',
    );
    expect(
      resolveOptions({ bucket: 'b-1', serverSideEncryption: 'aws:kms', verify: 'etag' })._unsafeUnwrapErr(),
    ).toMatchObject({ _tag: 'InvalidInput', path: 'verify' });
    expect(resolveOptions({ bucket: 'b-1', serverSideEncryption: 'AES256' })._unsafeUnwrap().verify).toBe(
      'etag',
    );
  });
});

describe('plugin', () => {
  it('is the sink "s3" for plugin API 2, as package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.cxarchive).toEqual({ kind: plugin.kind, name: plugin.name, apiVersion: plugin.apiVersion });
    expect(plugin.apiVersion).toBe(2);
    expect(pkg.keywords).toContain('cxarchive-plugin');
  });
});
