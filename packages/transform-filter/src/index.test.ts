import { type Item, memoryJobStore, type PluginContext } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';
import { configSchema } from './schema.js';

const logged: { message: string; fields?: unknown }[] = [];
const context: PluginContext = {
  tenant: 'acme',
  baseDir: '/tmp',
  label: 'transforms[1]',
  logger: { debug: (message, fields) => logged.push({ message, fields }), info() {}, warn() {}, error() {} },
  now: () => new Date('2026-11-02T00:00:00Z'),
  jobs: memoryJobStore(),
  budget: () => {
    throw new Error('filter declares no budget');
  },
};

const item = (mediaTypeName: string): Item => ({
  id: '702100000849',
  occurredAt: new Date('2026-10-01T02:16:17Z'),
  record: { contactId: 702_100_000_849, mediaTypeName, fromAddress: '+15550192834' },
  artifacts: [],
});

describe('the filter plugin', () => {
  it('declares itself as the transform "filter" of API 2, with its schema', () => {
    expect(plugin).toMatchObject({ kind: 'transform', name: 'filter', apiVersion: 2, configSchema });
  });

  it('passes a kept item through unchanged and drops the others with the rule as the reason, logging it without values', async () => {
    const transform = (await plugin.create({ keep: [{ mediaType: ['Call'] }] }, context))._unsafeUnwrap();
    const call = item('Call');
    expect((await transform.apply(call, new AbortController().signal))._unsafeUnwrap()).toBe(call);
    expect((await transform.apply(item('Chat'), new AbortController().signal))._unsafeUnwrap()).toEqual({
      dropped: true,
      reason: 'no keep rule matched (1)',
    });
    expect(logged).toEqual([
      {
        message: 'item dropped by the filter',
        fields: { itemId: '702100000849', transform: 'transforms[1]', reason: 'no keep rule matched (1)' },
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain('5550192834');
  });

  it('fails at once when cancelled', async () => {
    const transform = (await plugin.create({ drop: [{ direction: 'outbound' }] }, context))._unsafeUnwrap();
    const controller = new AbortController();
    controller.abort();
    expect((await transform.apply(item('Call'), controller.signal))._unsafeUnwrapErr()._tag).toBe(
      'Transient',
    );
  });

  it('refuses to start on a range in the wrong order, naming the option', async () => {
    const created = await plugin.create({ drop: [{ duration: { min: '2h', max: '1h' } }] }, context);
    expect(created._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'drop[0].duration',
      message: expect.stringMatching(/^filter: drop\[0\]\.duration: min \(2h\) is longer than max \(1h\)/),
    });
  });
});
