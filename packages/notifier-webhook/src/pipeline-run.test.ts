// One run through the real runtime: the pipeline file names `use: webhook` (resolved through the
// package manifest, as the CLI resolves it) and `use: fs`; the testkit's memory source and identity
// codec take the source's and codec's places. The receiver verifies every message it gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  definePlugin,
  loadPipeline,
  ok,
  PLUGIN_API_VERSION,
  type PreparedPipeline,
  type PreparedPlugin,
  preparePipeline,
  runPipeline,
  SecretScrubber,
} from '@cxarchive/core/host';
import { createIdentityCodec, createMemorySource, type MemoryItemSpec } from '@cxarchive/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, type ReceiverOptions, startReceiver, testSecret } from '../test-support/receiver.js';
import { verifyWebhook } from './verify.js';

const CLI_DIR = fileURLToPath(new URL('../../cli', import.meta.url));
const CONDITIONS = ['@cxarchive/source', 'import', 'default'];
const SECRET = testSecret(9);
const CANARY = '+15550199-canary';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

/** A receiver that verifies each message as a data lake would, answering 401 to one that fails. */
const verifyingReceiver = async (reply?: ReceiverOptions['reply']) => {
  const verdicts: { ok: boolean; payload?: unknown }[] = [];
  const r = await startReceiver({
    reply: (n, q) => {
      const v = verifyWebhook(q.body, q.headers, { secrets: SECRET });
      verdicts.push(v.ok ? { ok: true, payload: v.payload } : { ok: false });
      return v.ok ? (reply?.(n, q) ?? { status: 204 }) : { status: 401 };
    },
  });
  receivers.push(r);
  return { receiver: r, verdicts };
};

const items: MemoryItemSpec[] = Array.from({ length: 5 }, (_, i) => ({
  id: `c${i + 1}`,
  occurredAt: '2026-11-30T10:00:00Z',
  record: { id: `c${i + 1}`, fromAddress: CANARY },
  artifacts: [{ name: 'recording.wav', bytes: `voice ${i + 1}`, contentType: 'audio/wav' }],
}));

const asPlugin = <K extends 'source' | 'codec'>(kind: K, instance: unknown): PreparedPlugin<K> =>
  ({
    kind,
    label: kind,
    use: `memory-${kind}`,
    packageName: `test-memory-${kind}`,
    version: '0',
    config: {},
    definition: definePlugin({
      kind,
      name: `memory-${kind}`,
      apiVersion: PLUGIN_API_VERSION,
      configSchema: {},
      create: () => ok(instance as never),
    }),
  }) as unknown as PreparedPlugin<K>;

const pipeline = async (receiver: Receiver, notifierWith: string): Promise<PreparedPipeline> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-webhook-run-'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: acme
source:
  use: cxone
  with: { issuer: "http://127.0.0.1:9", accessKeyId: a, accessKeySecret: b, clientId: c, clientSecret: d,
          since: 2026-01-01T00:00:00Z, media: [] }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./unused.key } } }
sinks:
  - use: fs
    with: { root: ./archive, fsync: false }
notifiers:
  - use: webhook
    with: { url: "${receiver.origin}/hooks/cxone", secret: "\${WEBHOOK_SECRET}", allowInsecureLoopback: true, ${notifierWith} }
retry: { attempts: 2, initialDelay: 1ms, maxDelay: 5ms }
`,
  );
  const scrubber = new SecretScrubber();
  const loaded = await loadPipeline({ file, env: { ...process.env, WEBHOOK_SECRET: SECRET } });
  const prepared = await preparePipeline(loaded, {
    fallbackFrom: [CLI_DIR],
    conditions: CONDITIONS,
    scrubber,
  });
  const source = createMemorySource(items, {
    script: {
      fetch: (id) => (id === 'c3' ? { _tag: 'Permanent', message: 'c3 is gone at the source' } : undefined),
    },
  });
  return { ...prepared, source: asPlugin('source', source), codec: asPlugin('codec', createIdentityCodec()) };
};

describe('a pipeline run with the webhook notifier', () => {
  it('delivers every event, verified by the receiver; run.completed carries the counts and status', async () => {
    const { receiver, verdicts } = await verifyingReceiver();
    const prepared = await pipeline(receiver, 'on: ["*"], batchSize: 2');
    expect(prepared.notifiers[0]!.packageName).toBe('@cxarchive/notifier-webhook');
    const report = await runPipeline({ prepared, scrubber: new SecretScrubber() });

    expect(report.status).toBe('completed_with_failures');
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v.ok)).toBe(true);
    const bodies = verdicts.map((v) => v.payload as { type: string; data: Record<string, unknown> });
    expect(bodies[0]!.type).toBe('run.started');
    const last = bodies.at(-1)!;
    expect(last).toMatchObject({
      type: 'run.completed',
      data: {
        runId: report.runId,
        tenant: 'acme',
        status: 'completed_with_failures',
        counts: { archived: 4, failed: 1, awaiting: 0, skipped: 0 },
      },
    });
    const itemEvents = bodies
      .filter((b) => b.type === 'batch')
      .flatMap((b) => b.data.events as { type: string; itemId: string; objects?: { key: string }[] }[]);
    expect(
      itemEvents
        .filter((e) => e.type === 'item.archived')
        .map((e) => e.itemId)
        .sort(),
    ).toEqual(['c1', 'c2', 'c4', 'c5']);
    expect(itemEvents.find((e) => e.type === 'item.failed')).toMatchObject({ itemId: 'c3' });
    expect(itemEvents.every((e) => e.type !== 'item.archived' || (e.objects?.length ?? 0) > 0)).toBe(true);
    expect(report.notifiers).toEqual([
      { label: 'notifiers[0]', delivered: expect.any(Number), failed: 0, dropped: 0, undelivered: 0 },
    ]);
    const raw = receiver.requests.map((q) => q.body).join('\n');
    expect(raw).not.toContain(CANARY);
    expect(raw).not.toContain(SECRET.slice(6));
    expect(raw).not.toContain('voice 1');
  });

  it('a receiver that keeps failing: the run ends as it would without a notifier, and the report counts and warns about it', async () => {
    const { receiver } = await verifyingReceiver(() => ({ status: 503 }));
    const prepared = await pipeline(
      receiver,
      'on: [run.completed, item.failed], giveUpAfter: 300ms, retryDelay: 20ms, retryMaxDelay: 50ms',
    );
    const report = await runPipeline({ prepared, scrubber: new SecretScrubber() });
    expect(report.status).toBe('completed_with_failures');
    expect(report.counts).toMatchObject({ archived: 4, failed: 1 });
    expect(report.notifiers[0]).toMatchObject({ label: 'notifiers[0]', failed: 1, undelivered: 0 });
    expect(report.warnings.some((w) => w.startsWith('notifiers[0]: 1 events failed'))).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(1);
    expect(JSON.stringify(report)).not.toContain(SECRET.slice(6));
  });
});
