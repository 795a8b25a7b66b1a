// The codec beside the raw primitives it is built from, on the same bytes in the same run:
// (a) contact records as the batched layout stores them (JSON Lines, 1000 simulator contacts of
// about 1.35 KB per object) and (b) a few large recordings (random bytes: compressed media), each
// encoded by gzip-aes with 1 and with 2+ objects in flight, against zlib.gzipSync level 6 then
// AES-256-GCM on one core (and, for media, AES-256-GCM + SHA-256, what the media path really
// does). Decoding is measured too. Figures only: nothing here asserts a time. `--json` (or
// BENCH_JSON=1) prints one JSON object per figure instead of the table. The batched layout feeds
// the codec one JSON line per write: the "one write per record" figure is that case.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import codecPlugin, { writeKeyFile } from '@cxarchive/codec-gzip-aes';
import { buildDataset } from '@cxarchive/cxone-simulator';

const MiB = 1024 * 1024;
/** `--json`, or BENCH_JSON=1 (which reaches every bench when `pnpm bench` runs them in a chain). */
const JSON_OUT = process.argv.includes('--json') || process.env.BENCH_JSON === '1';
const CONTACTS = Number(process.env.BENCH_CODEC_CONTACTS ?? 100_000);
const BATCH = Number(process.env.BENCH_CODEC_BATCH ?? 1000);
const MEDIA_FILES = Number(process.env.BENCH_CODEC_MEDIA_FILES ?? 4);
const MEDIA_MIB = Number(process.env.BENCH_CODEC_MEDIA_MIB ?? 64);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CORES = availableParallelism();
/** Objects in flight for the parallel figures: as many as there are cores (at least 2). */
const IN_FLIGHT = Math.max(2, CORES);
/** Goal for (a): the codec with objects in flight against raw gzip + AES-GCM on one core (issue 9). */
const GOAL_JSON = 0.8;

/** (a) The contacts as JSON Lines objects of BATCH records each, as the batched layout writes them. */
const jsonBatches = () => {
  const dataset = buildDataset({ seed: 1, contacts: CONTACTS });
  const batches = [];
  for (let first = 0; first < CONTACTS; first += BATCH) {
    const lines = [];
    for (let i = first; i < Math.min(CONTACTS, first + BATCH); i++)
      lines.push(`${JSON.stringify(dataset.contactAt(i))}\n`);
    batches.push(Buffer.from(lines.join('')));
  }
  return batches;
};

/** Feeds `data` in slices of `size` bytes (64 KiB: what a file, a socket or a coalescing writer gives). */
const slices = (data, size = 64 * 1024) =>
  Readable.from(
    (function* () {
      for (let o = 0; o < data.length; o += size) yield data.subarray(o, o + size);
    })(),
  );

