import { Readable } from 'node:stream';

/**
 * A ZIP archive of STORED (uncompressed) entries (PKWARE APPNOTE 6.3.x), laid out from the entries'
 * names, sizes and CRC-32s alone, so its size is known up front and any byte range of it can be
 * produced without building the archive: headers are small buffers, entry bodies are generated on
 * demand. ZIP64 records are written where a size, an offset or the entry count overflows the
 * classic fields (or for every entry when `zip64: 'always'`).
 */
export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  readonly crc32: number;
  /** The entry's bytes from the start, generated lazily. */
  open(): Readable;
}

export interface ZipOptions {
  /** Default 'auto': ZIP64 only where a field overflows. */
  readonly zip64?: 'auto' | 'always';
  /** Modification time of every entry (DOS date/time, UTC); default 1980-01-01 00:00. */
  readonly modified?: Date;
}

type Part =
  | { readonly offset: number; readonly bytes: Buffer }
  | { readonly offset: number; readonly entry: ZipEntry };

export interface ZipArchive {
  readonly size: number;
  /** Bytes `start..end` (inclusive) of the archive, generating only the entry bodies they touch. */
  range(start: number, end: number): Readable;
}

const MAX32 = 0xffff_ffff;
const MAX16 = 0xffff;

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** A ZIP64 extended-information extra field (header id 0x0001) holding `values`. */
const zip64Extra = (values: readonly number[]): Buffer =>
  values.length === 0
    ? Buffer.alloc(0)
    : Buffer.concat([u16(0x0001), u16(8 * values.length), ...values.map(u64)]);

export function zipArchive(entries: readonly ZipEntry[], options: ZipOptions = {}): ZipArchive {
  const always = options.zip64 === 'always';
  const stamp = dosDateTime(options.modified ?? new Date(Date.UTC(1980, 0, 1)));
  const parts: Part[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    if (!Number.isSafeInteger(entry.size) || entry.size < 0)
      throw new RangeError(`bad size of ${entry.name}`);
    const name = Buffer.from(entry.name, 'utf8');
    const bigSize = always || entry.size >= MAX32;
    const bigOffset = always || offset >= MAX32;
    const version = bigSize || bigOffset ? 45 : 20;
    const localExtra = bigSize ? zip64Extra([entry.size, entry.size]) : Buffer.alloc(0);
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(version),
      u16(0x0800), // names are UTF-8
      u16(0), // STORED
      u16(stamp.time),
      u16(stamp.date),
      u32(entry.crc32),
      u32(bigSize ? MAX32 : entry.size),
      u32(bigSize ? MAX32 : entry.size),
      u16(name.length),
      u16(localExtra.length),
      name,
      localExtra,
    ]);
    const centralExtra = zip64Extra([
      ...(bigSize ? [entry.size, entry.size] : []),
      ...(bigOffset ? [offset] : []),
    ]);
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(version),
        u16(version),
        u16(0x0800),
        u16(0),
        u16(stamp.time),
        u16(stamp.date),
        u32(entry.crc32),
        u32(bigSize ? MAX32 : entry.size),
        u32(bigSize ? MAX32 : entry.size),
        u16(name.length),
        u16(centralExtra.length),
        u16(0), // comment
        u16(0), // disk
        u16(0), // internal attributes
        u32(0), // external attributes
        u32(bigOffset ? MAX32 : offset),
        name,
        centralExtra,
      ]),
    );
    parts.push({ offset, bytes: local });
    offset += local.length;
    parts.push({ offset, entry });
    offset += entry.size;
  }
  const directory = Buffer.concat(central);
  const directoryOffset = offset;
  const count = entries.length;
  const needs64 = always || count >= MAX16 || directoryOffset >= MAX32 || directory.length >= MAX32;
  const tail: Buffer[] = [directory];
  if (needs64) {
    const record64Offset = directoryOffset + directory.length;
    tail.push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(count),
        u64(count),
        u64(directory.length),
        u64(directoryOffset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(record64Offset), u32(1)]),
    );
  }
  tail.push(
    Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(needs64 ? MAX16 : count),
      u16(needs64 ? MAX16 : count),
      u32(needs64 ? MAX32 : directory.length),
      u32(needs64 ? MAX32 : directoryOffset),
      u16(0),
    ]),
  );
  const end = Buffer.concat(tail);
  parts.push({ offset, bytes: end });
  const size = offset + end.length;

  async function* produce(start: number, last: number): AsyncGenerator<Buffer> {
    for (const part of parts) {
      const length = 'bytes' in part ? part.bytes.length : part.entry.size;
      const partEnd = part.offset + length - 1;
      if (partEnd < start || length === 0) continue;
      if (part.offset > last) return;
      const from = Math.max(start, part.offset) - part.offset;
      const to = Math.min(last, partEnd) - part.offset; // inclusive
      if ('bytes' in part) {
        yield part.bytes.subarray(from, to + 1);
        continue;
      }
      yield* sliceBody(part.entry.open(), from, to);
    }
  }

  return {
    size,
    range(start, last) {
      if (!(Number.isSafeInteger(start) && Number.isSafeInteger(last) && start >= 0 && last < size)) {
        throw new RangeError(`range ${start}-${last} outside 0-${size - 1}`);
      }
      return Readable.from(produce(start, last), { objectMode: false });
    },
  };
}

/**
 * Bytes `from..to` (inclusive) of a lazily generated body, generating no more than needed; the body
 * is destroyed once the slice is read or abandoned. Also serves a recording's byte range
 * (routes/media-files.ts).
 */
export async function* sliceBody(body: Readable, from: number, to: number): AsyncGenerator<Buffer> {
  let offset = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const a = Math.max(0, from - offset);
      const b = Math.min(chunk.length, to + 1 - offset);
      if (b > a) yield chunk.subarray(a, b);
      offset += chunk.length;
      if (offset > to) return;
    }
  } finally {
    body.destroy();
  }
}
