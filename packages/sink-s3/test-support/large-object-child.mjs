// Stores one generated body through the built sink (`dist/`) and prints, as JSON on its last line,
// what the sink reported, the composite MD5 of what was sent, and this process's peak RSS (the
// kernel's high-water mark) with samples of its RSS over time.
// Arguments: endpoint bucket key bytes [partSize] [queueSize] [partBuffers]; the credentials come
// from S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const [endpoint, bucket, key, bytesArg, partSizeArg, queueSizeArg, partBuffersArg] = process.argv.slice(2);
const { createS3Client, createS3Sink, resolveOptions } = await import('../dist/index.js');

const MiB = 1024 * 1024;
const size = Number(bytesArg);
const partSize = Number(partSizeArg ?? 8 * MiB);
const resolved = resolveOptions({
  bucket,
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  accessKeyId: process.env.S3_ACCESS_KEY_ID,
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY,
  partSize,
  ...(queueSizeArg === undefined ? {} : { queueSize: Number(queueSizeArg) }),
  ...(partBuffersArg === undefined ? {} : { partBuffers: Number(partBuffersArg) }),
});
if (resolved.isErr()) throw new Error(resolved.error.message);
const sink = createS3Sink(createS3Client(resolved.value), resolved.value);

// The body: fresh 1 MiB chunks (as a codec hands them over), each a random block with its index in
// its first 8 bytes, so no two chunks are alike. Hashed here as the runtime would: MD5 per part.
const block = createHash('sha512').update('seed').digest();
const pattern = Buffer.alloc(MiB);
for (let at = 0; at < MiB; at += block.length) {
  block.copy(pattern, at);
  createHash('sha512').update(block).digest().copy(block);
}
const partMd5s = [];
let partHash = createHash('md5');
let inPart = 0;
const hashSent = (chunk) => {
  for (let at = 0; at < chunk.length; ) {
    const n = Math.min(chunk.length - at, partSize - inPart);
    partHash.update(chunk.subarray(at, at + n));
    inPart += n;
    at += n;
    if (inPart === partSize) {
      partMd5s.push(partHash.digest());
      partHash = createHash('md5');
      inPart = 0;
    }
  }
};
let produced = 0;
let index = 0;
const body = new Readable({
  highWaterMark: MiB,
  read() {
    if (produced >= size) {
      this.push(null);
      return;
    }
    const length = Math.min(MiB, size - produced);
    const chunk = Buffer.allocUnsafe(length);
    pattern.copy(chunk, 0, 0, length);
    if (length >= 8) chunk.writeBigUInt64LE(BigInt(index), 0);
    index += 1;
    produced += length;
    hashSent(chunk);
    this.push(chunk);
  },
});

const samples = [];
const started = performance.now();
const sampler = setInterval(() => {
  samples.push({
    s: Number(((performance.now() - started) / 1000).toFixed(2)),
    rssMb: Math.round(process.memoryUsage.rss() / 1e6),
  });
}, 500);
const stored = await sink.put(key, body, {
  signal: new AbortController().signal,
  contentType: 'application/octet-stream',
  metadata: {},
});
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
if (inPart > 0 || partMd5s.length === 0) partMd5s.push(partHash.digest());
const expected =
  partMd5s.length === 1
    ? { algorithm: 'md5', value: partMd5s[0].toString('hex') }
    : {
        algorithm: 'md5',
        value: createHash('md5').update(Buffer.concat(partMd5s)).digest('hex'),
        parts: partMd5s.length,
      };
const usage = process.resourceUsage();
await sink.close?.();
console.log(
  JSON.stringify({
    ok: stored.isOk(),
    ...(stored.isOk() ? { stored: stored.value } : { error: stored.error.message }),
    expected,
    bytes: produced,
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    peakRssBytes: usage.maxRSS * 1024,
    samples,
  }),
);
