import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mp4Recording } from '../mp4.js';
import { DEMO_CREDENTIALS } from '../options.js';
import { type RunningSimulator, startSimulator } from '../server.js';
import { openRecording } from '../wav.js';

let sim: RunningSimulator;
let token: string;
let now = new Date('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, contacts: 40, mediaUrlTtlSeconds: 120, now: () => now });
  const response = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${DEMO_CREDENTIALS.clientId}:${DEMO_CREDENTIALS.clientSecret}`).toString('base64')}`,
    },
    body: `grant_type=password&username=${DEMO_CREDENTIALS.accessKeyId}&password=${DEMO_CREDENTIALS.accessKeySecret}`,
  });
  token = ((await response.json()) as { access_token: string }).access_token;
});
afterAll(() => sim.stop());

type Body = Record<string, unknown>;
interface Interaction {
  mediaType: string;
  channelType: string;
  '@type': string;
  startTime: string;
  endTime: string;
  data: {
    fileToPlayUrl: string;
    startTime: string;
    endTime: string;
    participantDataList: { participantType: string; segmentId: string; agentName: string | null }[];
    segmentsDataList: { segmentId: string; startTime: string; endTime: string }[];
  };
}

const playback = (id: string, auth = true) =>
  fetch(
    `${sim.url}/media-playback/v1/contacts?acd-call-id=${id}&media-type=voice-only&exclude-waveforms=true&isDownload=false`,
    {
      headers: auth
        ? { authorization: `Bearer ${token}`, accept: 'application/json' }
        : { accept: 'application/json' },
    },
  );

const interactionsOf = (body: Body): Interaction[] =>
  ((body.interactions ?? body.Interactions) as Interaction[] | undefined) ?? [];

const masters = () => sim.dataset.contacts.filter((contact) => contact.contactId === contact.masterContactId);

async function sha256(stream: AsyncIterable<Uint8Array>): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hash: hash.digest('hex'), bytes };
}

async function fileUrl(masterContactId: string): Promise<string> {
  const body = (await (await playback(masterContactId)).json()) as Body;
  return (interactionsOf(body)[0] as Interaction).data.fileToPlayUrl;
}

