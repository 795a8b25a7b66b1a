import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ItemRef, isPluginFailure, type PluginError, type Source } from '@cxarchive/core';
import { startHttpFaultProxy, startTcpFaultProxy } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketOptions } from '../src/bucket/options.js';
import { resolveOptions } from '../src/schema.js';
import { createFilesSource } from '../src/source.js';
import { byId, fetchErr, fetchOk, listAll, live, readAll } from './fixture.js';

/** What the shared bucket cases need of one store's test server. */
export interface BucketHarness {
  /** Starts the server and makes the bucket (or container). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The `bucket` option for `prefix` on the test server (extra options on top). */
  options(prefix: string, extra?: Record<string, unknown>): BucketOptions;
  /** The same with credentials the server refuses; undefined when it checks none (said in `why`). */
  wrongCredentials?(prefix: string): BucketOptions;
  /** Host and port of the test server, for a fault proxy in front of it. */
  target(): { host: string; port: number };
  /** The options for `prefix` with the endpoint replaced by `url` (a proxy in front of the server). */
  via(prefix: string, url: string): BucketOptions;
  /** Matches the proxy log line (`GET /path?query`) of a listing request. */
  readonly listingRequest: RegExp;
  /** The same pointed at a loopback port where nothing listens. */
  unreachable(prefix: string): Promise<BucketOptions>;
  /** The same on a bucket (container) that does not exist; absent when the server makes buckets on demand. */
  missingBucket?(prefix: string): BucketOptions;
  /** Writes an object behind the source's back (full key). */
  put(key: string, body: Buffer): Promise<void>;
  /** Every secret the options hold: none may appear in an error. */
  readonly secrets: readonly string[];
}

const create = async (
  base: string,
  bucket: BucketOptions,
  manifest = 'm.csv',
): Promise<{ source?: Source; error?: PluginError }> => {
  const resolved = resolveOptions({ bucket, manifest }, base);
  if (resolved.isErr()) return { error: resolved.error };
  const created = await createFilesSource(resolved.value);
  return created.isOk() ? { source: created.value } : { error: created.error };
};

const HEADER = 'file,contactNumber,threadId,channelId\n';

/**
 * The files source on a bucket prefix, against a real store's test server: listing with a
 * manifest, refusals, exact bytes, a changed object, many listing pages, credentials and reachability.
 */
