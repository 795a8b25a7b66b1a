import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { err, ok, PluginErrors, PluginFailure } from '@cxarchive/core';
import { type RunningSimulator, startSimulator } from '@cxarchive/cxone-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureMediaDownload } from '../../cxone-simulator/src/media-download.js';
import { mp4Recording } from '../../cxone-simulator/src/mp4.js';
import { parseRange } from '../../cxone-simulator/src/routes/media-files.js';
import { type ZipEntry, zipArchive } from '../../cxone-simulator/src/zip.js';
import { simulatorClient } from '../test-support/simulator-client.js';
import type { CxoneClient } from './client.js';
import type { CxoneFamily } from './families.js';
import { getMediaDownload, type MediaDownloadContext, submitMediaDownload } from './media-download.js';
import { RemoteZip, type ZipSource } from './media-download-zip.js';

let simMs = Date.parse('2026-10-20T12:00:00Z');
let sim: RunningSimulator;
const signal = new AbortController().signal;
const clients: CxoneClient[] = [];
/** Every request the client sent to an export file, with its Range header. */
const fileRequests: { url: string; range: string | null }[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    seed: 4,
    contacts: 80,
    recordingSeconds: [5, 40],
    now: () => new Date(simMs),
  });
  configureMediaDownload(sim.url, {
    pendingMs: 1000,
    progressMs: 1000,
    maxEntities: 10,
    downloadUrlTtlSeconds: 60,
  });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sim.stop();
});
beforeEach(() => {
  simMs += 86_400_000;
  fileRequests.length = 0;
});

const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
  const url = String(input);
  if (url.includes('/media/exports/')) {
    fileRequests.push({ url, range: new Headers(init?.headers).get('range') });
  }
  return fetch(input, init);
}) as typeof fetch;

const connect = () => {
  const taken: CxoneFamily[] = [];
  const client = simulatorClient(sim, {
    now: () => new Date(simMs),
    budget: async (family) => {
      if (family !== 'cxone-auth') taken.push(family);
    },
  }).client;
  clients.push(client);
  const ctx: MediaDownloadContext = { client, apiBase: sim.url, signal };
  return { ctx, taken };
};

const recorded = () =>
  sim.dataset.contacts.filter(
    (c) => c.contactId === c.masterContactId && sim.dataset.recordings.get(c.contactId) !== undefined,
  );
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mp4Sha = async (contactId: string) => {
  const hash = createHash('sha256');
  for await (const c of mp4Recording(sim.dataset.recordings.get(contactId)!).open()) hash.update(c as Buffer);
  return hash.digest('hex');
};
const read = async (stream: AsyncIterable<unknown>) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const failureOf = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (e) {
    if (e instanceof PluginFailure) return e.error;
    throw e;
  }
  throw new Error('no failure');
};

/** A completed request's archive, with a renewal that reads the status again. */
const completed = async (ctx: MediaDownloadContext, ids: string[]) => {
  const requestId = (await submitMediaDownload(ctx, ids))._unsafeUnwrap();
  simMs += 2000;
  const status = (await getMediaDownload(ctx, requestId))._unsafeUnwrap();
  let renewals = 0;
  const source: ZipSource = {
    url: status.downloadLocation as string,
    renew: async () => {
      renewals += 1;
      const fresh = await getMediaDownload(ctx, requestId);
      return fresh.isErr() ? err(fresh.error) : ok(fresh.value.downloadLocation as string);
    },
    timeoutMs: 30_000,
    now: () => new Date(simMs),
    fetchImpl,
  };
  return { requestId, status, source, renewals: () => renewals };
};

