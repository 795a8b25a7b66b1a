import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { testSecret } from '../test-support/receiver.js';
import { resolveOptions } from './options.js';
import { configSchema, DEFAULTS, SECRET_PATTERN } from './schema.js';

const SECRET = testSecret(8);
const url = 'https://lake.example.com/hooks/cxone';

describe('configSchema', () => {
  it('is closed, requires url and documents every property; secrets are marked', () => {
    const schema = configSchema as {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { description?: string; 'x-cxarchive-secret'?: boolean; items?: object }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['url']);
    for (const [name, p] of Object.entries(schema.properties)) expect(p.description, name).toBeTruthy();
    expect(schema.properties.secret!['x-cxarchive-secret']).toBe(true);
    expect(schema.properties.secrets!.items).toMatchObject({ 'x-cxarchive-secret': true });
  });

  it('takes whsec_ secrets of 24 to 64 bytes', () => {
    const pattern = new RegExp(SECRET_PATTERN);
    expect(pattern.test(SECRET)).toBe(true);
    expect(pattern.test(SECRET.slice(6))).toBe(true);
    expect(pattern.test('whsec_short')).toBe(false);
  });
});

describe('resolveOptions', () => {
  it('applies the defaults and keeps secrets wrapped', () => {
    const r = resolveOptions({ url, secret: Redacted.make(SECRET) }, '/')._unsafeUnwrap();
    expect(r.on).toEqual(DEFAULTS.on);
    expect(r.batchSize).toBe(100);
    expect(r.batchWaitMs).toBe(5000);
    expect(r.delivery).toEqual({
      timeoutMs: 10_000,
      giveUpAfterMs: 30_000,
      retryDelayMs: 500,
      retryMaxDelayMs: 10_000,
    });
    expect(r.target.origin).toBe('https://lake.example.com');
    expect(Redacted.is(r.secrets[0])).toBe(true);
    expect(JSON.stringify(r)).not.toContain(SECRET.slice(6));
  });

  it('refuses a secret of the wrong length or encoding, naming its place and not its value', () => {
    const short = `whsec_${Buffer.alloc(8, 1).toString('base64')}`;
    const error = resolveOptions({ url, secrets: [SECRET, short] }, '/')._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'secrets[1]' });
    expect(error.message).toMatch(/decodes to 8 bytes/);
    expect(error.message).not.toContain(short.slice(6));
    const bad = resolveOptions(
      { url, secret: 'whsec_not*base64*at*all*not*base64*at*all' },
      '/',
    )._unsafeUnwrapErr();
    expect(bad).toMatchObject({ path: 'secret' });
    expect(bad.message).not.toContain('not*base64');
  });

  it('refuses no secret, and both secret and secrets', () => {
    expect(resolveOptions({ url }, '/')._unsafeUnwrapErr()).toMatchObject({ path: 'secret' });
    expect(
      resolveOptions({ url, secret: SECRET, secrets: [SECRET] }, '/')._unsafeUnwrapErr().message,
    ).toMatch(/either secret or secrets/);
  });

  it('refuses a network that is not CIDR, naming the entry', () => {
    const error = resolveOptions(
      { url, secret: SECRET, allowedNetworks: ['10.0.0.0/8', 'lake/8'] },
      '/',
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ path: 'allowedNetworks[1]' });
  });

  it('reads caFile relative to the pipeline file, and refuses one without a certificate', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-webhook-ca-'));
    writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(path.join(dir, 'empty.pem'), 'nothing');
    expect(resolveOptions({ url, secret: SECRET, caFile: 'ca.pem' }, dir)._unsafeUnwrap().ca).toContain(
      'BEGIN',
    );
    expect(
      resolveOptions({ url, secret: SECRET, caFile: 'empty.pem' }, dir)._unsafeUnwrapErr(),
    ).toMatchObject({
      path: 'caFile',
    });
    expect(
      resolveOptions({ url, secret: SECRET, caFile: 'missing.pem' }, dir)._unsafeUnwrapErr().message,
    ).toMatch(/cannot be read \(ENOENT\)/);
  });
});
