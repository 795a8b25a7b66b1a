import { Effect, Stream } from 'effect';
import { isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Checkpoint, ItemRef } from '../plugin/types.js';
import { retryDelay } from './retry.js';
import type { RunContext } from './run-context.js';

export type Element =
  | { readonly kind: 'item'; readonly ref: ItemRef }
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint };

/**
 * What a run works through: first the items earlier runs left pending or failed (fetched again
 * from their stored refs), then the source's listing from the stored checkpoint, each page
 * followed by its checkpoint. A listing that fails retryably is resumed from the last page it
 * delivered; items listed twice are processed once.
 */
export const runElements = (
  ctx: RunContext,
  start: Checkpoint | undefined,
): Stream.Stream<Element, PluginError> => {
  const unsettled = Stream.suspend(() =>
    Stream.fromIterable(
      ctx.ledger.unsettled(ctx.tenant, ctx.sourceId).map((i): Element => ({ kind: 'item', ref: i.ref })),
    ),
  );
  let lastListed = start;
  const listFrom = (
    checkpoint: Checkpoint | undefined,
    attempt: number,
  ): Stream.Stream<Element, PluginError> =>
    Stream.suspend(() =>
      Stream.fromAsyncIterable(ctx.source.instance.pages(checkpoint), (defect) =>
        PluginErrors.permanent(
          `${ctx.source.label}.pages: defect (the plugin threw instead of returning an error): ${defect instanceof Error ? defect.message : String(defect)}`,
        ),
      ),
    ).pipe(
      Stream.mapEffect((result) =>
        result.isOk() ? Effect.succeed(result.value) : Effect.fail(result.error),
      ),
      Stream.flatMap((page) => {
        lastListed = page.checkpoint;
        return Stream.fromIterable<Element>([
          ...page.items.map((ref): Element => ({ kind: 'item', ref })),
          { kind: 'checkpoint', checkpoint: page.checkpoint },
        ]);
      }),
      Stream.catch((error: PluginError) => {
        if (!isRetryable(error) || attempt >= ctx.policy.attempts) return Stream.fail(error);
        return Stream.unwrap(
          retryDelay(ctx.policy, attempt, error).pipe(
            Effect.tap((delay) =>
              Effect.sync(() => {
                ctx.stats.retries++;
                ctx.logger.debug('listing failed; resuming from the last page', {
                  errorTag: error._tag,
                  delayMs: delay,
                });
              }),
            ),
            Effect.flatMap((delay) => Effect.sleep(delay)),
            Effect.map(() => listFrom(lastListed, attempt + 1)),
          ),
        );
      }),
    );
  return Stream.concat(unsettled, listFrom(start, 1));
};
