// The notifier against a real HTTP receiver on loopback: signing, thin bodies, batching,
// retries (5xx, 429 with Retry-After, timeouts), giving up, redirects.
import type { Notifier, PipelineEvent, PluginError } from '@cxarchive/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, type ReceiverOptions, startReceiver, testSecret } from '../test-support/receiver.js';
import { createWebhookNotifier, type WebhookNotifierDeps } from './notifier.js';
import { resolveOptions, type WebhookOptionsInput } from './options.js';
import { verifyWebhook } from './verify.js';

const SECRET = testSecret(1);
const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close?.()));
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

const receiver = async (options: ReceiverOptions = {}) => {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
};

const notifier = (url: string, more: Partial<WebhookOptionsInput> = {}, deps: WebhookNotifierDeps = {}) => {
  const resolved = resolveOptions(
    {
      url,
      secret: SECRET,
      allowInsecureLoopback: true,
      timeout: '2s',
      giveUpAfter: '5s',
      retryDelay: '10ms',
      retryMaxDelay: '40ms',
      ...more,
    },
    '/',
  )._unsafeUnwrap();
  const n = createWebhookNotifier(resolved, { label: 'notifiers[0]', ...deps });
  notifiers.push(n);
  return n;
};

const at = '2026-11-30T12:00:00.000Z';
const base = { runId: 'run-1', tenant: 'acme', at };
const archived = (i: number): PipelineEvent => ({
  type: 'item.archived',
  ...base,
  itemId: `c${i}`,
  objects: [
    {
      artifact: 'contact.json',
      sink: 'sinks[0]',
      key: `acme/2026/11/30/c${i}/contact.json.cxar`,
      physicalKey: `acme/2026/11/30/c${i}/contact.json.cxar`,
      size: 1234,
      sha256: 'a'.repeat(64),
      checksum: { algorithm: 'sha256', value: 'a'.repeat(64) },
    },
  ],
});
const completed = (status: 'succeeded' | 'failed' = 'succeeded'): PipelineEvent => ({
  type: 'run.completed',
  ...base,
  status,
  counts: { archived: 7, failed: 0, awaiting: 0, skipped: 0 },
  ...(status === 'failed'
    ? { error: { errorTag: 'Auth', reason: 'the source refused the credentials' } }
    : {}),
});
const signal = () => new AbortController().signal;
const notify = async (n: Notifier, event: PipelineEvent): Promise<PluginError | undefined> => {
  const r = await n.notify(event, signal());
  return r.isErr() ? r.error : undefined;
};
const bodyOf = (r: Receiver, i: number) => JSON.parse(r.requests[i]!.body);

describe('signing and bodies', () => {
  it('signs every message so verifyWebhook accepts it, with the Standard Webhooks headers', async () => {
    const r = await receiver();
    const n = notifier(`${r.origin}/hooks/cxone`);
    expect(await notify(n, { type: 'run.started', ...base })).toBeUndefined();
    expect(await notify(n, completed())).toBeUndefined();
    expect(r.requests).toHaveLength(2);
    for (const request of r.requests) {
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/hooks/cxone');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
      expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const verified = verifyWebhook(request.body, request.headers, { secrets: SECRET });
      expect(verified.ok).toBe(true);
    }
    expect(r.requests[0]!.headers['webhook-id']).not.toBe(r.requests[1]!.headers['webhook-id']);
    expect(bodyOf(r, 1)).toEqual({
      type: 'run.completed',
      timestamp: at,
      data: {
        runId: 'run-1',
        tenant: 'acme',
        at,
        status: 'succeeded',
        counts: { archived: 7, failed: 0, awaiting: 0, skipped: 0 },
      },
    });
  });

  it('signs with every configured secret during a rotation (v1,<a> v1,<b>): a receiver holding either accepts', async () => {
    const r = await receiver();
    const [oldSecret, newSecret] = [testSecret(2), testSecret(3)];
    const n = notifier(r.origin, { secret: undefined, secrets: [oldSecret, newSecret] } as never);
    expect(await notify(n, completed())).toBeUndefined();
    const request = r.requests[0]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(request.body, request.headers, { secrets: oldSecret }).ok).toBe(true);
    expect(verifyWebhook(request.body, request.headers, { secrets: newSecret }).ok).toBe(true);
    expect(verifyWebhook(request.body, request.headers, { secrets: SECRET }).ok).toBe(false);
  });

  it('keeps bodies thin: ids, keys and checksums, never sizes, content, URLs or the secret', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { batchSize: 1, on: ['*'] });
    const leaky = {
      ...archived(1),
      record: { fromAddress: '+15550100', transcript: 'the card number is 4111…' },
      fileToPlayUrl: 'https://media.example.com/rec.mp4?X-Amz-Signature=deadbeef',
    } as unknown as PipelineEvent;
    expect(await notify(n, leaky)).toBeUndefined();
    const body = r.requests[0]!.body;
    expect(JSON.parse(body).data.events[0]).toEqual({
      type: 'item.archived',
      runId: 'run-1',
      tenant: 'acme',
      at,
      itemId: 'c1',
      objects: [
        {
          artifact: 'contact.json',
          sink: 'sinks[0]',
          key: 'acme/2026/11/30/c1/contact.json.cxar',
          physicalKey: 'acme/2026/11/30/c1/contact.json.cxar',
          sha256: 'a'.repeat(64),
          checksum: { algorithm: 'sha256', value: 'a'.repeat(64) },
        },
      ],
    });
    for (const leak of ['+15550100', 'card number', 'X-Amz-Signature', 'media.example.com', '1234', SECRET])
      expect(body).not.toContain(leak);
    expect(body).not.toContain(SECRET.slice(6));
  });
});

