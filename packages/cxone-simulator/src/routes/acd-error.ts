import type { OutgoingHttpHeaders } from 'node:http';
import type { Reply } from '../reply.js';

/** ACD API errors carry their message in the `icStatusDescription` header and no body. */
export function acdError(
  reply: Reply,
  status: number,
  description: string,
  headers: OutgoingHttpHeaders = {},
): void {
  reply.empty(status, { ...headers, icStatusDescription: description });
}
