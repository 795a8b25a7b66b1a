/** The type a failed or interrupted run is also sent as, when subscribed to by name. */
export const RUN_FAILED = 'run.failed';

/** Statuses of `run.completed` that make a `run.failed` message. */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(['failed', 'interrupted']);

/**
 * Whether an event type is subscribed to: by its exact type, by its family (`item.*` takes
 * `item.archived`; `attachment.*` takes every attach-flow event, whatever they are called), or by
 * `*`. Any type string is accepted, so events added to the runtime later are sent as soon as the
 * runtime emits them. `run.failed` is derived: only the exact name subscribes to it.
 */
export const subscriptionMatcher = (on: readonly string[]): ((type: string) => boolean) => {
  const exact = new Set(on.filter((s) => !s.endsWith('*')));
  const families = on.filter((s) => s.endsWith('.*')).map((s) => s.slice(0, -1));
  const all = on.includes('*');
  return (type) =>
    exact.has(type) || (type !== RUN_FAILED && (all || families.some((prefix) => type.startsWith(prefix))));
};

/** Run events are sent at once (after every item event before them); every other event is batched. */
export const isRunEvent = (type: string): boolean => type.startsWith('run.');