describe('subscriptions', () => {
  it('sends only subscribed events; run.failed is a failed run.completed sent under its own type', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { on: ['run.failed', 'item.failed'], batchSize: 1 });
    expect(await notify(n, { type: 'run.started', ...base })).toBeUndefined();
    expect(await notify(n, archived(1))).toBeUndefined();
    expect(await notify(n, completed('succeeded'))).toBeUndefined();
    expect(r.requests).toHaveLength(0);
    expect(await notify(n, completed('failed'))).toBeUndefined();
    expect(r.requests).toHaveLength(1);
    expect(bodyOf(r, 0)).toMatchObject({
      type: 'run.failed',
      data: { status: 'failed', error: { errorTag: 'Auth', reason: 'the source refused the credentials' } },
    });
  });

  it('accepts any event type, so the attach flow events travel as soon as they exist (thin: no URL)', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { on: ['attachment.*'], batchSize: 1 });
    const event = {
      type: 'attachment.uploaded',
      ...base,
      contactId: '4711',
      attachmentId: 'att-9',
      sha256: 'b'.repeat(64),
      url: 'https://dfo.example.com/tmp/att-9?sig=secret',
      content: 'JVBERi0xLjQK',
    } as unknown as PipelineEvent;
    expect(await notify(n, event)).toBeUndefined();
    expect(await notify(n, archived(2))).toBeUndefined();
    expect(r.requests).toHaveLength(1);
    expect(bodyOf(r, 0).data.events).toEqual([
      {
        type: 'attachment.uploaded',
        runId: 'run-1',
        tenant: 'acme',
        at,
        contactId: '4711',
        attachmentId: 'att-9',
        sha256: 'b'.repeat(64),
      },
    ]);
  });
});

