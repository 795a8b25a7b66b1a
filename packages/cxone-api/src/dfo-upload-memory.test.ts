// A 50 MiB upload streams: the base64 body (about 67 MiB) is never held whole, by the client or
// by the simulator that decodes it. Memory, not time, is asserted.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configureDfo, startSimulator } from '@cxarchive/cxone-simulator';
import { expect, it } from 'vitest';
import { simulatorClient } from '../test-support/simulator-client.js';
import { createDfoApi } from './dfo.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;
const live = () => {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

/** `size` bytes of a deterministic pattern, 64 KiB at a time, sampling live memory every 2 MiB. */
function* pattern(size: number, hash: ReturnType<typeof createHash>, peak: { bytes: number }) {
  const chunk = 64 * 1024;
  for (let offset = 0; offset < size; offset += chunk) {
    const bytes = Buffer.alloc(Math.min(chunk, size - offset));
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE(((offset + i) * 2654435761) >>> 0, i);
    hash.update(bytes);
    if (offset % (2 * MiB) === 0) peak.bytes = Math.max(peak.bytes, live());
    yield bytes;
  }
}

it('uploads a 50 MiB file with bounded memory and the simulator stores exactly its bytes', async () => {
  const sim = await startSimulator({ seed: 3, contacts: 10 });
  configureDfo(sim.url, { maxAttachmentBytes: 64 * MiB });
  const client = simulatorClient(sim, {
    requestTimeoutMs: 600_000,
    budget: async () => undefined,
  }).client;
  try {
    const dfo = createDfoApi(client, { dfoBaseUrl: sim.url });
    expect((await dfo.base(new AbortController().signal)).isOk()).toBe(true);
    const size = 50 * MiB;
    const sent = createHash('sha256');
    const peak = { bytes: 0 };
    const baseline = live();
    const result = await dfo.uploadTemporaryAttachment(
      { content: Readable.from(pattern(size, sent, peak)), mimeType: 'audio/wav', size },
      new AbortController().signal,
    );
    const file = result._unsafeUnwrap();
    const growth = peak.bytes - baseline;
    // Held whole, the base64 body alone would be 67 MiB; streamed, a few chunks are in flight.
    expect(growth).toBeLessThan(16 * MiB);

    const download = await fetch(file.url);
    expect(download.headers.get('content-length')).toBe(String(size));
    const received = createHash('sha256');
    let read = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      received.update(chunk);
      read += chunk.length;
    }
    expect(read).toBe(size);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    const upload = sim.requestLog().find((entry) => entry.route === 'dfo-attachment-upload');
    expect(upload?.status).toBe(201);
  } finally {
    client.close();
    await sim.stop();
  }
}, 120_000);
