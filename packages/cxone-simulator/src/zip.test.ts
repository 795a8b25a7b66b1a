import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type ZipEntry, zipArchive } from './zip.js';

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

const bytesOf = (seed: number, size: number): Buffer => {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
};

const entry = (name: string, body: Buffer): ZipEntry => ({
  name,
  size: body.length,
  crc32: crc32(body),
  open: () => Readable.from([body.subarray(0, 7), body.subarray(7)]),
});

const read = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** `unzip -t` on the archive's bytes: an independent reader checks every header and CRC. */
const unzipTest = (archive: Buffer): string => {
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  try {
    const file = join(dir, 'a.zip');
    writeFileSync(file, archive);
    return execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const bodies = [bytesOf(1, 1000), bytesOf(2, 0), bytesOf(3, 70_000)];
const entries = [entry('111.mp4', bodies[0]!), entry('222.mp4', bodies[1]!), entry('333.mp4', bodies[2]!)];

describe('zipArchive', () => {
  it('lays out STORED entries whose bytes, headers and directory an independent reader accepts', async () => {
    const zip = zipArchive(entries);
    const whole = await read(zip.range(0, zip.size - 1));
    expect(whole.length).toBe(zip.size);
    // Every entry's body sits verbatim after its local header.
    let at = 0;
    for (const [index, e] of entries.entries()) {
      expect(whole.readUInt32LE(at)).toBe(0x04034b50);
      expect(whole.readUInt16LE(at + 8)).toBe(0); // STORED
      expect(whole.readUInt32LE(at + 14)).toBe(e.crc32);
      const nameLength = whole.readUInt16LE(at + 26);
      const start = at + 30 + nameLength + whole.readUInt16LE(at + 28);
      expect(whole.subarray(at + 30, at + 30 + nameLength).toString()).toBe(e.name);
      expect(whole.subarray(start, start + e.size).equals(bodies[index]!)).toBe(true);
      at = start + e.size;
    }
    const eocd = whole.subarray(whole.length - 22);
    expect(eocd.readUInt32LE(0)).toBe(0x06054b50);
    expect(eocd.readUInt16LE(10)).toBe(3);
    expect(eocd.readUInt32LE(16)).toBe(at); // the directory follows the last entry
    if (hasUnzip) expect(unzipTest(whole)).toMatch(/No errors detected/);
  });

  it('serves any byte range equal to the same slice of the whole archive', async () => {
    const zip = zipArchive(entries);
    const whole = await read(zip.range(0, zip.size - 1));
    for (const [start, end] of [
      [0, 0],
      [5, 40],
      [1020, 1100],
      [1100, 60_000],
      [zip.size - 22, zip.size - 1],
    ] as const) {
      expect((await read(zip.range(start, end))).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    expect(() => zip.range(0, zip.size)).toThrow(RangeError);
  });

  it('writes ZIP64 records for every entry when asked, and the archive still checks', async () => {
    const zip = zipArchive(entries, { zip64: 'always' });
    const whole = await read(zip.range(0, zip.size - 1));
    const eocd = whole.subarray(whole.length - 22);
    expect(eocd.readUInt16LE(10)).toBe(0xffff);
    expect(eocd.readUInt32LE(16)).toBe(0xffffffff);
    const locator = whole.subarray(whole.length - 42, whole.length - 22);
    expect(locator.readUInt32LE(0)).toBe(0x07064b50);
    const record = Number(locator.readBigUInt64LE(8));
    expect(whole.readUInt32LE(record)).toBe(0x06064b50);
    expect(whole.readBigUInt64LE(record + 32)).toBe(3n);
    if (hasUnzip) expect(unzipTest(whole)).toMatch(/No errors detected/);
  });

  it('uses ZIP64 for an entry over 4 GiB, and reads its directory without generating the body', async () => {
    const huge: ZipEntry = {
      name: 'huge.mp4',
      size: 5 * 2 ** 30,
      crc32: 0x12345678,
      open: () => {
        throw new Error('the body must not be generated for the directory');
      },
    };
    const zip = zipArchive([huge, entries[0]!]);
    expect(zip.size).toBeGreaterThan(huge.size);
    const tail = await read(zip.range(zip.size - 300, zip.size - 1));
    const eocd = tail.subarray(tail.length - 22);
    expect(eocd.readUInt32LE(16)).toBe(0xffffffff); // the directory's offset overflows: ZIP64
    const locator = tail.subarray(tail.length - 42, tail.length - 22);
    expect(locator.readUInt32LE(0)).toBe(0x07064b50);
    // The second entry's local header offset (past 5 GiB) is in its ZIP64 extra field.
    const second = tail.lastIndexOf(Buffer.from('111.mp4'));
    const extra = tail.subarray(second + 7);
    expect(extra.readUInt16LE(0)).toBe(0x0001);
    expect(Number(extra.readBigUInt64LE(4))).toBe(30 + 8 + 20 + huge.size);
  });
});