describe('batching', () => {
  it('sends item events N per message, in order, and every one before the run event', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { batchSize: 3, batchWait: '1h' });
    for (let i = 1; i <= 7; i++) expect(await notify(n, archived(i))).toBeUndefined();
    expect(r.requests).toHaveLength(2);
    expect(await notify(n, completed())).toBeUndefined();
    const bodies = r.requests.map((q) => JSON.parse(q.body));
    expect(bodies.map((b) => b.type)).toEqual(['batch', 'batch', 'batch', 'run.completed']);
    expect(bodies.slice(0, 3).map((b) => b.data.count)).toEqual([3, 3, 1]);
    expect(bodies.slice(0, 3).flatMap((b) => b.data.events.map((e: { itemId: string }) => e.itemId))).toEqual(
      ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'],
    );
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(4);
    for (const q of r.requests) expect(verifyWebhook(q.body, q.headers, { secrets: SECRET }).ok).toBe(true);
  });

  it('sends a batch that did not fill once batchWait has passed', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { batchSize: 100, batchWait: '50ms' });
    expect(await notify(n, archived(1))).toBeUndefined();
    expect(await notify(n, archived(2))).toBeUndefined();
    await r.waitFor(1);
    expect(bodyOf(r, 0).data.count).toBe(2);
  });

  it('keeps order when a batch fills, or a run event comes, while the timer sends the one before', async () => {
    const r = await receiver({ reply: (n) => (n === 1 ? { status: 204, delayMs: 600 } : { status: 204 }) });
    const n = notifier(r.origin, { batchSize: 2, batchWait: '150ms' });
    expect(await notify(n, archived(1))).toBeUndefined();
    await r.waitFor(1); // the timer sent [c1]; its answer takes 600 ms
    expect(await notify(n, archived(2))).toBeUndefined(); // a new batch, whose timer would fire in 150 ms
    expect(await notify(n, archived(3))).toBeUndefined(); // fills it: sent after [c1] is answered
    expect(await notify(n, archived(4))).toBeUndefined();
    await r.waitFor(3); // [c4]'s timer sent it
    expect(await notify(n, completed())).toBeUndefined();
    const bodies = r.requests.map((q) => JSON.parse(q.body));
    expect(
      bodies.map((b) =>
        b.type === 'batch' ? b.data.events.map((e: { itemId: string }) => e.itemId) : b.type,
      ),
    ).toEqual([['c1'], ['c2', 'c3'], ['c4'], 'run.completed']);
  });

  it('sends what is still waiting when closed', async () => {
    const r = await receiver();
    const n = notifier(r.origin, { batchSize: 100, batchWait: '1h' });
    await notify(n, archived(1));
    await n.close?.();
    expect(r.requests).toHaveLength(1);
    expect(bodyOf(r, 0).data.events[0].itemId).toBe('c1');
  });

  it('logs on close what no call could report any more', async () => {
    const r = await receiver({ reply: () => ({ status: 500 }) });
    const warnings: string[] = [];
    const logger = { warn: (m: string) => void warnings.push(m) } as unknown as NonNullable<
      WebhookNotifierDeps['logger']
    >;
    const n = notifier(
      r.origin,
      { batchWait: '10ms', giveUpAfter: '100ms' },
      { label: 'notifiers[0]', logger },
    );
    await notify(n, archived(1));
    await r.waitFor(1);
    await n.close?.();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^notifiers\[0\]: webhook to http:\/\/127\.0\.0\.1:\d+: 1 message \(1 item event\) not delivered: a batch of 1 item event \(msg_.*\): .*gave up after/,
    );
  });
});

