import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context.js';
import type { Reply } from './reply.js';

/** One request as a route sees it: `url` is parsed against the simulator's base URL. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly reply: Reply;
  readonly ctx: SimContext;
}

export type RouteHandler = (request: RouteRequest) => void | Promise<void>;
