import type { Dropped, Item } from './types.js';

/** Drops an item from a transform, saying why (rule names and ids only: operators read it). */
export const dropItem = (reason: string): Dropped => ({ dropped: true, reason });

/** Whether a transform's answer drops the item (`dropItem(…)` or null). */
export const isDropped = (answer: Item | Dropped | null | undefined): answer is Dropped | null =>
  answer === null || (typeof answer === 'object' && (answer as Partial<Dropped>).dropped === true);

/** Longest drop reason kept. */
const MAX_REASON = 200;

/** What the run says about a drop: which transform, and its reason (one line, bounded). */
export const dropReasonOf = (
  label: string,
  answer: Dropped | null,
  scrub: (text: string) => string,
): string => {
  if (answer === null || typeof answer.reason !== 'string') return `dropped by ${label}`;
  const text = scrub(answer.reason).replace(/\s+/g, ' ').trim();
  if (text === '') return `dropped by ${label}`;
  return `dropped by ${label}: ${text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text}`;
};
