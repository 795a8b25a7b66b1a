import { once } from 'node:events';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fromStreamError } from '@cxarchive/core';
import { collect, generatedStream, stallingStream } from '@cxarchive/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { live, makeSink, objectEntries, putOptions, tempFiles } from '../test-support/helpers.js';
import { openFsSink } from './open.js';
import { resolveOptions } from './schema.js';

/** Descriptors of this process open on a file called `name` (Linux: /proc/self/fd). */
const openFilesNamed = async (name: string): Promise<string[]> => {
  const fds = await readdir('/proc/self/fd').catch(() => []);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => path.basename(target) === name);
};

describe('fs sink cancellation', () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-cancel-'));
    root = path.join(base, 'root');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const CANCELLED = { _tag: 'Transient', message: 'fs sink: put of t/x.cxar was cancelled' };

  it('mid-body: stops writing, destroys the body, removes its temp file, stores nothing', async () => {
    const sink = await makeSink(base, root);
    const controller = new AbortController();
    const { stream, stalled } = stallingStream(300_000, 2);
    const put = sink.put('t/x.cxar', stream, putOptions({ signal: controller.signal }));
    await stalled;
    expect(await tempFiles(root), 'the bytes sit in a temp file').toHaveLength(1);
    controller.abort();
    expect((await put)._unsafeUnwrapErr()).toMatchObject(CANCELLED);
    expect(stream.destroyed, 'the body is destroyed').toBe(true);
    expect(await tempFiles(root)).toEqual([]);
    expect(await objectEntries(root)).toEqual(['t']);
    expect((await sink.head('t/x.cxar', live()))._unsafeUnwrap()).toBeNull();
    expect((await sink.put('t/x.cxar', generatedStream(10, 1), putOptions())).isOk()).toBe(true);
  });

  it('an already-aborted signal: nothing is read, created or written', async () => {
    const sink = await makeSink(base, root);
    const body = generatedStream(10, 1);
    const put = sink.put('t/x.cxar', body, putOptions({ signal: AbortSignal.abort() }));
    expect((await put)._unsafeUnwrapErr()).toMatchObject(CANCELLED);
    expect(body.destroyed).toBe(true);
    expect(await objectEntries(root)).toEqual([]);
  });

  it('after the last byte but before the link: nothing is left', async () => {
    const sink = await makeSink(base, root);
    const controller = new AbortController();
    let sent = false;
    const body = new Readable({
      read() {
        if (sent) {
          controller.abort(); // the body has ended for the sink, which has not linked yet
          this.push(null);
        } else {
          sent = true;
          this.push(Buffer.from('complete body'));
        }
      },
    });
    const put = sink.put('t/x.cxar', body, putOptions({ signal: controller.signal }));
    expect((await put)._unsafeUnwrapErr()).toMatchObject(CANCELLED);
    expect(await tempFiles(root)).toEqual([]);
    expect(await objectEntries(root)).toEqual(['t']);
  });

  it('after the link: the object exists and is reported normally', async () => {
    const controller = new AbortController();
    const resolved = resolveOptions({ root }, base)._unsafeUnwrap();
    const sink = (
      await openFsSink(resolved, {
        afterLink: async () => {
          controller.abort();
        },
      })
    )._unsafeUnwrap();
    const put = sink.put('t/x.cxar', generatedStream(5000, 3), putOptions({ signal: controller.signal }));
    const stored = (await put)._unsafeUnwrap();
    expect(stored).toMatchObject({ key: 't/x.cxar', size: 5000 });
    expect((await sink.head('t/x.cxar', live()))._unsafeUnwrap()).toEqual(stored);
  });

  it('a body that waits for data is woken by the abort (no hang)', async () => {
    const sink = await makeSink(base, root);
    const controller = new AbortController();
    const body = new PassThrough();
    const put = sink.put('t/x.cxar', body, putOptions({ signal: controller.signal }));
    body.write(Buffer.alloc(100, 1));
    while ((await tempFiles(root)).length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await put)._unsafeUnwrapErr()).toMatchObject(CANCELLED);
    expect(await tempFiles(root)).toEqual([]);
  });

  it('head and get with an aborted signal fail as cancelled', async () => {
    const sink = await makeSink(base, root);
    await sink.put('t/x.cxar', generatedStream(10, 1), putOptions());
    expect((await sink.head('t/x.cxar', AbortSignal.abort()))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Transient',
      message: 'fs sink: head of t/x.cxar was cancelled',
    });
    expect((await sink.get('t/x.cxar', AbortSignal.abort()))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Transient',
      message: 'fs sink: get of t/x.cxar was cancelled',
    });
  });

  it('get: aborting while the bytes flow destroys the stream with a classified cancellation', async () => {
    const sink = await makeSink(base, root);
    await sink.put('t/x.cxar', generatedStream(1_000_000, 1), putOptions());
    const controller = new AbortController();
    const stream = (await sink.get('t/x.cxar', controller.signal))._unsafeUnwrap();
    let received = 0;
    const read = (async () => {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        if (received >= 65_536) controller.abort();
      }
    })();
    const error = await read.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(fromStreamError(error)).toMatchObject({
      _tag: 'Transient',
      message: 'fs sink: reading t/x.cxar was cancelled',
    });
    expect(received).toBeLessThan(1_000_000);
    expect(stream.destroyed).toBe(true);
  });

  it('get: a stream read to its end is the object, and closes its file', async () => {
    const sink = await makeSink(base, root);
    await sink.put('t/x.cxar', generatedStream(200_001, 9), putOptions());
    const stream = (await sink.get('t/x.cxar', live()))._unsafeUnwrap();
    expect((await collect(stream)).equals(await collect(generatedStream(200_001, 9)))).toBe(true);
    if (!stream.closed) await once(stream, 'close');
    expect(await openFilesNamed('x.cxar'), 'no descriptor left open on the object').toEqual([]);
  });
});
