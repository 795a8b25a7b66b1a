/** Exponential backoff with full jitter: the wait before retry `retry` (1, 2, …) is drawn below the ceiling. */
export const backoffDelay = (
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number => Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (retry - 1)));
