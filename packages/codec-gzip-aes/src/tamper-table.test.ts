import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticatedHeaderLength,
  CTX,
  collect,
  type DecodeOutcome,
  decodeBuffer,
  encodeBuffer,
  headerLength,
  KEK_A,
  KEK_B,
  NEVER,
  patternBytes,
  readableOf,
  settings,
  splitObject,
} from '../test-support/helpers.js';
import { flip, join, withByte } from '../test-support/outcomes.js';
import { sealChunk } from './chunk-cipher.js';
import { encodeWithSecrets } from './encode.js';
import { headerDigest } from './header.js';
import { deriveEncKey } from './kdf.js';
import { loadKeyRing } from './keyring.js';

/**
 * Every row of the tamper table in docs/archive-format.md, read from the page itself: the edit in
 * its first column must give the tag and message of its last columns, at the stage it names.
 */

const DOC = new URL('../../../docs/archive-format.md', import.meta.url);

interface Row {
  readonly edit: string;
  readonly where: 'result' | 'stream';
  readonly tag: string;
  readonly message: string;
}

const tableRows = (): Row[] => {
  const text = readFileSync(DOC, 'utf8');
  const section = text.slice(text.indexOf('## Tamper table'), text.indexOf('## Test vectors'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Edit') && !line.startsWith('| ---'))
    .map((line) => {
      const [edit, where, tag, message] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^`|`$/g, ''));
      return { edit: edit!, where: where as Row['where'], tag: tag!, message: message! };
    });
};

/** The message cell as a pattern: `<…>` and `<anything>` stand for any text. */
const pattern = (message: string): RegExp =>
  new RegExp(
    `^${message
      .split(/<[^>]*>/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+?')}$`,
    's',
  );

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const PLAINTEXT = patternBytes(3 * CHUNK + 100, 46);
const FULL = patternBytes(3 * CHUNK, 47);
const PASSPHRASE = 'the tamper table passphrase';
let object: Buffer;
let fullFinal: Buffer;
let sibling: Buffer;
let slot: number;

beforeAll(async () => {
  const s = settings({ chunkSizeLog2: LOG2 });
  object = await encodeBuffer(PLAINTEXT, { settings: s });
  fullFinal = await encodeBuffer(FULL, { settings: s });
  sibling = await encodeBuffer(PLAINTEXT, { settings: s });
  slot = authenticatedHeaderLength(object);
});

const contextAt = (needle: string): number => object.indexOf(needle, 81);
const withU16 = (bytes: Buffer, offset: number, value: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy.writeUInt16BE(value, offset);
  return copy;
};

const emptyFinalAfterFullChunks = async (): Promise<DecodeOutcome> => {
  const secrets = {
    dek: Buffer.alloc(32, 1),
    messageId: Buffer.alloc(32, 2),
    noncePrefix: Buffer.alloc(7, 3),
    wrapNonce: Buffer.alloc(12, 4),
  };
  const payload = patternBytes(2 * CHUNK + 1, 48);
  const s = settings({ chunkSizeLog2: LOG2 });
  const whole = await collect(
    encodeWithSecrets(readableOf(payload), CTX, s, secrets, NEVER)._unsafeUnwrap().stream,
  );
  const { header, chunks } = splitObject(whole, LOG2);
  const keys = {
    encKey: deriveEncKey(secrets.dek, secrets.messageId),
    noncePrefix: secrets.noncePrefix,
    aad: headerDigest(whole.subarray(0, authenticatedHeaderLength(whole))),
  };
  return decodeBuffer(join(header, chunks[0]!, chunks[1]!, sealChunk(keys, 2, true, Buffer.alloc(0))));
};

const wrongPassphrase = async (): Promise<DecodeOutcome> => {
  const load = async (P: string) =>
    (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, '/', { P })
    )._unsafeUnwrap();
  const writer = await load(PASSPHRASE);
  const encoded = await encodeBuffer(PLAINTEXT, { settings: settings({ kek: writer.writeKey }) });
  return decodeBuffer(encoded, { ring: await load(`${PASSPHRASE}, but another`) });
};

