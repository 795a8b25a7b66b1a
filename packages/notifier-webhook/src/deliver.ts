import { setTimeout as sleepFor } from 'node:timers/promises';
import { backoffDelay } from './backoff.js';
import type { Attempt } from './post.js';

/** One webhook message: what is sent, under one id, however often it is retried. */
export interface Message {
  /** `webhook-id`: the same for every attempt, so the receiver can drop a repeat. */
  readonly id: string;
  readonly body: string;
  /** What it holds, for messages: `run.completed`, `a batch of 37 item events`. */
  readonly description: string;
  /** How many runtime events it carries. */
  readonly events: number;
}

export interface DeliveryPolicy {
  readonly timeoutMs: number;
  readonly giveUpAfterMs: number;
  readonly retryDelayMs: number;
  readonly retryMaxDelayMs: number;
}

export interface DeliveryDeps {
  /** Sends one attempt with these headers. */
  post(
    headers: Readonly<Record<string, string>>,
    body: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Attempt>;
  /** The `webhook-signature` value for this id, time and body. */
  sign(id: string, at: Date, body: string): string;
  now(): Date;
  /** Waits, or rejects when `signal` aborts. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  random?(): number;
}

export type Delivery =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly reason: string; readonly cancelled: boolean };

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The shortest time an attempt is given, even when little of giveUpAfter is left. */
const MIN_ATTEMPT_MS = 250;

/**
 * Delivers one message: signs each attempt afresh (a new `webhook-timestamp`, the same
 * `webhook-id`), retries what is worth retrying with full-jitter backoff or as `Retry-After` asks,
 * and gives up once `giveUpAfter` would be passed.
 */
export const deliver = async (
  message: Message,
  policy: DeliveryPolicy,
  deps: DeliveryDeps,
  signal: AbortSignal,
): Promise<Delivery> => {
  const sleep = deps.sleep ?? ((ms: number, s: AbortSignal) => sleepFor(ms, undefined, { signal: s }));
  const started = deps.now().getTime();
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted)
      return {
        ok: false,
        attempts: attempt - 1,
        reason: `${message.description} was cancelled`,
        cancelled: true,
      };
    const at = deps.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'cxarchive-notifier-webhook',
      'webhook-id': message.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': deps.sign(message.id, at, message.body),
    };
    const left = policy.giveUpAfterMs - (at.getTime() - started);
    const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(policy.timeoutMs, left));
    const result = await deps.post(headers, message.body, timeoutMs, signal);
    if (result.kind === 'delivered') return { ok: true, attempts: attempt };
    if (signal.aborted)
      return {
        ok: false,
        attempts: attempt,
        reason: `${message.description} was cancelled`,
        cancelled: true,
      };
    if (result.kind === 'fatal')
      return { ok: false, attempts: attempt, reason: result.reason, cancelled: false };
    const elapsed = deps.now().getTime() - started;
    const asked = result.retryAfterMs;
    const delay = asked ?? backoffDelay(attempt, policy.retryDelayMs, policy.retryMaxDelayMs, deps.random);
    if (elapsed + delay > policy.giveUpAfterMs) {
      const why =
        asked !== undefined && asked > policy.giveUpAfterMs - elapsed
          ? `; the receiver asked to wait ${seconds(asked)} (Retry-After), beyond giveUpAfter (${seconds(policy.giveUpAfterMs)})`
          : '';
      return {
        ok: false,
        attempts: attempt,
        reason: `gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'} over ${seconds(elapsed)} (last: ${result.reason})${why}`,
        cancelled: false,
      };
    }
    try {
      await sleep(delay, signal);
    } catch {
      return {
        ok: false,
        attempts: attempt,
        reason: `${message.description} was cancelled`,
        cancelled: true,
      };
    }
  }
};