/** One write per JSON line (a writer that does not coalesce). */
const lines = (data) =>
  Readable.from(
    (function* () {
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        yield data.subarray(start, end + 1);
        start = end + 1;
      }
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

/** AES-256-GCM of a whole buffer (one message): the raw cipher. */
const seal = (bytes) => {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  cipher.update(bytes);
  cipher.final();
  cipher.getAuthTag();
};

/** Best wall time of REPEATS runs, with the CPU seconds (all threads) of that run. */
const time = async (f) => {
  let best = { seconds: Infinity, cpu: 0 };
  for (let i = 0; i < REPEATS; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await f();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (seconds < best.seconds) best = { seconds, cpu: (cpu.user + cpu.system) / 1e6 };
  }
  return best;
};

/** Runs `work` over every object, `inFlight` at a time. */
const eachInFlight = async (objects, inFlight, work) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, objects.length) }, async () => {
      while (next < objects.length) await work(objects[next++]);
    }),
  );
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
  const codec = await (async () => {
    const created = await codecPlugin.create({ key: { provider: 'file', path: './bench.key' } }, context);
    if (created.isErr()) throw new Error(created.error.message);
    return created.value;
  })();
  const signal = new AbortController().signal;
  const ctxFor = (artifact, contentType) => ({
    tenant: 'bench',
    objectKey: `bench/2026/11/30/1/${artifact}.cxar`,
    itemId: '1',
    artifact,
    contentType,
  });
  const jsonCtx = ctxFor('records.jsonl', 'application/x-ndjson');
  const mediaCtx = ctxFor('recording.mp4', 'audio/mp4');
  const encodeOne = async (input, ctx, out = discard()) => {
    const encoded = await codec.encode(input, ctx, signal);
    if (encoded.isErr()) throw new Error(encoded.error.message);
    await pipeline(encoded.value.stream, out);
  };
  const decodeOne = async (object, ctx) => {
    const decoded = await codec.decode(slices(object), ctx, signal);
    if (decoded.isErr()) throw new Error(decoded.error.message);
    await pipeline(decoded.value, discard());
  };
  const encodeObject = async (data, ctx) => {
    const out = collecting();
    await encodeOne(slices(data), ctx, out.sink);
    return out.bytes();
  };

  const figures = [];
  /** One throughput figure: `units` per second (contacts or MiB), against `raw` when given. */
  const figure = (name, measured, amount, unit, raw, goal) => {
    const value = amount / measured.seconds;
    figures.push({
      name,
      value,
      unit,
      seconds: measured.seconds,
      cores: measured.cpu / measured.seconds,
      ...(raw === undefined ? {} : { raw: raw.value, ratio: value / raw.value }),
      ...(goal === undefined ? {} : { goal }),
    });
    return figures.at(-1);
  };

  // (a) JSON Lines batches.
  const batches = jsonBatches();
  const jsonBytes = batches.reduce((sum, batch) => sum + batch.length, 0);
  const contacts = CONTACTS;
  const rawJson = figure(
    'json: raw gzipSync L6 + AES-256-GCM, one core',
    await time(() => {
      for (const batch of batches) seal(gzipSync(batch, { level: 6 }));
    }),
    contacts,
    'contacts/s',
  );
  for (const inFlight of [1, IN_FLIGHT])
    figure(
      `json: gzip-aes encode, ${inFlight} object${inFlight === 1 ? '' : 's'} in flight`,
      await time(() => eachInFlight(batches, inFlight, (batch) => encodeOne(slices(batch), jsonCtx))),
      contacts,
      'contacts/s',
      rawJson,
      inFlight === 1 ? undefined : GOAL_JSON,
    );
  figure(
    `json: gzip-aes encode, ${IN_FLIGHT} in flight, one write per record`,
    await time(() => eachInFlight(batches, IN_FLIGHT, (batch) => encodeOne(lines(batch), jsonCtx))),
    contacts,
    'contacts/s',
    rawJson,
  );
  const encodedBatches = [];
  for (const batch of batches) encodedBatches.push(await encodeObject(batch, jsonCtx));
  const encodedJsonBytes = encodedBatches.reduce((sum, object) => sum + object.length, 0);
  figure(
    `json: gzip-aes decode, ${IN_FLIGHT} in flight`,
    await time(() => eachInFlight(encodedBatches, IN_FLIGHT, (object) => decodeOne(object, jsonCtx))),
    contacts,
    'contacts/s',
  );
  const gzipOnly = batches.reduce((sum, batch) => sum + gzipSync(batch, { level: 6 }).length, 0);
  encodedBatches.length = 0;

  // (b) Large recordings: random bytes, as compressed media is.
  const media = Array.from({ length: MEDIA_FILES }, () => randomBytes(MEDIA_MIB * MiB));
  const mediaMib = MEDIA_FILES * MEDIA_MIB;
  const mediaObject = await encodeObject(media[0], mediaCtx);
  // `auto` leaves compressed media alone: flags (byte 7) bits 0–1 are 0, and the object is the
  // payload plus a header and one tag per chunk.
  const mediaCompression = mediaObject[7] & 0x03;
  if (mediaCompression !== 0) throw new Error(`media was compressed (flags ${mediaObject[7]})`);
  const mediaChunkLog2 = mediaObject[6];
  const rawMediaGzip = figure(
    'media: raw gzipSync L6 + AES-256-GCM, one core',
    await time(() => {
      for (const file of media) seal(gzipSync(file, { level: 6 }));
    }),
    mediaMib,
    'MiB/s',
  );
  const rawMedia = figure(
    'media: raw AES-256-GCM + SHA-256, one core',
    await time(() => {
      for (const file of media) {
        const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
        const hash = createHash('sha256');
        for (let o = 0; o < file.length; o += 64 * 1024)
          hash.update(cipher.update(file.subarray(o, o + 64 * 1024)));
        cipher.final();
        hash.digest();
      }
    }),
    mediaMib,
    'MiB/s',
  );
  for (const inFlight of [1, IN_FLIGHT]) {
    const measured = await time(() =>
      eachInFlight(media, inFlight, (file) => encodeOne(slices(file), mediaCtx, hashing())),
    );
    const label = `${inFlight} object${inFlight === 1 ? '' : 's'} in flight`;
    figure(`media: gzip-aes encode + SHA-256, ${label}`, measured, mediaMib, 'MiB/s', rawMedia);
    figure(`media: gzip-aes encode + SHA-256, ${label}, vs gzip`, measured, mediaMib, 'MiB/s', rawMediaGzip);
  }
  figure(
    'media: gzip-aes decode, one object',
    await time(() => decodeOne(mediaObject, mediaCtx)),
    MEDIA_MIB,
    'MiB/s',
  );

  if (JSON_OUT) {
    for (const f of figures) console.log(JSON.stringify({ bench: 'codec', ...f }));
  } else {
    console.log(
      `\nCodec benchmark: Node ${process.version}, ${CORES} cores, load ${loadavg()[0].toFixed(2)}, best of ${REPEATS}`,
    );
    console.log(
      `(a) ${contacts} contacts in ${batches.length} JSON Lines objects of ${BATCH}: ${(jsonBytes / MiB).toFixed(1)} MiB, ${(jsonBytes / contacts).toFixed(0)} B per contact; encoded ${(encodedJsonBytes / MiB).toFixed(2)} MiB (gzipSync alone ${(gzipOnly / MiB).toFixed(2)} MiB)`,
    );
    console.log(
      `(b) ${MEDIA_FILES} recordings of ${MEDIA_MIB} MiB (random bytes, audio/mp4): stored with compression ${mediaCompression === 0 ? 'none' : mediaCompression} in chunks of ${2 ** mediaChunkLog2 / 1024} KiB`,
    );
    console.log(
      `${'what'.padEnd(66)} ${'rate'.padStart(12)} ${'unit'.padEnd(11)} ${'cores'.padStart(5)}  of raw`,
    );
    for (const f of figures)
      console.log(
        `${f.name.padEnd(66)} ${f.value.toFixed(f.unit === 'MiB/s' ? 1 : 0).padStart(12)} ${f.unit.padEnd(11)} ${f.cores.toFixed(2).padStart(5)}  ${f.ratio === undefined ? '' : f.ratio.toFixed(2)}${f.goal === undefined ? '' : ` (goal ≥ ${f.goal}: ${f.ratio >= f.goal ? 'met' : 'NOT met'})`}`,
      );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
