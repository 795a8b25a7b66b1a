// Recordings as the simulator serves them like CXone (MP4 on a signed, short-lived URL, with or
// without an extension, typed by Content-Type or Content-Disposition), a body cut short, a
// recording that appears late, and a 403 for a user without "Play Any".
import { type Item, type ItemRef, PluginFailure, type Source, sha256OfStream } from '@cxarchive/core';
import { openRecording, type RunningSimulator, type SimContact } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import { createCxoneSource } from './source.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
let clockMs = Date.parse('2026-11-01T00:00:00Z');
afterEach(() => {
  clockMs = Date.parse('2026-11-01T00:00:00Z');
});

const start = simulatorStarter({
  contacts: 40,
  seed: 11,
  recordingSeconds: [5, 20],
  now: () => new Date(clockMs),
});

const create = (sim: RunningSimulator, fetchImpl?: typeof fetch): Source => {
  const options = optionsOn(sim, {
    clientAuth: 'basic',
    since: '2026-01-01T00:00:00Z',
    settleLag: '30m',
    overlap: '15m',
    recordingLag: '30m',
    media: ['voice'],
    apiVersion: 'v29.0',
    pageSize: 10,
    requestTimeout: '10s',
    tokenRefreshSkew: '5m',
  });
  return createCxoneSource(
    options,
    testContext(() => new Date(clockMs)),
    fetchImpl,
  )._unsafeUnwrap();
};

const refOf = (contact: SimContact): ItemRef => ({
  id: contact.contactId,
  data: { contactId: contact.contactId },
});
const voiceMasters = (sim: RunningSimulator) =>
  sim.dataset.contacts.filter((c) => c.contactId === c.masterContactId && c.mediaTypeId === 4);
const singleLeg = (sim: RunningSimulator, c: SimContact) =>
  sim.dataset.contacts.filter((l) => l.masterContactId === c.masterContactId).length === 1;
const endOf = (c: SimContact) => Date.parse(c.contactStartDate) + c.totalDurationSeconds * 1000;
const isMediaFile = (url: string) => new URL(url).pathname.startsWith('/media/files/');

/** Reads an artifact the way the runtime does; resolves with its digest or what failed it. */
const consume = async (item: Item, index = 0) => {
  const stream = (await item.artifacts[index]!.open(live()))._unsafeUnwrap();
  let ended = false;
  stream.once('end', () => {
    ended = true;
  });
  return sha256OfStream(stream).then(
    (digest) => ({ digest, failure: undefined, ended }),
    (failure: unknown) => ({ digest: undefined, failure, ended }),
  );
};

describe('voice recordings as CXone serves them', () => {
  it('archives every recording as recording.mp4 (audio/mp4), byte for byte, whatever the URL and headers say', async () => {
    const sim = await start();
    const seen: { url: string; type: string | null; disposition: string | null; bearer: boolean }[] = [];
    const spy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      if (isMediaFile(url)) {
        const auth = new Headers(init?.headers).get('authorization');
        seen.push({
          url,
          type: res.headers.get('content-type'),
          disposition: res.headers.get('content-disposition'),
          bearer: auth !== null,
        });
      }
      return res;
    };
    const source = create(sim, spy);
    const recorded = voiceMasters(sim).filter((c) => sim.dataset.recordings.has(c.masterContactId));
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    for (const master of recorded) {
      const item = (await source.fetch(refOf(master), live()))._unsafeUnwrap();
      expect(item.artifacts.map((a) => [a.name, a.contentType])).toEqual([['recording.mp4', 'audio/mp4']]);
      const got = await consume(item);
      expect(got.failure).toBeUndefined();
      expect(got.digest).toEqual(await sha256OfStream(openRecording(sim.dataset, master.masterContactId)));
    }
    // The simulator varied what the URL and the headers say; the plugin followed the headers.
    expect(seen.some((s) => !new URL(s.url).pathname.endsWith('.mp4'))).toBe(true);
    expect(seen.some((s) => s.type === 'application/octet-stream' && s.disposition !== null)).toBe(true);
    // No bearer token ever goes to the media URLs.
    expect(seen.every((s) => !s.bearer)).toBe(true);
  });
});

