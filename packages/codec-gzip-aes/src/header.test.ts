import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  authenticatedHeaderLength,
  CTX,
  collect,
  encodeBuffer,
  headerLength,
  KEK_A,
  readableOf,
  settings,
} from '../test-support/helpers.js';
import { CXAR_FLAG_GZIP, WRAPPED_DEK_LENGTH } from './constants.js';
import { readCxarHeader } from './header.js';

describe('readCxarHeader', () => {
  it('parses every field and returns the rest of the stream positioned at the first chunk', async () => {
    const object = await encodeBuffer(Buffer.from('{"a":1}'), {
      settings: settings({ compression: 'auto', chunkSizeLog2: 13 }),
      ctx: { ...CTX, contentType: 'application/json' },
    });
    for (const pieceSize of [1, 7, 100, object.length]) {
      const { header, rest } = (await readCxarHeader(readableOf(object, pieceSize)))._unsafeUnwrap();
      expect(header.version).toBe(1);
      expect(header.alg).toBe(1);
      expect(header.chunkSizeLog2).toBe(13);
      expect(header.flags).toBe(CXAR_FLAG_GZIP);
      expect(header.compression).toBe('gzip');
      expect(header.messageId).toHaveLength(32);
      expect(header.noncePrefix).toHaveLength(7);
      expect(header.commitment).toHaveLength(32);
      expect(header.keySlot.wrappedDek).toHaveLength(WRAPPED_DEK_LENGTH);
      expect(header.keySlot.wrapAlg).toBe(1);
      expect(header.keySlot.keyId).toBe(KEK_A.keyId);
      expect(header.context).toEqual({ v: 1, ...CTX, contentType: 'application/json' });
      expect(header.bytes.equals(object.subarray(0, authenticatedHeaderLength(object)))).toBe(true);
      expect(
        Buffer.concat([header.bytes, header.keySlotBytes]).equals(object.subarray(0, headerLength(object))),
      ).toBe(true);
      expect(header.contextBytes.toString('utf8')).toBe(JSON.stringify(header.context));
      expect((await collect(rest)).equals(object.subarray(headerLength(object)))).toBe(true);
    }
  });

  it('keeps the context bytes verbatim (key order and spacing are not re-serialised)', async () => {
    const object = await encodeBuffer(Buffer.from('x'));
    const { header } = (await readCxarHeader(Readable.from([object])))._unsafeUnwrap();
    const start = header.bytes.length - header.contextBytes.length;
    expect(header.contextBytes.equals(object.subarray(start, header.bytes.length))).toBe(true);
    expect(Object.keys(JSON.parse(header.contextBytes.toString()))).toEqual([
      'v',
      'tenant',
      'objectKey',
      'itemId',
      'artifact',
      'contentType',
    ]);
  });

  it('waits for bytes that arrive later', async () => {
    const object = await encodeBuffer(Buffer.from('later'));
    const input = new PassThrough();
    const pending = readCxarHeader(input);
    input.write(object.subarray(0, 10));
    setImmediate(() => input.end(object.subarray(10)));
    const { header, rest } = (await pending)._unsafeUnwrap();
    expect(header.context.itemId).toBe(CTX.itemId);
    expect((await collect(rest)).length).toBe(object.length - headerLength(object));
  });

  it('fails on a stream that is destroyed without an error before the header ends', async () => {
    const input = new PassThrough();
    const pending = readCxarHeader(input);
    input.write(Buffer.from('CXAR'));
    setImmediate(() => input.destroy());
    const error = (await pending)._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
  });
});
