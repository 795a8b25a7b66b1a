// The SSRF guard: urls refused before any request, and every connection's address checked at
// connect time (a resolver injected in place of DNS), against a real https receiver on loopback
// whose certificate openssl makes for the test.
import type { LookupAddress } from 'node:dns';
import type { Notifier, PipelineEvent } from '@cxarchive/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, selfSignedCertificate, startReceiver, testSecret } from '../test-support/receiver.js';
import type { Resolver } from './guarded-lookup.js';
import { createWebhookNotifier } from './notifier.js';
import { resolveOptions, type WebhookOptionsInput } from './options.js';
import { verifyWebhook } from './verify.js';

const SECRET = testSecret(4);
const event: PipelineEvent = {
  type: 'run.completed',
  runId: 'run-ssrf',
  tenant: 'acme',
  at: '2026-11-30T12:00:00.000Z',
  status: 'succeeded',
  counts: { archived: 1, failed: 0, awaiting: 0, skipped: 0 },
};

let tls: ReturnType<typeof selfSignedCertificate>;
let receiver: Receiver;
beforeAll(async () => {
  tls = selfSignedCertificate();
  receiver = await startReceiver({ tls: { key: tls.key, cert: tls.cert } });
});
afterAll(async () => {
  await receiver.stop();
});
const notifiers: Notifier[] = [];
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close?.()));
  receiver.requests.length = 0;
});

/** A resolver answering from a script, counting its calls. */
const scripted = (answer: (call: number) => readonly string[]) => {
  const calls: string[] = [];
  const resolver: Resolver = async (hostname) => {
    calls.push(hostname);
    return answer(calls.length).map(
      (address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }),
    );
  };
  return { resolver, calls };
};

const options = (url: string, more: Partial<WebhookOptionsInput> = {}): WebhookOptionsInput => ({
  url,
  secret: SECRET,
  caFile: tls.certFile,
  timeout: '300ms',
  giveUpAfter: '2s',
  retryDelay: '10ms',
  retryMaxDelay: '20ms',
  ...more,
});

const make = (url: string, resolver: Resolver, more: Partial<WebhookOptionsInput> = {}) => {
  const n = createWebhookNotifier(resolveOptions(options(url, more), '/')._unsafeUnwrap(), { resolver });
  notifiers.push(n);
  return n;
};

const lake = () => `https://lake.test:${receiver.port}/hooks`;

describe('urls refused before any request', () => {
  it.each([
    ['https://127.0.0.1/hook', /127\.0\.0\.1, a loopback address: refused by the SSRF guard/],
    ['https://[::1]/hook', /::1, a loopback address/],
    ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a cloud metadata service address/],
    ['https://[fd00:ec2::254]/', /a cloud metadata service address/],
    ['https://0x7f000001/', /127\.0\.0\.1, a loopback address/],
    ['https://[::ffff:127.0.0.1]/', /127\.0\.0\.1, a loopback address/],
    ['https://10.1.2.3/', /10\.1\.2\.3, a private address.*allowPrivateNetworks/],
    ['https://0.0.0.0/', /an unspecified address/],
    ['http://lake.example.com/hook', /must be https: plain http is allowed only to a loopback host/],
    ['http://127.0.0.1:8080/hook', /set allowInsecureLoopback: true/],
    ['ftp://lake.example.com/', /must be https/],
    ['https://user:pass@lake.example.com/', /must not carry credentials/],
  ])('%s', (url, message) => {
    const error = resolveOptions({ url, secret: SECRET }, '/')._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'url' });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('pass@');
  });

  it('accepts a refused literal only when explicitly allowed', () => {
    expect(
      resolveOptions({ url: 'https://10.1.2.3/', secret: SECRET, allowPrivateNetworks: true }, '/').isOk(),
    ).toBe(true);
    expect(
      resolveOptions(
        { url: 'https://127.0.0.1/', secret: SECRET, allowedNetworks: ['127.0.0.0/8'] },
        '/',
      ).isOk(),
    ).toBe(true);
    expect(
      resolveOptions({ url: 'http://127.0.0.1:1/', secret: SECRET, allowInsecureLoopback: true }, '/').isOk(),
    ).toBe(true);
  });
});

