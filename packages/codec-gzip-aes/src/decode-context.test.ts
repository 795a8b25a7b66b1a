import { Readable } from 'node:stream';
import type { CodecContext } from '@cxarchive/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CTX,
  collect,
  decodeBuffer,
  encodeBuffer,
  KEK_A,
  NEVER,
  readableOf,
} from '../test-support/helpers.js';
import { createCodec } from './codec.js';
import { decodeObject } from './decode.js';
import { keyRingOf } from './keyring.js';
import { DEFAULTS } from './options.js';

/** A body that records whether anyone ever asked it for data. */
const watched = (bytes: Buffer): { body: Readable; wasRead(): boolean } => {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(bytes);
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
};

const PLAINTEXT = Buffer.from('{"contactId":"c-1001"}');
const { contentType: _, ...WITHOUT_TYPE } = CTX;
let typed: Buffer; // written with CTX (contentType audio/wav)
let untyped: Buffer; // written without a content type

beforeAll(async () => {
  typed = await encodeBuffer(PLAINTEXT);
  untyped = await encodeBuffer(PLAINTEXT, { ctx: WITHOUT_TYPE });
});

const headerError = async (object: Buffer, expected: CodecContext) => {
  const outcome = await decodeBuffer(object, { expected });
  if (outcome.ok || outcome.stage !== 'header')
    throw new Error(`expected a header failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
};

describe('decode needs the full expected context', () => {
  for (const field of ['tenant', 'objectKey', 'itemId', 'artifact'] as const) {
    for (const value of [undefined, '']) {
      it(`${field} ${value === undefined ? 'absent' : 'empty'}: InvalidInput before any byte is read, input released`, async () => {
        const { body, wasRead } = watched(typed);
        const expected = { ...CTX, [field]: value } as CodecContext;
        const error = (await decodeObject(body, expected, keyRingOf(KEK_A), NEVER))._unsafeUnwrapErr();
        expect(error).toEqual({
          _tag: 'InvalidInput',
          message: `decode needs the full expected context (missing ${field})`,
        });
        expect(wasRead()).toBe(false);
        expect(body.destroyed).toBe(true);
      });
    }
  }

  it('names every missing field, in order', async () => {
    const expected = { objectKey: CTX.objectKey, artifact: CTX.artifact } as CodecContext;
    expect(await headerError(typed, expected)).toEqual({
      _tag: 'InvalidInput',
      message: 'decode needs the full expected context (missing tenant, itemId)',
    });
  });

  it('no context at all (a JavaScript caller) is every field missing, not a crash', async () => {
    const { body } = watched(typed);
    const error = (await decodeObject(body, undefined as never, keyRingOf(KEK_A), NEVER))._unsafeUnwrapErr();
    expect(error.message).toBe(
      'decode needs the full expected context (missing tenant, objectKey, itemId, artifact)',
    );
    expect(body.destroyed).toBe(true);
  });

  it('a content type that is not a string is refused', async () => {
    const error = await headerError(typed, { ...CTX, contentType: 7 as never });
    expect(error).toEqual({
      _tag: 'InvalidInput',
      message: 'decode context: "contentType" must be a string',
    });
  });

  it('contentType bound into the object but not given: missing contentType', async () => {
    expect(await headerError(typed, WITHOUT_TYPE)).toEqual({
      _tag: 'InvalidInput',
      message: 'decode needs the full expected context (missing contentType)',
    });
  });

  it('contentType given, but the object was written without one: context mismatch', async () => {
    expect(await headerError(untyped, CTX)).toEqual({
      _tag: 'InvalidInput',
      message: 'context mismatch: contentType (the object was written for none, expected "audio/wav")',
      path: 'contentType',
    });
  });

  it('a different contentType: context mismatch naming both', async () => {
    expect(await headerError(typed, { ...CTX, contentType: 'audio/mpeg' })).toEqual({
      _tag: 'InvalidInput',
      message:
        'context mismatch: contentType (the object was written for "audio/wav", expected "audio/mpeg")',
      path: 'contentType',
    });
  });

  it('a different field names the field and both values', async () => {
    expect(await headerError(typed, { ...CTX, itemId: 'c-2' })).toEqual({
      _tag: 'InvalidInput',
      message: 'context mismatch: itemId (the object was written for "c-1001", expected "c-2")',
      path: 'itemId',
    });
  });

  it('the exact context decodes, with and without a bound content type', async () => {
    expect(await decodeBuffer(typed, { expected: CTX })).toEqual({ ok: true, plaintext: PLAINTEXT });
    expect(await decodeBuffer(untyped, { expected: WITHOUT_TYPE })).toEqual({
      ok: true,
      plaintext: PLAINTEXT,
    });
  });

  it('the plugin instance applies the same rule', async () => {
    const key = KEK_A.key.toString('hex');
    const codec = (
      await createCodec({ key: { provider: 'env', variable: 'K' }, ...DEFAULTS }, '/', { K: key })
    )._unsafeUnwrap();
    const encoded = (await codec.encode(readableOf(PLAINTEXT), CTX, NEVER))._unsafeUnwrap();
    const object = await collect(encoded.stream);
    const partial = { objectKey: CTX.objectKey } as CodecContext;
    expect((await codec.decode(readableOf(object), partial, NEVER))._unsafeUnwrapErr().message).toBe(
      'decode needs the full expected context (missing tenant, itemId, artifact)',
    );
    const decoded = (await codec.decode(readableOf(object), CTX, NEVER))._unsafeUnwrap();
    expect(await collect(decoded)).toEqual(PLAINTEXT);
  });
});
