// The codec beside the raw primitives it is built from, on the same data in the same run, on one
// core: JSON records through gzip-aes (gzip inside AES-256-GCM chunks) against Node's zlib gzip
// level 6 then AES-256-GCM; recordings (random bytes, not compressed) against AES-256-GCM plus
// SHA-256, both streamed. Decoding is measured too. Figures only: nothing here asserts a time.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import codecPlugin, { writeKeyFile } from '@cxarchive/codec-gzip-aes';

const MiB = 1024 * 1024;
const JSON_MIB = Number(process.env.BENCH_CODEC_JSON_MIB ?? 64);
const MEDIA_MIB = Number(process.env.BENCH_CODEC_MEDIA_MIB ?? 256);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

/** Contact-like JSON Lines: about 1.5 KiB per record, fields that repeat as real records do. */
const jsonData = () => {
  const lines = [];
  let size = 0;
  for (let i = 0; size < JSON_MIB * MiB; i++) {
    const line = `${JSON.stringify({
      contactId: 702100000000 + i,
      masterContactId: 702100000000 + i,
      contactStartDate: new Date(Date.UTC(2026, 10, 1) + i * 37_000).toISOString(),
      agentId: 1000 + (i % 250),
      skillId: 300 + (i % 40),
      skillName: ['Billing', 'Support', 'Sales', 'Retention'][i % 4],
      mediaTypeName: 'Call',
      fromAddress: `+1555${String(i % 10_000_000).padStart(7, '0')}`,
      toAddress: '+18005550100',
      durationSeconds: 30 + (i % 900),
      tags: [{ tagId: i % 17, tagName: `tag-${i % 17}` }],
      notes: `caller asked about invoice ${i % 9973} and the delivery window for order ${i % 7919}`,
    })}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
};

/** Feeds `data` in 64 KiB slices (what a file or a socket gives). */
const slices = (data) =>
  Readable.from(
    (function* () {
      for (let o = 0; o < data.length; o += 64 * 1024) yield data.subarray(o, o + 64 * 1024);
    })(),
  );

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

/** Discards what it is given, SHA-256-hashing it first (what the runtime does with every object). */
const hashing = () => {
  const hash = createHash('sha256');
  return new Writable({
    write(chunk, _encoding, callback) {
      hash.update(chunk);
      callback();
    },
    final(callback) {
      hash.digest();
      callback();
    },
  });
};

const collecting = () => {
  const chunks = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
};

/** AES-256-GCM over a stream (one message, tagged at its end): the raw cipher. */
const gcm = () => createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));

const time = async (f) => {
  let best = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await f();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
};

const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-bench-codec-'));
try {
  await writeKeyFile(path.join(dir, 'bench.key'));
  const context = {
    tenant: 'bench',
    baseDir: dir,
    label: 'codec',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => new Date(),
    budget: () => {
      throw new Error('no budgets here');
    },
  };
  const codecWith = async (compression) => {
    const created = await codecPlugin.create(
      { key: { provider: 'file', path: './bench.key' }, compression },
      context,
    );
    if (created.isErr()) throw new Error(created.error.message);
    return created.value;
  };
  const signal = new AbortController().signal;
  const ctxFor = (artifact, contentType) => ({
    tenant: 'bench',
    objectKey: `bench/2026/11/30/1/${artifact}.cxar`,
    itemId: '1',
    artifact,
    contentType,
  });
  const encodeWith = async (codec, data, ctx, out = discard()) => {
    const encoded = await codec.encode(slices(data), ctx, signal);
    if (encoded.isErr()) throw new Error(encoded.error.message);
    await pipeline(encoded.value.stream, out);
  };
  const decodeWith = async (codec, object, ctx) => {
    const decoded = await codec.decode(slices(object), ctx, signal);
    if (decoded.isErr()) throw new Error(decoded.error.message);
    await pipeline(decoded.value, discard());
  };

  const rows = [];
  const row = (what, mib, seconds, base) =>
    rows.push({
      what,
      mib,
      seconds,
      rate: mib / seconds,
      share: base === undefined ? undefined : base / seconds,
    });

  // JSON: gzip level 6 then AES-GCM, raw; then the codec.
  const json = jsonData();
  const jsonMib = json.length / MiB;
  const rawJson = await time(() => pipeline(slices(json), createGzip({ level: 6 }), gcm(), discard()));
  row('raw: zlib gzip L6 + AES-256-GCM (JSON)', jsonMib, rawJson);
  const gzipCodec = await codecWith('gzip');
  const jsonCtx = ctxFor('records.jsonl', 'application/x-ndjson');
  row(
    'gzip-aes encode (JSON, gzip)',
    jsonMib,
    await time(() => encodeWith(gzipCodec, json, jsonCtx)),
    rawJson,
  );
  const jsonObject = collecting();
  await encodeWith(gzipCodec, json, jsonCtx, jsonObject.sink);
  const encodedJson = jsonObject.bytes();
  row('gzip-aes decode (JSON, gzip)', jsonMib, await time(() => decodeWith(gzipCodec, encodedJson, jsonCtx)));
  console.log(
    `JSON: ${jsonMib.toFixed(0)} MiB of contact records → ${(encodedJson.length / MiB).toFixed(1)} MiB encoded (${((100 * encodedJson.length) / json.length).toFixed(1)} %)`,
  );

  // Recordings: random bytes, AES-GCM + SHA-256 raw; the codec leaves compressed media alone.
  const media = randomBytes(MEDIA_MIB * MiB);
  const rawMedia = await time(async () => {
    const hash = createHash('sha256');
    const cipher = gcm();
    for await (const slice of slices(media)) {
      const out = cipher.update(slice);
      hash.update(out);
    }
    cipher.final();
  });
  row('raw: AES-256-GCM + SHA-256 (media)', MEDIA_MIB, rawMedia);
  const autoCodec = await codecWith('auto');
  const mediaCtx = ctxFor('recording.mp4', 'audio/mp4');
  row(
    'gzip-aes encode + SHA-256 (media, not compressed)',
    MEDIA_MIB,
    await time(() => encodeWith(autoCodec, media, mediaCtx, hashing())),
    rawMedia,
  );
  const mediaObject = collecting();
  await encodeWith(autoCodec, media, mediaCtx, mediaObject.sink);
  const encodedMedia = mediaObject.bytes();
  row('gzip-aes decode (media)', MEDIA_MIB, await time(() => decodeWith(autoCodec, encodedMedia, mediaCtx)));

  console.log(`\nCodec benchmark (one core, best of ${REPEATS}), Node ${process.version}`);
  console.log('what                                                 MiB   seconds     MiB/s   of raw');
  for (const r of rows)
    console.log(
      `${r.what.padEnd(50)} ${r.mib.toFixed(0).padStart(5)} ${r.seconds.toFixed(2).padStart(9)} ${r.rate.toFixed(1).padStart(9)}   ${r.share === undefined ? '' : `${(100 * r.share).toFixed(0)} %`}`,
    );
  const share = (what) => rows.find((r) => r.what.startsWith(what))?.share ?? 0;
  console.log(
    `target (issue 7): JSON encode ≥ 80 % of raw gzip-L6 + AES-GCM — ${(100 * share('gzip-aes encode (JSON')).toFixed(0)} % → ${share('gzip-aes encode (JSON') >= 0.8 ? 'met' : 'NOT met'}; recordings ≥ 70 % of raw AES-GCM + SHA-256 — ${(100 * share('gzip-aes encode + SHA-256 (media')).toFixed(0)} % → ${share('gzip-aes encode + SHA-256 (media') >= 0.7 ? 'met' : 'NOT met'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