describe('GET /media-playback/v1/contacts', () => {
  it('describes each recording under lowercase `interactions`, with the spec’s types and enums', async () => {
    const extensions = new Set<string>();
    for (const master of masters()) {
      const recording = sim.dataset.recordings.get(master.contactId);
      if (recording === undefined) continue;
      const response = await playback(master.contactId);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Body;
      // `Interactions` (capital I) is the shape of /segments/{id} only (GEN-MP ApiResponseSegment).
      expect(body).toHaveProperty('interactions');
      expect(body).not.toHaveProperty('Interactions');
      expect(body.acdcontactId).toBe(master.contactId);
      expect(body.elevatedInteraction).toBe(false);
      expect(body.contactId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const interactions = interactionsOf(body);
      expect(interactions).toHaveLength(1);
      const [interaction] = interactions as [Interaction];
      expect(interaction).toMatchObject({
        mediaType: 'voice-only',
        channelType: 'PHONE_CALL',
        '@type': 'call',
        startTime: recording.startTime,
        endTime: recording.endTime,
        callTaggingList: [],
        dynamicBusinessData: [],
      });
      expect(interaction.data).toMatchObject({
        startTime: recording.startTime,
        endTime: recording.endTime,
        videoImageUrl: null,
        waveformDataList: [],
      });
      const legs = sim.dataset.contacts.filter((contact) => contact.masterContactId === master.contactId);
      expect(interaction.data.segmentsDataList).toHaveLength(legs.length);
      expect(interaction.data.participantDataList.filter((p) => p.participantType === 'AGENT')).toHaveLength(
        legs.length,
      );
      const segmentIds = new Set(interaction.data.segmentsDataList.map((segment) => segment.segmentId));
      for (const participant of interaction.data.participantDataList)
        expect(segmentIds).toContain(participant.segmentId);
      expect(interaction.data.segmentsDataList[0]?.startTime).toBe(recording.startTime);
      expect(interaction.data.segmentsDataList.at(-1)?.endTime).toBe(recording.endTime);
      for (const segment of interaction.data.segmentsDataList as unknown as Record<string, unknown>[]) {
        expect(segment.channelType).toBe('PHONE_CALL');
        expect(['CONTACT', 'TRANSFER']).toContain(segment.openReasonType);
        expect(['CONTACT', 'TRANSFER']).toContain(segment.closeReasonType);
      }
      for (const participant of interaction.data.participantDataList as unknown as Record<
        string,
        unknown
      >[]) {
        expect(typeof participant.channel).toBe('number');
      }
      const url = new URL(interaction.data.fileToPlayUrl);
      expect(url.pathname).toMatch(new RegExp(`^/media/files/${recording.id}(\\.mp4)?$`));
      extensions.add(url.pathname.endsWith('.mp4') ? 'mp4' : 'none');
      expect(Number(url.searchParams.get('expires'))).toBe(now.getTime() / 1000 + 120);
    }
    // Real signed media URLs need not end in an extension: both kinds occur.
    expect([...extensions].sort()).toEqual(['mp4', 'none']);
  });

  it('asks with repeated media-type values, and 400s an unknown one', async () => {
    const [first] = sim.dataset.recordings.keys();
    const both = await fetch(
      `${sim.url}/media-playback/v1/contacts?acd-call-id=${first}&media-type=chat&media-type=voice-only`,
      { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    );
    expect(both.status).toBe(200);
    const chatOnly = await fetch(
      `${sim.url}/media-playback/v1/contacts?acd-call-id=${first}&media-type=chat`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      },
    );
    expect(chatOnly.status).toBe(404);
    const bad = await fetch(`${sim.url}/media-playback/v1/contacts?acd-call-id=${first}&media-type=video`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(bad.status).toBe(400);
  });

  it('answers 404 {internalCode, message} without a recording, for voice-only on a digital contact, or for an unknown id', async () => {
    const voiceWithout = masters().find(
      (m) => m.mediaTypeId === 4 && !sim.dataset.recordings.has(m.contactId),
    );
    const digital = masters().find((m) => m.mediaTypeId !== 4);
    expect(voiceWithout).toBeDefined();
    expect(digital).toBeDefined();
    for (const id of [voiceWithout?.contactId, digital?.contactId, '123456789']) {
      const response = await playback(id as string);
      expect(response.status).toBe(404);
      const body = (await response.json()) as Body;
      expect(body.internalCode).toBe('NotFound');
      expect(typeof body.message).toBe('string');
    }
  });

  it('requires a bearer token and a numeric acd-call-id', async () => {
    const [first] = sim.dataset.recordings.keys();
    const unauthorized = await playback(first as string, false);
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as Body).internalCode).toBe('Unauthorized');
    const bad = await fetch(`${sim.url}/media-playback/v1/contacts?acd-call-id=abc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Body).internalCode).toBe('BadRequest');
  });
});

describe('recordingDelaySeconds: a recording still being processed', () => {
  it('answers 404 until the delay after the recording ends has passed, then 200', async () => {
    let clock = 0;
    const delayed = await startSimulator({
      seed: 3,
      contacts: 40,
      recordingDelaySeconds: 1800,
      now: () => new Date(clock),
    });
    try {
      const [recording] = delayed.dataset.recordings.values();
      const ready = Date.parse(recording?.endTime as string) + 1800 * 1000;
      clock = ready - 1;
      const tokenResponse = await fetch(`${delayed.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: DEMO_CREDENTIALS.accessKeyId,
          password: DEMO_CREDENTIALS.accessKeySecret,
          client_id: DEMO_CREDENTIALS.clientId,
          client_secret: DEMO_CREDENTIALS.clientSecret,
        }).toString(),
      });
      const bearer = ((await tokenResponse.json()) as { access_token: string }).access_token;
      const ask = () =>
        fetch(
          `${delayed.url}/media-playback/v1/contacts?acd-call-id=${recording?.masterContactId}&media-type=voice-only`,
          {
            headers: { authorization: `Bearer ${bearer}` },
          },
        );
      const early = await ask();
      expect(early.status).toBe(404);
      expect(((await early.json()) as Body).internalCode).toBe('NotFound');
      clock = ready;
      expect((await ask()).status).toBe(200);
    } finally {
      await delayed.stop();
    }
  });
});

