/**
 * What a missing recording means. Recording metadata can lag the end of a contact by up to 30
 * minutes (Data Extraction docs, reference/cxone-fidelity.md finding 2) and a Media Playback 404
 * cannot tell "not processed yet" from "never recorded" (reference §4), so a voice contact without
 * a recording stays awaiting until `horizon` after its end: looked at again after `recordingLag`,
 * then at intervals that double with its age (about 7 lookups in 24 h). After the horizon it is
 * archived without a recording, and the record says why. The reason holds nothing that changes
 * from one run to the next (an item fetched again must give the same record, or a re-run could
 * not adopt what an earlier one stored).
 */

const dateMs = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Never look again sooner than this. */
const MIN_RECHECK_MS = 5 * 60_000;

/**
 * When the contact ended: `contactStartDate + totalDurationSeconds`; without a duration, the
 * `lastUpdateTime` (never earlier than the end), else the start.
 */
export const contactEndMs = (record: Readonly<Record<string, unknown>>): number | undefined => {
  const start = dateMs(record.contactStartDate);
  const duration = Number(record.totalDurationSeconds);
  if (
    start !== undefined &&
    record.totalDurationSeconds !== null &&
    Number.isFinite(duration) &&
    duration >= 0
  ) {
    return start + duration * 1000;
  }
  return dateMs(record.lastUpdateTime) ?? start;
};

export type MissingRecording =
  | { readonly kind: 'wait'; readonly retryAt: Date }
  | { readonly kind: 'final'; readonly reason: string };

const hours = (ms: number): string => {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${Math.round(ms / 60_000)} min`;
};

/** Whether to wait for a recording Media Playback does not have, or to archive without it. */
export const missingRecording = (
  record: Readonly<Record<string, unknown>>,
  lagMs: number,
  horizonMs: number,
  nowMs: number,
): MissingRecording => {
  const end = contactEndMs(record);
  if (end === undefined) {
    return {
      kind: 'final',
      reason: 'Media Playback has no recording, and the contact has no end time to wait from',
    };
  }
  const deadline = end + horizonMs;
  if (nowMs >= deadline) {
    return {
      kind: 'final',
      reason:
        `Media Playback had no recording ${hours(horizonMs)} after the contact ended ` +
        `(ended ${new Date(end).toISOString()})`,
    };
  }
  const age = Math.max(0, nowMs - end);
  const next = Math.max(end + Math.max(lagMs, 2 * age), nowMs + MIN_RECHECK_MS);
  return { kind: 'wait', retryAt: new Date(Math.min(next, deadline)) };
};
