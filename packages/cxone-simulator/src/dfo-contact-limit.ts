import type { DfoOptions } from './dfo-config.js';
import type { DfoState } from './dfo-state.js';

/**
 * The per-contact update limit of the digital API, a token bucket per contact: NICE documents
 * "Update Specific Contact: 250 burst capacity up to 1,020 per hour with 17 refill amount per
 * minute" (developer.niceincontact.com/API/DigitalEngagementAPI, "Digital Engagement Throttling
 * Limits"), protecting the tenant's update, outbound and inbound capacity from one runaway contact.
 * Refilled continuously here (NICE's refill granularity is not published [U]).
 */
export type ContactUpdate =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryAfterSeconds: number };

export function takeContactUpdate(
  state: DfoState,
  options: Pick<DfoOptions, 'contactUpdateBurst' | 'contactUpdatesPerMinute'>,
  contactNumber: string,
  nowMs: number,
): ContactUpdate {
  const perMs = options.contactUpdatesPerMinute / 60_000;
  const bucket = state.contactBuckets.get(contactNumber) ?? {
    tokens: options.contactUpdateBurst,
    atMs: nowMs,
  };
  const tokens = Math.min(
    options.contactUpdateBurst,
    bucket.tokens + Math.max(0, nowMs - bucket.atMs) * perMs,
  );
  if (tokens < 1) {
    state.contactBuckets.set(contactNumber, { tokens, atMs: nowMs });
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }
  state.contactBuckets.set(contactNumber, { tokens: tokens - 1, atMs: nowMs });
  return { ok: true };
}
