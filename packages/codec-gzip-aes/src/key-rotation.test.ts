import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CTX,
  collect,
  decodeBuffer,
  encodeBuffer,
  KEK_A,
  KEK_B,
  kekFrom,
  NEVER,
  patternBytes,
  readableOf,
  settings,
} from '../test-support/helpers.js';
import { headerFailure } from '../test-support/outcomes.js';
import { createCodec } from './codec.js';
import { keyRingOf, loadKeyRing } from './keyring.js';
import { resolveOptions } from './options.js';

const KEK_C = kekFrom(Buffer.alloc(32, 0xc3));
const PLAINTEXT = patternBytes(10_000, 5);
const PASSPHRASE = 'a long enough passphrase for tests';
let dir: string;
let underA: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxar-rotation-'));
  await writeFile(join(dir, 'a.key'), KEK_A.key.toString('base64'), { mode: 0o600 });
  await writeFile(join(dir, 'b.key'), KEK_B.key.toString('hex'), { mode: 0o600 });
  await writeFile(join(dir, 'pass'), `${PASSPHRASE}\n`, { mode: 0o600 });
  underA = await encodeBuffer(PLAINTEXT, { settings: settings() });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rotation: several read keys found by key id (T20)', () => {
  it('after a rotation (key: B, readKeys: [A]) old objects decode and new ones are written under B', async () => {
    const options = resolveOptions({
      key: { provider: 'file', path: 'b.key' },
      readKeys: [{ provider: 'file', path: 'a.key' }],
    })._unsafeUnwrap();
    const codec = (await createCodec(options, dir))._unsafeUnwrap();
    expect(codec.keyId).toBe(KEK_B.keyId);
    const decoded = (await codec.decode(readableOf(underA), CTX, NEVER))._unsafeUnwrap();
    expect((await collect(decoded)).equals(PLAINTEXT)).toBe(true);
    const encoded = (await codec.encode(readableOf(PLAINTEXT), CTX, NEVER))._unsafeUnwrap();
    expect(encoded.keyId).toBe(KEK_B.keyId);
    const fresh = await collect(encoded.stream);
    expect((await decodeBuffer(fresh, { kek: KEK_B })).ok).toBe(true);
    headerFailure(await decodeBuffer(fresh, { kek: KEK_A }), 'Permanent', /^object was encrypted under key/);
  });

  it('the rotated-away key alone: "encrypted under key A, the configured key is B"', async () => {
    headerFailure(
      await decodeBuffer(underA, { kek: KEK_B }),
      'Permanent',
      new RegExp(`^object was encrypted under key ${KEK_A.keyId}, the configured key is ${KEK_B.keyId}$`),
    );
  });

  it('a missing KEK among several: every configured key id is named, no key material', async () => {
    const outcome = await decodeBuffer(underA, { ring: keyRingOf(KEK_B, KEK_C) });
    headerFailure(
      outcome,
      'Permanent',
      new RegExp(
        `^object was encrypted under key ${KEK_A.keyId}, the configured keys are ${KEK_B.keyId}, ${KEK_C.keyId}$`,
      ),
    );
    const text = JSON.stringify(outcome);
    for (const key of [KEK_A.key, KEK_B.key, KEK_C.key]) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
  });

  it('a read key that fails to load fails codec creation, naming its option', async () => {
    const options = resolveOptions({
      key: { provider: 'file', path: 'b.key' },
      readKeys: [
        { provider: 'file', path: 'a.key' },
        { provider: 'file', path: 'gone.key' },
      ],
    })._unsafeUnwrap();
    const error = (await createCodec(options, dir))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'readKeys[1].path' });
    expect(error.message).toBe(`key file not found: ${join(dir, 'gone.key')}`);
  });
});

