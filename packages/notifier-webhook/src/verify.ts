import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { secretProblem } from './signing.js';

/** Remembers the `webhook-id`s a receiver has processed, so a repeat is recognised. */
export interface ReplayGuard {
  has(id: string): boolean;
  /** Call once the message is processed (stored): a repeat of a message that failed half-way is then still processed. */
  add(id: string): void;
}

/**
 * A replay guard in memory: ids are kept for `ttlMs` (default 10 minutes, twice the 5 minutes a
 * timestamp is accepted for, so a replayed message is either recognised or rejected as stale) and
 * at most `maxIds` of them (oldest forgotten first). A receiver running on several machines keeps
 * ids in a shared store instead, with the same two methods.
 */
export const createReplayGuard = (
  options: { readonly maxIds?: number; readonly ttlMs?: number; readonly now?: () => number } = {},
): ReplayGuard => {
  const maxIds = options.maxIds ?? 100_000;
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  const evict = (): void => {
    const t = now();
    for (const [id, expires] of seen) {
      if (expires > t && seen.size <= maxIds) break;
      seen.delete(id);
    }
  };
  return {
    has(id) {
      const expires = seen.get(id);
      return expires !== undefined && expires > now();
    },
    add(id) {
      seen.delete(id);
      seen.set(id, now() + ttlMs);
      evict();
    },
  };
};

export type VerifiedWebhook =
  | {
      readonly ok: true;
      readonly id: string;
      readonly timestamp: Date;
      /** The parsed JSON body. */
      readonly payload: unknown;
      /** The replay guard has seen this id: answer 2xx and do not process it again. */
      readonly duplicate: boolean;
    }
  | { readonly ok: false; readonly reason: string };

export interface VerifyWebhookOptions {
  /** The secret, or the secrets during a rotation: a message signed with any of them is accepted. */
  readonly secrets: string | readonly string[];
  readonly replay?: ReplayGuard;
}

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

const headerValues = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = typeof value === 'string' ? value : (value[0] ?? '');
  }
  return out;
};

/**
 * Checks a Standard Webhooks message as a receiver gets it: the raw body (before any JSON
 * parsing: a re-serialised body does not verify) and the request headers (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`). Refuses a missing header, a timestamp more than five
 * minutes from now, and a body or id that no secret signed; with a replay guard, tells a repeat.
 * Uses the `standardwebhooks` implementation (constant-time comparison).
 */
export const verifyWebhook = (
  body: string | Buffer,
  headers: Headers,
  options: VerifyWebhookOptions,
): VerifiedWebhook => {
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  if (secrets.length === 0) throw new TypeError('verifyWebhook needs at least one secret');
  const webhooks = secrets.map((secret, i) => {
    const problem = secretProblem(secret);
    if (problem) throw new TypeError(`secret ${i + 1} of ${secrets.length} ${problem}`);
    return new Webhook(secret);
  });
  const values = headerValues(headers);
  const id = values['webhook-id'];
  const payload = typeof body === 'string' ? body : body.toString('utf8');
  for (const webhook of webhooks) {
    try {
      const parsed = webhook.verify(payload, values);
      const timestamp = new Date(Number(values['webhook-timestamp']) * 1000);
      return { ok: true, id: id!, timestamp, payload: parsed, duplicate: options.replay?.has(id!) ?? false };
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        if (error.message === 'No matching signature found') continue;
        return { ok: false, reason: error.message };
      }
      if (error instanceof SyntaxError) return { ok: false, reason: 'the body is not JSON' };
      throw error;
    }
  }
  return { ok: false, reason: 'no signature matches any of the secrets' };
};
