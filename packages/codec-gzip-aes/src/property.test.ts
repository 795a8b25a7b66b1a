import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CTX,
  decodeBuffer,
  encodeBuffer,
  headerLength,
  KEK_A,
  patternBytes,
  settings,
} from '../test-support/helpers.js';
import { streamFailure } from '../test-support/outcomes.js';
import type { Compression } from './options.js';

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const MODES: readonly Compression[] = ['none', 'gzip', 'zstd', 'auto'];

/** Sizes around every chunk boundary, and anything up to five chunks. */
const size = fc.oneof(
  fc.constantFrom(0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK, 3 * CHUNK - 1, 3 * CHUNK + 1),
  fc.integer({ min: 0, max: 5 * CHUNK }),
);
const piece = fc.integer({ min: 1, max: 3 * CHUNK });

describe('property: every size and compression mode round-trips', () => {
  it('decode(encode(x)) = x, for any size, mode, JSON or binary content and input piece size', async () => {
    await fc.assert(
      fc.asyncProperty(
        size,
        fc.constantFrom(...MODES),
        fc.boolean(),
        piece,
        piece,
        async (n, compression, json, writePiece, readPiece) => {
          const ctx = { ...CTX, contentType: json ? 'application/json' : 'audio/wav' };
          const plaintext = json ? Buffer.from('{"k":1}\n'.repeat(n).slice(0, n)) : patternBytes(n, n + 1);
          const object = await encodeBuffer(plaintext, {
            settings: settings({ compression, chunkSizeLog2: LOG2 }),
            ctx,
            pieceSize: writePiece,
          });
          const stored = object[7]!;
          const expectedFlags = { none: 0, gzip: 1, zstd: 2, auto: json ? 1 : 0 }[compression];
          expect(stored).toBe(expectedFlags);
          if (stored === 0) {
            // no compression: the body is exactly ceil(n / chunk) chunks (one for n = 0), each with a tag
            const chunks = Math.max(1, Math.ceil(n / CHUNK));
            expect(object.length - headerLength(object)).toBe(n + 16 * chunks);
          }
          const outcome = await decodeBuffer(object, { expected: ctx, pieceSize: readPiece });
          expect(outcome).toEqual({ ok: true, plaintext });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('any truncation of the body, at or inside a chunk boundary, fails and releases only a prefix', async () => {
    await fc.assert(
      fc.asyncProperty(size, fc.double({ min: 0, max: 1, noNaN: true }), async (n, where) => {
        const plaintext = patternBytes(n, 7);
        const object = await encodeBuffer(plaintext, { settings: settings({ chunkSizeLog2: LOG2 }) });
        const start = headerLength(object);
        const cut = start + Math.floor(where * (object.length - start));
        if (cut >= object.length) return;
        streamFailure(
          await decodeBuffer(object.subarray(0, cut), { kek: KEK_A }),
          /^(truncated: no final chunk|chunk \d+ failed authentication)/,
          plaintext,
        );
      }),
      { numRuns: 60 },
    );
  });
});
