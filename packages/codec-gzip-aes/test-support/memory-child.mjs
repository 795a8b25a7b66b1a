/**
 * Encodes and decodes a generated stream of `argv[2]` bytes (compression `argv[3]`) through the
 * built codec, checks every decoded byte, and prints one JSON line: bytes, seconds, the peak RSS
 * of this process, and how far RSS and the JS heap grew above where they were before encoding
 * (sampled every 20 ms). Run by src/memory.test.ts in a child process so the peak is the codec's.
 */
import { Readable } from 'node:stream';

const dist = new URL('../dist/', import.meta.url);
const { encodeObject } = await import(new URL('encode.js', dist).href);
const { decodeObject } = await import(new URL('decode.js', dist).href);
const { keyRingOf } = await import(new URL('keyring.js', dist).href);
const { keyIdOf } = await import(new URL('key-material.js', dist).href);

const total = Number(process.argv[2]);
const compression = process.argv[3] ?? 'none';
const key = Buffer.alloc(32, 7);
const kek = { key, keyId: keyIdOf(key), wrapAlg: 1 };
const ctx = {
  tenant: 'acme',
  objectKey: 'acme/2026/11/02/c-1/recording.wav.cxar',
  itemId: 'c-1',
  artifact: 'recording.wav',
  contentType: 'audio/wav',
};
const PIECE = 1 << 20;
const pattern = Buffer.alloc(PIECE);
for (let i = 0; i < PIECE; i++) pattern[i] = (i * 131 + (i >>> 11)) & 0xff;

async function* generate() {
  for (let sent = 0; sent < total; sent += PIECE) yield pattern.subarray(0, Math.min(PIECE, total - sent));
}

const baseRss = process.memoryUsage.rss();
const baseHeap = process.memoryUsage().heapUsed;
let peakHeap = baseHeap;
let peakRss = baseRss;
const sample = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
setInterval(sample, 20).unref();
const signal = new AbortController().signal;
const started = process.hrtime.bigint();
const encoded = encodeObject(Readable.from(generate()), ctx, { kek, compression, chunkSizeLog2: 16 }, signal);
if (encoded.isErr()) throw new Error(encoded.error.message);
const decoded = await decodeObject(encoded.value.stream, ctx, keyRingOf(kek), signal);
if (decoded.isErr()) throw new Error(decoded.error.message);
let seen = 0;
for await (const part of decoded.value) {
  let at = 0;
  while (at < part.length) {
    const offset = seen % PIECE;
    const n = Math.min(part.length - at, PIECE - offset);
    if (part.compare(pattern, offset, offset + n, at, at + n) !== 0)
      throw new Error(`byte mismatch near ${seen}`);
    at += n;
    seen += n;
  }
}
if (seen !== total) throw new Error(`decoded ${seen} bytes, expected ${total}`);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
sample();
console.log(
  JSON.stringify({
    bytes: seen,
    seconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssGrowthBytes: peakRss - baseRss,
    heapGrowthBytes: peakHeap - baseHeap,
  }),
);
