import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoToken } from '../../test-support/route-helpers.js';
import type { SimContact } from '../dataset.js';
import { configureMediaDownload } from '../media-download.js';
import { mp4Recording } from '../mp4.js';
import { type RunningSimulator, startSimulator } from '../server.js';

let sim: RunningSimulator;
let token: string;
let now = Date.parse('2026-10-20T12:00:00Z');

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, contacts: 60, recordingSeconds: [3, 20], now: () => new Date(now) });
  configureMediaDownload(sim.url, { pendingMs: 1000, progressMs: 4000, maxEntities: 5 });
  token = await demoToken(sim);
});
afterAll(() => sim.stop());
beforeEach(async () => {
  token = await demoToken(sim);
});

const post = (body: unknown, kind = 'contacts', auth = true) =>
  fetch(`${sim.url}/media-download/v1/${kind}`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
interface StatusBody {
  requestId: string;
  status: string;
  entities: { entityId: string; status: string; failureReason: string | null }[];
  downloadLocation: string | null;
  createdAt: string;
  updatedAt: string;
}
const status = async (id: string) => {
  const res = await fetch(`${sim.url}/media-download/v1/status/${id}`, {
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as StatusBody };
};

const masters = () => sim.dataset.contacts.filter((c) => c.contactId === c.masterContactId);
const recorded = () => masters().filter((c) => sim.dataset.recordings.get(c.contactId) !== undefined);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mp4Of = async (contactId: string): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of mp4Recording(sim.dataset.recordings.get(contactId)!).open()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

describe('media-download requests', () => {
  it('moves PENDING → IN_PROGRESS → COMPLETED, judges each entity, and serves a ZIP of the recordings', async () => {
    const [a, b] = recorded();
    const leg = sim.dataset.contacts.find((c) => c.contactId !== c.masterContactId) as SimContact;
    const unrecorded = masters().find(
      (c) => sim.dataset.recordings.get(c.contactId) === undefined,
    ) as SimContact;
    expect(leg).toBeDefined();
    expect(unrecorded).toBeDefined();
    const ids = [a!.contactId, leg.contactId, b!.contactId, unrecorded.contactId, '999'];
    const created = await post({ entityIds: ids });
    expect(created.status).toBe(202);
    const { requestId } = (await created.json()) as { requestId: string };

    const pending = await status(requestId);
    expect(pending.body.status).toBe('PENDING');
    expect(pending.body.downloadLocation).toBeNull();
    expect(pending.body.entities.map((e) => e.status)).toEqual(ids.map(() => 'PENDING'));
    now += 1000;
    expect((await status(requestId)).body.status).toBe('IN_PROGRESS');
    now += 4000;
    const done = (await status(requestId)).body;
    expect(done.status).toBe('COMPLETED');
    expect(done.entities.map((e) => [e.entityId, e.status])).toEqual([
      [a!.contactId, 'COMPLETED'],
      [leg.contactId, 'FAILED'],
      [b!.contactId, 'COMPLETED'],
      [unrecorded.contactId, 'FAILED'],
      ['999', 'FAILED'],
    ]);
    expect(done.entities[1]?.failureReason).toMatch(/master/);
    expect(done.entities[3]?.failureReason).toMatch(/No recording/);
    expect(done.entities[4]?.failureReason).toMatch(/not found/);
    expect(Date.parse(done.updatedAt) - Date.parse(done.createdAt)).toBe(5000);

    const url = done.downloadLocation as string;
    const zip = await fetch(url); // no bearer
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(Number(zip.headers.get('content-length'))).toBe(bytes.length);
    // Each entry's body is the recording's MP4, byte for byte, stored uncompressed.
    for (const id of [a!.contactId, b!.contactId]) {
      const mp4 = await mp4Of(id);
      const at = bytes.indexOf(Buffer.from(`${id}.mp4`));
      expect(at).toBeGreaterThan(0);
      const start = at + `${id}.mp4`.length;
      expect(sha(bytes.subarray(start, start + mp4.length))).toBe(sha(mp4));
    }
    if (hasUnzip) {
      const dir = mkdtempSync(join(tmpdir(), 'md-'));
      try {
        writeFileSync(join(dir, 'a.zip'), bytes);
        const listing = execFileSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
        expect(listing).toMatch(/No errors detected/);
        expect(listing).toContain(`${a!.contactId}.mp4`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    // Byte ranges: 206 with Content-Range, 416 past the end.
    const part = await fetch(url, { headers: { range: `bytes=${bytes.length - 22}-` } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(
      `bytes ${bytes.length - 22}-${bytes.length - 1}/${bytes.length}`,
    );
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(bytes.length - 22))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    // The URL expires (mediaUrlTtlSeconds, 300 s by default); a status read signs a fresh one.
    now += 300_000;
    expect((await fetch(url)).status).toBe(403);
    const again = (await status(requestId)).body.downloadLocation as string;
    expect(again).not.toBe(url);
    expect(sha(Buffer.from(await (await fetch(again)).arrayBuffer()))).toBe(sha(bytes)); // deterministic
  });

  it('fails an entity whose recording is still being processed, and gives no location when none succeeded', async () => {
    const late = await startSimulator({
      seed: 11,
      contacts: 60,
      recordingSeconds: [3, 20],
      recordingDelaySeconds: 600,
      now: () => new Date(now),
    });
    const saved = now;
    try {
      configureMediaDownload(late.url, { pendingMs: 0, progressMs: 1000 });
      const t = await demoToken(late);
      const master = late.dataset.contacts.find(
        (c) => late.dataset.recordings.get(c.contactId) !== undefined,
      )!;
      now = Date.parse(late.dataset.recordings.get(master.contactId)!.endTime) + 598_000; // done at +599 s
      const created = await fetch(`${late.url}/media-download/v1/contacts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${t}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ entityIds: [Number(master.contactId)] }),
      });
      const { requestId } = (await created.json()) as { requestId: string };
      now += 1000;
      const res = await fetch(`${late.url}/media-download/v1/status/${requestId}`, {
        headers: { authorization: `Bearer ${t}`, accept: 'application/json' },
      });
      const body = (await res.json()) as StatusBody;
      expect(body.status).toBe('COMPLETED');
      expect(body.entities).toEqual([
        {
          entityId: master.contactId,
          status: 'FAILED',
          failureReason: 'The recording is still being processed',
        },
      ]);
      expect(body.downloadLocation).toBeNull();
    } finally {
      now = saved;
      await late.stop();
    }
  });

  it('takes segment ids as Media Playback names them: the call’s recording, unknown ones FAILED', async () => {
    const master = recorded()[1] as SimContact;
    const playback = (await (
      await fetch(
        `${sim.url}/media-playback/v1/contacts?acd-call-id=${master.contactId}&media-type=voice-only`,
        {
          headers: { accept: 'application/json', authorization: `Bearer ${token}` },
        },
      )
    ).json()) as { interactions: { data: { segmentsDataList: { segmentId: string }[] } }[] };
    const segmentId = playback.interactions[0]?.data.segmentsDataList[0]?.segmentId as string;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const { requestId } = (await (await post({ entityIds: [segmentId, unknown] }, 'segments')).json()) as {
      requestId: string;
    };
    now += 5000;
    const done = (await status(requestId)).body;
    expect(done.entities).toEqual([
      { entityId: segmentId, status: 'COMPLETED', failureReason: null },
      { entityId: unknown, status: 'FAILED', failureReason: 'Segment not found' },
    ]);
    const bytes = Buffer.from(await (await fetch(done.downloadLocation as string)).arrayBuffer());
    const mp4 = await mp4Of(master.contactId);
    const at = bytes.indexOf(Buffer.from(`${segmentId}.mp4`)) + `${segmentId}.mp4`.length;
    expect(sha(bytes.subarray(at, at + mp4.length))).toBe(sha(mp4));
  });

  it('answers INVALID_REQUEST for bad bodies and too many ids, NOT_FOUND for an unknown request, 401 without a bearer', async () => {
    for (const body of [
      {},
      { entityIds: [] },
      { entityIds: 'x' },
      { entityIds: ['12a'] },
      '{',
      { entityIds: ['1', '2', '3', '4', '5', '6'] },
    ]) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('INVALID_REQUEST');
    }
    expect((await post({ entityIds: ['not-a-uuid'] }, 'segments')).status).toBe(400);
    const unknown = await status('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await post({ entityIds: ['1'] }, 'contacts', false)).status).toBe(401);
  });

  it('serves a ZIP64 archive when configured, which an independent reader accepts', async () => {
    const restore = configureMediaDownload(sim.url, { pendingMs: 0, progressMs: 0, forceZip64: true });
    try {
      const [a] = recorded();
      const { requestId } = (await (await post({ entityIds: [a!.contactId] })).json()) as {
        requestId: string;
      };
      const url = (await status(requestId)).body.downloadLocation as string;
      const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(bytes.readUInt32LE(bytes.length - 42)).toBe(0x07064b50); // the ZIP64 locator
      if (hasUnzip) {
        const dir = mkdtempSync(join(tmpdir(), 'md64-'));
        try {
          writeFileSync(join(dir, 'a.zip'), bytes);
          expect(execFileSync('unzip', ['-t', join(dir, 'a.zip')], { encoding: 'utf8' })).toMatch(
            /No errors detected/,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      restore();
      configureMediaDownload(sim.url, { pendingMs: 1000, progressMs: 4000, maxEntities: 5 });
    }
  });
});
