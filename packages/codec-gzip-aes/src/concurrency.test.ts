import { Readable } from 'node:stream';
import { PluginFailure } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { CTX, collect, decodeBuffer, KEK_A, NEVER, readableOf, settings } from '../test-support/helpers.js';
import { encodeObject } from './encode.js';
import { keyRingOf } from './keyring.js';

const KiB = 1024;
const JSON_CTX = { ...CTX, artifact: 'records.jsonl', contentType: 'application/x-ndjson' };

/** JSON Lines of `count` contact-like records, different for each `seed`. */
const records = (count: number, seed: number): Buffer =>
  Buffer.from(
    Array.from(
      { length: count },
      (_, i) =>
        `{"contactId":"${702100000000 + seed * 1_000_000 + i}","agentId":${3100100 + ((i * seed) % 41)},"skillName":"${['Sales', 'Support', 'Billing'][i % 3]}"}\n`,
    ).join(''),
  );

describe('several objects at once', () => {
  it('objects encoded together, fed one record per write, each decode to their own records', async () => {
    const inputs = [1, 2, 3, 4].map((seed) => records(16_000 + seed * 500, seed));
    expect(inputs[0]!.length).toBeGreaterThan(1024 * KiB);
    const objects = await Promise.all(
      inputs.map((input) => {
        const encoded = encodeObject(
          readableOf(input, 1400),
          JSON_CTX,
          settings({ compression: 'auto', chunkSizeLog2: 16 }),
          NEVER,
        );
        return collect(encoded._unsafeUnwrap().stream);
      }),
    );
    for (const [i, object] of objects.entries()) {
      expect(object[7]! & 0x03, 'gzip').toBe(1);
      const decoded = await decodeBuffer(object, { expected: JSON_CTX, ring: keyRingOf(KEK_A) });
      expect(decoded.ok && decoded.plaintext.equals(inputs[i]!), `object ${i}`).toBe(true);
    }
  });

  it('auto leaves compressed media (audio/mp4, video/mp4, audio/mpeg) uncompressed', async () => {
    for (const contentType of ['audio/mp4', 'video/mp4', 'audio/mpeg']) {
      const encoded = encodeObject(
        readableOf(Buffer.alloc(10_000, 3)),
        { ...CTX, contentType },
        settings({ compression: 'auto' }),
        NEVER,
      );
      const object = await collect(encoded._unsafeUnwrap().stream);
      expect(object[7]! & 0x03, contentType).toBe(0);
    }
  });

  it('aborted while compressing: a Transient PluginFailure, the input destroyed, no hang', async () => {
    const controller = new AbortController();
    let pulled = 0;
    const input = new Readable({
      read() {
        setImmediate(() => {
          pulled += 64 * KiB;
          this.push(records(500, pulled).subarray(0, 64 * KiB));
        });
      },
    });
    const encoded = encodeObject(
      input,
      JSON_CTX,
      settings({ compression: 'gzip', chunkSizeLog2: 16 }),
      controller.signal,
    )._unsafeUnwrap();
    const failed = new Promise<unknown>((resolve, reject) => {
      encoded.stream.once('error', resolve);
      encoded.stream.once('end', () => reject(new Error('ended without an error')));
    });
    encoded.stream.resume();
    // Wait until output flows and a megabyte has gone to the compressor.
    await new Promise<void>((resolve) => encoded.stream.once('data', () => resolve()));
    while (pulled < 1024 * KiB) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('interrupted'));
    const error = await failed;
    expect(error).toBeInstanceOf(PluginFailure);
    expect((error as PluginFailure).error).toMatchObject({
      _tag: 'Transient',
      message: 'encode was aborted',
    });
    expect(input.destroyed).toBe(true);
  });
});
