import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildDataset, WAV_HEADER_BYTES } from './dataset.js';
import { mp4Recording } from './mp4.js';
import { CHUNK_BYTES, openRecording, recordingStream, wavHeader } from './wav.js';

async function digest(stream: Readable): Promise<{ sha256: string; bytes: number; chunks: number[] }> {
  const hash = createHash('sha256');
  const chunks: number[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    chunks.push(buffer.length);
  }
  return { sha256: hash.digest('hex'), bytes, chunks };
}

describe('WAV recordings', () => {
  it('writes a 44-byte μ-law 8 kHz mono header', () => {
    const header = wavHeader(16_000);
    expect(header).toHaveLength(WAV_HEADER_BYTES);
    expect(header.toString('ascii', 0, 4)).toBe('RIFF');
    expect(header.readUInt32LE(4)).toBe(36 + 16_000);
    expect(header.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(header.readUInt16LE(20)).toBe(7);
    expect(header.readUInt16LE(22)).toBe(1);
    expect(header.readUInt32LE(24)).toBe(8000);
    expect(header.readUInt16LE(34)).toBe(8);
    expect(header.toString('ascii', 36, 40)).toBe('data');
    expect(header.readUInt32LE(40)).toBe(16_000);
  });

  it('streams exactly SimRecording.size bytes of WAV in bounded chunks, lazily', async () => {
    const dataset = buildDataset({ seed: 4, contacts: 10, recordingSeconds: [590, 600] });
    const [recording] = [...dataset.recordings.values()];
    if (recording === undefined) throw new Error('seed 4 should give a recording');
    const stream = recordingStream(recording);
    expect(stream.readableLength).toBe(0); // nothing generated before the first read
    const { bytes, chunks } = await digest(stream);
    expect(bytes).toBe(recording.size);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(chunks.length).toBeGreaterThan(recording.size / CHUNK_BYTES);
  });

  it('serves the same samples inside MP4: openRecording is the MP4 file, its samples those of the WAV', async () => {
    const dataset = buildDataset({ seed: 4, contacts: 10, recordingSeconds: [30, 40] });
    const [recording] = [...dataset.recordings.values()];
    if (recording === undefined) throw new Error('seed 4 should give a recording');
    const read = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const mp4 = await read(openRecording(dataset, recording.masterContactId));
    const wav = await read(recordingStream(recording));
    expect(mp4.length).toBe(mp4Recording(recording).size);
    expect(mp4.toString('latin1', 4, 8)).toBe('ftyp');
    expect(
      mp4.subarray(mp4.length - (wav.length - WAV_HEADER_BYTES)).equals(wav.subarray(WAV_HEADER_BYTES)),
    ).toBe(true);
  });

  it('gives byte-identical recordings for the same seed and different ones for another seed', async () => {
    const options = { contacts: 12, recordingSeconds: [2, 9] as const };
    const a = buildDataset({ seed: 21, ...options });
    const b = buildDataset({ seed: 21, ...options });
    const c = buildDataset({ seed: 22, ...options });
    const hashes = async (dataset: typeof a) =>
      Promise.all(
        [...dataset.recordings.keys()].map(async (id) => (await digest(openRecording(dataset, id))).sha256),
      );
    const [hashesA, hashesB, hashesC] = await Promise.all([hashes(a), hashes(b), hashes(c)]);
    expect(hashesA.length).toBeGreaterThan(1);
    expect(hashesA).toEqual(hashesB);
    expect(new Set(hashesA).size).toBe(hashesA.length);
    for (const hash of hashesC) expect(hashesA).not.toContain(hash);
  });

  it('throws for a master contact without a recording', () => {
    const dataset = buildDataset({ seed: 1, contacts: 3 });
    expect(() => openRecording(dataset, '999')).toThrow(/no recording/);
  });
});
