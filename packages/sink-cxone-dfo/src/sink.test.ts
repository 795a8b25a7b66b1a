// The cxone-dfo sink against the simulator's DFO 3.0 routes: a file uploaded (streamed as base64),
// sent on the contact's thread (native and custom channels), confirmed by reading the contact's
// messages back; a send that is repeated never sends twice.
import { createHash } from 'node:crypto';
import { configureDfo, type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bodyOf,
  type Clock,
  clockAt,
  customContact,
  nativeContact,
  receivedBy,
  sinkOn,
  targetFor,
} from '../test-support/harness.js';
import plugin from './index.js';

const START = '2026-10-20T12:00:00Z';
let clock: Clock;
let sim: RunningSimulator;
const signal = new AbortController().signal;

beforeAll(async () => {
  clock = clockAt(START);
  sim = await startSimulator({ seed: 3, contacts: 200, now: () => clock.now() });
});
afterAll(() => sim.stop());
beforeEach(() => {
  clock.ms = Date.parse(START);
});

/** A PDF-like body larger than a few chunks, with every byte value (base64 padding cases included). */
const fileBytes = (n: number) =>
  Buffer.concat([
    Buffer.from('%PDF-1.7\n'),
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) % 256)),
  ]);

describe('a file delivered into a conversation', () => {
  it('is uploaded as a stream, sent on a native thread and confirmed from the contact', async () => {
    const { sink, taken } = sinkOn(sim, clock);
    const contact = nativeContact(sim);
    const bytes = fileBytes(70_001);
    const target = targetFor(contact, bytes);

    const uploaded = (await sink.upload(target, bodyOf(bytes, 4099), signal))._unsafeUnwrap();
    expect(Date.parse(uploaded.expiresAt)).toBeGreaterThan(clock.ms);
    // The simulator decoded exactly the bytes read from the body.
    const stored = await fetch(uploaded.url);
    expect(stored.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await stored.arrayBuffer()).equals(bytes)).toBe(true);

    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    expect(sent).toMatchObject({
      threadId: contact.thread.idOnExternalPlatform,
      contactNumber: contact.contactNumber,
    });
    expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);

    const received = await receivedBy(sim, contact.contactNumber);
    const message = received.find((m) => m.id === sent.messageId);
    expect(message?.attachments).toEqual([{ friendlyName: 'signed-form.pdf', url: uploaded.url }]);
    expect(message?.messageContent).toMatchObject({ type: 'TEXT', payload: { text: 'Your signed form' } });
    expect(new Set(taken)).toEqual(new Set(['cxone-auth', 'dfo']));
    await sink.close?.();
  });

  it('sends once: a repeated send of the same upload answers the message already on the contact', async () => {
    const { sink } = sinkOn(sim, clock);
    const contact = nativeContact(sim, 1);
    const bytes = fileBytes(10);
    const target = targetFor(contact, bytes);
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const first = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    const again = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    expect(again.messageId).toBe(first.messageId);
    const carrying = (await receivedBy(sim, contact.contactNumber)).filter((m) =>
      m.attachments?.some((a) => a.url === uploaded.url),
    );
    expect(carrying).toHaveLength(1);
    await sink.close?.();
  });

  it('records a message on a custom channel it owns, once per (contact, file), even after a re-upload', async () => {
    const contact = customContact(sim);
    const { sink } = sinkOn(sim, clock, { customChannels: [contact.channel.id] });
    const bytes = fileBytes(500);
    const target = targetFor(contact, bytes, {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileName: 'invoice.pdf',
      text: undefined,
    });
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);
    // The same file uploaded again (a retry after a lost answer): the channel keeps the first message.
    const second = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const resent = (await sink.send(target, second, signal))._unsafeUnwrap();
    expect(resent.messageId).toBe(sent.messageId);
    const received = await receivedBy(sim, contact.contactNumber);
    const ours = received.filter((m) => m.attachments?.some((a) => a.friendlyName === 'invoice.pdf'));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.messageContent).toMatchObject({ payload: { text: 'invoice.pdf' } });
    await sink.close?.();
  });

  it('sends by thread id alone and confirms through the case the answer named', async () => {
    const contact = customContact(sim, 1);
    const { sink } = sinkOn(sim, clock, { customChannels: [contact.channel.id] });
    const bytes = fileBytes(64);
    const target = targetFor(contact, bytes, {
      contact: { threadId: contact.thread.idOnExternalPlatform, channelId: contact.channel.id },
    });
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    expect(sent).toMatchObject({ contactNumber: contact.contactNumber });
    expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);
    await sink.close?.();
  });

  it('confirms false for a message the contact does not have, or one without the file', async () => {
    const { sink } = sinkOn(sim, clock);
    const contact = nativeContact(sim, 2);
    const bytes = fileBytes(8);
    const target = targetFor(contact, bytes);
    const missing = await sink.confirm(target, { messageId: '00000000-0000-4000-8000-000000000000' }, signal);
    expect(missing._unsafeUnwrap()).toBe(false);
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    const renamed = { ...target, fileName: 'another-name.pdf' };
    expect((await sink.confirm(renamed, sent, signal))._unsafeUnwrap()).toBe(false);
    await sink.close?.();
  });

  it('refuses a contact on another channel than its manifest row, and an unknown contact', async () => {
    const { sink } = sinkOn(sim, clock);
    const contact = nativeContact(sim, 3);
    const bytes = fileBytes(8);
    const uploaded = (await sink.upload(targetFor(contact, bytes), bodyOf(bytes), signal))._unsafeUnwrap();
    const wrongChannel = targetFor(contact, bytes, {
      contact: { contactNumber: contact.contactNumber, channelId: 'custom_cxarchive-portal' },
    });
    const refused = (await sink.send(wrongChannel, uploaded, signal))._unsafeUnwrapErr();
    expect(refused).toMatchObject({ _tag: 'InvalidInput', path: 'contact.channelId' });
    expect(refused.message).toContain(contact.contactNumber);
    const unknown = targetFor(contact, bytes, {
      contact: { contactNumber: '9999999', channelId: contact.channel.id },
    });
    expect((await sink.send(unknown, uploaded, signal))._unsafeUnwrapErr()._tag).toBe('NotFound');
    await sink.close?.();
  });
});

