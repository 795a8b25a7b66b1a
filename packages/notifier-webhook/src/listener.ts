import type { RequestListener } from 'node:http';
import { type ReplayGuard, verifyWebhook } from './verify.js';

/** One verified message, as a receiver handles it: batches unpacked into their events. */
export interface ReceivedWebhook {
  /** `webhook-id`: the idempotency key. */
  readonly id: string;
  readonly timestamp: Date;
  /** `batch`, or the type of the one event it carries (`run.completed`, `run.failed`, …). */
  readonly type: string;
  /** The events it carries, each with its `type` (a single-event message gives one). */
  readonly events: readonly Readonly<Record<string, unknown>>[];
}

export interface WebhookListenerOptions {
  /** The secret, or the secrets during a rotation. */
  readonly secrets: string | readonly string[];
  /** Recognises repeats (a retried message that was already processed): answered 204, not handled again. */
  readonly replay?: ReplayGuard;
  /** Largest body accepted (default 1 MiB); a larger one is answered 413 without reading on. */
  readonly maxBodyBytes?: number;
  /** Handles a verified message; a rejection answers 500, so the sender retries it. */
  onMessage(message: ReceivedWebhook): void | Promise<void>;
  /** Told why a message was refused (answered 401, or 400 for a body that is not a message). */
  onRejected?(reason: string): void;
}

const eventsOf = (payload: unknown): { type: string; events: Record<string, unknown>[] } | undefined => {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { type, data } = payload as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || typeof data !== 'object' || data === null) return undefined;
  if (type !== 'batch') return { type, events: [{ type, ...(data as Record<string, unknown>) }] };
  const events = (data as { events?: unknown }).events;
  return Array.isArray(events) ? { type, events: events as Record<string, unknown>[] } : undefined;
};

/**
 * A `node:http` request listener for a receiver of this notifier's messages: reads the raw body
 * (bounded), verifies it with `verifyWebhook`, skips repeats, hands each new message to
 * `onMessage` and remembers its id once handled.
 */
export const createWebhookListener = (options: WebhookListenerOptions): RequestListener => {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return (req, res) => {
    const answer = (status: number, reason?: string) => {
      if (reason) options.onRejected?.(reason);
      res.writeHead(status).end();
    };
    if (req.method !== 'POST') return answer(405, `${req.method} is not a webhook delivery`);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        answer(413, `a body over ${maxBodyBytes} bytes`);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const verified = verifyWebhook(Buffer.concat(chunks), req.headers, {
        secrets: options.secrets,
        ...(options.replay ? { replay: options.replay } : {}),
      });
      if (!verified.ok) return answer(401, verified.reason);
      if (verified.duplicate) return answer(204);
      const message = eventsOf(verified.payload);
      if (!message) return answer(400, 'a signed body that is not a message of this notifier');
      Promise.resolve()
        .then(() => options.onMessage({ id: verified.id, timestamp: verified.timestamp, ...message }))
        .then(
          () => {
            options.replay?.add(verified.id);
            answer(204);
          },
          () => answer(500),
        );
    });
  };
};
