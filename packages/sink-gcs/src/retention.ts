import type { Retention } from '@cxarchive/core';
import type { FileMetadata } from '@google-cloud/storage';

/** The holds the sink options ask to place on every object. */
export interface Holds {
  readonly eventBasedHold: boolean;
  readonly temporaryHold: boolean;
}

/** GCS object retention modes: governance → Unlocked (can be shortened by an admin), compliance → Locked. */
export const retentionMode = (retention: Retention): 'Unlocked' | 'Locked' =>
  retention.mode === 'compliance' ? 'Locked' : 'Unlocked';

/**
 * The fields of the object resource that ask GCS for retention and holds at upload time (the
 * `retention` object needs a bucket created with object retention enabled; holds need nothing).
 */
export const protectionFields = (
  retention: Retention | undefined,
  holds: Holds,
): Pick<FileMetadata, 'retention' | 'eventBasedHold' | 'temporaryHold'> => ({
  ...(retention === undefined
    ? {}
    : { retention: { mode: retentionMode(retention), retainUntilTime: retention.until.toISOString() } }),
  ...(holds.eventBasedHold ? { eventBasedHold: true } : {}),
  ...(holds.temporaryHold ? { temporaryHold: true } : {}),
});

/** Whole seconds: a store may keep the retain-until time to the second. */
const seconds = (time: number) => Math.floor(time / 1000);

/**
 * What is missing from the object GCS reports, compared with what was asked: `undefined` when it
 * is all there. The retain-until time may be later than asked (never earlier).
 */
export const missingProtection = (
  stored: FileMetadata,
  retention: Retention | undefined,
  holds: Holds,
): string | undefined => {
  const missing: string[] = [];
  if (retention !== undefined) {
    const mode = stored.retention?.mode;
    const until = Date.parse(stored.retention?.retainUntilTime ?? '');
    if (
      mode !== retentionMode(retention) ||
      Number.isNaN(until) ||
      seconds(until) < seconds(retention.until.getTime())
    )
      missing.push(
        `retention ${retentionMode(retention)} until ${retention.until.toISOString()} (the store reports ${mode ?? 'none'} until ${stored.retention?.retainUntilTime ?? 'never'})`,
      );
  }
  if (holds.eventBasedHold && stored.eventBasedHold !== true) missing.push('the event-based hold');
  if (holds.temporaryHold && stored.temporaryHold !== true) missing.push('the temporary hold');
  return missing.length === 0 ? undefined : missing.join('; ');
};
