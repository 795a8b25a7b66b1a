import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ChecksumStream, createCompositeHasher } from '@cxarchive/core';
import {
  type CephRgw,
  cephRgwUnavailable,
  collect,
  describeSinkConformance,
  failingStream,
  generatedStream,
  stallingStream,
  startCephRgw,
  startHttpFaultProxy,
  waitUntil,
} from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, createBucket, makeSink, objectsUnder, openUploads } from '../test-support/rgw.js';

const MiB = 1024 * 1024;
const live = () => new AbortController().signal;
const putOptions = (signal: AbortSignal = live()) => ({
  signal,
  contentType: 'application/octet-stream',
  metadata: {},
});

const unavailable = cephRgwUnavailable();

if (unavailable !== undefined) {
  describe.skip(`s3 sink on Ceph RGW — skipped: ${unavailable}`, () => {
    it('needs Ceph RGW', () => {});
  });
} else {
  let rgw: CephRgw;
  let admin: S3Client;
  let cases = 0;

  beforeAll(async () => {
    rgw = await startCephRgw();
    admin = adminClient(rgw);
    await createBucket(admin, 'archive');
  }, 300_000);
  afterAll(async () => {
    admin?.destroy();
    await rgw?.stop();
  }, 60_000);

  describeSinkConformance(
    's3 on Ceph RGW',
    async () => {
      const prefix = `conformance-${++cases}/`;
      // Pages of 2 objects, so the list case follows ContinuationToken across many.
      const sink = makeSink(rgw, { prefix }, { listPageSize: 2 });
      return { sink, prefix, listPageSize: 2, cleanup: async () => sink.close?.() };
    },
    {
      timeoutMs: 120_000,
      faults: {
        missingContainer: async () => ({
          sink: makeSink(rgw, { bucket: 'no-such-bucket' }),
          container: 'no-such-bucket',
        }),
        badCredentials: async () => makeSink(rgw, { secretAccessKey: 'WRONG-SECRET-VALUE' }),
        proxyTarget: () => {
          const target = new URL(rgw.endpoint);
          return { host: target.hostname, port: Number(target.port) };
        },
        behindProxy: async (proxy) => makeSink(rgw, { endpoint: proxy.url, prefix: `proxied-${++cases}/` }),
        // S3 (and RGW) throttles with 503 SlowDown, which the sink maps to Throttled: its plain
        // server error is a 500 InternalError.
        unavailable: {
          status: 500,
          headers: { 'content-type': 'application/xml' },
          body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
        },
        // A bucket created with Object Lock; the retention the store keeps, read with HeadObject.
        retention: async () => {
          await createBucket(admin, 'locked-conformance', true);
          const prefix = `conformance-${++cases}/`;
          return {
            sink: makeSink(rgw, { bucket: 'locked-conformance', prefix }),
            held: async (key) => {
              const info = await admin.send(
                new HeadObjectCommand({ Bucket: 'locked-conformance', Key: `${prefix}${key}` }),
              );
              if (info.ObjectLockMode === undefined || info.ObjectLockRetainUntilDate === undefined)
                return undefined;
              return {
                mode: info.ObjectLockMode === 'COMPLIANCE' ? 'compliance' : 'governance',
                until: info.ObjectLockRetainUntilDate,
              };
            },
          };
        },
        retentionUnavailable: async () => ({
          sink: makeSink(rgw, { prefix: `conformance-${++cases}/` }),
          container: 'archive',
        }),
        throttle: {
          status: 503,
          headers: { 'content-type': 'application/xml' },
          body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        },
      },
    },
  );

  // The same suite at the bucket root: a fresh bucket per case, no prefix…
  describeSinkConformance(
    's3 on Ceph RGW, no prefix, verify "read-back"',
    async () => {
      const bucket = `root-${++cases}`;
      await createBucket(admin, bucket);
      // …and verified by read-back, so both ways of verifying pass the whole suite.
      const sink = makeSink(rgw, { bucket, verify: 'read-back' });
      return { sink, cleanup: async () => sink.close?.() };
    },
    {
      timeoutMs: 120_000,
      skip: {
        'missing-container': 'run once, in "s3 on Ceph RGW": the fault cases make sinks of their own',
        'bad-credentials': 'run once, in "s3 on Ceph RGW": the fault cases make sinks of their own',
        'fault-unavailable': 'run once, in "s3 on Ceph RGW": the fault cases make sinks of their own',
        'fault-throttled': 'run once, in "s3 on Ceph RGW": the fault cases make sinks of their own',
        'fault-reset': 'run once, in "s3 on Ceph RGW": the fault cases make sinks of their own',
        retention: 'run once, in "s3 on Ceph RGW": the retention cases make sinks of their own',
        'retention-unavailable': 'run once, in "s3 on Ceph RGW": the retention cases make sinks of their own',
      },
    },
  );

  describe('s3 sink on Ceph RGW', () => {
    it('a missing bucket fails put, get and head with InvalidInput naming the bucket (head is not a null)', async () => {
      const sink = makeSink(rgw, { bucket: 'no-such-bucket' });
      const put = await sink.put('a/b.bin', generatedStream(100, 1), putOptions());
      expect(put._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      expect(put._unsafeUnwrapErr().message).toContain('"no-such-bucket"');
      const get = await sink.get('a/b.bin', live());
      expect(get._unsafeUnwrapErr()._tag).toBe('InvalidInput');
      const head = (await sink.head('a/b.bin', live()))._unsafeUnwrapErr();
      expect(head).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
      expect(head.message).toContain('"no-such-bucket"');
      const list = (await sink.list!('a/', { signal: live() }))._unsafeUnwrapErr();
      expect(list).toMatchObject({ _tag: 'InvalidInput' });
      expect(list.message).toContain('"no-such-bucket"');
    });

    it('a wrong secret fails Auth, and the secret is in no message', async () => {
      const sink = makeSink(rgw, { secretAccessKey: 'WRONG-SECRET-VALUE' });
      const put = await sink.put('auth/b.bin', generatedStream(100, 1), putOptions());
      expect(put._unsafeUnwrapErr()._tag).toBe('Auth');
      const head = await sink.head('auth/b.bin', live());
      expect(head._unsafeUnwrapErr()._tag).toBe('Auth');
      const list = await sink.list!('auth/', { signal: live() });
      expect(list._unsafeUnwrapErr()._tag).toBe('Auth');
      for (const error of [put._unsafeUnwrapErr(), head._unsafeUnwrapErr(), list._unsafeUnwrapErr()])
        expect(JSON.stringify(error)).not.toContain('WRONG-SECRET-VALUE');
    });

    it('an unknown access key fails Auth', async () => {
      const sink = makeSink(rgw, { accessKeyId: 'NOSUCHKEY' });
      expect((await sink.get('auth/x.bin', live()))._unsafeUnwrapErr()._tag).toBe('Auth');
    });

    it('create-only holds for a multipart upload (RGW 16 ignores If-None-Match on completion: the sink finds the object first), nothing is overwritten, no upload stays open', async () => {
      const sink = makeSink(rgw, { prefix: 'mp-create-only/' });
      const first = await sink.put('big.bin', generatedStream(12 * MiB, 3), putOptions());
      expect(first.isOk(), first.isErr() ? first.error.message : '').toBe(true);
      const second = await sink.put('big.bin', generatedStream(11 * MiB, 4), putOptions());
      expect(second._unsafeUnwrapErr()._tag).toBe('AlreadyExists');
      const back = await collect((await sink.get('big.bin', live()))._unsafeUnwrap());
      expect(back.equals(await collect(generatedStream(12 * MiB, 3)))).toBe(true);
      expect(await openUploads(admin, 'archive', 'mp-create-only/')).toEqual([]);
    });

    it('a second single-part put of a key is refused by RGW itself with 412 (If-None-Match: *) → AlreadyExists', async () => {
      const sink = makeSink(rgw, { prefix: 'create-only-412/' });
      expect((await sink.put('k.bin', generatedStream(1000, 1), putOptions())).isOk()).toBe(true);
      const second = (await sink.put('k.bin', generatedStream(1000, 2), putOptions()))._unsafeUnwrapErr();
      expect(second._tag).toBe('AlreadyExists');
      expect(second.message).toContain('HTTP 412');
    });

    it('a multipart put cancelled after its first parts leaves no object and no open multipart upload', async () => {
      const sink = makeSink(rgw, { prefix: 'mp-cancel/' });
      const controller = new AbortController();
      const { stream, stalled } = stallingStream(11 * MiB, 9);
      const put = sink.put('cancelled.bin', stream, putOptions(controller.signal));
      await stalled;
      // Cancel only once the multipart upload is open on the store.
      await waitUntil('the multipart upload to open', async () => {
        return (await openUploads(admin, 'archive', 'mp-cancel/')).length === 1;
      });
      controller.abort(new Error('test: cancelled'));
      const result = await put;
      expect(result._unsafeUnwrapErr()._tag).toBe('Transient');
      expect(result._unsafeUnwrapErr().message).toContain('cancelled');
      expect(await openUploads(admin, 'archive', 'mp-cancel/')).toEqual([]);
      expect(await objectsUnder(admin, 'archive', 'mp-cancel/')).toEqual([]);
    });

    it('a body failing after two parts leaves no object and no open multipart upload', async () => {
      const sink = makeSink(rgw, { prefix: 'mp-fail/' });
      const failure = new Error('injected: socket hang up');
      const result = await sink.put('failed.bin', failingStream(11 * MiB, failure), putOptions());
      expect(result._unsafeUnwrapErr()._tag).toBe('Transient');
      expect(await openUploads(admin, 'archive', 'mp-fail/')).toEqual([]);
      expect(await objectsUnder(admin, 'archive', 'mp-fail/')).toEqual([]);
    });

    it('retention: single-part and multipart objects are stored under Object Lock, and their versions cannot be deleted', async () => {
      await admin.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
      const sink = makeSink(rgw, { bucket: 'locked', prefix: 'retention/' });
      expect(sink.capabilities?.retention).toBe(true);
      const until = new Date(Date.now() + 3_600_000);
      for (const [key, size] of [
        ['small.bin', 1000],
        ['large.bin', 12 * MiB],
      ] as const) {
        const put = await sink.put(key, generatedStream(size, 5), {
          ...putOptions(),
          retention: { mode: 'governance', until },
        });
        expect(put.isOk(), put.isErr() ? put.error.message : '').toBe(true);
        const info = await admin.send(new HeadObjectCommand({ Bucket: 'locked', Key: `retention/${key}` }));
        expect(info.ObjectLockMode, key).toBe('GOVERNANCE');
        expect(Math.floor((info.ObjectLockRetainUntilDate?.getTime() ?? 0) / 1000)).toBe(
          Math.floor(until.getTime() / 1000),
        );
        const deletion = admin.send(
          new DeleteObjectCommand({ Bucket: 'locked', Key: `retention/${key}`, VersionId: info.VersionId }),
        );
        await expect(deletion, `deleting the locked version of ${key}`).rejects.toMatchObject({
          name: 'AccessDenied',
        });
      }
    });

    it('retention asked of a bucket without Object Lock fails InvalidInput before any upload: no object, no multipart upload', async () => {
      const sink = makeSink(rgw, { prefix: 'retention-unlocked/' });
      const put = await sink.put('x.bin', generatedStream(12 * MiB, 5), {
        ...putOptions(),
        retention: { mode: 'governance', until: new Date(Date.now() + 3_600_000) },
      });
      expect(put._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
      expect(put._unsafeUnwrapErr().message).toContain('Object Lock');
      expect(await objectsUnder(admin, 'archive', 'retention-unlocked/')).toEqual([]);
      expect(await openUploads(admin, 'archive', 'retention-unlocked/')).toEqual([]);
    });

    it('on a versioned bucket, a second put of a key fails AlreadyExists and makes no second version (RGW ignores If-None-Match there)', async () => {
      await createBucket(admin, 'versioned');
      await admin.send(
        new PutBucketVersioningCommand({
          Bucket: 'versioned',
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
      const sink = makeSink(rgw, { bucket: 'versioned' });
      const first = (await sink.put('v.bin', generatedStream(100, 1), putOptions()))._unsafeUnwrap();
      const again = await sink.put('v.bin', generatedStream(100, 2), putOptions());
      expect(again._unsafeUnwrapErr()._tag).toBe('AlreadyExists');
      const versions = await admin.send(
        new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: 'v.bin' }),
      );
      expect(versions.Versions ?? []).toHaveLength(1);
      // The version id came with PutObject's answer (no HEAD after it): the one RGW keeps.
      expect(first.versionId).toBeDefined();
      expect(first.versionId).toBe(versions.Versions?.[0]?.VersionId);
    });

    it('verify "read-back": the checksum is the SHA-256 read back from the store, for a multipart object too', async () => {
      const sink = makeSink(rgw, { prefix: 'mp-checksum/', verify: 'read-back' });
      expect(sink.checksums).toEqual(['sha256']);
      const stored = (await sink.put('c.bin', generatedStream(12 * MiB, 8), putOptions()))._unsafeUnwrap();
      const expected = createHash('sha256')
        .update(await collect(generatedStream(12 * MiB, 8)))
        .digest('hex');
      expect(stored).toMatchObject({ key: 'mp-checksum/c.bin', size: 12 * MiB });
      expect(stored.checksum).toEqual({ algorithm: 'sha256', value: expected });
    });

    it('verify "etag": a multipart object reports the MD5 of its part MD5s and the part count, as RGW computed it', async () => {
      const sink = makeSink(rgw, { prefix: 'mp-etag/' });
      expect(sink.checksumPartSize).toBe(5 * MiB);
      const stored = (await sink.put('c.bin', generatedStream(12 * MiB, 9), putOptions()))._unsafeUnwrap();
      const bytes = await collect(generatedStream(12 * MiB, 9));
      const hasher = createCompositeHasher('md5', 5 * MiB);
      hasher.update(bytes);
      expect(stored.checksum).toEqual({ ...hasher.digest(), parts: 3 });
      const info = await admin.send(new HeadObjectCommand({ Bucket: 'archive', Key: 'mp-etag/c.bin' }));
      expect(info.ETag).toBe(`"${stored.checksum.value}-3"`);
      expect((await sink.head('c.bin', live()))._unsafeUnwrap()?.checksum).toEqual(stored.checksum);
    });

    it("a single PutObject reports RGW's own answer: the size and ETag a HEAD gives, without sending one", async () => {
      const sink = makeSink(rgw, { prefix: 'no-head/' });
      const bytes = await collect(generatedStream(3 * MiB + 17, 21));
      const stored = (
        await sink.put('s.bin', generatedStream(3 * MiB + 17, 21), putOptions())
      )._unsafeUnwrap();
      const info = await admin.send(new HeadObjectCommand({ Bucket: 'archive', Key: 'no-head/s.bin' }));
      expect(stored).toEqual({
        key: 'no-head/s.bin',
        size: info.ContentLength,
        checksum: { algorithm: 'md5', value: createHash('md5').update(bytes).digest('hex') },
      });
      expect(info.ETag).toBe(`"${stored.checksum.value}"`);
    });

    it("the runtime's part MD5s (its checksum stream before the sink) go as the Content-MD5s of a multipart upload; a wrong one is refused by RGW (Transient, nothing stored, no upload left open)", async () => {
      const sink = makeSink(rgw, { prefix: 'part-digests/' });
      const spec = { algorithm: 'md5' as const, partSize: 5 * MiB };
      const upload = async (key: string, wrongPart?: number) => {
        const sent = new ChecksumStream(['md5'], [spec]);
        const asked: number[] = [];
        const put = await sink.put(key, generatedStream(12 * MiB, 22).pipe(sent), {
          ...putOptions(),
          partDigest: (n) => {
            asked.push(n);
            return n === wrongPart
              ? createHash('md5').update('another part').digest('hex')
              : sent.partDigest(spec, n);
          },
        });
        return { put, asked: asked.sort((x, y) => x - y), sent };
      };
      const good = await upload('good.bin');
      expect(good.asked).toEqual([1, 2, 3]);
      expect(good.put._unsafeUnwrap().checksum).toEqual(good.sent.composite(spec));
      const bad = await upload('bad.bin', 2);
      expect(bad.put._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient' });
      expect(bad.put._unsafeUnwrapErr().message).toContain('BadDigest');
      expect(await objectsUnder(admin, 'archive', 'part-digests/')).toEqual(['part-digests/good.bin']);
      expect(await openUploads(admin, 'archive', 'part-digests/')).toEqual([]);
    });

    it('verify "etag": a part corrupted on the way is refused by RGW through its Content-MD5 (Transient, nothing stored, no upload left open)', async () => {
      const target = new URL(rgw.endpoint);
      const proxy = await startHttpFaultProxy(
        { host: target.hostname, port: Number(target.port) },
        { corruptRequestByteAt: 1000 },
        { keepHost: true },
      );
      try {
        const sink = makeSink(rgw, { endpoint: proxy.url, prefix: 'corrupted/' });
        const put = await sink.put('c.bin', generatedStream(12 * MiB, 10), putOptions());
        expect(put._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient' });
        expect(put._unsafeUnwrapErr().message).toContain('BadDigest');
        expect(await objectsUnder(admin, 'archive', 'corrupted/')).toEqual([]);
        expect(await openUploads(admin, 'archive', 'corrupted/')).toEqual([]);
      } finally {
        await proxy.stop();
      }
    });
  });
}