describe('media-download through the client', () => {
  it('submits, follows the status to COMPLETED, and reads one recording out of the archive by byte ranges only', async () => {
    const { ctx, taken } = connect();
    const [a, b, c] = recorded();
    const requestId = (
      await submitMediaDownload(ctx, [a!.contactId, b!.contactId, c!.contactId, '123'])
    )._unsafeUnwrap();
    expect((await getMediaDownload(ctx, requestId))._unsafeUnwrap().status).toBe('PENDING');
    simMs += 1000;
    expect((await getMediaDownload(ctx, requestId))._unsafeUnwrap().status).toBe('IN_PROGRESS');
    simMs += 1000;
    const status = (await getMediaDownload(ctx, requestId))._unsafeUnwrap();
    expect(status.status).toBe('COMPLETED');
    expect(status.entities).toContainEqual({
      entityId: '123',
      status: 'FAILED',
      failureReason: 'Contact not found',
    });
    expect(taken.every((f) => f === 'media-download')).toBe(true);
    expect(taken.length).toBe(4);

    const zip = (
      await RemoteZip.open(
        {
          url: status.downloadLocation as string,
          renew: async () => err(PluginErrors.auth('no')),
          timeoutMs: 30_000,
          fetchImpl,
        },
        signal,
      )
    )._unsafeUnwrap();
    expect(zip.entryCount).toBe(3);
    const entry = (await zip.openEntry(`${b!.contactId}.mp4`, signal))._unsafeUnwrap();
    const bytes = await read(entry.body);
    expect(bytes.length).toBe(entry.size);
    expect(sha(bytes)).toBe(await mp4Sha(b!.contactId));
    // Never the whole archive: every request carried a range, and fewer bytes came than the archive holds.
    expect(fileRequests.length).toBe(3); // tail (with the directory in it), local header, data
    expect(fileRequests.every((r) => r.range !== null && /^bytes=/.test(r.range))).toBe(true);
    expect(zip.size).toBeGreaterThan(bytes.length * 1.5);
    expect((await zip.openEntry('nope.mp4', signal))._unsafeUnwrapErr()._tag).toBe('NotFound');
  });

  it('reads an entry after the URL expired by renewing it once through the status', async () => {
    const { ctx } = connect();
    const [a, b] = recorded();
    const { source, renewals } = await completed(ctx, [a!.contactId, b!.contactId]);
    const zip = (await RemoteZip.open(source, signal))._unsafeUnwrap();
    simMs += 61_000; // the 60-second URL has expired
    const entry = (await zip.openEntry(`${a!.contactId}.mp4`, signal))._unsafeUnwrap();
    expect(sha(await read(entry.body))).toBe(await mp4Sha(a!.contactId));
    expect(renewals()).toBe(1);
    expect(
      sim.requests.filter((r) => r.path.startsWith('/media/exports/md/')).map((r) => r.status),
    ).toContain(403);
  });

  it('fails Auth when an expired URL cannot be renewed', async () => {
    const { ctx } = connect();
    const [a] = recorded();
    const { source } = await completed(ctx, [a!.contactId]);
    const zip = (
      await RemoteZip.open(
        { ...source, renew: async () => err(PluginErrors.auth('renewal refused')) },
        signal,
      )
    )._unsafeUnwrap();
    simMs += 61_000;
    const error = (await zip.openEntry(`${a!.contactId}.mp4`, signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Auth', message: 'renewal refused' });
  });

  it('reads a ZIP64 archive', async () => {
    const restore = configureMediaDownload(sim.url, { pendingMs: 0, progressMs: 0, forceZip64: true });
    try {
      const { ctx } = connect();
      const [, , c] = recorded();
      const requestId = (await submitMediaDownload(ctx, [Number(c!.contactId)]))._unsafeUnwrap();
      const status = (await getMediaDownload(ctx, requestId))._unsafeUnwrap();
      const zip = (
        await RemoteZip.open(
          {
            url: status.downloadLocation as string,
            renew: async () => err(PluginErrors.auth('x')),
            timeoutMs: 30_000,
          },
          signal,
        )
      )._unsafeUnwrap();
      const entry = (await zip.openEntry(`${c!.contactId}.mp4`, signal))._unsafeUnwrap();
      expect(sha(await read(entry.body))).toBe(await mp4Sha(c!.contactId));
    } finally {
      restore();
      configureMediaDownload(sim.url, {
        pendingMs: 1000,
        progressMs: 1000,
        maxEntities: 10,
        downloadUrlTtlSeconds: 60,
      });
    }
  });

  it('fails Transient when the entry’s bytes are cut short', async () => {
    const { ctx } = connect();
    const [a] = recorded();
    const { source } = await completed(ctx, [a!.contactId]);
    const zip = (await RemoteZip.open(source, signal))._unsafeUnwrap();
    // The local header's request goes through; the data's is cut after 1000 bytes.
    sim.faults.add({ route: 'export-file', kind: 'reset', afterBytes: 1000, after: 1 });
    try {
      const entry = (await zip.openEntry(`${a!.contactId}.mp4`, signal))._unsafeUnwrap();
      const error = await failureOf(() => read(entry.body));
      expect(error._tag).toBe('Transient');
      expect(error.message).not.toMatch(/signature/);
    } finally {
      sim.faults.clear();
    }
  });

  it('refuses a truncated archive, and an entry whose bytes do not match its CRC-32', async () => {
    const { ctx } = connect();
    const [a] = recorded();
    const { source } = await completed(ctx, [a!.contactId]);
    const whole = Buffer.from(await (await fetch(source.url)).arrayBuffer());
    // A storage server with range support serving a doctored copy of the archive.
    let served = whole.subarray(0, whole.length - 30); // cut short: the end record is gone
    const server: Server = createServer((req, res) => {
      const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      const size = served.length;
      const start = m?.[1] === '' ? size - Number(m?.[2]) : Number(m?.[1]);
      const end = m?.[1] === '' || m?.[2] === '' ? size - 1 : Math.min(Number(m?.[2]), size - 1);
      res.writeHead(206, {
        'content-range': `bytes ${Math.max(0, start)}-${end}/${size}`,
        'content-length': end - Math.max(0, start) + 1,
      });
      res.end(served.subarray(Math.max(0, start), end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a.zip`;
      const cut = (
        await RemoteZip.open({ url, renew: async () => ok(url), timeoutMs: 10_000 }, signal)
      )._unsafeUnwrapErr();
      expect(cut._tag).toBe('Permanent');
      expect(cut.message).toMatch(/no ZIP end of central directory: not a ZIP archive, or cut short/);
      // Flip one byte inside the entry's data: the directory still describes the original.
      served = Buffer.from(whole);
      const at = served.indexOf(Buffer.from('mdat')) + 100;
      served[at] = (served[at] as number) ^ 0xff;
      const zip = (
        await RemoteZip.open({ url, renew: async () => ok(url), timeoutMs: 10_000 }, signal)
      )._unsafeUnwrap();
      const entry = (await zip.openEntry(`${a!.contactId}.mp4`, signal))._unsafeUnwrap();
      const error = await failureOf(() => read(entry.body));
      expect(error._tag).toBe('Permanent');
      expect(error.message).toMatch(/CRC-32 mismatch/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads past 4 GiB through ZIP64 offsets, and a central directory larger than the tail, by ranges only', async () => {
    // A 5 GiB entry whose body is never generated (nothing asks for its bytes), then small entries.
    const huge: ZipEntry = {
      name: 'huge.mp4',
      size: 5 * 2 ** 30,
      crc32: 0,
      open: () => {
        throw new Error('the 5 GiB body must not be read');
      },
    };
    const small = (i: number): ZipEntry => {
      const body = Buffer.from(`entry ${i} `.repeat(20));
      return {
        name: `${String(i).padStart(120, '0')}.mp4`,
        size: body.length,
        crc32: crc32(body),
        open: () => Readable.from([body]),
      };
    };
    const archive = zipArchive([huge, ...Array.from({ length: 800 }, (_, i) => small(i))]);
    const ranges: string[] = [];
    const server: Server = createServer((req, res) => {
      ranges.push(req.headers.range ?? '');
      const range = parseRange(req.headers.range, archive.size);
      if (range === 'whole' || range === 'unsatisfiable') {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${range.start}-${range.end}/${archive.size}`,
        'content-length': range.end - range.start + 1,
      });
      archive.range(range.start, range.end).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.zip`;
      const zip = (
        await RemoteZip.open({ url, renew: async () => ok(url), timeoutMs: 10_000 }, signal)
      )._unsafeUnwrap();
      expect(zip.size).toBeGreaterThan(5 * 2 ** 30);
      expect(zip.entryCount).toBe(801);
      expect(zip.find('huge.mp4')._unsafeUnwrap()?.size).toBe(5 * 2 ** 30);
      const last = small(799);
      const info = zip.find(last.name)._unsafeUnwrap();
      expect(info?.localHeaderOffset).toBeGreaterThan(5 * 2 ** 30);
      const entry = (await zip.openEntry(last.name, signal))._unsafeUnwrap();
      expect((await read(entry.body)).toString()).toBe('entry 799 '.repeat(20));
      // tail, the directory (past the tail), the local header, the data: each a bounded range.
      expect(ranges).toHaveLength(4);
      expect(ranges.every((r) => /^bytes=(\d+-\d+|-\d+)$/.test(r))).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('decodes the family’s errors: INVALID_REQUEST, NOT_FOUND', async () => {
    const { ctx } = connect();
    const tooMany = (
      await submitMediaDownload(
        ctx,
        Array.from({ length: 11 }, (_, i) => String(i + 1)),
      )
    )._unsafeUnwrapErr();
    expect(tooMany._tag).toBe('InvalidInput');
    expect(tooMany.message).toMatch(/HTTP 400 INVALID_REQUEST: entityIds holds 11 ids; at most 10/);
    const unknown = (await getMediaDownload(ctx, '00000000-0000-4000-8000-000000000000'))._unsafeUnwrapErr();
    expect(unknown._tag).toBe('NotFound');
    expect(unknown.message).toMatch(/NOT_FOUND/);
  });
});
