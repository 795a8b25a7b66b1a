import { STATUS_CODES } from 'node:http';
import type { BudgetFamily } from '../budgets.js';
import type { Reply } from '../reply.js';
import { acdError } from './acd-error.js';
import { dfoStatusError } from './dfo-errors.js';
import { throttled } from './throttled.js';

/**
 * An error status in the shape of the route's API family, for the faults the simulator injects
 * (reference/cxone-fidelity.md §2): a 429 as that family throttles (`throttled`); otherwise
 * - ACD (`cxone-acd`): the message in `icStatusDescription`, no body;
 * - Media Playback: `{internalCode, message}` (GEN-MP's error body; `internalCode` is the status
 *   name without spaces, as its `NotFound`/`BadRequest`/`Unauthorized`);
 * - auth server: `{error, error_description}` (`server_error`, `temporarily_unavailable` for 503,
 *   `invalid_token` for 401);
 * - DFO: `{errors:[{message, errorCode}], uid}` (GEN-MSG);
 * - media-download: `{code, message}` with the code GEN-MD lists for the status (`INVALID_REQUEST`,
 *   `NOT_FOUND`, `INTERNAL_ERROR`; `UNAUTHORIZED` for 401 [U]);
 * - Data Extraction: `{message}` [U]; Business Data: the status alone (D-BD);
 * - routes of no family (signed media files, storage-like): the status text as plain text.
 */
export function errorReply(
  family: BudgetFamily | undefined,
  reply: Reply,
  status: number,
  route: string,
  retryAfter: string | undefined,
  message: string = STATUS_CODES[status] ?? 'Error',
): void {
  if (status === 429 && family !== undefined) {
    throttled(family, reply, route, retryAfter);
    return;
  }
  const headers = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  switch (family) {
    case 'cxone-acd':
      acdError(reply, status, message, headers);
      return;
    case 'media-playback':
      reply.json(
        status,
        { internalCode: (STATUS_CODES[status] ?? 'Error').replace(/\s+/g, ''), message },
        headers,
      );
      return;
    case 'cxone-auth': {
      const error =
        status === 401 ? 'invalid_token' : status === 503 ? 'temporarily_unavailable' : 'server_error';
      reply.json(status, { error, error_description: message }, headers);
      return;
    }
    case 'dfo':
      dfoStatusError(reply, status, message, retryAfter);
      return;
    case 'media-download': {
      const code =
        status === 400
          ? 'INVALID_REQUEST'
          : status === 401
            ? 'UNAUTHORIZED'
            : status === 404
              ? 'NOT_FOUND'
              : 'INTERNAL_ERROR';
      reply.json(status, { code, message }, headers);
      return;
    }
    case 'data-extraction':
      reply.json(status, { message }, headers);
      return;
    case 'business-data':
      reply.empty(status, headers);
      return;
    case undefined:
      reply.text(status, message, headers);
      return;
    default: {
      const unknown: never = family;
      throw new Error(`no error shape for family ${String(unknown)}`);
    }
  }
}
