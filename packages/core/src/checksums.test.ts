import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createCompositeHasher } from './checksums.js';
import { ChecksumStream } from './hashing.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();

/** S3's multipart ETag, computed the way S3 documents it: MD5 of the concatenated part MD5s. */
const s3Etag = (bytes: Buffer, partSize: number) => {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += partSize)
    parts.push(md5(bytes.subarray(offset, offset + partSize)));
  return { value: md5(Buffer.concat(parts)).toString('hex'), parts: parts.length };
};

const feed = (hasher: ReturnType<typeof createCompositeHasher>, bytes: Buffer, sizes: number[]) => {
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = sizes[i++ % sizes.length]!;
    hasher.update(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return hasher.digest();
};

describe('composite checksums (S3 multipart ETag form)', () => {
  const bytes = randomBytes(10_000);

  it('is the MD5 of the part MD5s and the part count, whatever the chunking', () => {
    const expected = s3Etag(bytes, 4096);
    expect(expected.parts).toBe(3);
    for (const sizes of [[10_000], [1], [4096], [4095, 2], [7, 5000, 13]])
      expect(feed(createCompositeHasher('md5', 4096), bytes, sizes)).toEqual({
        algorithm: 'md5',
        ...expected,
      });
  });

  it('never counts an empty last part when the length is a multiple of the part size', () => {
    const exact = bytes.subarray(0, 8192);
    expect(feed(createCompositeHasher('md5', 4096), exact, [8192])).toEqual({
      algorithm: 'md5',
      ...s3Etag(exact, 4096),
      parts: 2,
    });
  });

  it('differs when one byte differs, or when the parts are cut elsewhere', () => {
    const changed = Buffer.from(bytes);
    changed[5000] = (changed[5000]! + 1) % 256;
    const base = feed(createCompositeHasher('md5', 4096), bytes, [10_000]);
    expect(feed(createCompositeHasher('md5', 4096), changed, [10_000]).value).not.toBe(base.value);
    expect(feed(createCompositeHasher('md5', 5000), bytes, [10_000]).value).not.toBe(base.value);
  });

  it('uses the binary digests for CRCs too (4 bytes each)', () => {
    const got = feed(createCompositeHasher('sha256', 4096), bytes, [999]);
    const parts = [0, 4096, 8192].map((o) =>
      createHash('sha256')
        .update(bytes.subarray(o, o + 4096))
        .digest(),
    );
    expect(got.value).toBe(createHash('sha256').update(Buffer.concat(parts)).digest('hex'));
  });

  it('knows the whole digest of an object of one part (or none) without hashing it twice', () => {
    const one = createCompositeHasher('md5', 4096);
    one.update(bytes.subarray(0, 4096));
    expect(one.digest().parts).toBe(1);
    expect(one.whole()).toEqual({ algorithm: 'md5', value: md5(bytes.subarray(0, 4096)).toString('hex') });
    const none = createCompositeHasher('md5', 4096);
    expect(none.digest().parts).toBe(0);
    expect(none.whole()).toEqual({ algorithm: 'md5', value: md5(Buffer.alloc(0)).toString('hex') });
    const two = createCompositeHasher('md5', 4096);
    two.update(bytes.subarray(0, 4097));
    two.digest();
    expect(two.whole()).toBeUndefined();
  });

  it('gives each part digest once the part is closed (a byte past it, or the end), never before, and none for a part beyond the bytes', () => {
    const hasher = createCompositeHasher('md5', 4096);
    const partMd5 = (n: number) => md5(bytes.subarray((n - 1) * 4096, n * 4096)).toString('hex');
    hasher.update(bytes.subarray(0, 4096));
    // Exactly one part so far: it may still be the last, so it is not closed.
    expect(hasher.part(1)).toBeUndefined();
    hasher.update(bytes.subarray(4096, 4097));
    expect(hasher.part(1)).toBe(partMd5(1));
    expect(hasher.part(2)).toBeUndefined();
    hasher.update(bytes.subarray(4097));
    expect(hasher.part(2)).toBe(partMd5(2));
    expect(hasher.part(3)).toBeUndefined();
    hasher.digest();
    expect(hasher.part(3)).toBe(md5(bytes.subarray(8192)).toString('hex'));
    for (const beyond of [0, 4, -1, 1.5]) expect(hasher.part(beyond)).toBeUndefined();
    const stream = new ChecksumStream([], [{ algorithm: 'md5', partSize: 4096 }]);
    stream.write(bytes.subarray(0, 5000));
    expect(stream.partDigest({ algorithm: 'md5', partSize: 4096 }, 1)).toBe(partMd5(1));
    expect(stream.partDigest({ algorithm: 'md5', partSize: 5000 }, 1)).toBeUndefined();
    stream.destroy();
  });

  it('refuses a part size that is not a positive integer', () => {
    expect(() => createCompositeHasher('md5', 0)).toThrow(RangeError);
    expect(() => createCompositeHasher('md5', 1.5)).toThrow(RangeError);
  });

  it('is computed by the runtime stream next to the whole-object digests', async () => {
    const stream = new ChecksumStream(['sha1'], [{ algorithm: 'md5', partSize: 4096 }]);
    const done = pipeline(Readable.from([bytes.subarray(0, 3000), bytes.subarray(3000)]), stream);
    stream.resume();
    await done;
    expect(stream.digest('sha1')).toBe(createHash('sha1').update(bytes).digest('hex'));
    expect(stream.composite({ algorithm: 'md5', partSize: 4096 })).toEqual({
      algorithm: 'md5',
      ...s3Etag(bytes, 4096),
    });
    expect(stream.composite({ algorithm: 'md5', partSize: 5000 })).toBeUndefined();
  });

  it('does not hash whole what only a composite sink wants: a one-part object still has its whole digest', async () => {
    const run = async (body: Buffer) => {
      const stream = new ChecksumStream(['md5'], [{ algorithm: 'md5', partSize: 4096 }]);
      const done = pipeline(Readable.from([body]), stream);
      stream.resume();
      await done;
      return stream;
    };
    expect((await run(bytes.subarray(0, 4000))).digest('md5')).toBe(
      md5(bytes.subarray(0, 4000)).toString('hex'),
    );
    expect((await run(bytes)).digest('md5')).toBeUndefined();
    expect((await run(bytes)).digest('sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
