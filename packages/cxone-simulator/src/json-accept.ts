import type { IncomingMessage } from 'node:http';
import { acceptsJson } from './accept.js';
import type { Reply } from './reply.js';

export const NO_RENDERER = 'No known way to render data';

/**
 * The ACD API renders JSON only when asked: a request without `Accept` (or one excluding JSON)
 * gets "No known way to render data" (MCP `src/cxone.js`, whose comment records that answer for a
 * missing Accept; GEN-HTTP always sends `Accept: application/json`). Answers 406 and returns false
 * when the request does not ask for JSON.
 */
export function requireJsonAccept(req: IncomingMessage, reply: Reply): boolean {
  const accept = req.headers.accept;
  if (accept !== undefined && accept.trim() !== '' && acceptsJson(accept)) return true;
  reply.text(406, NO_RENDERER, { icStatusDescription: NO_RENDERER });
  return false;
}