describe('GET fileToPlayUrl', () => {
  it('streams the exact recording bytes without a bearer token', async () => {
    const [recording] = sim.dataset.recordings.values();
    if (recording === undefined) throw new Error('expected a recording');
    const response = await fetch(await fileUrl(recording.masterContactId));
    expect(response.status).toBe(200);
    const size = mp4Recording(recording).size;
    expect(Number(response.headers.get('content-length'))).toBe(size);
    const served = await sha256(response.body as unknown as AsyncIterable<Uint8Array>);
    const local = await sha256(openRecording(sim.dataset, recording.masterContactId));
    expect(served.bytes).toBe(size);
    expect(served).toEqual(local);
    const head = await fetch(await fileUrl(recording.masterContactId), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(size);
  });

  it('serves MP4, typed by Content-Type or by a Content-Disposition file name, as storage services vary', async () => {
    const seen = new Set<string>();
    for (const recording of sim.dataset.recordings.values()) {
      const response = await fetch(await fileUrl(recording.masterContactId), { method: 'HEAD' });
      expect(response.status).toBe(200);
      const type = response.headers.get('content-type');
      const disposition = response.headers.get('content-disposition');
      expect(['audio/mp4', 'application/octet-stream']).toContain(type);
      if (type !== 'audio/mp4') expect(disposition).toBe(`attachment; filename="${recording.id}.mp4"`);
      seen.add(`${type} ${disposition === null ? 'no-disposition' : 'disposition'}`);
    }
    expect(seen).toEqual(
      new Set(['audio/mp4 no-disposition', 'audio/mp4 disposition', 'application/octet-stream disposition']),
    );
    const [recording] = sim.dataset.recordings.values();
    const bytes = Buffer.from(
      await (await fetch(await fileUrl(recording?.masterContactId as string))).arrayBuffer(),
    );
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
  });

  it('honours a single byte range with 206 and Content-Range, and 416 beyond the end', async () => {
    const [recording] = sim.dataset.recordings.values();
    if (recording === undefined) throw new Error('expected a recording');
    const size = mp4Recording(recording).size;
    const url = await fileUrl(recording.masterContactId);
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    const part = await fetch(url, { headers: { range: 'bytes=100-70099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-70099/${size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 70_100))).toBe(true);
    const suffix = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(size - 10))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('serves media from a second origin only: the API origin has no media, the media origin no API', async () => {
    const [recording] = sim.dataset.recordings.values();
    const url = new URL(await fileUrl(recording?.masterContactId as string));
    expect(url.origin).not.toBe(sim.url);
    expect(url.hostname).toBe(new URL(sim.url).hostname);
    const onApi = new URL(`${url.pathname}${url.search}`, sim.url);
    expect((await fetch(onApi)).status).toBe(404);
    expect((await fetch(url)).status).toBe(200);
    const apiOnMedia = await fetch(`${url.origin}/media-playback/v1/contacts?acd-call-id=1`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(apiOnMedia.status).toBe(404);
    expect((await fetch(`${url.origin}/.well-known/openid-configuration`)).status).toBe(404);
    // The request log names the origin each media request went to, and that it carried no bearer.
    const downloads = sim
      .requestLog()
      .filter((entry) => entry.route === 'media-file' && entry.status === 200);
    expect(downloads.length).toBeGreaterThan(0);
    for (const entry of downloads) {
      expect(entry.host).toBe(url.host);
      expect(entry.bearer).toBe(false);
    }
  });

  it('answers 404 for the URL with the wrong extension (the path must be the one signed out)', async () => {
    const [recording] = sim.dataset.recordings.values();
    const url = new URL(await fileUrl(recording?.masterContactId as string));
    url.pathname = url.pathname.endsWith('.mp4') ? url.pathname.slice(0, -4) : `${url.pathname}.mp4`;
    expect((await fetch(url)).status).toBe(404);
  });

  it('answers 403 "Request has expired" once the URL is older than its TTL', async () => {
    const [recording] = sim.dataset.recordings.values();
    const url = await fileUrl(recording?.masterContactId as string);
    const issuedAt = now;
    try {
      now = new Date(issuedAt.getTime() + 119_000);
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
      now = new Date(issuedAt.getTime() + 120_000);
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toBe('Request has expired');
    } finally {
      now = issuedAt;
    }
  });

  it('answers 403 "Signature does not match" for a tampered URL', async () => {
    const [first, second] = sim.dataset.recordings.values();
    const url = new URL(await fileUrl(first?.masterContactId as string));
    const signature = url.searchParams.get('signature') as string;
    const tampered = [
      new URL(url),
      new URL(url),
      new URL(url.href.replace(first?.id as string, second?.id as string)),
      new URL(url),
    ];
    tampered[0]?.searchParams.set(
      'signature',
      `${signature.slice(0, -1)}${signature.endsWith('a') ? 'b' : 'a'}`,
    );
    tampered[1]?.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    tampered[3]?.searchParams.delete('signature');
    for (const candidate of tampered) {
      const response = await fetch(candidate);
      expect(response.status, candidate.href).toBe(403);
      expect(await response.text()).toBe('Signature does not match');
    }
    expect(
      sim.requests
        .filter((entry) => entry.path.startsWith('/media/files/'))
        .every((e) => !e.path.includes('?')),
    ).toBe(true);
  });
});

describe('chat and email transcripts (media-type=chat|email)', () => {
  const ask = (id: string, mediaType: string) =>
    fetch(`${sim.url}/media-playback/v1/contacts?acd-call-id=${id}&media-type=${mediaType}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });

  it('gives a chat master its messages and participants, and an email master its content', async () => {
    const chat = masters().find((m) => m.mediaTypeId === 3);
    const email = masters().find((m) => m.mediaTypeId === 1);
    if (chat === undefined || email === undefined) throw new Error('seed 3 should give chats and emails');
    const chatBody = (await (await ask(chat.contactId, 'chat')).json()) as Body;
    const [chatInteraction] = chatBody.interactions as [Record<string, unknown>];
    expect(chatInteraction).toMatchObject({ mediaType: 'chat', channelType: 'CHAT', '@type': 'chat' });
    const chatData = chatInteraction.data as {
      messages: Record<string, unknown>[];
      participants: unknown[];
    };
    expect(chatData.messages.length).toBeGreaterThanOrEqual(2);
    for (const message of chatData.messages) {
      expect(['AGENT', 'CUSTOMER']).toContain(message.participantType);
      expect(typeof message.text).toBe('string');
      expect(Number.isNaN(Date.parse(message.timeStamp as string))).toBe(false);
    }
    expect(chatData.participants.length).toBeGreaterThanOrEqual(2);
    const emailBody = (await (await ask(email.contactId, 'email')).json()) as Body;
    const [emailInteraction] = emailBody.interactions as [Record<string, unknown>];
    expect(emailInteraction).toMatchObject({ mediaType: 'email', channelType: 'EMAIL', '@type': 'email' });
    expect((emailInteraction.data as { content: Record<string, unknown> }).content).toMatchObject({
      to: expect.any(Array),
      cc: [],
      bcc: [],
      subject: expect.any(String),
      body: expect.any(String),
    });
    // The same contact answers the same transcript (deterministic), and `all` includes it.
    expect(await (await ask(chat.contactId, 'all')).json()).toEqual(chatBody);
  });

  it('answers 404 for the other kinds: a chat asked as email or voice, a call asked as chat', async () => {
    const chat = masters().find((m) => m.mediaTypeId === 3);
    const [call] = sim.dataset.recordings.keys();
    expect((await ask(chat?.contactId as string, 'email')).status).toBe(404);
    expect((await ask(chat?.contactId as string, 'voice-only')).status).toBe(404);
    expect((await ask(call as string, 'chat')).status).toBe(404);
  });
});
