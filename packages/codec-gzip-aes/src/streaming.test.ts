import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { fromStreamError, PluginErrors, PluginFailure, sha256OfStream } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { CTX, encodeBuffer, KEK_A, NEVER, readableOf, settings } from '../test-support/helpers.js';
import { decodeObject } from './decode.js';
import { encodeObject } from './encode.js';
import { keyRingOf } from './keyring.js';

const MiB = 1024 * 1024;

/** A generated input of `total` bytes in 64 KiB pieces, hashed as it is produced. */
const generated = (total: number): { stream: Readable; sha256: () => string } => {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const piece = randomBytes(Math.min(64 * 1024, total - produced));
      produced += piece.length;
      hash.update(piece);
      this.push(piece);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
};

const streamError = (stream: Readable): Promise<unknown> =>
  new Promise((resolve, reject) => {
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('the stream ended without an error')));
    stream.resume();
  });

describe('streaming', () => {
  it('32 MiB encodes and decodes as a stream (SHA-256 of input and output compared)', async () => {
    const input = generated(32 * MiB);
    const encoded = encodeObject(input.stream, CTX, settings({ chunkSizeLog2: 16 }), NEVER)._unsafeUnwrap();
    // Encode → decode without ever materialising the object: the decoder reads the encoder's stream.
    const decoded = (await decodeObject(encoded.stream, CTX, keyRingOf(KEK_A), NEVER))._unsafeUnwrap();
    const out = await sha256OfStream(decoded);
    expect(out.size).toBe(32 * MiB);
    expect(out.sha256).toBe(input.sha256());
  });

  it('gzip inside streams too', async () => {
    const json = Buffer.from(JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ id: i, note: 'n' }))));
    const ctx = { ...CTX, contentType: 'application/json' };
    const encoded = encodeObject(
      readableOf(json, 1000),
      ctx,
      settings({ compression: 'auto' }),
      NEVER,
    )._unsafeUnwrap();
    const decoded = (await decodeObject(encoded.stream, ctx, keyRingOf(KEK_A), NEVER))._unsafeUnwrap();
    const out = await sha256OfStream(decoded);
    expect(out.sha256).toBe(createHash('sha256').update(json).digest('hex'));
  });

  it('an input stream that fails midway makes the encoded stream fail (Transient, classified by core)', async () => {
    let sent = 0;
    const input = new Readable({
      read() {
        if (sent >= 3) {
          this.destroy(new Error('socket hang up'));
          return;
        }
        sent += 1;
        this.push(Buffer.alloc(10_000, sent));
      },
    });
    const encoded = encodeObject(input, CTX, settings(), NEVER)._unsafeUnwrap();
    const error = await streamError(encoded.stream);
    expect(error).toBeInstanceOf(PluginFailure);
    expect((error as PluginFailure).error).toEqual(fromStreamError(new Error('socket hang up')));
    expect((error as PluginFailure).error._tag).toBe('Transient');
  });

  it('a tagged input failure keeps its tag through encode', async () => {
    const input = new PassThrough();
    const encoded = encodeObject(input, CTX, settings({ compression: 'gzip' }), NEVER)._unsafeUnwrap();
    input.write(Buffer.alloc(5000, 1));
    input.destroy(new PluginFailure(PluginErrors.notFound('recording gone')));
    const error = await streamError(encoded.stream);
    expect((error as PluginFailure).error).toEqual({ _tag: 'NotFound', message: 'recording gone' });
  });

  it('an input stream that fails while the decoder reads chunks makes the decoded stream fail', async () => {
    const object = await encodeBuffer(Buffer.alloc(20_000, 7));
    const input = new PassThrough();
    const decoded = decodeObject(input, CTX, keyRingOf(KEK_A), NEVER);
    input.write(object.subarray(0, 5000));
    const stream = (await decoded)._unsafeUnwrap();
    const failed = streamError(stream);
    input.destroy(new Error('connection reset'));
    const error = await failed;
    expect(error).toBeInstanceOf(PluginFailure);
    expect((error as PluginFailure).error._tag).toBe('Transient');
  });

  it('an input stream that fails inside the header fails the decode result', async () => {
    const input = new PassThrough();
    const decoded = decodeObject(input, CTX, keyRingOf(KEK_A), NEVER);
    input.write(Buffer.from('CXAR'));
    input.destroy(new Error('connection reset'));
    const error = (await decoded)._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toContain('connection reset');
  });

  it('destroying the encoded stream early tears down the input', async () => {
    const input = generated(8 * MiB).stream;
    const encoded = encodeObject(input, CTX, settings(), NEVER)._unsafeUnwrap();
    await new Promise<void>((resolve) => encoded.stream.once('readable', () => resolve()));
    expect(encoded.stream.read()).not.toBeNull();
    encoded.stream.destroy();
    await new Promise<void>((resolve) =>
      input.destroyed ? resolve() : input.once('close', () => resolve()),
    );
    expect(input.destroyed).toBe(true);
    expect(input.readableEnded).toBe(false);
  });

  it('backpressure: a slow consumer keeps the encoder from reading the whole input ahead', async () => {
    let produced = 0;
    const input = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(produced > 16 * MiB ? null : Buffer.alloc(64 * 1024));
      },
    });
    const encoded = encodeObject(input, CTX, settings({ chunkSizeLog2: 16 }), NEVER)._unsafeUnwrap();
    await new Promise<void>((resolve) => encoded.stream.once('readable', () => resolve()));
    // Nobody reads: the pipeline must stop after a few buffers' worth, not slurp 16 MiB.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(produced).toBeLessThan(2 * MiB);
    encoded.stream.destroy();
  });
});
