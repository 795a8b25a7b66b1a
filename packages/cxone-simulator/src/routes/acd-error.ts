import type { Reply } from '../reply.js';

/** ACD API errors carry their message in the `icStatusDescription` header and no body. */
export function acdError(reply: Reply, status: number, description: string): void {
  reply.empty(status, { icStatusDescription: description });
}
