import type { Sink } from '@cxarchive/core';
import { expect } from 'vitest';
import type { SinkConformanceCase } from './sink-conformance.js';
import { hooks } from './sink-conformance-fault-cases.js';
import { bytesBody, expectErr, expectOk, live, putOptions } from './sink-conformance-support.js';

/** Retention cases: for sinks that declare `capabilities.retention`, on a store that keeps it. */

const declaresRetention = (sink: Sink) =>
  expect(sink.capabilities?.retention, 'the sink declares capabilities.retention').toBe(true);

export const retentionCase: SinkConformanceCase = {
  id: 'retention',
  needs: 'retention',
  title:
    'a put asking for retention stores the object under it (the mode, and a date no earlier than asked), and the object still cannot be put again',
  async run(_sink, env) {
    const { sink, held } = await hooks(env).retention!();
    declaresRetention(sink);
    // Whole seconds: stores keep retain-until dates to the second.
    const until = new Date(Math.ceil((Date.now() + 24 * 3_600_000) / 1000) * 1000);
    const key = `conformance/retention/${Date.now()}.bin`;
    const body = Buffer.from('kept until tomorrow');
    await expectOk(
      'put',
      sink.put(key, bytesBody(body), { ...putOptions(), retention: { mode: 'governance', until } }),
    );
    const kept = await held(key);
    expect(kept?.mode, 'the store keeps the mode asked for').toBe('governance');
    expect(kept?.until.getTime(), 'the store keeps a date no earlier than asked').toBeGreaterThanOrEqual(
      until.getTime(),
    );
    await expectErr('a second put', sink.put(key, bytesBody(body), putOptions()), 'AlreadyExists');
  },
};

export const retentionUnavailableCase: SinkConformanceCase = {
  id: 'retention-unavailable',
  needs: 'retentionUnavailable',
  title:
    'a put asking for retention of a bucket/container that cannot hold it fails InvalidInput naming it, and stores nothing',
  async run(_sink, env) {
    const { sink, container } = await hooks(env).retentionUnavailable!();
    declaresRetention(sink);
    const key = 'conformance/retention-unavailable/object.bin';
    const refused = await expectErr(
      'put',
      sink.put(key, bytesBody(Buffer.from('must not be stored unlocked')), {
        ...putOptions(),
        retention: { mode: 'governance', until: new Date(Date.now() + 3_600_000) },
      }),
      'InvalidInput',
    );
    expect(refused.message, 'the message names the bucket/container').toContain(container);
    expect(await expectOk('head', sink.head(key, live())), 'nothing is stored').toBeNull();
  },
};
