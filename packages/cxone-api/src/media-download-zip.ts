import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { err, ok, type PluginError, PluginErrors, PluginFailure, type Result } from '@cxarchive/core';
import { describeRequest } from './errors.js';
import { discard } from './http.js';
import { signedFailure, signedGet } from './signed-get.js';

/**
 * One file out of a media-download archive (a ZIP at the request's `downloadLocation` [U: its form
 * is the simulator's model]) through HTTP Range requests, never downloading the whole archive: the
 * end of central directory from the archive's tail (ZIP64 aware), the central directory, the
 * entry's local header, then the entry's bytes, streamed and checked against the directory's size
 * and CRC-32 (PKWARE APPNOTE 6.3). Only STORED (uncompressed) entries are read. A refused URL
 * (403/410: expired) is renewed once per request through `renew`.
 */
export interface ZipSource {
  /** The archive's signed URL. */
  readonly url: string;
  /** A fresh signed URL for the same archive (e.g. the request's status read again). */
  readonly renew: (signal: AbortSignal) => Promise<Result<string, PluginError>>;
  readonly timeoutMs: number;
  readonly now?: () => Date;
  readonly fetchImpl?: typeof fetch;
}

export interface ZipEntryInfo {
  readonly name: string;
  readonly size: number;
  readonly crc32: number;
  readonly method: number;
  readonly localHeaderOffset: number;
}

export interface ZipEntryBody {
  readonly size: number;
  readonly crc32: number;
  /** The entry's bytes; fails with a `PluginFailure` when they are short or their CRC-32 is wrong. */
  readonly body: Readable;
}

/** The tail read first: the end record, a comment of at most 65535 bytes, and the ZIP64 locator. */
const TAIL_BYTES = 22 + 0xffff + 20;
/** Central directories larger than this are refused (about 100k entries of 160 bytes). */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const MAX32 = 0xffff_ffff;

const u64 = (b: Buffer, at: number): number => {
  const value = b.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('ZIP64 value too large');
  return Number(value);
};

export class RemoteZip {
  #url: string;
  readonly #source: ZipSource;
  readonly size: number;
  readonly #directory: Buffer;
  readonly #directoryOffset: number;
  readonly entryCount: number;

  private constructor(
    source: ZipSource,
    url: string,
    size: number,
    directory: Buffer,
    directoryOffset: number,
    count: number,
  ) {
    this.#source = source;
    this.#url = url;
    this.size = size;
    this.#directory = directory;
    this.#directoryOffset = directoryOffset;
    this.entryCount = count;
  }

  /** Reads the archive's end records and central directory (two or three ranged requests). */
  static async open(source: ZipSource, signal: AbortSignal): Promise<Result<RemoteZip, PluginError>> {
    const reader = new RangeReader(source);
    const tail = await reader.read(signal, { suffix: TAIL_BYTES });
    if (tail.isErr()) return err(tail.error);
    const { bytes, total } = tail.value;
    const tailStart = total - bytes.length;
    const bad = (why: string) =>
      err(PluginErrors.permanent(`${describeRequest({ method: 'GET', url: reader.url })}: ${why}`));
    let eocd = -1;
    for (let at = bytes.length - 22; at >= 0; at--) {
      if (bytes.readUInt32LE(at) === 0x06054b50 && at + 22 + bytes.readUInt16LE(at + 20) === bytes.length) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) return bad('no ZIP end of central directory: not a ZIP archive, or cut short');
    let count = bytes.readUInt16LE(eocd + 10);
    let directorySize = bytes.readUInt32LE(eocd + 12);
    let directoryOffset = bytes.readUInt32LE(eocd + 16);
    const locator = eocd - 20;
    if (locator >= 0 && bytes.readUInt32LE(locator) === 0x07064b50) {
      const recordOffset = u64(bytes, locator + 8);
      let record: Buffer;
      if (recordOffset >= tailStart && recordOffset + 56 <= total) {
        record = bytes.subarray(recordOffset - tailStart, recordOffset - tailStart + 56);
      } else {
        const read = await reader.read(signal, { start: recordOffset, end: recordOffset + 55 });
        if (read.isErr()) return err(read.error);
        record = read.value.bytes;
      }
      if (record.length < 56 || record.readUInt32LE(0) !== 0x06064b50)
        return bad('a broken ZIP64 end of central directory');
      count = u64(record, 32);
      directorySize = u64(record, 40);
      directoryOffset = u64(record, 48);
    } else if (count === 0xffff || directorySize === MAX32 || directoryOffset === MAX32) {
      return bad('ZIP64 fields without a ZIP64 locator');
    }
    if (directorySize > MAX_DIRECTORY_BYTES)
      return bad(`a central directory of ${directorySize} bytes (at most ${MAX_DIRECTORY_BYTES})`);
    if (directoryOffset + directorySize > tailStart + Math.max(0, eocd)) {
      return bad('the central directory lies past its end record: not a ZIP archive, or cut short');
    }
    let directory: Buffer;
    if (directorySize === 0) directory = Buffer.alloc(0);
    else if (directoryOffset >= tailStart) {
      directory = bytes.subarray(directoryOffset - tailStart, directoryOffset - tailStart + directorySize);
    } else {
      const read = await reader.read(signal, {
        start: directoryOffset,
        end: directoryOffset + directorySize - 1,
      });
      if (read.isErr()) return err(read.error);
      directory = read.value.bytes;
    }
    if (directory.length !== directorySize) return bad('a short central directory');
    return ok(new RemoteZip(source, reader.url, total, Buffer.from(directory), directoryOffset, count));
  }

