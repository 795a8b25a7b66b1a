import { readAuditLog } from '@cxarchive/core/host';

/** One interval of a run: items settled in it and the bytes they stored. */
export interface ThroughputBucket {
  archived: number;
  failed: number;
  /** Bytes stored by the items archived in the interval (every object, every sink). */
  bytes: number;
}

/** A run's throughput over time: a fixed number of buckets, whatever the number of items. */
export interface Throughput {
  readonly startMs: number;
  readonly bucketMs: number;
  readonly buckets: readonly ThroughputBucket[];
  /** Item events of the run found in the audit log (archived and failed). */
  readonly events: number;
  /** Lines of the log that were not intact entries (skipped here; `cxarchive audit --verify` tells more). */
  readonly damaged: number;
}

/** At most this many buckets: memory and the chart's width do not grow with the run. */
export const MAX_BUCKETS = 120;
const STEPS_MS = [
  100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
  1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest round interval that fits `durationMs` into MAX_BUCKETS buckets. */
export const bucketSizeFor = (durationMs: number): number => {
  const needed = Math.max(1, durationMs) / MAX_BUCKETS;
  return STEPS_MS.find((step) => step >= needed) ?? Math.ceil(needed / 86_400_000) * 86_400_000;
};

/**
 * The run's item events in the audit log, counted per interval: read as a stream (one entry at a
 * time), only entries of `runId` counted, and reading stops at the run's `run.completed`. Events
 * outside [startedAt, finishedAt] (clocks) count in the first or last bucket. Throws what reading
 * the log throws (ENOENT when there is none).
 */
export const throughputOf = async (
  logFile: string,
  run: { readonly runId: string; readonly startedAt: string; readonly finishedAt: string },
): Promise<Throughput> => {
  const startMs = Date.parse(run.startedAt);
  const endMs = Math.max(startMs, Date.parse(run.finishedAt));
  const bucketMs = bucketSizeFor(endMs - startMs);
  const count = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil((endMs - startMs + 1) / bucketMs)));
  const buckets = Array.from({ length: count }, () => ({ archived: 0, failed: 0, bytes: 0 }));
  let events = 0;
  let damaged = 0;
  for await (const record of readAuditLog(logFile)) {
    if ('problem' in record) {
      damaged++;
      continue;
    }
    const entry = record.entry;
    if (entry.runId !== run.runId) continue;
    if (entry.type === 'run.completed') break;
    if (entry.type !== 'item.archived' && entry.type !== 'item.failed') continue;
    const at = Date.parse(entry.at);
    const index = Number.isNaN(at)
      ? count - 1
      : Math.min(count - 1, Math.max(0, Math.floor((at - startMs) / bucketMs)));
    const bucket = buckets[index]!;
    events++;
    if (entry.type === 'item.failed') bucket.failed++;
    else {
      bucket.archived++;
      for (const object of entry.objects ?? []) if (Number.isFinite(object.size)) bucket.bytes += object.size;
    }
  }
  return { startMs, bucketMs, buckets, events, damaged };
};
