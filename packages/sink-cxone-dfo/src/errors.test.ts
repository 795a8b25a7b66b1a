// Every way an upload or a send can fail, against the simulator, mapped to the plugin error tags;
// and no secret, token or signed URL in any of their messages.
import { Readable } from 'node:stream';
import {
  configureDfo,
  DEMO_CREDENTIALS,
  type RunningSimulator,
  startSimulator,
} from '@cxarchive/cxone-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyOf,
  type Clock,
  clockAt,
  nativeContact,
  remember,
  seen,
  sinkOn,
  targetFor,
} from '../test-support/harness.js';
import { isExpiredUpload } from './errors.js';

let clock: Clock;
let sim: RunningSimulator;
const signal = new AbortController().signal;
const bytes = Buffer.from('%PDF-1.7\nerror mapping\n');
const signedUrls: string[] = [];

beforeAll(async () => {
  clock = clockAt('2026-10-20T12:00:00Z');
  sim = await startSimulator({ seed: 5, contacts: 120, now: () => clock.now() });
});
afterAll(() => sim.stop());
afterEach(() => {
  sim.faults.clear();
  configureDfo(sim.url, { maxAttachmentBytes: 25 * 1024 * 1024 });
});

const uploadError = async (options = {}) => {
  const { sink, taken } = sinkOn(sim, clock, options);
  const target = targetFor(nativeContact(sim), bytes);
  const result = await sink.upload(target, bodyOf(bytes), signal);
  await sink.close?.();
  return { error: remember(result._unsafeUnwrapErr()), taken };
};

describe('upload errors', () => {
  it('a token the DFO API keeps refusing after one renewal: Auth', async () => {
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'expire-token', count: 'always' });
    sim.faults.add({ route: 'dfo-custom-field-definitions', kind: 'expire-token', count: 'always' });
    const { error } = await uploadError();
    expect(error._tag).toBe('Auth');
  });

  it('a token refused once mid-upload, the renewed one good: Transient, and the retry passes', async () => {
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'expire-token' });
    const { error } = await uploadError();
    expect(error._tag).toBe('Transient');
    const { sink } = sinkOn(sim, clock);
    const target = targetFor(nativeContact(sim), bytes);
    const retried = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    signedUrls.push(retried.url);
    await sink.close?.();
  });

  it('wrong credentials: Auth from the token endpoint, the secret never named', async () => {
    const { error } = await uploadError({ accessKeySecret: 'wrong-secret-value-123' });
    expect(error._tag).toBe('Auth');
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value-123');
  });

  it('over the tenant cap (413): InvalidInput with the API message', async () => {
    configureDfo(sim.url, { maxAttachmentBytes: 10 });
    const { error } = await uploadError();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toMatch(
      /HTTP 413 PayloadTooLarge content the attachment is larger than the 10 bytes/,
    );
  });

  it('over maxAttachmentBytes: InvalidInput before any request', async () => {
    sim.clearRequestLog();
    const { error, taken } = await uploadError({ maxAttachmentBytes: 5 });
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'maxAttachmentBytes' });
    expect(taken).toEqual([]);
    expect(sim.requests).toEqual([]);
  });

  it('a 400: InvalidInput with the API message', async () => {
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'status', status: 400 });
    const { error } = await uploadError();
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toMatch(
      /POST .*\/dfo\/3\.0\/attachments\/temporary: HTTP 400 BadRequest Bad Request/,
    );
  });

  it('a 429: Throttled for the dfo family with its Retry-After', async () => {
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'status', status: 429, retryAfterSeconds: 7 });
    const { error } = await uploadError();
    expect(error).toMatchObject({ _tag: 'Throttled', family: 'dfo', retryAfterMs: 7000 });
  });

  it('a 503 and a cut connection: Transient', async () => {
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'status', status: 503 });
    expect((await uploadError()).error._tag).toBe('Transient');
    sim.faults.add({ route: 'dfo-attachment-upload', kind: 'reset' });
    expect((await uploadError()).error._tag).toBe('Transient');
  });

  it('a body shorter than the size given: InvalidInput', async () => {
    const { sink } = sinkOn(sim, clock);
    const target = targetFor(nativeContact(sim), bytes, { size: bytes.length + 3 });
    const error = remember((await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrapErr());
    expect(error._tag).toBe('InvalidInput');
    await sink.close?.();
  });
});

