import type { IncomingMessage } from 'node:http';
import type { BudgetFamily } from './budgets.js';
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

/** One route of the simulator (see `router.ts`). */
export interface Route {
  /**
   * The route's name in faults and the request log; default: the path (a RegExp's source). The
   * README lists every name.
   */
  readonly name?: string;
  readonly path: string | RegExp;
  readonly methods: readonly string[];
  readonly handler: RouteHandler;
  /** The API family whose request budget the route counts against, if it has one. */
  readonly family?: BudgetFamily;
}
