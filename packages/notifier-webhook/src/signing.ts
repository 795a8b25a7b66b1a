import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Decoded secret length the Standard Webhooks specification asks for, in bytes. */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

const base64Of = (secret: string): string => (secret.startsWith('whsec_') ? secret.slice(6) : secret);

/** Why a secret cannot sign (without its value), or undefined when it can. */
export const secretProblem = (secret: string): string | undefined => {
  const text = base64Of(secret);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0)
    return 'is not "whsec_" followed by base64';
  const bytes = Buffer.from(text, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES)
    return `decodes to ${bytes} bytes; a signing secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} (e.g. "whsec_$(openssl rand -base64 32)")`;
  return undefined;
};

/**
 * Signs with every configured secret (the `standardwebhooks` implementation of
 * HMAC-SHA256 over "{id}.{timestamp}.{body}"), space-separated: `v1,<a> v1,<b>`. During a rotation
 * a receiver holding either secret accepts the message.
 */
export const createSigner = (
  secrets: readonly string[],
): ((id: string, at: Date, body: string) => string) => {
  const webhooks = secrets.map((s) => new Webhook(s));
  return (id, at, body) => webhooks.map((w) => w.sign(id, at, body)).join(' ');
};

/**
 * A message id derived from what the message is (the run, the notifier, the message's place in
 * the run), never from the clock or randomness: the same message keeps its id across retries, and
 * the receiver can use it as an idempotency key.
 */
export const messageId = (...parts: readonly string[]): string =>
  `msg_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32)}`;