describe('a recording body cut short', () => {
  it('is never complete: a body closed after 100 000 bytes without Content-Length fails Transient, the next whole attempt succeeds', async () => {
    const sim = await start({ recordingSeconds: [300, 400] });
    let cuts = 0;
    // A proxy's view: the first download of each recording ends cleanly after 100 000 bytes, and
    // carries no Content-Length to tell (chunked transfer).
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const ranged = new Headers(init?.headers).has('range');
      if (!isMediaFile(String(input)) || ranged || cuts > 0 || res.status !== 200 || res.body === null)
        return res;
      cuts += 1;
      const reader = res.body.getReader();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done || sent >= 100_000) {
            await reader.cancel().catch(() => {});
            controller.close();
            return;
          }
          const part = value.subarray(0, 100_000 - sent);
          sent += part.byteLength;
          controller.enqueue(part);
        },
      });
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      return new Response(body, { status: 200, headers });
    };
    const source = create(sim, cutting);
    const master = voiceMasters(sim).find((c) => sim.dataset.recordings.has(c.masterContactId)) as SimContact;
    const item = (await source.fetch(refOf(master), live()))._unsafeUnwrap();

    const first = await consume(item);
    expect(cuts).toBe(1);
    expect(first.ended).toBe(false); // the end of the stream was never passed on
    expect(first.failure).toBeInstanceOf(PluginFailure);
    const error = (first.failure as PluginFailure).error;
    expect(error._tag).toBe('Transient');
    // The size from the probe (Content-Range) and the MP4 boxes both say so.
    expect(error.message).toMatch(
      /the recording is not whole after 100000 bytes: it ended after 100000 of \d+ bytes/,
    );
    expect(error.message).not.toMatch(/signature=|expires=/);

    const second = await consume(item);
    expect(second.failure).toBeUndefined();
    expect(second.digest).toEqual(await sha256OfStream(openRecording(sim.dataset, master.masterContactId)));
  });
});

describe('a recording that appears late', () => {
  it('is NotYet while Media Playback answers 404, and archived with its recording on a later run', async () => {
    const sim = await start({ recordingDelaySeconds: 2 * 3600 });
    const master = voiceMasters(sim).find(
      (c) => sim.dataset.recordings.has(c.masterContactId) && singleLeg(sim, c),
    ) as SimContact;
    const end = endOf(master);
    clockMs = end + 10 * MIN;
    const firstRun = (await create(sim).fetch(refOf(master), live()))._unsafeUnwrapErr();
    expect(firstRun).toMatchObject({ _tag: 'NotYet', retryAt: new Date(end + 30 * MIN) });
    clockMs = end + 30 * MIN; // still processing: looked at again later, not given up
    const secondRun = (await create(sim).fetch(refOf(master), live()))._unsafeUnwrapErr();
    expect(secondRun).toMatchObject({ _tag: 'NotYet', retryAt: new Date(end + HOUR) });
    clockMs = end + 4 * HOUR; // the recording is there now
    const item = (await create(sim).fetch(refOf(master), live()))._unsafeUnwrap();
    expect(item.artifacts.map((a) => a.name)).toEqual(['recording.mp4']);
    expect(item.record).not.toHaveProperty('recordingAbsence');
    expect((await consume(item)).failure).toBeUndefined();
  });

  it('is archived without a recording once the 24 h horizon has passed, the record saying why', async () => {
    const sim = await start();
    const without = voiceMasters(sim).find(
      (c) => !sim.dataset.recordings.has(c.masterContactId),
    ) as SimContact;
    expect(without).toBeDefined();
    const end = endOf(without);
    clockMs = end + 23 * HOUR;
    expect((await create(sim).fetch(refOf(without), live()))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'NotYet',
      retryAt: new Date(end + 24 * HOUR),
    });
    clockMs = end + 24 * HOUR;
    const item = (await create(sim).fetch(refOf(without), live()))._unsafeUnwrap();
    expect(item.artifacts).toEqual([]);
    expect(item.record.recordings).toEqual([]);
    expect(item.record.recordingAbsence).toEqual({
      reason: `Media Playback had no recording 24 h after the contact ended (ended ${new Date(end).toISOString()})`,
    });
    // The run report and the item.archived event say so too.
    expect(item.note).toBe(
      `archived without a recording: Media Playback had no recording 24 h after the contact ended (ended ${new Date(end).toISOString()})`,
    );
    // Fetched again later, the record is the same (a re-run adopts what an earlier one stored).
    clockMs = end + 30 * HOUR;
    expect((await create(sim).fetch(refOf(without), live()))._unsafeUnwrap().record).toEqual(item.record);
  });
});

describe('Media Playback refusing the API user', () => {
  it('fails Auth naming the "Play Any" permission on a 403', async () => {
    const sim = await start();
    const forbidding: typeof fetch = async (input, init) =>
      new URL(String(input)).pathname === '/media-playback/v1/contacts'
        ? new Response(JSON.stringify({ internalCode: 'Forbidden', message: 'User is not authorized' }), {
            status: 403,
            headers: { 'content-type': 'application/json' },
          })
        : fetch(input, init);
    const master = voiceMasters(sim).find((c) => sim.dataset.recordings.has(c.masterContactId)) as SimContact;
    const error = (await create(sim, forbidding).fetch(refOf(master), live()))._unsafeUnwrapErr();
    expect(error._tag).toBe('Auth');
    expect(error.message).toContain('HTTP 403 Forbidden: User is not authorized');
    expect(error.message).toContain('Play/download recordings: Play Any');
  });
});
