import { Readable } from 'node:stream';
import { type Item, memoryJobStore, okAsync, type PluginContext, Redacted } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';
import { configSchema } from './schema.js';

const context: PluginContext = {
  tenant: 'acme',
  baseDir: '/tmp',
  label: 'transforms[0]',
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  now: () => new Date('2026-11-02T00:00:00Z'),
  jobs: memoryJobStore(),
  budget: () => {
    throw new Error('redact declares no budget');
  },
};

const KEY = Redacted.make('0123456789abcdef0123456789abcdef');

const item = (): Item => ({
  id: '500000101',
  occurredAt: new Date('2026-11-02T09:14:03Z'),
  record: { contactId: 500_000_101, fromAddress: '+15550192834', firstName: 'Radia', tags: [] },
  artifacts: [{ name: 'recording.wav', contentType: 'audio/wav', open: () => okAsync(Readable.from([])) }],
  note: 'archived without a transcript',
});

const create = async (config: unknown) => {
  const created = await plugin.create(config as never, context);
  return created;
};

describe('the redact plugin', () => {
  it('declares itself as the transform "redact" of API 2, with its schema', () => {
    expect(plugin).toMatchObject({ kind: 'transform', name: 'redact', apiVersion: 2, configSchema });
  });

  it('redacts the record and keeps the id, the date, the artifacts and the note', async () => {
    const transform = (
      await create({
        key: KEY,
        rules: [
          { action: 'hash', paths: ['fromAddress'] },
          { action: 'remove', paths: ['firstName'] },
        ],
      })
    )._unsafeUnwrap();
    const input = item();
    const out = (await transform.apply(input, new AbortController().signal))._unsafeUnwrap() as Item | null;
    expect(out).not.toBeNull();
    expect(out?.id).toBe(input.id);
    expect(out?.occurredAt).toBe(input.occurredAt);
    expect(out?.artifacts).toBe(input.artifacts);
    expect(out?.note).toBe(input.note);
    expect(out?.record).toEqual({
      contactId: 500_000_101,
      fromAddress: expect.stringMatching(/^hmac-sha256:/),
      tags: [],
    });
    // Applying it again (a retry) starts from the item as given, so the value is not hashed twice.
    const again = (await transform.apply(input, new AbortController().signal))._unsafeUnwrap() as Item | null;
    expect(again?.record).toEqual(out?.record);
  });

  it('fails a record it cannot redact as InvalidInput (the item fails, nothing of it is archived)', async () => {
    const transform = (await create({ rules: [{ action: 'mask', paths: ['tags'] }] }))._unsafeUnwrap();
    const out = await transform.apply(item(), new AbortController().signal);
    expect(out._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringMatching(/an array at tags/),
    });
  });

  it('fails at once when cancelled', async () => {
    const transform = (await create({ rules: [{ action: 'remove', paths: ['firstName'] }] }))._unsafeUnwrap();
    const controller = new AbortController();
    controller.abort();
    expect((await transform.apply(item(), controller.signal))._unsafeUnwrapErr()._tag).toBe('Transient');
  });

  it('refuses to start on an invalid path or a missing key, naming the option', async () => {
    const badPath = await create({ rules: [{ action: 'remove', paths: ['a..b'] }] });
    expect(badPath._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'rules[0].paths[0]' });
    const noKey = await create({ rules: [{ action: 'hash', paths: ['fromAddress'] }] });
    expect(noKey._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'key' });
  });
});
