// Chat and email transcripts against the simulator, with `media` asking for them.
import { type ItemRef, type PluginError, SecretScrubber } from '@cxarchive/core';
import { createCxoneClient } from '@cxarchive/cxone-api';
import type { RunningSimulator, SimContact } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import { fetchContact } from './fetch-contact.js';
import plugin from './index.js';
import { RecordCache } from './record-cache.js';
import { resolveSettings } from './settings.js';

const MIN = 60_000;
let clockMs = Date.parse('2026-11-01T00:00:00Z');
afterEach(() => {
  clockMs = Date.parse('2026-11-01T00:00:00Z');
});

const start = simulatorStarter({ contacts: 40, seed: 3, now: () => new Date(clockMs) });

const optionsFor = (sim: RunningSimulator, media: readonly string[]) =>
  optionsOn(sim, { since: '2026-01-01T00:00:00Z', media });

const setup = async (media: readonly string[], recordingDelaySeconds = 0) => {
  const sim = await start({ recordingDelaySeconds });
  const settings = resolveSettings(optionsFor(sim, media))._unsafeUnwrap();
  const now = () => new Date(clockMs);
  const scrubber = new SecretScrubber();
  const client = createCxoneClient({
    issuer: settings.issuer,
    credentials: settings.credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    tokenRefreshSkewMs: settings.tokenRefreshSkewMs,
    now,
    scrubber,
    budget: async () => {},
  });
  const deps = { settings, client, cache: new RecordCache(10), now, scrub: (e: PluginError) => e };
  const fetchOne = (c: SimContact) =>
    fetchContact(deps, { id: c.contactId, data: { contactId: c.contactId } } as ItemRef, live());
  return { sim, fetchOne, close: () => client.close() };
};

const masters = (sim: RunningSimulator, mediaTypeId: number) =>
  sim.dataset.contacts.filter((c) => c.contactId === c.masterContactId && c.mediaTypeId === mediaTypeId);

const read = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

describe('chat and email transcripts as artifacts', () => {
  it('archives a chat master with chat-transcript.json and an email master with email-transcript.json', async () => {
    const t = await setup(['voice', 'chat', 'email']);
    try {
      const [chat] = masters(t.sim, 3);
      const [email] = masters(t.sim, 1);
      const chatItem = (await t.fetchOne(chat as SimContact))._unsafeUnwrap();
      expect(chatItem.artifacts.map((a) => [a.name, a.contentType])).toEqual([
        ['chat-transcript.json', 'application/json'],
      ]);
      const chatDoc = await read((await chatItem.artifacts[0]!.open(live()))._unsafeUnwrap());
      expect(chatDoc.mediaType).toBe('chat');
      expect(chatDoc.acdcontactId).toBe(chat?.contactId);
      const messages = chatDoc.interactions[0].data.messages as { text: string; participantType: string }[];
      expect(messages.length).toBeGreaterThanOrEqual(2);
      expect(messages.every((m) => typeof m.text === 'string')).toBe(true);
      const emailItem = (await t.fetchOne(email as SimContact))._unsafeUnwrap();
      expect(emailItem.artifacts.map((a) => a.name)).toEqual(['email-transcript.json']);
      const emailDoc = await read((await emailItem.artifacts[0]!.open(live()))._unsafeUnwrap());
      expect(emailDoc.interactions[0].data.content.subject).toEqual(expect.any(String));
    } finally {
      t.close();
    }
  });

  it('archives a chat transcript through the plugin with media: [chat], and no voice recording', async () => {
    const sim = await start();
    const source = (
      await plugin.create(
        optionsFor(sim, ['chat']),
        testContext(() => new Date(clockMs)),
      )
    )._unsafeUnwrap();
    try {
      const [chat] = masters(sim, 3) as [SimContact];
      const [voice] = masters(sim, 4) as [SimContact];
      const ref = (c: SimContact) => ({ id: c.contactId, data: { contactId: c.contactId } }) as ItemRef;
      const item = (await source.fetch(ref(chat), live()))._unsafeUnwrap();
      expect(item.artifacts.map((a) => [a.name, a.contentType])).toEqual([
        ['chat-transcript.json', 'application/json'],
      ]);
      const doc = await read((await item.artifacts[0]!.open(live()))._unsafeUnwrap());
      expect(doc.mediaType).toBe('chat');
      expect(doc.acdcontactId).toBe(chat.contactId);
      const lookups = () => sim.requests.filter((r) => r.path === '/media-playback/v1/contacts').length;
      const before = lookups();
      const call = (await source.fetch(ref(voice), live()))._unsafeUnwrap();
      expect(call.artifacts).toEqual([]);
      expect(lookups()).toBe(before);
    } finally {
      await source.close?.();
    }
  });

  it('asks Media Playback nothing for chat and email unless media lists them', async () => {
    const t = await setup(['voice']);
    try {
      const [chat] = masters(t.sim, 3);
      const item = (await t.fetchOne(chat as SimContact))._unsafeUnwrap();
      expect(item.artifacts).toEqual([]);
      expect(t.sim.requests.filter((r) => r.path === '/media-playback/v1/contacts')).toHaveLength(0);
    } finally {
      t.close();
    }
  });

  it('is NotYet while the transcript is processed, then archived with it', async () => {
    const t = await setup(['chat'], 20 * 60);
    try {
      const [chat] = masters(t.sim, 3) as [SimContact];
      const legs = t.sim.dataset.contacts.filter((c) => c.masterContactId === chat.contactId);
      const lastLeg = legs[legs.length - 1] as SimContact;
      const ended = Date.parse(lastLeg.contactStartDate) + lastLeg.totalDurationSeconds * 1000;
      clockMs =
        Math.max(ended, Date.parse(chat.contactStartDate) + chat.totalDurationSeconds * 1000) + 5 * MIN;
      expect((await t.fetchOne(chat))._unsafeUnwrapErr()).toMatchObject({ _tag: 'NotYet' });
      clockMs = ended + 40 * MIN;
      const item = (await t.fetchOne(chat))._unsafeUnwrap();
      expect(item.artifacts.map((a) => a.name)).toEqual(['chat-transcript.json']);
    } finally {
      t.close();
    }
  });
});