describe('tags', () => {
  it('tags an outbound message by title, and a retried send after a failed tagging sends nothing twice', async () => {
    sim.faults.clear();
    const { sink } = sinkOn(sim, clock);
    const contact = nativeContact(sim, 6);
    const bytes = fileBytes(40);
    const target = targetFor(contact, bytes, { tags: ['signed-form', 'cxarchive'] });
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    sim.faults.add({ route: 'dfo-message-tag', kind: 'status', status: 503, after: 1 });
    const failed = (await sink.send(target, uploaded, signal))._unsafeUnwrapErr();
    expect(failed._tag).toBe('Transient');
    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    const carrying = (await receivedBy(sim, contact.contactNumber)).filter((m) =>
      m.attachments?.some((a) => a.url === uploaded.url),
    );
    expect(carrying).toHaveLength(1);
    expect(carrying[0]?.id).toBe(sent.messageId);
    expect((carrying[0] as { tags?: { title: string }[] }).tags?.map((t) => t.title)).toEqual([
      'signed-form',
      'cxarchive',
    ]);
    expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);
    // A tag the message lacks: not confirmed.
    const more = { ...target, tags: ['signed-form', 'invoice'] };
    expect((await sink.confirm(more, sent, signal))._unsafeUnwrap()).toBe(false);
    await sink.close?.();
  });

  it('sends tagIds with a custom-channel message', async () => {
    const contact = customContact(sim, 2);
    const { sink } = sinkOn(sim, clock, { customChannels: [contact.channel.id] });
    const bytes = fileBytes(41);
    const target = targetFor(contact, bytes, { tags: ['invoice', '101'] });
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    sim.clearRequestLog();
    const sent = (await sink.send(target, uploaded, signal))._unsafeUnwrap();
    expect(sim.requestLog().some((r) => r.route === 'dfo-message-tag')).toBe(false);
    const message = (await receivedBy(sim, contact.contactNumber)).find((m) => m.id === sent.messageId);
    expect((message as { tags?: { id: number }[] }).tags?.map((t) => t.id)).toEqual([102, 101]);
    expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);
    await sink.close?.();
  });

  it('refuses an unknown tag before anything is sent', async () => {
    const { sink } = sinkOn(sim, clock);
    const contact = nativeContact(sim, 7);
    const bytes = fileBytes(42);
    const target = targetFor(contact, bytes, { tags: ['no-such-tag'] });
    const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
    const before = (await receivedBy(sim, contact.contactNumber)).length;
    const refused = (await sink.send(target, uploaded, signal))._unsafeUnwrapErr();
    expect(refused).toMatchObject({ _tag: 'InvalidInput', path: 'tags' });
    expect(refused.message).toContain('no-such-tag');
    expect(await receivedBy(sim, contact.contactNumber)).toHaveLength(before);
    await sink.close?.();
  });
});

