import { getEventListeners } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { PluginFailure } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { CTX, collect, encodeBuffer, KEK_A, patternBytes, settings } from '../test-support/helpers.js';
import { decodeObject } from './decode.js';
import { encodeObject } from './encode.js';
import { keyRingOf } from './keyring.js';

const KiB = 1024;

/**
 * An endless input that counts what was pulled from it. Each piece comes on a later turn of the
 * event loop, like a network body, so a flowing consumer never starves timers.
 */
const endless = (): { stream: Readable; pulled(): number } => {
  let pulled = 0;
  const stream = new Readable({
    read() {
      setImmediate(() => {
        pulled += 16 * KiB;
        this.push(Buffer.alloc(16 * KiB, 7));
      });
    },
  });
  return { stream, pulled: () => pulled };
};

const closed = (stream: Readable): Promise<void> =>
  new Promise((resolve) => (stream.closed ? resolve() : stream.once('close', () => resolve())));

const failureOf = (stream: Readable): Promise<unknown> =>
  new Promise((resolve, reject) => {
    stream.once('error', resolve);
    stream.once('end', () => reject(new Error('the stream ended without an error')));
    stream.resume();
  });

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('encode honours its signal', () => {
  it('already aborted: fails Transient "encode was aborted" and releases the input unread', async () => {
    const reason = new Error('interrupted by SIGINT');
    const input = endless();
    const result = encodeObject(input.stream, CTX, settings(), AbortSignal.abort(reason));
    expect(result._unsafeUnwrapErr()).toEqual({
      _tag: 'Transient',
      message: 'encode was aborted',
      cause: reason,
    });
    expect(input.stream.destroyed).toBe(true);
    expect(input.pulled()).toBe(0);
  });

  it('aborted mid-stream: the encoded stream fails with a PluginFailure and the input is destroyed', async () => {
    const controller = new AbortController();
    const input = endless();
    const encoded = encodeObject(input.stream, CTX, settings(), controller.signal)._unsafeUnwrap();
    const failed = failureOf(encoded.stream);
    await new Promise<void>((resolve) => encoded.stream.once('data', () => resolve()));
    expect(input.pulled()).toBeGreaterThan(0);
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error('stop'));
    const error = await failed;
    expect(error).toBeInstanceOf(PluginFailure);
    expect((error as PluginFailure).error).toMatchObject({
      _tag: 'Transient',
      message: 'encode was aborted',
    });
    await closed(input.stream);
    expect(input.stream.destroyed).toBe(true);
    expect(input.stream.readableEnded).toBe(false);
    await closed(encoded.stream);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('a completed encode leaves no listener on the signal (one signal serves a whole run)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 5; i++) {
      const input = Readable.from([patternBytes(10 * KiB, i + 1)], { objectMode: false });
      const encoded = encodeObject(input, CTX, settings(), controller.signal)._unsafeUnwrap();
      await collect(encoded.stream);
      await closed(encoded.stream);
    }
    expect(listeners(controller.signal)).toBe(0);
  });

  it('an encode that fails on its own leaves no listener either', async () => {
    const controller = new AbortController();
    const input = new PassThrough();
    const encoded = encodeObject(input, CTX, settings(), controller.signal)._unsafeUnwrap();
    const failed = failureOf(encoded.stream);
    input.destroy(new Error('socket hang up'));
    await failed;
    await closed(encoded.stream);
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe('decode honours its signal', () => {
  it('already aborted: fails Transient "decode was aborted" and releases the input unread', async () => {
    const input = endless();
    const result = await decodeObject(input.stream, CTX, keyRingOf(KEK_A), AbortSignal.abort());
    expect(result._unsafeUnwrapErr()).toMatchObject({ _tag: 'Transient', message: 'decode was aborted' });
    expect(input.stream.destroyed).toBe(true);
    expect(input.pulled()).toBe(0);
  });

  it('aborted while the header is read: the result fails and the input is destroyed', async () => {
    const controller = new AbortController();
    const input = new PassThrough();
    const decoded = decodeObject(input, CTX, keyRingOf(KEK_A), controller.signal);
    input.write(Buffer.from('CXAR'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await decoded)._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Transient',
      message: 'decode was aborted',
    });
    expect(input.destroyed).toBe(true);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('aborted in the body: the decoded stream fails with a PluginFailure and the input is destroyed', async () => {
    const object = await encodeBuffer(patternBytes(200 * KiB, 9));
    const controller = new AbortController();
    const input = new PassThrough();
    input.write(object.subarray(0, 50 * KiB)); // the header and some chunks; the rest never comes
    const stream = (await decodeObject(input, CTX, keyRingOf(KEK_A), controller.signal))._unsafeUnwrap();
    const failed = failureOf(stream);
    await new Promise<void>((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await failed;
    expect(error).toBeInstanceOf(PluginFailure);
    expect((error as PluginFailure).error).toMatchObject({
      _tag: 'Transient',
      message: 'decode was aborted',
    });
    expect(input.destroyed).toBe(true);
    await closed(stream);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('completed and failed decodes leave no listener on the signal', async () => {
    const controller = new AbortController();
    const object = await encodeBuffer(patternBytes(10 * KiB, 3));
    const good = (
      await decodeObject(Readable.from([object]), CTX, keyRingOf(KEK_A), controller.signal)
    )._unsafeUnwrap();
    await collect(good);
    await closed(good);
    const wrongKey = await decodeObject(
      Readable.from([object]),
      { ...CTX, itemId: 'c-2' },
      keyRingOf(KEK_A),
      controller.signal,
    );
    expect(wrongKey._unsafeUnwrapErr().message).toMatch(/^context mismatch: itemId/);
    const notCxar = await decodeObject(
      Readable.from([Buffer.from('nope')]),
      CTX,
      keyRingOf(KEK_A),
      controller.signal,
    );
    expect(notCxar._unsafeUnwrapErr().message).toMatch(/bad magic/);
    expect(listeners(controller.signal)).toBe(0);
  });
});