export const describeBucketSource = (name: string, harness: BucketHarness): void => {
  describe(`files source on ${name}`, () => {
    let base: string;
    let cases = 0;
    const prefix = () => `case-${++cases}/`;
    const manifest = (text: string) => writeFile(path.join(base, 'm.csv'), HEADER + text);
    const noSecrets = (error: PluginError) => {
      const text = `${error.message} ${JSON.stringify(error)}`;
      for (const secret of harness.secrets) expect(text).not.toContain(secret);
    };

    beforeAll(async () => {
      base = await mkdtemp(path.join(tmpdir(), 'cxarchive-source-files-bucket-'));
      await harness.start();
    }, 300_000);
    afterAll(async () => {
      await harness.stop();
      await rm(base, { recursive: true, force: true });
    }, 60_000);

    it('lists the prefix against the manifest: items with the directory ids, refusals, exact bytes', async () => {
      const p = prefix();
      const invoice = randomBytes(300 * 1024 + 17);
      const photo = randomBytes(1000);
      await harness.put(`${p}invoices/nov.pdf`, invoice);
      await harness.put(`${p}photo.png`, photo);
      await harness.put(`${p}stray.txt`, Buffer.from('nobody named me'));
      await harness.put(`${p}folder/`, Buffer.alloc(0)); // a "folder" marker: no file
      await harness.put(`other-${p}outside.pdf`, Buffer.from('not under the prefix'));
      await manifest(
        'invoices/nov.pdf,1001,,chat_1\nphoto.png,,th-7,email_2\nmissing.pdf,1002,,chat_1\nbad.pdf,1003,th-9,chat_1\n',
      );
      const { source } = await create(base, harness.options(p));
      const { refs } = await listAll(source!);
      expect(refs.map((r) => r.id)).toEqual([
        'chat_1/contact-1001/invoices/nov.pdf',
        'email_2/thread-th-7/photo.png',
        'chat_1/contact-1002/missing.pdf',
        expect.stringMatching(/^refused\/row\/[0-9a-f]{32}$/),
        'refused/file/stray.txt',
      ]);

      const item = await fetchOk(source!, refs[0]!);
      expect(item.record).toEqual({
        target: { contactNumber: '1001', channelId: 'chat_1' },
        file: { name: 'nov.pdf', size: invoice.length, path: 'invoices/nov.pdf' },
        friendlyName: 'nov.pdf',
      });
      expect(Math.abs(item.occurredAt.getTime() - Date.now())).toBeLessThan(10 * 60_000); // the object's time
      const artifact = item.artifacts[0]!;
      expect(artifact.size).toBe(invoice.length);
      // Lazy and repeatable: every open streams the whole object again.
      expect((await readAll((await artifact.open(live()))._unsafeUnwrap())).equals(invoice)).toBe(true);
      expect((await readAll((await artifact.open(live()))._unsafeUnwrap())).equals(invoice)).toBe(true);
      const second = await fetchOk(source!, refs[1]!);
      expect((await readAll((await second.artifacts[0]!.open(live()))._unsafeUnwrap())).equals(photo)).toBe(
        true,
      );

      const missing = await fetchErr(source!, refs[2]!);
      expect(missing._tag).toBe('NotFound');
      expect(missing.message).toContain('file "missing.pdf" is not in');
      expect(missing.message).toContain(p);
      const bad = await fetchErr(source!, refs[3]!);
      expect(bad._tag).toBe('InvalidInput');
      expect(bad.message).toMatch(/line 5: .*contactNumber.*threadId/);
      const stray = await fetchErr(source!, refs[4]!);
      expect(stray._tag).toBe('InvalidInput');
      expect(stray.message).toContain('no manifest row for file "stray.txt"');
    });

    it('fails an object replaced between fetch and open Permanent, whatever its size', async () => {
      const p = prefix();
      const before = randomBytes(4096);
      await harness.put(`${p}a.pdf`, before);
      await manifest('a.pdf,1001,,chat_1\n');
      const { source } = await create(base, harness.options(p));
      const { refs } = await listAll(source!);
      const item = await fetchOk(source!, refs[0]!);
      // Same size, other bytes: only the version (ETag or generation) tells them apart.
      await harness.put(`${p}a.pdf`, randomBytes(4096));
      const opened = await item.artifacts[0]!.open(live());
      const error = opened._unsafeUnwrapErr();
      expect(error._tag).toBe('Permanent');
      expect(error.message).toContain('file "a.pdf" changed after it was fetched');
      // The next fetch takes the object as it is now.
      const again = await fetchOk(source!, refs[0]!);
      expect((await again.artifacts[0]!.open(live())).isOk()).toBe(true);
    });

    it('fails a read cut off mid-body Transient, the error classified and free of secrets', async () => {
      const p = prefix();
      const body = randomBytes(1024 * 1024);
      await harness.put(`${p}big.wav`, body);
      await manifest('big.wav,1001,,chat_1\n');
      // Listing and HEAD answers are a few KiB: the connection is reset inside the GET's body.
      const proxy = await startTcpFaultProxy(harness.target(), { resetAfterBytes: 256 * 1024 });
      try {
        const { source } = await create(base, harness.via(p, proxy.url));
        const { refs } = await listAll(source!);
        const item = await fetchOk(source!, refs[0]!);
        const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
        const failure = await readAll(stream).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(isPluginFailure(failure)).toBe(true);
        const error = (failure as { error: PluginError }).error;
        expect(error._tag).toBe('Transient');
        expect(error.message).toContain('reading file "big.wav" from');
        noSecrets(error);
      } finally {
        await proxy.stop();
      }
    });

    it('follows the listing across many pages, asking for the next page only when it is needed', async () => {
      const p = prefix();
      const names = Array.from({ length: 11 }, (_, i) => `f${String(i).padStart(2, '0')}.pdf`);
      for (const n of names) await harness.put(`${p}${n}`, Buffer.from(n));
      await manifest('f03.pdf,1001,,chat_1\n');
      const proxy = await startHttpFaultProxy(harness.target(), {}, { keepHost: true });
      const listings = () => proxy.log().filter((line) => harness.listingRequest.test(line)).length;
      try {
        const resolved = resolveOptions(
          { bucket: { ...harness.via(p, proxy.url), listPageSize: 2 }, manifest: 'm.csv', pageSize: 4 },
          base,
        )._unsafeUnwrap();
        const source = (await createFilesSource(resolved))._unsafeUnwrap();
        expect(listings()).toBe(1); // the probe at start
        const pages = source.pages(undefined, live())[Symbol.asyncIterator]();
        const first = (await pages.next()).value!._unsafeUnwrap();
        // The row, then f00–f02: two listing pages of 2 keys, not the whole prefix.
        expect(first.items.length).toBe(4);
        expect(listings()).toBe(3);
        const rest: string[] = [];
        for (let next = await pages.next(); next.done !== true; next = await pages.next())
          rest.push(...next.value._unsafeUnwrap().items.map((r) => r.id));
        expect(listings()).toBe(7); // 11 keys, 2 a page: 6 pages, and the probe
        expect([...first.items.map((r: ItemRef) => r.id), ...rest]).toEqual([
          'chat_1/contact-1001/f03.pdf',
          ...names.filter((n) => n !== 'f03.pdf').map((n) => `refused/file/${n}`),
        ]);
        const item = await fetchOk(source, byId(first.items, 'chat_1/contact-1001/f03.pdf'));
        expect((await readAll((await item.artifacts[0]!.open(live()))._unsafeUnwrap())).toString()).toBe(
          'f03.pdf',
        );
      } finally {
        await proxy.stop();
      }
    });

    it('fails the listing Throttled when the store answers 503 to a page', async () => {
      const p = prefix();
      for (const n of ['a.pdf', 'b.pdf', 'c.pdf']) await harness.put(`${p}${n}`, Buffer.from(n));
      await manifest('a.pdf,1001,,chat_1\n');
      const proxy = await startHttpFaultProxy(harness.target(), {}, { keepHost: true });
      try {
        const resolved = resolveOptions(
          { bucket: { ...harness.via(p, proxy.url), listPageSize: 1 }, manifest: 'm.csv' },
          base,
        )._unsafeUnwrap();
        const source = (await createFilesSource(resolved))._unsafeUnwrap();
        // Request 1 was the probe; the listing's second page (request 3) is refused.
        proxy.setFaults({ respond: [{ nth: 3, status: 503, headers: { 'retry-after': '2' } }] });
        let failure: PluginError | undefined;
        for await (const page of source.pages(undefined, live())) if (page.isErr()) failure = page.error;
        expect(failure?._tag).toBe('Throttled');
        expect(failure?.message).toContain('listing');
        noSecrets(failure!);
      } finally {
        await proxy.stop();
      }
    });

    const missingBucket = harness.missingBucket;
    it.runIf(missingBucket !== undefined)(
      'refuses to start on a bucket that does not exist (InvalidInput naming it)',
      async () => {
        await manifest('a.pdf,1001,,chat_1\n');
        const { error } = await create(base, missingBucket!(prefix()));
        expect(error?._tag).toBe('InvalidInput');
        expect(error?.message).toMatch(/does not exist/);
        noSecrets(error!);
      },
    );

    it('fails Transient when the endpoint cannot be reached', async () => {
      await manifest('a.pdf,1001,,chat_1\n');
      const { error } = await create(base, await harness.unreachable(prefix()));
      expect(error?._tag).toBe('Transient');
      expect(error?.message).toContain('could not be reached');
      noSecrets(error!);
    });

    const wrong = harness.wrongCredentials;
    it.runIf(wrong !== undefined)(
      'fails Auth on credentials the store refuses, never showing them',
      async () => {
        await manifest('a.pdf,1001,,chat_1\n');
        const { error } = await create(base, wrong!(prefix()));
        expect(error?._tag).toBe('Auth');
        expect(error?.message).toContain('credentials were refused');
        noSecrets(error!);
      },
    );
  });
};
