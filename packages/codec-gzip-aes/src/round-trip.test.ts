import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CTX,
  decodeBuffer,
  encodeBuffer,
  headerLength,
  patternBytes,
  settings,
  splitObject,
} from '../test-support/helpers.js';
import { CXAR_FLAG_GZIP, TAG_LENGTH } from './constants.js';

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK];

describe('round trip (T16)', () => {
  for (const compression of ['none', 'gzip'] as const) {
    for (const size of SIZES) {
      it(`${size} bytes, compression ${compression}`, async () => {
        const plaintext = patternBytes(size, size + 7);
        const object = await encodeBuffer(plaintext, {
          settings: settings({ compression, chunkSizeLog2: LOG2 }),
        });
        const outcome = await decodeBuffer(object, { expected: CTX });
        expect(outcome).toEqual({ ok: true, plaintext });
      });
    }
  }

  it('lays chunks out as the format says: full chunks, then a final chunk that is short, full or empty', async () => {
    const cases = [
      { size: 0, chunks: [TAG_LENGTH] },
      { size: 1, chunks: [1 + TAG_LENGTH] },
      { size: CHUNK, chunks: [CHUNK + TAG_LENGTH] },
      { size: CHUNK + 1, chunks: [CHUNK + TAG_LENGTH, 1 + TAG_LENGTH] },
      { size: 3 * CHUNK, chunks: [CHUNK + TAG_LENGTH, CHUNK + TAG_LENGTH, CHUNK + TAG_LENGTH] },
    ];
    for (const { size, chunks } of cases) {
      const object = await encodeBuffer(patternBytes(size), { settings: settings({ chunkSizeLog2: LOG2 }) });
      expect(splitObject(object, LOG2).chunks.map((c) => c.length)).toEqual(chunks);
    }
  });

  it('property: any content, any size, any input piece size, with and without gzip', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 4 * CHUNK + 100 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 * CHUNK }),
        fc.integer({ min: 1, max: 2 * CHUNK + 40 }),
        async (bytes, gzip, inPiece, outPiece) => {
          const plaintext = Buffer.from(bytes);
          const object = await encodeBuffer(plaintext, {
            settings: settings({ compression: gzip ? 'gzip' : 'none', chunkSizeLog2: LOG2 }),
            pieceSize: inPiece,
          });
          const outcome = await decodeBuffer(object, { pieceSize: outPiece });
          expect(outcome).toEqual({ ok: true, plaintext });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('compression auto gzips JSON and text, and leaves recordings alone', async () => {
    const json = Buffer.from(JSON.stringify({ a: 'x'.repeat(5000) }));
    const flagsOf = async (contentType: string | undefined): Promise<number> => {
      const ctx = { ...CTX, contentType };
      const object = await encodeBuffer(json, { settings: settings({ compression: 'auto' }), ctx });
      const outcome = await decodeBuffer(object, { expected: ctx });
      expect(outcome).toEqual({ ok: true, plaintext: json });
      return object[7]!;
    };
    expect(await flagsOf('application/json')).toBe(CXAR_FLAG_GZIP);
    expect(await flagsOf('application/json; charset=utf-8')).toBe(CXAR_FLAG_GZIP);
    expect(await flagsOf('application/x-ndjson')).toBe(CXAR_FLAG_GZIP);
    expect(await flagsOf('application/ld+json')).toBe(CXAR_FLAG_GZIP);
    expect(await flagsOf('text/plain')).toBe(CXAR_FLAG_GZIP);
    expect(await flagsOf('audio/wav')).toBe(0);
    expect(await flagsOf('audio/mpeg')).toBe(0);
    expect(await flagsOf(undefined)).toBe(0);
  });

  it('gzip makes compressible payloads smaller inside the encryption', async () => {
    const text = Buffer.from('hello cxone '.repeat(2000));
    const plain = await encodeBuffer(text, { settings: settings({ compression: 'none' }) });
    const zipped = await encodeBuffer(text, { settings: settings({ compression: 'gzip' }) });
    expect(zipped.length - headerLength(zipped)).toBeLessThan((plain.length - headerLength(plain)) / 10);
  });
});
