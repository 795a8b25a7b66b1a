import type { BudgetFamily } from '../budgets.js';
import type { Reply } from '../reply.js';

/**
 * The 429 of a family whose budget is used up, in that family's own shape. Media Playback throttles
 * with `{message, route}` (its `ThrottlingApiResponse` in the published OpenAPI spec, GEN-MP in
 * reference/cxone-api.md §7), not with the `{internalCode, message}` of its other errors. The wording
 * of `message` is not documented; `route` is the path that was asked for.
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
  }
}
