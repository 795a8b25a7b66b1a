/**
 * Writes test-vectors/cxar-v1.json: known-answer vectors for every edge case of CXAR v1, made by
 * the codec itself with fixed per-object secrets. Run after `pnpm exec tsc -b tsconfig.build.json`:
 *
 *   node packages/codec-gzip-aes/scripts/generate-vectors.mjs
 *
 * The committed file pins the format: regenerate it only when the format is meant to change
 * (never for a released version), and review the diff.
 */
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';

const dist = new URL('../dist/', import.meta.url);
const { encodeWithSecrets } = await import(new URL('encode.js', dist).href);
const { keyIdOf } = await import(new URL('key-material.js', dist).href);
const { derivePassphraseKek, passphraseKeyId } = await import(new URL('passphrase.js', dist).href);

const hex = (text) => Buffer.from(text, 'hex');
const KEK = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const PASSPHRASE = 'correct horse battery staple';
const SALT = hex('606162636465666768696a6b6c6d6e6f');
const ITERATIONS = 600000;
const secrets = {
  dek: hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
  messageId: hex('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f'),
  noncePrefix: hex('40414243444546'),
  wrapNonce: hex('505152535455565758595a5b'),
};
const kek = { key: KEK, keyId: keyIdOf(KEK), wrapAlg: 1 };
const pwKey = await derivePassphraseKek(Buffer.from(PASSPHRASE, 'utf8'), SALT, ITERATIONS);
const pwKek = { key: pwKey, keyId: passphraseKeyId(pwKey, ITERATIONS, SALT), wrapAlg: 2 };

const LOG2 = 12;
const CHUNK = 2 ** LOG2;
const RECORDING = {
  tenant: 'acme',
  objectKey: 'acme/2026/11/02/c-1001/recording.wav.cxar',
  itemId: 'c-1001',
  artifact: 'recording.wav',
  contentType: 'audio/wav',
};
const RECORD = {
  tenant: 'acme',
  objectKey: 'acme/2026/11/02/c-1001/contact.json.cxar',
  itemId: 'c-1001',
  artifact: 'contact.json',
  contentType: 'application/json',
};

/** Deterministic bytes: i * 31 + 7 (mod 256), so every chunk differs. */
const bytes = (length) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff));
/** Deterministic JSON Lines text of at least `length` bytes, cut to exactly `length`. */
const text = (length) => {
  let out = '';
  for (let i = 0; out.length < length; i++) out += `{"contactId":"c-${1000 + i}","agent":"a-${i % 7}"}\n`;
  return Buffer.from(out.slice(0, length), 'utf8');
};

const encode = async (plaintext, context, compression, key) => {
  const result = encodeWithSecrets(
    Readable.from([plaintext]),
    context,
    { kek: key, compression, chunkSizeLog2: LOG2 },
    secrets,
    new AbortController().signal,
  );
  if (result.isErr()) throw new Error(result.error.message);
  const parts = [];
  for await (const part of result.value.stream) parts.push(part);
  return Buffer.concat(parts);
};

const cases = [
  ['size 0: exactly one final chunk, a bare tag', 0, 'none', 'kek'],
  ['size 1', 1, 'none', 'kek'],
  ['size chunk-1: one short final chunk', CHUNK - 1, 'none', 'kek'],
  ['size chunk: one full final chunk, no empty chunk after it', CHUNK, 'none', 'kek'],
  ['size chunk+1: a full chunk and a 1-byte final chunk', CHUNK + 1, 'none', 'kek'],
  ['size 3*chunk: the third full chunk is the final one', 3 * CHUNK, 'none', 'kek'],
  ['gzip inside (flags 0x01)', 2 * CHUNK + 100, 'gzip', 'kek'],
  ['zstd inside (flags 0x02)', 2 * CHUNK + 100, 'zstd', 'kek'],
  ['gzip of an empty payload', 0, 'gzip', 'kek'],
  ['passphrase key (wrap_alg 0x02)', CHUNK + 1, 'none', 'passphrase'],
];

const vectors = [];
for (const [name, size, compression, keyKind] of cases) {
  const context = compression === 'none' ? RECORDING : RECORD;
  const plaintext = compression === 'none' ? bytes(size) : text(size);
  const object = await encode(plaintext, context, compression, keyKind === 'kek' ? kek : pwKek);
  vectors.push({
    name,
    key: keyKind,
    // gzip and zstd output depends on the library build: those vectors are checked by decoding only.
    encodeExact: compression === 'none',
    chunkSizeLog2: LOG2,
    compression,
    context,
    plaintext: plaintext.toString('hex'),
    object: object.toString('hex'),
  });
}

const file = {
  format: 'CXAR v1',
  description:
    'Known-answer vectors for the CXAR v1 object format (docs/archive-format.md), written by scripts/generate-vectors.mjs. Every object uses the fixed secrets below; never reuse them outside tests.',
  kek: KEK.toString('hex'),
  keyId: kek.keyId,
  passphrase: PASSPHRASE,
  passphraseSalt: SALT.toString('hex'),
  passphraseIterations: ITERATIONS,
  passphraseKek: pwKey.toString('hex'),
  passphraseKeyId: pwKek.keyId,
  dek: secrets.dek.toString('hex'),
  messageId: secrets.messageId.toString('hex'),
  noncePrefix: secrets.noncePrefix.toString('hex'),
  wrapNonce: secrets.wrapNonce.toString('hex'),
  vectors,
};
writeFileSync(new URL('../test-vectors/cxar-v1.json', import.meta.url), `${JSON.stringify(file, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors to test-vectors/cxar-v1.json`);