const EDITS: Record<string, () => Promise<DecodeOutcome>> = {
  'empty input': () => decodeBuffer(Buffer.alloc(0)),
  magic: () => decodeBuffer(withByte(object, 1, 0x59)),
  version: () => decodeBuffer(withByte(object, 4, 9)),
  alg: () => decodeBuffer(withByte(object, 5, 0x10)),
  'chunk_log2 out of 12..20': () => decodeBuffer(withByte(object, 6, 30)),
  'chunk_log2 within 12..20': () => decodeBuffer(withByte(object, 6, 16)),
  'flags: an unknown bit or compression 3': () => decodeBuffer(withByte(object, 7, 0x03)),
  'flags: another compression': () => decodeBuffer(withByte(object, 7, 0x02)),
  message_id: () => decodeBuffer(flip(object, 20)),
  nonce_prefix: () => decodeBuffer(flip(object, 46)),
  commitment: () => decodeBuffer(flip(object, 50)),
  context_len: () => decodeBuffer(withU16(object, 79, object.readUInt16BE(79) - 2)),
  'context bytes no longer UTF-8': () => decodeBuffer(withByte(object, 90, 0xc0)),
  'context field edited, read at its own key': () =>
    decodeBuffer(withByte(object, contextAt('"itemId":"c-1001"') + 10, 'x'.charCodeAt(0))),
  'context field edited, read where it now points': () =>
    decodeBuffer(withByte(object, contextAt('"itemId":"c-1001"') + 10, 'x'.charCodeAt(0)), {
      expected: { ...CTX, itemId: 'x-1001' },
    }),
  'object copied or moved to another key': () =>
    decodeBuffer(object, { expected: { ...CTX, objectKey: 'acme/2026/11/02/c-9/recording.wav.cxar' } }),
  'header cut inside the fixed fields': () => decodeBuffer(object.subarray(0, 60)),
  'header cut inside the context': () => decodeBuffer(object.subarray(0, 120)),
  'object cut inside the key slot': () => decodeBuffer(object.subarray(0, slot + 40)),
  'wrap_alg unknown': () => decodeBuffer(withByte(object, slot, 0x7f)),
  'wrap_alg 0x01 changed to 0x02': () => decodeBuffer(withByte(object, slot, 0x02)),
  'key_id_len 0': () => decodeBuffer(withByte(object, slot + 1, 0)),
  'key_id_len shorter': () => decodeBuffer(withByte(object, slot + 1, 10)),
  'key id edited': () => decodeBuffer(withByte(object, slot + 10, object[slot + 10] === 0x61 ? 0x62 : 0x61)),
  'key id not printable ASCII': () => decodeBuffer(withByte(object, slot + 6, 0x7f)),
  wrapped_dek_len: () => decodeBuffer(withU16(object, slot + 22, 44)),
  'wrapped DEK': () => decodeBuffer(flip(object, slot + 24 + 30)),
  'key slot of another object': () =>
    decodeBuffer(
      join(
        object.subarray(0, slot),
        sibling.subarray(authenticatedHeaderLength(sibling), headerLength(sibling)),
        object.subarray(headerLength(object)),
      ),
    ),
  'wrong, rotated-away or missing KEK': () => decodeBuffer(object, { kek: KEK_B }),
  'wrong passphrase': wrongPassphrase,
  'truncated at a chunk boundary': () =>
    decodeBuffer(object.subarray(0, headerLength(object) + 2 * (CHUNK + 16))),
  'truncated inside a chunk': () => decodeBuffer(object.subarray(0, headerLength(object) + CHUNK + 100)),
  'bytes after a full final chunk': () => decodeBuffer(join(fullFinal, Buffer.from([1, 2, 3]))),
  'bytes after a short final chunk': () => decodeBuffer(join(object, Buffer.from([1]))),
  'chunks reordered': async () => {
    const { header, chunks } = splitObject(object, LOG2);
    return decodeBuffer(join(header, chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!));
  },
  'chunk duplicated': async () => {
    const { header, chunks } = splitObject(object, LOG2);
    return decodeBuffer(join(header, chunks[0]!, chunks[0]!, chunks[1]!, chunks[2]!, chunks[3]!));
  },
  'chunk spliced from another object': async () => {
    const { header, chunks } = splitObject(object, LOG2);
    const other = splitObject(sibling, LOG2);
    return decodeBuffer(join(header, chunks[0]!, other.chunks[1]!, chunks[2]!, chunks[3]!));
  },
  'empty final chunk after full chunks': emptyFinalAfterFullChunks,
  'expected context incomplete': () => decodeBuffer(object, { expected: { ...CTX, itemId: '' } }),
};

describe('the tamper table of docs/archive-format.md', () => {
  const rows = tableRows();

  it('has a test for every row and a row for every test', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.map((row) => row.edit).sort()).toEqual(Object.keys(EDITS).sort());
  });

  for (const row of rows) {
    it(`${row.edit}: ${row.where}, ${row.tag}, ${row.message}`, async () => {
      const edit = EDITS[row.edit];
      if (edit === undefined) throw new Error(`no test for the row "${row.edit}"`);
      const outcome = await edit();
      if (outcome.ok) throw new Error('the edit decoded');
      expect(outcome.stage).toBe(row.where === 'result' ? 'header' : 'stream');
      expect(outcome.error._tag).toBe(row.tag);
      expect(outcome.error.message).toMatch(pattern(row.message));
      if (outcome.stage === 'stream') expect(outcome.emitted.length).toBeLessThan(PLAINTEXT.length);
    });
  }

  it('the key message names the configured key when it is one', async () => {
    const outcome = await decodeBuffer(object, { kek: KEK_B });
    expect(!outcome.ok && outcome.error.message).toBe(
      `object was encrypted under key ${KEK_A.keyId}, the configured key is ${KEK_B.keyId}`,
    );
  });
});
