import type { BudgetFamily } from '../budgets.js';
import type { Reply } from '../reply.js';
import { acdError } from './acd-error.js';
import { dfoStatusError } from './dfo-errors.js';

/**
 * The 429 of a family whose budget is used up (or of a 429 fault), in that family's own shape.
 * - Media Playback throttles with `{message, route}` (its `ThrottlingApiResponse` in the published
 *   OpenAPI spec, GEN-MP in reference/cxone-api.md §7), not with the `{internalCode, message}` of its
 *   other errors. The wording of `message` is not documented; `route` is the path that was asked for.
 * - The ACD API puts every error message in the `icStatusDescription` header with no body (TAP in
 *   reference/cxone-fidelity.md §2.4); its 429 is not documented [U], so it follows that rule.
 * - The auth server answers errors as `{error, error_description}` (§2.2); its 429 is not documented
 *   either [U].
 * - DFO: `{errors:[{message, errorCode}], uid}` (GEN-MSG `ApiErrorCollection`); its 429 wording is [U].
 * - media-download: `{code, message}` (GEN-MD); no throttling code is published, `TOO_MANY_REQUESTS` [U].
 * - Data Extraction: no error body is published; `{message}` [U]. NICE documents its limit (one call
 *   per 30 s, D-DX), not how it refuses.
 * - Business Data: statuses only (D-BD): an empty body.
 */
export function throttled(
  family: BudgetFamily,
  reply: Reply,
  route: string,
  retryAfter: string | undefined,
): void {
  const headers = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  switch (family) {
    case 'media-playback':
      reply.json(429, { message: 'Too Many Requests', route }, headers);
      return;
    case 'cxone-acd':
      acdError(reply, 429, 'Too Many Requests', headers);
      return;
    case 'cxone-auth':
      reply.json(429, { error: 'temporarily_unavailable', error_description: 'Too many requests' }, headers);
      return;
    case 'dfo':
      dfoStatusError(reply, 429, 'Too Many Requests', retryAfter);
      return;
    case 'media-download':
      reply.json(429, { code: 'TOO_MANY_REQUESTS', message: 'Too Many Requests' }, headers);
      return;
    case 'data-extraction':
      reply.json(429, { message: 'Too Many Requests' }, headers);
      return;
    case 'business-data':
      reply.empty(429, headers);
      return;
    default: {
      // Every family answers: a new family must say how it throttles.
      const unknown: never = family;
      throw new Error(`no 429 shape for family ${String(unknown)}`);
    }
  }
}
