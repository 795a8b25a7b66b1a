import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      headers: auth ? { authorization: `Bearer ${token}` } : {},
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
  it('describes each recording, with `Interactions` for every third master contact', async () => {
    const keys: string[] = [];
    for (const [position, master] of masters().entries()) {
      const recording = sim.dataset.recordings.get(master.contactId);
      if (recording === undefined) continue;
      const response = await playback(master.contactId);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Body;
      const key = position % 3 === 2 ? 'Interactions' : 'interactions';
      const other = key === 'Interactions' ? 'interactions' : 'Interactions';
      expect(body).toHaveProperty(key);
      expect(body).not.toHaveProperty(other);
      keys.push(key);
      expect(body.acdcontactId).toBe(Number(master.contactId));
      expect(body.elevatedInteraction).toBe(false);
      expect(body.contactId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const interactions = interactionsOf(body);
      expect(interactions).toHaveLength(1);
      const [interaction] = interactions as [Interaction];
      expect(interaction).toMatchObject({
        mediaType: 'voice-only',
        channelType: 'Voice',
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
      const url = new URL(interaction.data.fileToPlayUrl);
      expect(url.origin).toBe(sim.url);
      expect(url.pathname).toBe(`/media/files/${recording.id}.wav`);
      expect(Number(url.searchParams.get('expires'))).toBe(now.getTime() / 1000 + 120);
    }
    expect(keys).toContain('Interactions');
    expect(keys).toContain('interactions');
  });

  it('answers 404 {internalCode, message} without a recording or for an unknown id', async () => {
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
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Number(response.headers.get('content-length'))).toBe(recording.size);
    const served = await sha256(response.body as unknown as AsyncIterable<Uint8Array>);
    const local = await sha256(openRecording(sim.dataset, recording.masterContactId));
    expect(served.bytes).toBe(recording.size);
    expect(served).toEqual(local);
    const head = await fetch(await fileUrl(recording.masterContactId), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(recording.size);
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
