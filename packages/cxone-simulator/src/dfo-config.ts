/**
 * Settings of the simulator's digital (DFO) API. They are per simulator (keyed by its base URL),
 * set from a test with `configureDfo(simulator.url, {...})`; a simulator with none set uses
 * `DFO_DEFAULTS`.
 */
export interface DfoOptions {
  /**
   * Largest decoded attachment accepted by `POST /attachments/temporary`, in bytes. No public
   * source gives CXone's limit [U] (reference/cxone-fidelity.md §4(a)): default 25 MiB.
   */
  readonly maxAttachmentBytes: number;
  /**
   * How long a temporary attachment (and its URL) lives, in seconds. Not published either [U]:
   * default 3600 (one hour).
   */
  readonly attachmentTtlSeconds: number;
  /**
   * Updates of one contact (a message sent, created or tagged, a custom field written) allowed in a
   * burst, and refilled per minute: NICE documents "Update Specific Contact: 250 burst capacity up to
   * 1,020 per hour with 17 refill amount per minute" (developer.niceincontact.com/API/DigitalEngagementAPI,
   * "Digital Engagement Throttling Limits"). Past it: 429 with `Retry-After`.
   */
  readonly contactUpdateBurst: number;
  readonly contactUpdatesPerMinute: number;
}

export const DFO_DEFAULTS: DfoOptions = Object.freeze({
  maxAttachmentBytes: 25 * 1024 * 1024,
  attachmentTtlSeconds: 3600,
  contactUpdateBurst: 250,
  contactUpdatesPerMinute: 17,
});

const configured = new Map<string, DfoOptions>();

/** Sets the DFO options of the simulator at `baseUrl` (its `url`); options left out keep their value. */
export function configureDfo(baseUrl: string, options: Partial<DfoOptions>): DfoOptions {
  const next = { ...dfoOptions(baseUrl), ...options };
  if (!Number.isSafeInteger(next.maxAttachmentBytes) || next.maxAttachmentBytes < 1) {
    throw new RangeError(
      `maxAttachmentBytes must be a positive integer, got ${String(next.maxAttachmentBytes)}`,
    );
  }
  if (!Number.isSafeInteger(next.attachmentTtlSeconds) || next.attachmentTtlSeconds < 1) {
    throw new RangeError(
      `attachmentTtlSeconds must be a positive integer, got ${String(next.attachmentTtlSeconds)}`,
    );
  }
  for (const name of ['contactUpdateBurst', 'contactUpdatesPerMinute'] as const) {
    if (!Number.isSafeInteger(next[name]) || next[name] < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${String(next[name])}`);
    }
  }
  const frozen = Object.freeze(next);
  configured.set(baseUrl, frozen);
  return frozen;
}

export const dfoOptions = (baseUrl: string): DfoOptions => configured.get(baseUrl) ?? DFO_DEFAULTS;