describe('addresses checked at connect time', () => {
  it('delivers over https to a name whose address is allowed (the control for the refusals below)', async () => {
    const { resolver, calls } = scripted(() => ['127.0.0.1']);
    const n = make(lake(), resolver, { allowedNetworks: ['127.0.0.1/32'] });
    expect((await n.notify(event, new AbortController().signal)).isOk()).toBe(true);
    expect(calls).toEqual(['lake.test']);
    expect(receiver.requests).toHaveLength(1);
    const q = receiver.requests[0]!;
    expect(verifyWebhook(q.body, q.headers, { secrets: SECRET }).ok).toBe(true);
  });

  it.each([
    [['127.0.0.1'], /lake\.test resolved to 127\.0\.0\.1, a loopback address/],
    [['10.0.0.5'], /resolved to 10\.0\.0\.5, a private address/],
    [['169.254.169.254'], /resolved to 169\.254\.169\.254, a cloud metadata service address/],
    [['fd00:ec2::254'], /a cloud metadata service address/],
    [['::1'], /lake\.test resolved to ::1, a loopback address/],
    [['::ffff:127.0.0.1'], /resolved to 127\.0\.0\.1, a loopback address/],
    [['100.64.0.7'], /resolved to 100\.64\.0\.7, a private address/],
    [['fe80::1'], /a link-local address/],
    [['93.184.216.34', '127.0.0.1'], /resolved to 127\.0\.0\.1, a loopback address/],
  ])('refuses a name resolving to %j, without retrying and without a request', async (answers, message) => {
    const { resolver, calls } = scripted(() => answers);
    const n = make(lake(), resolver);
    const error = (await n.notify(event, new AbortController().signal))._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).toMatch(message);
    expect(calls).toHaveLength(1);
    expect(receiver.requests).toHaveLength(0);
  });

  it('DNS rebinding: a name answering public first and loopback at the next connect is refused there', async () => {
    // 192.0.2.1 (TEST-NET-1) is public but unreachable: the first attempt fails and is retried,
    // and the retry's connection resolves the name again, now to the receiver's loopback address.
    const { resolver, calls } = scripted((call) => (call === 1 ? ['192.0.2.1'] : ['127.0.0.1']));
    const n = make(lake(), resolver, { timeout: '200ms' });
    const error = (await n.notify(event, new AbortController().signal))._unsafeUnwrapErr();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/lake\.test resolved to 127\.0\.0\.1, a loopback address/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('a plain-http url to localhost may only reach loopback, whatever the name resolves to', async () => {
    const { resolver } = scripted(() => ['93.184.216.34']);
    const n = make(`http://localhost:${receiver.port}/`, resolver, { allowInsecureLoopback: true });
    const error = (await n.notify(event, new AbortController().signal))._unsafeUnwrapErr();
    expect(error.message).toMatch(
      /93\.184\.216\.34, not a loopback address: a plain-http url may only reach loopback/,
    );
  });

  it('refuses a certificate it does not trust, without retrying', async () => {
    const { resolver, calls } = scripted(() => ['127.0.0.1']);
    const n = createWebhookNotifier(
      resolveOptions(
        {
          ...options(lake(), { allowedNetworks: ['127.0.0.1/32'] }),
          caFile: undefined,
        } as WebhookOptionsInput,
        '/',
      )._unsafeUnwrap(),
      { resolver },
    );
    notifiers.push(n);
    const error = (await n.notify(event, new AbortController().signal))._unsafeUnwrapErr();
    expect(error.message).toMatch(/TLS: .*self[- ]signed/i);
    expect(calls).toHaveLength(1);
    expect(receiver.requests).toHaveLength(0);
  });
});
