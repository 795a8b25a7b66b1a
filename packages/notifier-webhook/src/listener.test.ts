// The receiver side: createWebhookListener on a real loopback server, fed by the notifier itself
// and by hand-made requests (tampered, replayed, oversized).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineEvent } from '@cxarchive/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testSecret } from '../test-support/receiver.js';
import { createWebhookListener, type ReceivedWebhook, type WebhookListenerOptions } from './listener.js';
import { createWebhookNotifier } from './notifier.js';
import { resolveOptions } from './options.js';
import { createSigner, messageId } from './signing.js';
import { createReplayGuard } from './verify.js';

const SECRET = testSecret(10);
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const serve = async (more: Partial<WebhookListenerOptions> = {}) => {
  const received: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  const server = http.createServer(
    createWebhookListener({
      secrets: SECRET,
      replay: createReplayGuard(),
      onMessage: (m) => void received.push(m),
      onRejected: (r) => void rejected.push(r),
      ...more,
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, rejected };
};

const base = { runId: 'run-l', tenant: 'acme', at: '2026-11-30T12:00:00.000Z' };
const signedRequest = (body: string, id = messageId('x', String(Math.random()))) => ({
  method: 'POST',
  body,
  headers: {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': createSigner([SECRET])(id, new Date(Math.floor(Date.now() / 1000) * 1000), body),
  },
});

describe('createWebhookListener', () => {
  it('hands over verified messages, batches unpacked into their events', async () => {
    const { url, received, rejected } = await serve();
    const notifier = createWebhookNotifier(
      resolveOptions(
        { url, secret: SECRET, allowInsecureLoopback: true, batchSize: 2, on: ['*'] },
        '/',
      )._unsafeUnwrap(),
    );
    const events: PipelineEvent[] = [
      { type: 'item.failed', ...base, itemId: 'c1', errorTag: 'Permanent', reason: 'gone' },
      { type: 'item.skipped', ...base, itemId: 'c2', reason: 'filtered' },
      {
        type: 'run.completed',
        ...base,
        status: 'succeeded',
        counts: { archived: 0, failed: 1, awaiting: 0, skipped: 1 },
      },
    ];
    for (const e of events)
      expect((await notifier.notify(e, new AbortController().signal)).isOk()).toBe(true);
    await notifier.close?.();
    expect(rejected).toEqual([]);
    expect(received.map((m) => m.type)).toEqual(['batch', 'run.completed']);
    expect(received[0]!.events.map((e) => e.itemId)).toEqual(['c1', 'c2']);
    expect(received[1]!.events).toEqual([
      {
        type: 'run.completed',
        ...base,
        status: 'succeeded',
        counts: { archived: 0, failed: 1, awaiting: 0, skipped: 1 },
      },
    ]);
  });

  it('answers 401 to a tampered body and 204 to a repeat, which it does not hand over again', async () => {
    const { url, received, rejected } = await serve();
    const body = JSON.stringify({ type: 'run.started', timestamp: base.at, data: base });
    const request = signedRequest(body);
    expect((await fetch(url, request)).status).toBe(204);
    expect((await fetch(url, request)).status).toBe(204);
    expect(received).toHaveLength(1);
    expect((await fetch(url, { ...request, body: body.replace('acme', 'evil') })).status).toBe(401);
    expect(rejected).toEqual(['no signature matches any of the secrets']);
    expect((await fetch(url)).status).toBe(405);
  });

  it('answers 500 when handling fails, so the sender retries, and takes the retry', async () => {
    let calls = 0;
    const { url, received } = await serve({
      onMessage: (m) => {
        calls++;
        if (calls === 1) throw new Error('the lake is down');
        received.push(m);
      },
    });
    const notifier = createWebhookNotifier(
      resolveOptions(
        { url, secret: SECRET, allowInsecureLoopback: true, retryDelay: '10ms' },
        '/',
      )._unsafeUnwrap(),
    );
    const done = await notifier.notify({ type: 'run.started', ...base }, new AbortController().signal);
    await notifier.close?.();
    expect(done.isOk()).toBe(true);
    expect(calls).toBe(2);
    expect(received).toHaveLength(1);
  });

  it('refuses a body over maxBodyBytes without reading it all', async () => {
    const { url, received, rejected } = await serve({ maxBodyBytes: 1000 });
    const response = await fetch(
      url,
      signedRequest(JSON.stringify({ type: 'x', data: 'y'.repeat(100_000) })),
    ).catch(() => undefined);
    if (response) expect(response.status).toBe(413);
    expect(rejected).toEqual(['a body over 1000 bytes']);
    expect(received).toHaveLength(0);
  });
});