  /** The central directory entry named `name`, undefined when there is none. */
  find(name: string): Result<ZipEntryInfo | undefined, PluginError> {
    const d = this.#directory;
    let at = 0;
    for (let i = 0; i < this.entryCount; i++) {
      if (at + 46 > d.length || d.readUInt32LE(at) !== 0x02014b50) {
        return err(
          PluginErrors.permanent(
            `${describeRequest({ method: 'GET', url: this.#url })}: a broken central directory (entry ${i})`,
          ),
        );
      }
      const nameLength = d.readUInt16LE(at + 28);
      const extraLength = d.readUInt16LE(at + 30);
      const commentLength = d.readUInt16LE(at + 32);
      const entryName = d.subarray(at + 46, at + 46 + nameLength).toString('utf8');
      if (entryName === name) {
        let size = d.readUInt32LE(at + 24);
        let compressed = d.readUInt32LE(at + 20);
        let offset = d.readUInt32LE(at + 42);
        const extra = d.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
        for (let e = 0; e + 4 <= extra.length; ) {
          const id = extra.readUInt16LE(e);
          const length = extra.readUInt16LE(e + 2);
          if (id === 0x0001) {
            let v = e + 4;
            if (size === MAX32) {
              size = u64(extra, v);
              v += 8;
            }
            if (compressed === MAX32) {
              compressed = u64(extra, v);
              v += 8;
            }
            if (offset === MAX32) offset = u64(extra, v);
          }
          e += 4 + length;
        }
        if (size !== compressed) {
          return err(
            PluginErrors.permanent(
              `${name}: compressed in the archive (${compressed} of ${size} bytes); only stored entries are read`,
            ),
          );
        }
        return ok({
          name,
          size,
          crc32: d.readUInt32LE(at + 16),
          method: d.readUInt16LE(at + 10),
          localHeaderOffset: offset,
        });
      }
      at += 46 + nameLength + extraLength + commentLength;
    }
    return ok(undefined);
  }

  /**
   * The bytes of the entry named `name`: its local header, then its data, streamed. `NotFound`
   * when the archive has no such entry.
   */
  async openEntry(name: string, signal: AbortSignal): Promise<Result<ZipEntryBody, PluginError>> {
    const found = this.find(name);
    if (found.isErr()) return err(found.error);
    const entry = found.value;
    if (entry === undefined) return err(PluginErrors.notFound(`${name}: not in the archive`));
    if (entry.method !== 0)
      return err(
        PluginErrors.permanent(`${name}: compression method ${entry.method}; only stored entries are read`),
      );
    const reader = new RangeReader(this.#source, this.#url, this.size);
    const header = await reader.read(signal, {
      start: entry.localHeaderOffset,
      end: entry.localHeaderOffset + 29,
    });
    if (header.isErr()) return err(header.error);
    const h = header.value.bytes;
    if (h.length !== 30 || h.readUInt32LE(0) !== 0x04034b50) {
      return err(PluginErrors.permanent(`${name}: no local file header at ${entry.localHeaderOffset}`));
    }
    const start = entry.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    if (start + entry.size > this.#directoryOffset) {
      return err(PluginErrors.permanent(`${name}: its data overlaps the central directory`));
    }
    this.#url = reader.url;
    if (entry.size === 0) return ok({ size: 0, crc32: entry.crc32, body: Readable.from([]) });
    const data = await reader.open(signal, { start, end: start + entry.size - 1 });
    if (data.isErr()) return err(data.error);
    this.#url = reader.url;
    return ok({ size: entry.size, crc32: entry.crc32, body: Readable.from(checked(data.value, entry)) });
  }
}

async function* checked(res: Response, entry: ZipEntryInfo): AsyncGenerator<Buffer> {
  let crc = 0;
  let bytes = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      crc = crc32(b, crc);
      bytes += b.length;
      yield b;
    }
  } catch (cause) {
    throw new PluginFailure(
      PluginErrors.transient(
        `${entry.name}: the download broke off after ${bytes} of ${entry.size} bytes`,
        cause,
      ),
    );
  }
  if (bytes !== entry.size) {
    throw new PluginFailure(
      PluginErrors.transient(`${entry.name}: ${bytes} of ${entry.size} bytes arrived (cut short)`),
    );
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) {
    throw new PluginFailure(
      PluginErrors.permanent(
        `${entry.name}: CRC-32 mismatch; the archive's bytes are not those its directory describes`,
      ),
    );
  }
}

