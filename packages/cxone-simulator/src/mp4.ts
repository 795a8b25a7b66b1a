import type { Readable } from 'node:stream';
import { BYTES_PER_SECOND, type SimRecording, WAV_HEADER_BYTES } from './dataset.js';
import { sampleStream } from './samples.js';

/**
 * Voice recordings as CXone serves them: MP4 (reference/cxone-fidelity.md §2.7: NICE's Python helper
 * decodes voice media as mp4, the Data Extraction pipeline stores `.mp4`). The container is a small
 * valid ISO BMFF file (ISO/IEC 14496-12) with every box size right: `ftyp` (M4A), a `moov` whose
 * single sound track describes one chunk of 8 kHz mono μ-law samples of one second each (a QuickTime
 * `ulaw` sample entry), then the `mdat` holding them. `moov` comes first ("fast start"), so the
 * whole header is known before any sample is generated.
 */

/** Seconds of the sample table, 1 second (8000 bytes) per sample. */
const TIMESCALE = BYTES_PER_SECOND;

const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const zeros = (n: number) => Buffer.alloc(n);
/** version 0 and flags of a FullBox. */
const full = (flags = 0) => Buffer.concat([u8(0), u8(flags >> 16), u16(flags & 0xffff)]);

/** A box: 32-bit size (header included), four-character type, payload. */
export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
}

const MATRIX = Buffer.concat([0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map(u32));

/** Sizes of the samples: whole seconds, the last one shorter when the data is not. */
function sampleSizes(dataBytes: number): { count: number; size: number; last: number } {
  const count = Math.max(1, Math.ceil(dataBytes / BYTES_PER_SECOND));
  return { count, size: BYTES_PER_SECOND, last: dataBytes - (count - 1) * BYTES_PER_SECOND };
}

function moov(dataBytes: number, mdatDataOffset: number): Buffer {
  const { count, size, last } = sampleSizes(dataBytes);
  const duration = dataBytes; // one tick per sample byte at 8 kHz, 8 bits
  const mvhd = box(
    'mvhd',
    full(),
    u32(0),
    u32(0),
    u32(TIMESCALE),
    u32(duration),
    u32(0x00010000),
    u16(0x0100),
    zeros(10),
    MATRIX,
    zeros(24),
    u32(2),
  );
  const tkhd = box(
    'tkhd',
    full(0x000003),
    u32(0),
    u32(0),
    u32(1),
    zeros(4),
    u32(duration),
    zeros(8),
    u16(0),
    u16(0),
    u16(0x0100),
    zeros(2),
    MATRIX,
    u32(0),
    u32(0),
  );
  const mdhd = box('mdhd', full(), u32(0), u32(0), u32(TIMESCALE), u32(duration), u16(0x55c4), u16(0));
  const hdlr = box('hdlr', full(), u32(0), Buffer.from('soun'), zeros(12), Buffer.from('SoundHandler\0'));
  const smhd = box('smhd', full(), u16(0), u16(0));
  const dinf = box('dinf', box('dref', full(), u32(1), box('url ', full(0x000001))));
  const ulaw = box('ulaw', zeros(6), u16(1), zeros(8), u16(1), u16(8), u16(0), u16(0), u32(TIMESCALE << 16));
  const stsd = box('stsd', full(), u32(1), ulaw);
  // stts: `count` samples, each lasting as many ticks as it has bytes.
  const stts =
    last === size
      ? box('stts', full(), u32(1), u32(count), u32(size))
      : box(
          'stts',
          full(),
          u32(count > 1 ? 2 : 1),
          ...(count > 1 ? [u32(count - 1), u32(size)] : []),
          u32(1),
          u32(last),
        );
  const stsc = box('stsc', full(), u32(1), u32(1), u32(count), u32(1));
  const stsz =
    last === size
      ? box('stsz', full(), u32(size), u32(count))
      : box(
          'stsz',
          full(),
          u32(0),
          u32(count),
          ...Array.from({ length: count }, (_, i) => u32(i === count - 1 ? last : size)),
        );
  const stco = box('stco', full(), u32(1), u32(mdatDataOffset));
  const stbl = box('stbl', stsd, stts, stsc, stsz, stco);
  const minf = box('minf', smhd, dinf, stbl);
  const mdia = box('mdia', mdhd, hdlr, minf);
  return box('moov', mvhd, box('trak', tkhd, mdia));
}

const FTYP = box('ftyp', Buffer.from('M4A '), u32(0), Buffer.from('M4A mp42isom'));
const MDAT_HEADER_BYTES = 8;

/** Everything before the samples: ftyp, moov and the mdat box header. */
export function mp4Header(dataBytes: number): Buffer {
  // The moov's size does not depend on the offset it records, so measure it once with a dummy.
  const moovBytes = moov(dataBytes, 0).length;
  const dataOffset = FTYP.length + moovBytes + MDAT_HEADER_BYTES;
  const mdat = Buffer.concat([u32(MDAT_HEADER_BYTES + dataBytes), Buffer.from('mdat')]);
  return Buffer.concat([FTYP, moov(dataBytes, dataOffset), mdat]);
}

/** Sample bytes of a recording (the dataset sizes recordings as 8 kHz μ-law WAV files). */
export const sampleBytesOf = (recording: SimRecording): number => recording.size - WAV_HEADER_BYTES;

/** The MP4 file of a recording: its size and its bytes as a lazy stream. */
export function mp4Recording(recording: SimRecording): { readonly size: number; open(): Readable } {
  const dataBytes = sampleBytesOf(recording);
  const header = mp4Header(dataBytes);
  return {
    size: header.length + dataBytes,
    open: () => sampleStream(recording.id, header, dataBytes),
  };
}
