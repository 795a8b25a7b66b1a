import type { IncomingMessage } from 'node:http';
import type { SimContext } from '../context.js';
import { dfoOptions } from '../dfo-config.js';
import { takeContactUpdate } from '../dfo-contact-limit.js';
import type { DfoState } from '../dfo-state.js';
import { readBody } from '../read-body.js';
import type { Reply } from '../reply.js';
import { checkBearer } from '../tokens.js';
import { dfoError, dfoStatusError } from './dfo-errors.js';

/**
 * The DFO API takes the access token of `/auth/token` as a bearer (SDK-DIG `uploadAttachment`
 * sends `Authorization: Bearer <access token>`; reference/cxone-fidelity.md §4(a) step 1). A
 * missing, invalid or expired token: 401 in the DFO error shape [U: the 401 body is not published].
 */
export function requireDfoAuth(ctx: SimContext, req: IncomingMessage, reply: Reply): boolean {
  const check = checkBearer(ctx, req);
  if (check.ok) return true;
  req.resume();
  dfoError(reply, 401, [{ message: check.reason, errorCode: 'Unauthorized' }]);
  return false;
}

/** Largest JSON body of the message and contact routes (attachments travel by URL, not inline). */
const MAX_JSON_BODY = 256 * 1024;

/**
 * Reads a JSON request body: `Content-Type: application/json` (else 415), at most 256 KiB (else
 * 413), valid JSON (else 400), all in the DFO error shape. Undefined when an error was answered.
 */
export async function readDfoJson(req: IncomingMessage, reply: Reply): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !/^application\/json\s*(?:;.*)?$/i.test(type.trim())) {
    req.resume();
    dfoError(reply, 415, [
      { message: 'Content-Type must be application/json', errorCode: 'UnsupportedMediaType' },
    ]);
    return undefined;
  }
  let text: string;
  try {
    text = await readBody(req, MAX_JSON_BODY);
  } catch {
    req.resume();
    dfoError(reply, 413, [
      { message: `the body is larger than ${MAX_JSON_BODY} bytes`, errorCode: 'PayloadTooLarge' },
    ]);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    dfoError(reply, 400, [{ message: 'the body is not valid JSON', errorCode: 'InvalidJson' }]);
    return undefined;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const nonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

/**
 * Counts one update of `contactNumber` against its per-contact limit (dfo-contact-limit.ts); past
 * it, answers 429 with `Retry-After` in the DFO shape and returns false (nothing is written).
 */
export function allowContactUpdate(
  ctx: SimContext,
  state: DfoState,
  reply: Reply,
  contactNumber: string,
): boolean {
  const taken = takeContactUpdate(state, dfoOptions(ctx.url), contactNumber, ctx.nowMs());
  if (taken.ok) return true;
  dfoStatusError(reply, 429, 'Too many updates of this contact', String(taken.retryAfterSeconds));
  return false;
}