describe('expired uploads', () => {
  it('are refused by send before any request, and within the margin, as Permanent {expired: true}', async () => {
    configureDfo(sim.url, { attachmentTtlSeconds: 300 });
    try {
      const { sink } = sinkOn(sim, clock, { expiryMargin: '1m' });
      const contact = nativeContact(sim, 4);
      const bytes = fileBytes(32);
      const target = targetFor(contact, bytes);
      const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
      sim.clearRequestLog();
      clock.ms = Date.parse(uploaded.expiresAt) - 30_000; // 30 s left, under the 1 minute margin
      const early = (await sink.send(target, uploaded, signal))._unsafeUnwrapErr();
      expect(early).toMatchObject({ _tag: 'Permanent', cause: { expired: true } });
      expect(early.message).toMatch(/upload it again/);
      clock.ms = Date.parse(uploaded.expiresAt) + 1;
      const late = (await sink.send(target, uploaded, signal))._unsafeUnwrapErr();
      expect(late).toMatchObject({ _tag: 'Permanent', cause: { expired: true } });
      expect(sim.requests.filter((r) => r.path.startsWith('/dfo/'))).toEqual([]);
      for (const e of [early, late]) expect(JSON.stringify(e)).not.toContain(uploaded.url);
      await sink.close?.();
    } finally {
      configureDfo(sim.url, { attachmentTtlSeconds: 3600 });
    }
  });

  it('are refused by DFO when the clocks disagree, mapped to the same error; a re-upload then goes through', async () => {
    configureDfo(sim.url, { attachmentTtlSeconds: 300 });
    try {
      // The sink's clock lags the platform's by ten minutes: it believes the upload is still live.
      const lagging = { ms: 0, now: () => new Date(clock.ms - 600_000) };
      const { sink } = sinkOn(sim, lagging as Clock, { expiryMargin: '0s' });
      const contact = nativeContact(sim, 5);
      const bytes = fileBytes(32);
      const target = targetFor(contact, bytes);
      const uploaded = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
      clock.ms += 301_000;
      const refused = (await sink.send(target, uploaded, signal))._unsafeUnwrapErr();
      expect(refused).toMatchObject({ _tag: 'Permanent', cause: { expired: true } });
      expect(refused.message).toMatch(/AttachmentExpired/);
      expect(refused.message).not.toMatch(/signature=|expires=/);
      const again = (await sink.upload(target, bodyOf(bytes), signal))._unsafeUnwrap();
      const sent = (await sink.send(target, again, signal))._unsafeUnwrap();
      expect((await sink.confirm(target, sent, signal))._unsafeUnwrap()).toBe(true);
      await sink.close?.();
    } finally {
      configureDfo(sim.url, { attachmentTtlSeconds: 3600 });
    }
  });
});

describe('the definition', () => {
  it('is a sink named cxone-dfo with budgets for the DFO API and the auth server', () => {
    expect(plugin).toMatchObject({ kind: 'sink', name: 'cxone-dfo', apiVersion: 2 });
    expect(plugin.budgets?.map((b) => b.family)).toEqual(['dfo', 'cxone-auth']);
    // NICE's documented 120,000 contact reads an hour, as a sliding minute.
    expect(plugin.budgets?.[0]).toMatchObject({ requests: 2000, per: '1m' });
    const schema = plugin.configSchema as { properties: Record<string, Record<string, unknown>> };
    for (const name of ['accessKeyId', 'accessKeySecret', 'clientSecret']) {
      expect(schema.properties[name]?.['x-cxarchive-secret']).toBe(true);
    }
    expect(schema.properties.clientId?.['x-cxarchive-secret']).toBeUndefined();
  });

  it('refuses to act as an object store', async () => {
    const { sink } = sinkOn(sim, clock);
    expect((await sink.head('a/b', signal))._unsafeUnwrapErr()).toMatchObject({ _tag: 'Permanent' });
    expect((await sink.get('a/b', signal))._unsafeUnwrapErr().message).toMatch(/flow: attach/);
    await sink.close?.();
  });
});
