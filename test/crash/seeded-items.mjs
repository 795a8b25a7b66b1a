// The crash tests' data: items derived from a seed alone, so every run of a child, and the test
// that checks what it left, sees exactly the same items, records and artifact bytes.
import { createCipheriv, createHash } from 'node:crypto';

/** Artifacts flow to the sinks in chunks of this size (so a big artifact is several chunks). */
export const CHUNK_SIZE = 64 * 1024;

const digestOf = (...parts) => createHash('sha256').update(parts.join('\u0000')).digest();

/** Deterministic pseudo-random bytes (AES-256-CTR keystream keyed by the seed and the name). */
export const artifactBytes = (seed, itemId, artifact, size) => {
  const key = digestOf('bytes', String(seed), itemId, artifact);
  const iv = digestOf('iv', String(seed), itemId, artifact).subarray(0, 16);
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(size));
};

/**
 * `count` items `c01`, `c02`, … with a date, a record and two artifacts: `notes.txt` (a few hundred
 * bytes) and `recording.wav` (`bigSize` bytes give or take a few KiB, several chunks). With `days`,
 * the items fall on that many days (March 1st on), so batches of records (one per day) have
 * several members; without, each on a day of its own.
 */
export const seededItems = (seed, count, bigSize, days) =>
  Array.from({ length: count }, (_, i) => {
    const id = `c${String(i + 1).padStart(2, '0')}`;
    const h = digestOf('item', String(seed), id);
    const day = days === undefined ? 1 + (h[0] % 28) : 1 + (h[0] % days);
    const month = days === undefined ? 1 + (h[1] % 12) : 3;
    const occurredAt = new Date(Date.UTC(2026, month - 1, day, h[2] % 24, h[3] % 60, 0)).toISOString();
    return {
      id,
      occurredAt,
      record: { id, agent: `agent-${h[4] % 10}`, durationSeconds: 30 + (h[5] % 600), seq: i + 1 },
      artifacts: [
        { name: 'notes.txt', size: 200 + (h[6] % 400), contentType: 'text/plain' },
        { name: 'recording.wav', size: bigSize + h[7] * 37, contentType: 'audio/wav' },
      ],
    };
  });

/** SHA-256 (hex) of each artifact's bytes, by `<itemId>/<artifact>`. */
export const artifactDigests = (seed, count, bigSize, days) => {
  const out = {};
  for (const item of seededItems(seed, count, bigSize, days))
    for (const a of item.artifacts)
      out[`${item.id}/${a.name}`] = createHash('sha256')
        .update(artifactBytes(seed, item.id, a.name, a.size))
        .digest('hex');
  return out;
};
