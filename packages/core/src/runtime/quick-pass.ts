import { dropReasonOf, isDropped } from '../plugin/dropped.js';
import type { Item, ItemRef } from '../plugin/types.js';
import { call } from './boundary.js';
import { faultPoint } from './faults.js';
import type { FlowContext } from './flow-context.js';
import { idProblem, type Prepared } from './process-item.js';

/**
 * A page's quick pass (the batch layout): fetches and transforms its new items with plain promises,
 * `ctx.concurrency` at a time, through the same boundary as an item's own program (`call`: the
 * plugins' permits, tracking, labels, defects). In a batch of records, an item without artifacts
 * is only its JSON line, and the per-item program (a fiber, a retry schedule, an effect per step)
 * cost several times the rest of its work; the quick pass gives the flow those items ready to be
 * placed in their batch.
 *
 * It stops starting new items at the first one that needs more than that: one with artifacts to
 * store (its recordings are fetched when its own program gets to it, so no URL waits for a page),
 * or one whose operation failed (its program retries it by the policy, from the failed attempt).
 * The result, per item in order, is how far it got, or undefined when it was not started: each goes
 * on from there in its own program, and no operation is made twice.
 */
export const quickPass = async (
  ctx: FlowContext,
  refs: readonly ItemRef[],
  signal: AbortSignal,
): Promise<(Prepared | undefined)[]> => {
  const out: (Prepared | undefined)[] = new Array(refs.length).fill(undefined);
  let next = 0;
  let stop = false;
  const one = async (ref: ItemRef): Promise<Prepared> => {
    const source = ctx.source;
    const fetched = await call(ctx.inflight, source, 'fetch', (s) => source.instance.fetch(ref, s), signal);
    if (!fetched.ok) return { step: 0, error: fetched.error };
    const wrong = idProblem(source.label, 'fetch', ref.id, fetched.value);
    if (wrong) return { step: 0, error: wrong };
    faultPoint('after-fetch', ref.id);
    let item: Item = fetched.value;
    for (const [k, transform] of ctx.transforms.entries()) {
      const current = item;
      const applied = await call(
        ctx.inflight,
        transform,
        'apply',
        (s) => transform.instance.apply(current, s),
        signal,
      );
      if (!applied.ok) return { step: 1 + k, item, error: applied.error };
      const answer = applied.value;
      if (isDropped(answer))
        return {
          step: 1 + k,
          item,
          dropped: dropReasonOf(transform.label, answer, (t) => ctx.scrubber.scrub(t)),
        };
      const changed = idProblem(transform.label, 'apply', ref.id, answer);
      if (changed) return { step: 1 + k, item, error: changed };
      item = answer;
    }
    return { step: 1 + ctx.transforms.length, item };
  };
  const worker = async (): Promise<void> => {
    while (!stop && !signal.aborted && next < refs.length) {
      const index = next++;
      const prepared = await one(refs[index]!);
      out[index] = prepared;
      if (!isQuick(ctx, prepared) && prepared.dropped === undefined) stop = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency, refs.length) }, worker));
  return out;
};

/** The item is ready for its batch as it is: fetched and transformed, nothing of its own to store. */
export const isQuick = (
  ctx: FlowContext,
  prepared: Prepared | undefined,
): prepared is Prepared & { readonly item: Item } =>
  prepared !== undefined &&
  prepared.error === undefined &&
  prepared.dropped === undefined &&
  prepared.step === 1 + ctx.transforms.length &&
  prepared.item !== undefined &&
  (prepared.item.artifacts === undefined || prepared.item.artifacts.length === 0);