type Range = { readonly suffix: number } | { readonly start: number; readonly end: number };

/** Ranged GETs of one archive: each answer must be a 206 of exactly the bytes asked, of the same total size. */
class RangeReader {
  constructor(
    private readonly source: ZipSource,
    public url: string = source.url,
    private total?: number,
  ) {}

  /** A small range read whole. */
  async read(
    signal: AbortSignal,
    range: Range,
  ): Promise<Result<{ bytes: Buffer; total: number }, PluginError>> {
    const res = await this.open(signal, range);
    if (res.isErr()) return err(res.error);
    try {
      const bytes = Buffer.from(await res.value.arrayBuffer());
      const expected = Number(res.value.headers.get('content-length'));
      if (Number.isFinite(expected) && expected !== bytes.length) {
        return err(
          PluginErrors.transient(
            `${describeRequest({ method: 'GET', url: this.url })}: ${bytes.length} of ${expected} bytes arrived`,
          ),
        );
      }
      return ok({ bytes, total: this.total as number });
    } catch (cause) {
      return err(
        PluginErrors.transient(
          `${describeRequest({ method: 'GET', url: this.url })}: the body broke off`,
          cause,
        ),
      );
    }
  }

  async open(signal: AbortSignal, r: Range): Promise<Result<Response, PluginError>> {
    const header = 'suffix' in r ? `bytes=-${r.suffix}` : `bytes=${r.start}-${r.end}`;
    let renewed = false;
    for (;;) {
      const sent = await signedGet(
        this.url,
        { Range: header },
        {
          signal,
          timeoutMs: this.source.timeoutMs,
          ...(this.source.now === undefined ? {} : { now: this.source.now }),
          ...(this.source.fetchImpl === undefined ? {} : { fetchImpl: this.source.fetchImpl }),
        },
      );
      if (sent.isErr()) return err(sent.error);
      const res = sent.value;
      const describe = describeRequest({ method: 'GET', url: this.url });
      if ((res.status === 403 || res.status === 410) && !renewed) {
        await discard(res);
        const fresh = await this.source.renew(signal);
        if (fresh.isErr()) return err(fresh.error);
        this.url = fresh.value;
        renewed = true;
        continue;
      }
      if (res.status === 200) {
        await discard(res);
        return err(
          PluginErrors.permanent(
            `${describe}: the server ignores byte ranges; the archive is not downloaded whole`,
          ),
        );
      }
      if (res.status !== 206) return err(await signedFailure(this.url, res, this.source.now));
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (m === null) {
        await discard(res);
        return err(PluginErrors.permanent(`${describe}: a 206 without a usable Content-Range`));
      }
      const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const wanted = 'suffix' in r ? { start: Math.max(0, total - r.suffix), end: total - 1 } : r;
      if (
        start !== wanted.start ||
        end !== wanted.end ||
        (this.total !== undefined && total !== this.total)
      ) {
        await discard(res);
        return err(
          PluginErrors.transient(
            `${describe}: the server sent bytes ${start}-${end}/${total}, not ${wanted.start}-${wanted.end}${this.total === undefined ? '' : `/${this.total}`} (the archive changed?)`,
          ),
        );
      }
      this.total = total;
      return ok(res);
    }
  }
}