describe('an aborted upload', () => {
  it('stops at once as Transient, the body destroyed and nothing stored', async () => {
    const { sink } = sinkOn(sim, clock);
    const controller = new AbortController();
    let chunks = 0;
    const body = Readable.from(
      (async function* () {
        for (;;) {
          chunks++;
          if (chunks === 3) controller.abort();
          yield Buffer.alloc(16 * 1024, chunks);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
    );
    const target = targetFor(nativeContact(sim), bytes, { size: 20 * 1024 * 1024 });
    sim.clearRequestLog();
    const error = remember((await sink.upload(target, body, controller.signal))._unsafeUnwrapErr());
    expect(error._tag).toBe('Transient');
    expect(body.destroyed).toBe(true);
    expect(chunks).toBeLessThan(20);
    expect(sim.requestLog().filter((r) => r.route === 'dfo-attachment-upload' && r.status === 201)).toEqual(
      [],
    );
    await sink.close?.();
  });
});

describe('send errors', () => {
  const uploaded = async () => {
    const { sink } = sinkOn(sim, clock);
    const target = targetFor(nativeContact(sim, 1), bytes);
    const file = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    signedUrls.push(file.url);
    return { sink, target, file };
  };

  it('429 on the outbound message: Throttled (dfo); 5xx: Transient; neither is an expired upload', async () => {
    const { sink, target, file } = await uploaded();
    sim.faults.add({ route: 'dfo-outbound', kind: 'status', status: 429, retryAfterSeconds: 3 });
    const throttled = remember((await sink.send(target, file, signal))._unsafeUnwrapErr());
    expect(throttled).toMatchObject({ _tag: 'Throttled', family: 'dfo', retryAfterMs: 3000 });
    sim.faults.add({ route: 'dfo-outbound', kind: 'status', status: 502 });
    const failed = remember((await sink.send(target, file, signal))._unsafeUnwrapErr());
    expect(failed._tag).toBe('Transient');
    expect(isExpiredUpload(throttled) || isExpiredUpload(failed)).toBe(false);
    // After the faults, the same upload is sent once.
    expect((await sink.send(target, file, signal)).isOk()).toBe(true);
    await sink.close?.();
  });

  it('an attachment URL DFO does not know (forged): the expired-upload error, upload again', async () => {
    const { sink, target, file } = await uploaded();
    const forged = { ...file, url: file.url.replace(/signature=[^&]+/, 'signature=00') };
    const error = remember((await sink.send(target, forged, signal))._unsafeUnwrapErr());
    expect(isExpiredUpload(error)).toBe(true);
    expect(error.message).toMatch(/AttachmentNotFound/);
    await sink.close?.();
  });
});

describe('the budget', () => {
  it("a DFO budget used up answers 429, decoded as Throttled (family dfo) with the simulator's Retry-After", async () => {
    const budgeted = await startSimulator({
      seed: 5,
      contacts: 120,
      now: () => clock.now(),
      budgets: { dfo: { requests: 3, perMs: 60_000 } },
    });
    try {
      const { sink, taken } = sinkOn(budgeted, clock);
      const contact = nativeContact(budgeted);
      const target = targetFor(contact, bytes);
      const file = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
      signedUrls.push(file.url);
      // send: GET the contact (2nd dfo request), its messages (3rd), then the message (4th): over the budget.
      const error = remember((await sink.send(target, file, signal))._unsafeUnwrapErr());
      expect(error).toMatchObject({ _tag: 'Throttled', family: 'dfo' });
      expect((error as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
      expect(taken.filter((f) => f === 'dfo')).toHaveLength(4);
      expect(budgeted.maxAcceptedInWindow('dfo')).toBe(3);
      clock.ms += 60_001;
      // Once the window has moved on, the same upload is sent (three requests, within the budget).
      expect((await sink.send(target, file, signal)).isOk()).toBe(true);
      await sink.close?.();
    } finally {
      await budgeted.stop();
    }
  });
});

describe("CXone's per-contact limit", () => {
  it('a contact updated past its burst: Throttled (family dfo) with the Retry-After of its refill', async () => {
    configureDfo(sim.url, { contactUpdateBurst: 1, contactUpdatesPerMinute: 2 });
    try {
      const { sink } = sinkOn(sim, clock);
      const contact = nativeContact(sim, 2);
      const first = targetFor(contact, bytes, { fileName: 'first.pdf' });
      const second = targetFor(contact, bytes, { fileName: 'second.pdf', sha256: 'cd'.repeat(32) });
      const a = (await sink.upload(first, bodyOf(bytes), signal))._unsafeUnwrap();
      const b = (await sink.upload(second, bodyOf(bytes), signal))._unsafeUnwrap();
      signedUrls.push(a.url, b.url);
      expect((await sink.send(first, a, signal)).isOk()).toBe(true);
      const error = remember((await sink.send(second, b, signal))._unsafeUnwrapErr());
      expect(error).toMatchObject({ _tag: 'Throttled', family: 'dfo', retryAfterMs: 30_000 });
      clock.ms += 30_000;
      expect((await sink.send(second, b, signal)).isOk()).toBe(true);
      await sink.close?.();
    } finally {
      configureDfo(sim.url, { contactUpdateBurst: 250, contactUpdatesPerMinute: 17 });
    }
  });
});

describe('what errors carry', () => {
  it('no credential, token or signed URL in any error seen above', () => {
    expect(seen.length).toBeGreaterThan(20);
    const text = seen.join('\n');
    for (const value of [
      DEMO_CREDENTIALS.accessKeySecret,
      DEMO_CREDENTIALS.clientSecret,
      DEMO_CREDENTIALS.accessKeyId,
    ]) {
      expect(text).not.toContain(value);
    }
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
    expect(text).not.toMatch(/signature=|expires=\d/);
    expect(signedUrls.length).toBeGreaterThan(0);
    for (const url of signedUrls) expect(text).not.toContain(url);
  });
});
