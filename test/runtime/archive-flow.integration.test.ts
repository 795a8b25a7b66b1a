// One test per runtime behaviour (Rollup-style fixtures): in-memory plugins, the real harness,
// a real SQLite ledger.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { errAsync, okAsync, PluginErrors, PluginFailure, type Sink, summarize } from '@cxarchive/core/host';
import {
  collect,
  createMemorySink,
  createMemorySource,
  createScriptedSink,
  failingStream,
  type MemoryItemSpec,
} from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number, extra: Partial<MemoryItemSpec> = {}): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    artifacts: [{ name: 'recording.wav', bytes: `audio of ${i + 1}`.repeat(50), contentType: 'audio/wav' }],
    ...extra,
  }));

/**
 * `inner`, except that the store's answer to the first put of a key containing `match` is lost
 * after the store committed it (a reset after the upload): the retry finds the object there. Counts
 * the answers lost and records every get.
 */
const losingFirstAnswer = (inner: Sink, match: string) => {
  const gets: string[] = [];
  let lost = 0;
  const sink: Sink = {
    ...inner,
    put: (key, body, options) =>
      inner
        .put(key, body, options)
        .andThen((stored) =>
          key.includes(match) && lost++ === 0
            ? errAsync(PluginErrors.transient('connection reset after the upload'))
            : okAsync(stored),
        ),
    get: (key, signal) => {
      gets.push(key);
      return inner.get(key, signal);
    },
  };
  return { sink, gets, lost: () => lost };
};

