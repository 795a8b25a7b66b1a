import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import {
  errAsync,
  type JsonObject,
  type Logger,
  type Notifier,
  okAsync,
  type PipelineEvent,
  type PluginError,
  PluginErrors,
  Redacted,
  ResultAsync,
} from '@cxarchive/core';
import { createAddressPolicy } from './address-policy.js';
import { type Delivery, type DeliveryDeps, deliver, type Message } from './deliver.js';
import { guardedLookup, type Resolver, systemResolver } from './guarded-lookup.js';
import type { ResolvedWebhookOptions } from './options.js';
import { type AnyEvent, batchBody, singleBody, thinEvent } from './payload.js';
import { postOnce } from './post.js';
import { createSigner, messageId } from './signing.js';
import { FAILED_STATUSES, isRunEvent, RUN_FAILED, subscriptionMatcher } from './subscriptions.js';

export interface WebhookNotifierDeps {
  /** The plugin's place in the pipeline (`notifiers[0]`): part of every message id. */
  readonly label?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Resolves the receiver's host name at connect time (default: the system resolver). */
  readonly resolver?: Resolver;
  readonly sleep?: DeliveryDeps['sleep'];
  readonly random?: () => number;
}

/** A failure kept until a notify call can report it (a batch sent by the timer, between calls). */
interface Carried {
  messages: number;
  events: number;
  reasons: string[];
}

const MAX_REASONS = 3;

/**
 * The webhook notifier. The runtime calls `notify` once per event, one call at a time, and counts
 * each call that fails in the run report; this notifier answers it as follows:
 * - an unsubscribed event: nothing to do;
 * - an item event (any event but run.*): queued in the batch (at most `batchSize` events). The
 *   call that fills the batch sends it and answers with its delivery; a batch not filled within
 *   `batchWait` is sent in the background, and the next call reports its failure, if any;
 * - a run event: the waiting batch is sent first (every item event before it, in order), then
 *   the run event itself; the call answers with all of it.
 * Each message is retried until `giveUpAfter` (see deliver.ts), then given up: the call fails
 * `Permanent` (not retried again by the runtime) and the run report counts it. A notification
 * never fails the run.
 */
