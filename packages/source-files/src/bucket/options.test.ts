import { describe, expect, it } from 'vitest';
import { configSchema, resolveOptions } from '../schema.js';

const s3 = { store: 's3', bucket: 'outbox', accessKeyId: 'AKID', secretAccessKey: 'SECRET-1' } as const;

describe('files source: the bucket option', () => {
  it('takes exactly one of directory and bucket', () => {
    expect(resolveOptions({ manifest: 'm.csv' }, '/p')._unsafeUnwrapErr().message).toContain(
      'needs where the files are: a directory, or a bucket',
    );
    expect(
      resolveOptions({ directory: 'd', bucket: s3, manifest: 'm.csv' }, '/p')._unsafeUnwrapErr().message,
    ).toContain('a directory or a bucket, not both');
    const resolved = resolveOptions({ bucket: s3, manifest: 'm.csv' }, '/p')._unsafeUnwrap();
    expect(resolved.directory).toBeUndefined();
    expect(resolved.bucket).toMatchObject({ store: 's3', bucket: 'outbox', prefix: '', region: 'us-east-1' });
    expect(resolved.manifest).toBe('/p/m.csv');
  });

  it('refuses a prefix that is not segments ending with "/", and half a key pair', () => {
    for (const prefix of ['outbox', '/outbox/', '../x/', 'a/./', 'a//'])
      expect(
        resolveOptions({ bucket: { ...s3, prefix }, manifest: 'm.csv' }, '/p')._unsafeUnwrapErr(),
      ).toMatchObject({ _tag: 'InvalidInput', path: 'bucket.prefix' });
    expect(
      resolveOptions({ bucket: { ...s3, prefix: 'out box/2026/' }, manifest: 'm.csv' }, '/p').isOk(),
    ).toBe(true);
    const { secretAccessKey: _, ...half } = s3;
    expect(resolveOptions({ bucket: half, manifest: 'm.csv' }, '/p')._unsafeUnwrapErr()).toMatchObject({
      path: 'bucket.secretAccessKey',
    });
    expect(
      resolveOptions(
        {
          bucket: { store: 'azure', container: 'outbox', accountUrl: 'http://127.0.0.1:1/devstoreaccount1' },
          manifest: 'm.csv',
        },
        '/p',
      )._unsafeUnwrapErr().message,
    ).toContain('exactly one of sasToken and accountKey');
    const gcs = resolveOptions(
      { bucket: { store: 'gcs', bucket: 'outbox', keyFile: 'keys/sa.json' }, manifest: 'm.csv' },
      '/p',
    )._unsafeUnwrap();
    expect(gcs.bucket).toMatchObject({ keyFile: '/p/keys/sa.json' });
  });

  it('marks every credential of every store secret, in variants told apart by store', () => {
    const variants = configSchema.properties.bucket.oneOf;
    const marked = variants.map((variant) => [
      variant.properties.store.const,
      Object.entries(variant.properties)
        .filter(([, property]) => (property as Record<string, unknown>)['x-cxarchive-secret'] === true)
        .map(([name]) => name)
        .sort(),
    ]);
    expect(marked).toEqual([
      ['s3', ['accessKeyId', 'secretAccessKey']],
      ['gcs', ['credentials']],
      ['azure', ['accountKey', 'connectionString', 'sasToken']],
    ]);
    for (const variant of variants) expect(variant.additionalProperties).toBe(false);
  });
});
