import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import {
  CHECKSUM_ALGORITHMS,
  checksumOf,
  checksumOfStream,
  createChecksumHasher,
  isChecksumAlgorithm,
} from './collect-checksum.js';
import { generatedStream } from './generated-stream.js';

const CHECK = Buffer.from('123456789');

describe('checksumOf', () => {
  // The "check" values of the catalogue of parametrised CRC algorithms, and the usual digests.
  const known: readonly [(typeof CHECKSUM_ALGORITHMS)[number], string][] = [
    ['crc32', 'cbf43926'],
    ['crc32c', 'e3069283'],
    ['crc64nvme', 'ae8b14860a799888'],
    ['md5', '25f9e794323b453885f5181f1b624d0b'],
    ['sha1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['sha256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
  ];
  for (const [algorithm, value] of known) {
    it(`${algorithm} of "123456789" is ${value}`, () => {
      expect(checksumOf(algorithm, CHECK)).toEqual({ algorithm, value });
    });
  }

  it('covers every algorithm core defines', () => {
    expect([...CHECKSUM_ALGORITHMS].sort()).toEqual(known.map(([a]) => a).sort());
  });

  it('pads a CRC with leading zeros (the empty body)', () => {
    expect(checksumOf('crc32', Buffer.alloc(0)).value).toBe('00000000');
    expect(checksumOf('crc32c', Buffer.alloc(0)).value).toBe('00000000');
    expect(checksumOf('crc64nvme', Buffer.alloc(0)).value).toBe('0000000000000000');
  });

  it('refuses an unknown algorithm', () => {
    expect(() => createChecksumHasher('crc16' as never)).toThrow(RangeError);
    expect(isChecksumAlgorithm('md5')).toBe(true);
    expect(isChecksumAlgorithm('toString')).toBe(false);
  });
});

describe('checksumOfStream', () => {
  it('equals hashing the whole body at once, for every algorithm, across chunk boundaries', async () => {
    const bytes = await collect(generatedStream(200_003, 6));
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const streamed = await checksumOfStream(generatedStream(200_003, 6), algorithm);
      expect(streamed).toEqual({ size: 200_003, checksum: checksumOf(algorithm, bytes) });
    }
    expect(checksumOf('sha256', bytes).value).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
