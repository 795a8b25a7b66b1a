import { randomUUID } from 'node:crypto';
import { type OutgoingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Reply } from '../reply.js';

/** One entry of GEN-MSG `ApiError`: `{field?, message, parameters?, errorCode?}`. */
export interface DfoApiError {
  readonly field?: string;
  readonly message: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly errorCode?: string;
}

/**
 * A DFO error in its real shape, GEN-MSG / GEN-DCON `ApiErrorCollection`:
 * `{errors: [{field?, message, parameters?, errorCode?}], uid?}`. The `errorCode` values are not
 * published [U]; the simulator's are descriptive names (`NotFound`, `InvalidValue`, …).
 */
export function dfoError(
  reply: Reply,
  status: number,
  errors: readonly DfoApiError[],
  headers: OutgoingHttpHeaders = {},
): void {
  reply.json(status, { errors, uid: randomUUID() }, headers);
}

/**
 * Any status in the DFO shape, for the router's budget (429) and injected faults: the status text
 * as the message, its name without spaces as the `errorCode` ([U]: DFO's codes are not published).
 */
export function dfoStatusError(
  reply: Reply,
  status: number,
  message: string = STATUS_CODES[status] ?? 'Error',
  retryAfter?: string,
): void {
  const errorCode = (STATUS_CODES[status] ?? 'Error').replace(/\s+/g, '');
  dfoError(
    reply,
    status,
    [{ message, errorCode }],
    retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  );
}

export const dfoNotFound = (reply: Reply, what: string, parameters?: Record<string, unknown>): void =>
  dfoError(reply, 404, [
    {
      message: `${what} not found`,
      errorCode: 'NotFound',
      ...(parameters === undefined ? {} : { parameters }),
    },
  ]);

export const dfoInvalid = (reply: Reply, field: string, message: string): void =>
  dfoError(reply, 400, [{ field, message, errorCode: 'InvalidValue' }]);