describe('delivery', () => {
  it('retries 5xx with the same webhook-id, each attempt signed afresh, until delivered', async () => {
    const r = await receiver({ reply: (n) => (n <= 2 ? { status: n === 1 ? 500 : 503 } : { status: 200 }) });
    const n = notifier(r.origin);
    expect(await notify(n, completed())).toBeUndefined();
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    for (const q of r.requests) expect(verifyWebhook(q.body, q.headers, { secrets: SECRET }).ok).toBe(true);
  });

  it('waits as a 429 Retry-After says, instead of its own backoff', async () => {
    const r = await receiver({
      reply: (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 204 }),
    });
    const waits: number[] = [];
    const n = notifier(r.origin, {}, { sleep: async (ms) => void waits.push(ms) });
    expect(await notify(n, completed())).toBeUndefined();
    expect(r.requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it('backs off with full jitter below a doubling ceiling when no Retry-After is given', async () => {
    const r = await receiver({ reply: (n) => (n <= 3 ? { status: 503 } : { status: 204 }) });
    const waits: number[] = [];
    const n = notifier(
      r.origin,
      { retryDelay: '100ms', retryMaxDelay: '300ms' },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.999 },
    );
    expect(await notify(n, completed())).toBeUndefined();
    expect(waits).toEqual([99, 199, 299]);
  });

  it('gives up at once when Retry-After asks for more than giveUpAfter leaves', async () => {
    const r = await receiver({ reply: () => ({ status: 429, headers: { 'retry-after': '3600' } }) });
    const n = notifier(r.origin, { giveUpAfter: '30s' });
    const error = await notify(n, completed());
    expect(r.requests).toHaveLength(1);
    expect(error).toMatchObject({ _tag: 'Permanent' });
    expect(error?.message).toMatch(/asked to wait 3600\.0 s \(Retry-After\), beyond giveUpAfter/);
  });

  it('abandons a request that gets no answer within the timeout and retries it', async () => {
    const r = await receiver({ reply: (n) => (n === 1 ? 'hang' : { status: 204 }) });
    const n = notifier(r.origin, { timeout: '200ms' });
    expect(await notify(n, completed())).toBeUndefined();
    expect(r.requests).toHaveLength(2);
    expect(r.requests[0]!.headers['webhook-id']).toBe(r.requests[1]!.headers['webhook-id']);
  });

  it('gives up after giveUpAfter: the call fails Permanent (not retried by the runtime), naming only the origin', async () => {
    const r = await receiver({ reply: () => ({ status: 503 }) });
    const n = notifier(`${r.origin}/hooks/token-in-the-path?key=abc`, {
      giveUpAfter: '300ms',
      retryDelay: '20ms',
    });
    const error = await notify(n, completed());
    expect(error?._tag).toBe('Permanent');
    expect(error?.message).toContain(`webhook to ${r.origin}: run.completed (msg_`);
    expect(error?.message).toMatch(
      /gave up after \d+ attempts over \d+\.\d s \(last: the receiver answered 503\)/,
    );
    expect(error?.message).not.toContain('token-in-the-path');
    expect(error?.message).not.toContain('key=abc');
    expect(r.requests.length).toBeGreaterThan(1);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    const r = await receiver({ reply: () => ({ status: 400 }) });
    const n = notifier(r.origin);
    const error = await notify(n, completed());
    expect(error?.message).toContain('the receiver answered 400');
    expect(r.requests).toHaveLength(1);
  });

  it('never follows a redirect, even to an address it would refuse', async () => {
    const internal = await receiver();
    const r = await receiver({
      reply: () => ({ status: 302, headers: { location: `${internal.origin}/latest/meta-data/` } }),
    });
    const n = notifier(r.origin);
    const error = await notify(n, completed());
    expect(error?._tag).toBe('Permanent');
    expect(error?.message).toContain('answered 302 (a redirect to http://127.0.0.1');
    expect(error?.message).toContain('redirects are never followed');
    expect(error?.message).not.toContain('meta-data');
    expect(r.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  it('reports a batch the timer could not deliver on the next call, which still delivers its own event', async () => {
    const r = await receiver({
      reply: (_n, q) => (JSON.parse(q.body).type === 'batch' ? { status: 503 } : { status: 204 }),
    });
    const n = notifier(r.origin, { batchSize: 100, batchWait: '20ms', giveUpAfter: '200ms' });
    expect(await notify(n, archived(1))).toBeUndefined();
    await r.waitFor(1);
    const error = await notify(n, completed());
    expect(error?._tag).toBe('Permanent');
    expect(error?.message).toMatch(
      /earlier: 1 message \(1 item event\) not delivered: a batch of 1 item event/,
    );
    expect(r.requests.at(-1)!.body).toContain('"run.completed"');
  });

  it('retries a 408', async () => {
    const r = await receiver({ reply: (n) => (n === 1 ? { status: 408 } : { status: 204 }) });
    expect(await notify(notifier(r.origin), completed())).toBeUndefined();
    expect(r.requests).toHaveLength(2);
  });

  it('closes within giveUpAfter and a timeout even when the receiver never answers, and refuses calls after', async () => {
    const r = await receiver({ reply: () => 'hang' });
    const n = notifier(r.origin, { batchWait: '1h', timeout: '100ms', giveUpAfter: '300ms' });
    expect(await notify(n, archived(1))).toBeUndefined();
    await n.close?.();
    expect(r.requests.length).toBeGreaterThanOrEqual(1);
    expect(await notify(n, completed())).toMatchObject({
      _tag: 'Permanent',
      message: 'the webhook notifier is closed',
    });
  });

  it('stops retrying when the runtime aborts the call', async () => {
    const r = await receiver({ reply: () => ({ status: 503 }) });
    const n = notifier(r.origin, { giveUpAfter: '1m', retryDelay: '20ms' });
    const abort = new AbortController();
    const pending = n.notify(completed(), abort.signal);
    await r.waitFor(2);
    abort.abort(new Error('the run ended'));
    const result = await pending;
    expect(result._unsafeUnwrapErr()._tag).toBe('Transient');
    expect(result._unsafeUnwrapErr().message).toContain('cancelled');
  });
});