describe('passphrase provider', () => {
  it('derives once per codec under a fresh salt named in the key id; another codec with the passphrase reads it', async () => {
    const options = resolveOptions({ key: { provider: 'passphrase', path: 'pass' } })._unsafeUnwrap();
    const writer = (await createCodec(options, dir))._unsafeUnwrap();
    expect(writer.keyId).toMatch(/^pw:600000:[0-9a-f]{32}:[0-9a-f]{16}$/);
    const encoded = (await writer.encode(readableOf(PLAINTEXT), CTX, NEVER))._unsafeUnwrap();
    const object = await collect(encoded.stream);
    // the passphrase from an environment variable opens it too (same passphrase, no trailing newline)
    const reader = (
      await createCodec(
        resolveOptions({ key: { provider: 'passphrase', variable: 'P' } })._unsafeUnwrap(),
        dir,
        {
          P: PASSPHRASE,
        },
      )
    )._unsafeUnwrap();
    expect(reader.keyId).not.toBe(writer.keyId);
    const decoded = (await reader.decode(readableOf(object), CTX, NEVER))._unsafeUnwrap();
    expect((await collect(decoded)).equals(PLAINTEXT)).toBe(true);
    expect(object.includes(Buffer.from(PASSPHRASE))).toBe(false);
  });

  it('a wrong passphrase: "encrypted under key pw:…, the configured key is …", nothing secret in it', async () => {
    const writer = (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, dir, {
        P: PASSPHRASE,
      })
    )._unsafeUnwrap();
    const object = await encodeBuffer(PLAINTEXT, { settings: settings({ kek: writer.writeKey }) });
    const wrong = (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, dir, {
        P: 'another passphrase, also long',
      })
    )._unsafeUnwrap();
    const outcome = await decodeBuffer(object, { ring: wrong });
    headerFailure(
      outcome,
      'Permanent',
      new RegExp(`^object was encrypted under key ${writer.writeKey.keyId}, `),
    );
    expect(JSON.stringify(outcome)).not.toContain('another passphrase');
    // a KEK-only ring names what it has
    headerFailure(
      await decodeBuffer(object, { kek: KEK_A }),
      'Permanent',
      /^object was encrypted under key pw:/,
    );
  });

  it('refuses a short passphrase, an unset variable and a world-readable passphrase file', async () => {
    const short = await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, dir, {
      P: 'short',
    });
    expect(short._unsafeUnwrapErr()).toMatchObject({ _tag: 'InvalidInput', path: 'key.variable' });
    expect(short._unsafeUnwrapErr().message).toBe(
      'passphrase variable P holds fewer than 12 characters: use a longer passphrase',
    );
    const unset = await loadKeyRing(
      { key: { provider: 'passphrase', variable: 'P' }, readKeys: [] },
      dir,
      {},
    );
    expect(unset._unsafeUnwrapErr().message).toBe('environment variable P is not set');
    await writeFile(join(dir, 'open-pass'), PASSPHRASE, { mode: 0o644 });
    const open = await loadKeyRing({ key: { provider: 'passphrase', path: 'open-pass' }, readKeys: [] }, dir);
    expect(open._unsafeUnwrapErr().message).toBe(
      `passphrase file ${join(dir, 'open-pass')} can be read by group or others (mode 0644): run chmod 600 ${join(dir, 'open-pass')}`,
    );
    expect(open._unsafeUnwrapErr().message).not.toContain(PASSPHRASE);
  });

  it('an edited iteration count in the key slot is refused before any derivation', async () => {
    const ring = (
      await loadKeyRing({ key: { provider: 'passphrase', variable: 'P' }, readKeys: [] }, dir, {
        P: PASSPHRASE,
      })
    )._unsafeUnwrap();
    const object = await encodeBuffer(PLAINTEXT, { settings: settings({ kek: ring.writeKey }) });
    const at = object.indexOf(Buffer.from('pw:600000:'));
    const edited = Buffer.from(object);
    edited.write('pw:999999', at, 'latin1'); // still 600000 ≤ n, same length: derives, fingerprint differs
    headerFailure(
      await decodeBuffer(edited, { ring }),
      'Permanent',
      /^object was encrypted under key pw:999999:/,
    );
    const tooMany = Buffer.from(object);
    tooMany.write('pw:100000', at, 'latin1'); // below the minimum
    headerFailure(await decodeBuffer(tooMany, { ring }), 'InvalidInput', /is not a passphrase key id/);
  });
});