describe('the archive flow', () => {
  it('archives every item to every sink, records each object with run, unit, physical key and both checksums', async () => {
    const a = createMemorySink();
    const b = createMemorySink({ prefix: 'cold/', checksums: ['md5'] });
    const f = fixture({ source: createMemorySource(items(5), { pageSize: 2 }), sinks: [a, b] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ seen: 5, archived: 5, failed: 0 });
    expect(report.objects).toBe(20);
    expect(a.keys()).toHaveLength(10);
    expect(b.keys().every((k) => k.startsWith('cold/'))).toBe(true);
    const item = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001'));
    expect(item?.status).toBe('archived');
    const onB = item!.objects.find((o) => o.sink === 'sinks[1]' && o.artifact === 'recording.wav')!;
    expect(onB).toMatchObject({ runId: report.runId, unitId: 'c001/recording.wav' });
    expect(onB.physicalKey).toBe(`cold/${onB.key}`);
    expect(onB.checksum.algorithm).toBe('md5');
    expect(onB.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.checkpoint.after).toEqual({ offset: 5 });
  });

  it('a second run stores nothing and skips what is archived', async () => {
    const sink = createMemorySink();
    const source = createMemorySource(items(3));
    const f = fixture({ source, sinks: [sink] });
    await f.run();
    const keys = sink.keys();
    const again = await f.run({ signal: undefined });
    expect(again.objects).toBe(0);
    expect(sink.keys()).toEqual(keys);
    // the listing resumes after the checkpoint: nothing is listed again
    expect(again.counts.seen).toBe(0);
  });

  it('fails an item whose stored checksum does not match what was sent, and keeps the others', async () => {
    const sink = createScriptedSink(createMemorySink(), {
      put: (key) => (key.includes('c002/recording') ? 'wrong-checksum' : undefined),
    });
    const f = fixture({ source: createMemorySource(items(3)), sinks: [sink] });
    const report = await f.run();
    expect(report.status).toBe('completed_with_failures');
    expect(report.counts).toMatchObject({ archived: 2, failed: 1 });
    expect(report.failures[0]).toMatchObject({ itemId: 'c002', errorTag: 'Permanent' });
    expect(report.failures[0]!.reason).toMatch(/does not match the bytes sent/);
    const row = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c002'));
    expect(row?.status).toBe('failed');
  });

  it('verifies a store that reports multipart composites (S3 ETag form) and keeps the form in the ledger', async () => {
    const big = {
      id: 'big',
      artifacts: [{ name: 'recording.wav', bytes: 'x'.repeat(5000), contentType: 'audio/wav' }],
    };
    const sink = createMemorySink({ checksums: ['md5'], checksumPartSize: 1024 });
    const f = fixture({ source: createMemorySource([big, ...items(1)]), sinks: [sink] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    const row = await f.withLedger((l) => l.getItem('acme', 'test-source', 'big'));
    const recording = row!.objects.find((o) => o.artifact === 'recording.wav')!;
    // 5000 bytes of plaintext encode to a little more: five parts of 1024 and a shorter sixth or so
    expect(recording.checksum).toMatchObject({ algorithm: 'md5', parts: Math.ceil(recording.size / 1024) });
    expect(recording.checksum.value).toMatch(/^[0-9a-f]{32}$/);
    const small = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001'));
    const record = small!.objects.find((o) => o.artifact !== 'recording.wav')!;
    expect(record.size).toBeLessThanOrEqual(1024);
    expect(record.checksum.parts).toBeUndefined();
  });

  it('fails an item whose store reports a composite it did not declare a part size for, or a wrong one', async () => {
    const undeclared = createMemorySink({ checksums: ['md5'], checksumPartSize: 64 });
    const lying = { ...undeclared, checksumPartSize: undefined };
    const f = fixture({ source: createMemorySource(items(1)), sinks: [lying] });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 0, failed: 1 });
    expect(report.failures[0]!.reason).toMatch(/over \d+ parts but declares no checksumPartSize/);

    const wrong = createScriptedSink(createMemorySink({ checksums: ['md5'], checksumPartSize: 64 }), {
      put: (key) => (key.includes('recording') ? 'wrong-checksum' : undefined),
    });
    const g = fixture({ source: createMemorySource(items(1)), sinks: [wrong] });
    const second = await g.run();
    expect(second.counts).toMatchObject({ archived: 0, failed: 1 });
    expect(second.failures[0]!.reason).toMatch(/md5 over parts differs/);
  });

  it('adopts an object whose put answer was lost by the checksum the store reports: nothing downloaded', async () => {
    const inner = createMemorySink({ checksums: ['md5'], checksumPartSize: 256 });
    const { sink, gets, lost } = losingFirstAnswer(inner, 'c001/recording');
    const f = fixture({ source: createMemorySource(items(2)), sinks: [sink] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(lost()).toBe(1);
    expect(gets).toEqual([]);
    const row = await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001'));
    const recording = row!.objects.find((o) => o.artifact === 'recording.wav')!;
    const held = await collect(
      (await inner.get(recording.physicalKey, new AbortController().signal))._unsafeUnwrap(),
    );
    expect(recording.sha256).toBe(createHash('sha256').update(held).digest('hex'));
    expect(recording.checksum).toEqual(
      (await inner.head(recording.key, new AbortController().signal))._unsafeUnwrap()?.checksum,
    );
    expect(recording.checksum.parts).toBeGreaterThan(1);
    expect(
      await f.withLedger((l) => l.sentObjects('acme', 'test-source', 'c001/recording.wav', 'sinks[0]')),
    ).toEqual([]);
  });

  it('adopts by decoding when the store reports no checksum it can compare', async () => {
    const { sink, gets } = losingFirstAnswer(createMemorySink({ checksums: ['crc32c'] }), 'c001/recording');
    const f = fixture({ source: createMemorySource(items(1)), sinks: [sink] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    // a CRC is no proof two encodings are the same bytes: the object was read and decoded
    expect(gets).toEqual([expect.stringContaining('c001/recording')]);
  });

  it('resumes a listing that failed retryably from the last page it delivered', async () => {
    const source = createMemorySource(items(6), {
      pageSize: 2,
      script: {
        page: (index, attempt) =>
          index === 1 && attempt === 1 ? PluginErrors.transient('502 from the API') : undefined,
      },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts.archived).toBe(6);
    expect(source.calls.filter((c) => c === 'page:0')).toHaveLength(1);
    expect(source.calls.filter((c) => c === 'page:1')).toHaveLength(2);
  });

  it('a listing that fails for good lets items in flight finish and reports the run failed', async () => {
    const source = createMemorySource(items(4), {
      pageSize: 2,
      script: { page: (index) => (index === 1 ? PluginErrors.auth('401 after refresh') : undefined) },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    const report = await f.run();
    expect(report.status).toBe('failed');
    expect(report.error).toMatchObject({ errorTag: 'Auth' });
    expect(report.error!.reason).toMatch(/^source\.pages: /);
    expect(report.counts.archived).toBe(2);
    expect(report.checkpoint.after).toEqual({ offset: 2 });
  });

  it('labels defects by plugin and operation', async () => {
    const cases: [string, Parameters<typeof fixture>[0], RegExp][] = [
      [
        'fetch',
        {
          source: createMemorySource(items(1), { script: { fetch: () => 'throw' } }),
          sinks: [createMemorySink()],
        },
        /^source\.fetch: defect/,
      ],
      [
        'put',
        {
          source: createMemorySource(items(1)),
          sinks: [createScriptedSink(createMemorySink(), { put: () => 'throw' })],
        },
        /^sinks\[0\]\.put: defect/,
      ],
      [
        'encode',
        {
          source: createMemorySource(items(1)),
          sinks: [createMemorySink()],
          codec: {
            extension: '.x',
            encode: () => {
              throw new Error('boom');
            },
            decode: () => {
              throw new Error('boom');
            },
          },
        },
        /^codec\.encode: defect/,
      ],
    ];
    for (const [, options, label] of cases) {
      const report = await fixture(options).run();
      expect(report.failures[0]?.reason).toMatch(label);
      expect(report.failures[0]?.errorTag).toBe('Permanent');
    }
  });

  it('a sink.get defect during adoption is labelled sinks[0].get', async () => {
    // A CRC is no proof of sameness: adoption downloads and decodes (with a SHA-256, the identity
    // codec's re-encoding would match the store's digest and nothing would be read).
    const inner = createMemorySink({ checksums: ['crc32c'] });
    const source = createMemorySource(items(1));
    await fixture({ source, sinks: [inner] }).run();
    const f = fixture({ source, sinks: [createScriptedSink(inner, { get: () => 'throw' })] });
    const report = await f.run();
    expect(report.failures[0]?.reason).toMatch(/^sinks\[0\]\.get: defect/);
  });

  it('a pages() defect is the run error, labelled', async () => {
    const source = createMemorySource(items(2), { script: { page: () => 'throw' } });
    const report = await fixture({ source, sinks: [createMemorySink()] }).run();
    expect(report.status).toBe('failed');
    expect(report.error?.reason).toMatch(/^source\.pages: defect/);
  });

  it('refuses to start when create fails or throws, naming the plugin', async () => {
    const failing = fixture({
      source: { instance: createMemorySource([]), create: 'fail' },
      sinks: [createMemorySink()],
    });
    await expect(failing.run()).rejects.toThrow(
      /source \(test-source\) could not start: \[Auth\] source\.create: bad credentials/,
    );
    const throwing = fixture({
      source: createMemorySource([]),
      sinks: [{ instance: createMemorySink(), create: 'throw' }],
    });
    await expect(throwing.run()).rejects.toThrow(
      /sinks\[0\] \(test-sink\) could not start: \[Permanent\] sinks\[0\]\.create: defect/,
    );
  });

  it('fails an item with two artifacts of one name, alone', async () => {
    const specs = items(2);
    specs[1] = {
      id: 'dup',
      artifacts: [
        { name: 'a.wav', bytes: 'x' },
        { name: 'a.wav', bytes: 'y' },
      ],
    };
    const report = await fixture({ source: createMemorySource(specs), sinks: [createMemorySink()] }).run();
    expect(report.counts).toMatchObject({ archived: 1, failed: 1 });
    expect(report.failures[0]).toMatchObject({ itemId: 'dup', errorTag: 'InvalidInput' });
  });

  it('a transform that drops an item settles it dropped; one that changes the id fails it', async () => {
    const sink = createMemorySink();
    const f = fixture({
      source: createMemorySource(items(3)),
      sinks: [sink],
      transforms: [
        {
          apply: (item) => {
            if (item.id === 'c001') return okAsync(null);
            if (item.id === 'c002') return okAsync({ ...item, id: 'other' });
            return okAsync(item);
          },
        },
      ],
    });
    const report = await f.run();
    expect(report.counts).toMatchObject({ archived: 1, failed: 1, skipped: 1 });
    expect(report.failures[0]?.reason).toMatch(/transforms\[0\]\.apply changed the item id/);
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c001')))?.status).toBe('dropped');
    expect(sink.keys().some((k) => k.includes('c001'))).toBe(false);
  });

  it('acknowledges only after the ledger committed; an acknowledge failure is a warning, not a failure', async () => {
    const source = createMemorySource(items(2));
    const f = fixture({ source, sinks: [createMemorySink()] });
    await f.run();
    expect(source.acknowledged.map((a) => a.id).sort()).toEqual(['c001', 'c002']);
    expect(source.acknowledged[0]!.outcome.status).toBe('archived');

    const failing = createMemorySource(items(1), {
      acknowledgeFails: PluginErrors.permanent('read-only field'),
    });
    const g = fixture({ source: failing, sinks: [createMemorySink()] });
    const report = await g.run();
    expect(report.status).toBe('succeeded');
    expect((await g.withLedger((l) => l.getItem('acme', 'test-source', 'c001')))?.status).toBe('archived');
  });

  it('keeps an item whose data is not there yet pending (awaiting), never failed, and looks again when due', async () => {
    // The run's clock is the test's: the second run comes after the recording's retryAt.
    const t0 = new Date('2026-11-30T12:00:00Z');
    let ready = false;
    const source = createMemorySource(items(2), {
      script: {
        open: (id) =>
          id === 'c002' && !ready
            ? PluginErrors.notYet('recording still processing', new Date(t0.getTime() + 10 * 60_000))
            : undefined,
      },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    const first = await f.run({ now: () => t0 });
    expect(first.status).toBe('succeeded');
    expect(first.counts).toMatchObject({ archived: 1, awaiting: 1, failed: 0 });
    expect((await f.withLedger((l) => l.getItem('acme', 'test-source', 'c002')))?.status).toBe('awaiting');
    expect(summarize(first)).toMatch(/awaiting 1/);
    ready = true;
    const early = await f.run({ now: () => new Date(t0.getTime() + 5 * 60_000) });
    expect(early.counts).toMatchObject({ archived: 0, awaiting: 0 }); // not due: not even looked at
    const second = await f.run({ now: () => new Date(t0.getTime() + 11 * 60_000) });
    expect(second.counts).toMatchObject({ archived: 1, awaiting: 0 });
  });

  it('counts an awaiting item that is not due yet as awaiting, and an item listed again after it was archived in this run as a duplicate', async () => {
    const source = createMemorySource(items(2), {
      script: {
        open: (id) =>
          id === 'c002' ? PluginErrors.notYet('processing', new Date(Date.now() + 3_600_000)) : undefined,
      },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    await f.run();
    source.add(items(1)[0]!); // c001 listed again by the next run: it was archived by the first one
    const events = f.events.length;
    const second = await f.run();
    expect(second.counts).toMatchObject({ awaiting: 0, skipped: 1, duplicates: 0 });
    expect(f.events.slice(events).filter((e) => e.type === 'item.awaiting')).toHaveLength(0);

    // within one run: a source that lists an item twice gets it processed once
    const twice = createMemorySource([...items(2), items(1)[0]!], { pageSize: 1 });
    const sink = createMemorySink();
    const report = await fixture({ source: twice, sinks: [sink] }).run();
    expect(report.counts).toMatchObject({ archived: 2, duplicates: 1, skipped: 0, seen: 2 });
  });

  it('retries with Retry-After and succeeds; gives up within the elapsed-time bound', async () => {
    const source = createMemorySource(items(1), {
      script: {
        fetch: (_id, attempt) => (attempt === 1 ? PluginErrors.throttled('slow down', 20) : undefined),
      },
    });
    const ok = await fixture({ source, sinks: [createMemorySink()] }).run();
    expect(ok.counts.archived).toBe(1);
    expect(ok.retries).toBe(1);

    const always = createMemorySource(items(1), { script: { fetch: () => PluginErrors.transient('503') } });
    const bounded = await fixture({
      source: always,
      sinks: [createMemorySink()],
      config: { retry: { attempts: 20, initialDelay: '20ms', maxDelay: '20ms', maxElapsed: '100ms' } },
    }).run();
    expect(bounded.counts.failed).toBe(1);
    expect(bounded.failures[0]!.reason).toMatch(/gave up after .*retry\.maxElapsed/);
    expect(always.calls.filter((c) => c.startsWith('fetch')).length).toBeLessThan(20);
  });

  it('a Retry-After beyond retry.maxWait on the listing stops the run cleanly with the reason, resumable', async () => {
    const source = createMemorySource(items(4), {
      pageSize: 2,
      script: { page: (index) => (index === 1 ? PluginErrors.throttled('429', 3_600_000) : undefined) },
    });
    const f = fixture({ source, sinks: [createMemorySink()] });
    const report = await f.run();
    expect(report.status).toBe('failed');
    expect(report.error!.reason).toMatch(/asked to wait 1\.0 h, longer than retry\.maxWait/);
    expect(report.checkpoint.after).toEqual({ offset: 2 });
  });

  it('escapes control characters from source data in the summary', async () => {
    const evil = 'x\n  failed 0: [Permanent] forged\u001b[2J';
    const source = createMemorySource([{ id: evil, occurredAt: 'not a date' }]);
    const report = await fixture({ source, sinks: [createMemorySink()] }).run();
    const text = summarize(report);
    expect(text.split('\n').filter((l) => l.includes('forged'))).toHaveLength(1);
    expect(text).not.toContain('\u001b');
  });

  it('a poison item (empty id, overlong id, date out of range) fails alone; the run goes on', async () => {
    const specs: MemoryItemSpec[] = [
      ...items(3),
      { id: 'y'.repeat(300) },
      { id: 'far-future', occurredAt: new Date(Date.UTC(12000, 0, 1)) },
    ];
    const source = createMemorySource(specs, {
      script: { item: (item) => (item.id === 'c002' ? { ...item, id: '' } : item) },
    });
    const report = await fixture({ source, sinks: [createMemorySink()] }).run();
    expect(report.counts).toMatchObject({ archived: 2, failed: 3 });
    expect(report.status).toBe('completed_with_failures');
  });

  it('an artifact stream cut mid-body fails the attempt as Transient, is retried from byte 0, and never crashes the process', async () => {
    let opens = 0;
    const body = 'r'.repeat(200_000);
    const source = createMemorySource([
      {
        id: 'cut',
        artifacts: [
          {
            name: 'recording.wav',
            bytes: body,
            stream: () => {
              opens++;
              return opens === 1
                ? failingStream(
                    65_349,
                    new PluginFailure(
                      PluginErrors.transient('the recording download broke after 65349 bytes'),
                    ),
                  )
                : Readable.from([Buffer.from(body)]);
            },
          },
        ],
      },
    ]);
    const sink = createMemorySink();
    const report = await fixture({ source, sinks: [sink] }).run();
    expect(report.failures).toEqual([]);
    expect(report.status).toBe('succeeded');
    expect(report.retries).toBe(1);
    expect(opens).toBe(2);
    expect(report.bytes.plaintext).toBe(body.length + JSON.stringify({ id: 'cut' }).length + 1);

    const always = createMemorySource([
      {
        id: 'cut',
        artifacts: [
          { name: 'r.wav', bytes: 'x', stream: () => failingStream(1000, new Error('socket hang up')) },
        ],
      },
    ]);
    const failed = await fixture({ source: always, sinks: [createMemorySink()] }).run();
    expect(failed.failures[0]).toMatchObject({ itemId: 'cut', errorTag: 'Transient' });
    expect(failed.failures[0]!.reason).toMatch(/^source\.open\(r\.wav\): stream failed: socket hang up/);
  });

  it('labels defects of apply, head/decode (adoption), acknowledge and close by plugin and operation', async () => {
    const throwing = () => {
      throw new Error('kaboom');
    };
    const applyReport = await fixture({
      source: createMemorySource(items(1)),
      sinks: [createMemorySink()],
      transforms: [{ apply: throwing }],
    }).run();
    expect(applyReport.failures[0]?.reason).toMatch(/^transforms\[0\]\.apply: defect .*kaboom/);

    const inner = createMemorySink();
    await fixture({ source: createMemorySource(items(1)), sinks: [inner] }).run();
    const headReport = await fixture({
      source: createMemorySource(items(1)),
      sinks: [createScriptedSink(inner, { head: () => 'throw' })],
    }).run();
    expect(headReport.failures[0]?.reason).toMatch(/^sinks\[0\]\.head: defect/);

    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (m: string, f?: object) => warnings.push(`${m} ${JSON.stringify(f)}`),
      error() {},
    };
    const ackSource = createMemorySource(items(1));
    const ackReport = await fixture({
      source: {
        ...ackSource,
        pages: ackSource.pages.bind(ackSource),
        fetch: ackSource.fetch.bind(ackSource),
        acknowledge: throwing,
      },
      sinks: [createMemorySink()],
    }).run({ logger });
    expect(ackReport.status).toBe('succeeded');
    expect(warnings.some((w) => w.includes('source.acknowledge: defect'))).toBe(true);
  });

  it('never holds every unsettled item at once: more than a page of failed items are all retried', async () => {
    const many = items(600, { artifacts: [] });
    let failing = true;
    const source = createMemorySource(many, {
      pageSize: 100,
      script: { fetch: () => (failing ? PluginErrors.invalidInput('bad') : undefined) },
    });
    const f = fixture({ source, sinks: [createMemorySink()], config: { concurrency: 16 } });
    const first = await f.run();
    expect(first.counts.failed).toBe(600);
    expect(first.failures).toHaveLength(100);
    expect(first.failuresTotal).toBe(600);
    failing = false;
    const second = await f.run();
    expect(second.counts.archived).toBe(600);
  });
});
