/**
 * When a contact's recording should be in Media Playback at the latest. Recording metadata can
 * lag the end of a contact by up to 30 minutes (reference §2, Data Extraction docs), so a contact
 * that ended within `recordingLag` and has no recording yet is looked at again later instead of
 * being archived without one.
 */

const dateMs = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

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

/** The time after which a missing recording is final, or undefined when it already is. */
export const recordingDueBy = (
  record: Readonly<Record<string, unknown>>,
  lagMs: number,
  nowMs: number,
): Date | undefined => {
  const end = contactEndMs(record);
  if (end === undefined || lagMs <= 0) return undefined;
  const due = end + lagMs;
  return nowMs < due ? new Date(due) : undefined;
};