export const createWebhookNotifier = (
  options: ResolvedWebhookOptions,
  deps: WebhookNotifierDeps = {},
): Notifier => {
  const now = deps.now ?? (() => new Date());
  const label = deps.label ?? 'notifier';
  const { target } = options;
  const wants = subscriptionMatcher(options.on);
  const policy = createAddressPolicy({
    allowPrivateNetworks: options.allowPrivateNetworks,
    allowedNetworks: options.allowedNetworks,
    loopbackOnly: target.insecureLoopback,
  });
  const lookup = guardedLookup(deps.resolver ?? systemResolver, policy);
  const agent =
    target.url.protocol === 'https:'
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 2,
          lookup,
          ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
        })
      : new http.Agent({ keepAlive: true, maxSockets: 2, lookup });
  const sign = createSigner(options.secrets.map((s) => Redacted.value(s)));
  const deliveryDeps: DeliveryDeps = {
    post: (headers, body, timeoutMs, signal) =>
      postOnce({ target, agent, policy, headers, body, timeoutMs, signal, now: () => now().getTime() }),
    sign,
    now,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  };

  let batch: JsonObject[] = [];
  let batchTimer: NodeJS.Timeout | undefined;
  let batches = 0;
  let background: { done: Promise<void>; abort: AbortController } | undefined;
  let carried: Carried = { messages: 0, events: 0, reasons: [] };
  let closed = false;

  const send = (message: Message, signal: AbortSignal): Promise<Delivery> =>
    deliver(message, options.delivery, deliveryDeps, signal);

  const sealBatch = (): Message | undefined => {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    if (batch.length === 0) return undefined;
    const events = batch;
    batch = [];
    batches++;
    const runId = String(events[0]?.runId ?? '');
    return {
      id: messageId(label, runId, 'batch', String(batches)),
      body: batchBody(events),
      description: `a batch of ${events.length} item ${events.length === 1 ? 'event' : 'events'}`,
      events: events.length,
    };
  };

  const carry = (message: Message, delivery: Delivery): void => {
    if (delivery.ok) return;
    carried.messages++;
    carried.events += message.events;
    if (carried.reasons.length < MAX_REASONS)
      carried.reasons.push(`${message.description} (${message.id}): ${delivery.reason}`);
  };

  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const describeCarried = (c: Carried): string =>
    `${plural(c.messages, 'message', 'messages')} (${plural(c.events, 'item event', 'item events')}) not delivered: ${c.reasons.join('; ')}${c.messages > c.reasons.length ? '; …' : ''}`;

  /** Waits for a batch the timer sent; gives up on it when `signal` aborts. */
  const awaitBackground = async (signal: AbortSignal): Promise<void> => {
    const running = background;
    if (!running) return;
    const onAbort = () => running.abort.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await running.done;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };

  const sendInBackground = (): void => {
    const message = sealBatch();
    if (!message) return;
    const previous = background;
    const abort = new AbortController();
    const done = (async () => {
      await previous?.done;
      carry(message, await send(message, abort.signal));
    })();
    const entry = { done, abort };
    background = entry;
    void done.finally(() => {
      if (background === entry) background = undefined;
    });
  };

  const takeCarried = (): Carried => {
    const taken = carried;
    carried = { messages: 0, events: 0, reasons: [] };
    return taken;
  };

  /** The answer of one notify call: ok, or every failure it saw in one message. */
  const answer = (
    failures: readonly string[],
    earlier: Carried,
    cancelled: boolean,
  ): PluginError | undefined => {
    const parts = [...failures];
    if (earlier.messages > 0) parts.push(`earlier: ${describeCarried(earlier)}`);
    if (parts.length === 0) return undefined;
    const message = `webhook to ${target.origin}: ${parts.join('; ')}`;
    return cancelled ? PluginErrors.transient(message) : PluginErrors.permanent(message);
  };

  const notifyRun = async (event: AnyEvent, signal: AbortSignal): Promise<PluginError | undefined> => {
    // Sealed before waiting, so the timer cannot send it meanwhile, behind the run event's back.
    const pending = sealBatch();
    await awaitBackground(signal);
    const failures: string[] = [];
    let cancelled = false;
    const run = async (message: Message) => {
      const delivery = await send(message, signal);
      if (!delivery.ok) {
        cancelled ||= delivery.cancelled;
        failures.push(`${message.description} (${message.id}) not delivered: ${delivery.reason}`);
      }
    };
    if (pending) await run(pending);
    const thin = thinEvent(event);
    const runId = String(event.runId ?? '');
    const types = [
      ...(wants(event.type) ? [event.type] : []),
      ...(event.type === 'run.completed' && FAILED_STATUSES.has(String(event.status)) && wants(RUN_FAILED)
        ? [RUN_FAILED]
        : []),
    ];
    for (const type of types)
      await run({
        id: messageId(label, runId, type),
        body: singleBody(type, thin),
        description: type,
        events: 1,
      });
    return answer(failures, takeCarried(), cancelled);
  };

  const notifyItem = async (event: AnyEvent, signal: AbortSignal): Promise<PluginError | undefined> => {
    if (!wants(event.type)) return answer([], takeCarried(), false);
    batch.push(thinEvent(event));
    if (batch.length < options.batchSize) {
      if (batchTimer === undefined) {
        batchTimer = setTimeout(sendInBackground, options.batchWaitMs);
        batchTimer.unref();
      }
      return answer([], takeCarried(), false);
    }
    const message = sealBatch()!;
    await awaitBackground(signal);
    const delivery = await send(message, signal);
    const failures = delivery.ok
      ? []
      : [`${message.description} (${message.id}) not delivered: ${delivery.reason}`];
    return answer(failures, takeCarried(), !delivery.ok && delivery.cancelled);
  };

  return {
    notify(event: PipelineEvent, signal: AbortSignal) {
      const e = event as unknown as AnyEvent;
      return ResultAsync.fromPromise(
        closed
          ? Promise.resolve(PluginErrors.permanent('the webhook notifier is closed'))
          : isRunEvent(e.type)
            ? notifyRun(e, signal)
            : notifyItem(e, signal),
        (cause) => PluginErrors.permanent(`webhook to ${target.origin}: ${String(cause)}`),
      ).andThen((failure) => (failure ? errAsync(failure) : okAsync(undefined)));
    },
    async close() {
      if (closed) return;
      closed = true;
      // Whatever is left (a run that never sent its run.completed): sent now, bounded by giveUpAfter.
      const abort = new AbortController();
      const bound = setTimeout(
        () => abort.abort(new Error('closing')),
        options.delivery.giveUpAfterMs + options.delivery.timeoutMs,
      );
      try {
        const message = sealBatch();
        await awaitBackground(abort.signal);
        if (message) carry(message, await send(message, abort.signal));
      } finally {
        clearTimeout(bound);
        agent.destroy();
      }
      // No notify call is left to report these: only the log can tell (the report is written).
      const left = takeCarried();
      if (left.messages > 0)
        deps.logger?.warn(`${label}: webhook to ${target.origin}: ${describeCarried(left)}`);
    },
  };
};
