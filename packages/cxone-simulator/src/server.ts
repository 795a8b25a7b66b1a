import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, admin } from './admin.js';
import {
  type BudgetFamily,
  maxInAnyWindow,
  type ResolvedBudget,
  retryAfterValue,
  SlidingWindow,
} from './budgets.js';
import type { SimContext } from './context.js';
import { buildDataset, type Dataset } from './dataset.js';
import { indexDataset } from './dataset-index.js';
import { FaultSet, type FaultSpec, type FaultState, LISTING_ROUTES } from './faults.js';
import { ListingFaults } from './listing-faults.js';
import { listenMediaOrigin } from './media-origin.js';
import { resolveOptions, type SimulatorCredentials, type SimulatorOptions } from './options.js';
import { createReply, mapJson, type Reply } from './reply.js';
import { loggedQuery, RequestLog, type RequestLogEntry, type RequestSummary } from './request-log.js';
import { matchRoute, ROUTE_NAMES } from './router.js';
import { errorReply } from './routes/error-reply.js';
import { throttled } from './routes/throttled.js';

/** Options of the running server beyond the tenant's (`SimulatorOptions`). */
export interface ServerOptions {
  /** Faults in force from the start (see `faults.ts` and the README). */
  faults?: readonly FaultSpec[];
  /** How many requests the log keeps (the newest); default 10000. */
  requestLogSize?: number;
  /**
   * The bearer token the admin endpoint (`/_admin/…`) asks for; default: 32 random bytes in hex,
   * drawn on every start. At least 16 characters.
   */
  adminToken?: string;
}

/** Faults at run time, from a test. */
export interface FaultControl {
  /** The faults in force, with their counters. */
  list(): FaultState[];
  /** Replaces every fault (counters start again); a bad one throws a RangeError and changes nothing. */
  set(faults: readonly FaultSpec[]): FaultState[];
  /** Adds one fault after the others. */
  add(fault: FaultSpec): FaultState;
  clear(): void;
}

export interface RunningSimulator {
  /** 'http://127.0.0.1:PORT': the issuer, and also the api_endpoint. */
  readonly url: string;
  /** The media origin ('http://127.0.0.1:PORT', another port): signed recording and export files. */
  readonly mediaUrl: string;
  readonly tenantId: string;
  /** The credentials the token endpoint accepts: those started with, each one not given the demo value. */
  readonly credentials: SimulatorCredentials;
  readonly dataset: Dataset;
  /**
   * The requests in the log (see `requestLog`), in short form: method, path, status, time, and the
   * family and what its budget did where the family has a budget in force.
   */
  readonly requests: ReadonlyArray<RequestSummary>;
  /**
   * The request log, oldest first: the newest `requestLogSize` requests, each entered when its
   * response head is written (or the connection is cut before one). Admin requests are not in it.
   */
  requestLog(): RequestLogEntry[];
  /** Empties the request log (numbering goes on). */
  clearRequestLog(): void;
  /** The names of the routes, as faults and the request log use them. */
  readonly routes: readonly string[];
  readonly faults: FaultControl;
  /** The admin endpoint's bearer token. */
  readonly adminToken: string;
  /** The budgets in force, by family. */
  readonly budgets: ReadonlyMap<BudgetFamily, ResolvedBudget>;
  /**
   * The most requests of `family` its budget accepted inside any one window of `perMs` (default:
   * the family's budget window): a client that kept to the budget never gets above `requests`.
   */
  maxAcceptedInWindow(family: BudgetFamily, perMs?: number): number;
  /** Stops listening and closes every connection, keep-alive ones included. */
  stop(): Promise<void>;
}

function baseUrl(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts the simulator on loopback (by default on a free port) and resolves once it listens. */
export async function startSimulator(
  options: SimulatorOptions & ServerOptions = {},
): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const log = new RequestLog(options.requestLogSize);
  const faults = new FaultSet(ROUTE_NAMES, options.faults ?? []);
  const listing = new ListingFaults();
  const adminToken = options.adminToken ?? randomBytes(32).toString('hex');
  if (adminToken.length < 16 || !/^[\x21-\x7e]+$/.test(adminToken)) {
    throw new RangeError('adminToken must be at least 16 printable characters without spaces');
  }
  const dataset = buildDataset({
    seed: resolved.seed,
    contacts: resolved.contacts,
    recordingSeconds: resolved.recordingSeconds,
  });
  const index = indexDataset(dataset);
  const secret = randomBytes(32);
  const windows = new Map(
    [...resolved.budgets.values()].map((budget) => [budget.family, new SlidingWindow(budget)] as const),
  );
  let ctx: SimContext | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = resolved.now().getTime();
    const method = req.method ?? 'GET';
    const rawPath = req.url ?? '/';
    const path = rawPath.split('?')[0] ?? '/';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    let query: Record<string, string> = {};
    let route: string | undefined;
    let family: BudgetFamily | undefined;
    let budget: 'accepted' | 'refused' | undefined;
    let fault: FaultSpec['kind'] | undefined;
    const record = (status: number) =>
      log.add({
        method,
        path,
        query,
        host: req.headers.host ?? '',
        bearer: bearer !== undefined,
        ...(route === undefined ? {} : { route }),
        ...(family === undefined ? {} : { family }),
        status,
        at,
        ...(budget === undefined ? {} : { budget }),
        ...(fault === undefined ? {} : { fault }),
      });
    let reply: Reply = createReply(res, record);
    try {
      if (ctx === undefined) throw new Error('simulator not ready');
      let url: URL;
      try {
        url = new URL(rawPath, ctx.url);
      } catch {
        reply.text(400, 'Bad Request');
        return;
      }
      if (url.pathname.startsWith(ADMIN_PREFIX)) {
        await admin(
          req,
          url,
          createReply(res, () => {}),
          { token: adminToken, faults, log },
        );
        return;
      }
      query = loggedQuery(url.searchParams);
      const match = matchRoute(method, url.pathname);
      if (match.kind === 'not-found') {
        reply.text(404, 'Not Found');
        return;
      }
      route = match.name;
      if (match.kind === 'method-not-allowed') {
        reply.text(405, 'Method Not Allowed', { allow: match.allow.join(', ') });
        return;
      }
      family = match.family;
      const window = family === undefined ? undefined : windows.get(family);
      if (family !== undefined && window !== undefined) {
        // The budget counts every request to the family, as a gateway in front of the API would:
        // it is checked before faults, the bearer token and the parameters.
        const admission = window.admit(at);
        budget = admission.accepted ? 'accepted' : 'refused';
        if (!admission.accepted) {
          const retryAfter = retryAfterValue(window.budget.retryAfter, admission.waitMs, at);
          throttled(family, reply, url.pathname, retryAfter);
          return;
        }
      }
      const picked = faults.pick({ route, bearer });
      if (picked.latencyMs !== undefined) {
        fault = 'latency';
        await sleep(picked.latencyMs);
      }
      if (faults.isExpired(bearer)) {
        fault = 'expire-token';
        errorReply(family, reply, 401, url.pathname, undefined, 'Token has expired');
        return;
      }
      const due = picked.fault;
      if (due !== undefined) fault = due.kind;
      switch (due?.kind) {
        case 'status':
          errorReply(
            family,
            reply,
            due.status ?? 500,
            url.pathname,
            due.retryAfterSeconds === undefined ? undefined : String(due.retryAfterSeconds),
          );
          return;
        case 'reset':
          if (due.afterBytes === undefined) {
            record(0);
            req.socket.destroy();
            return;
          }
          reply = createReply(res, record, { cutAfterBytes: due.afterBytes });
          break;
        case 'expire-token':
          if (bearer !== undefined) faults.expire(bearer);
          errorReply(family, reply, 401, url.pathname, undefined, 'Token has expired');
          return;
        default:
          break;
      }
      if (route === TOKEN_ROUTE) {
        reply = mapJson(reply, (status, body) => {
          const issued = (body as { access_token?: unknown } | null)?.access_token;
          if (status === 200 && typeof issued === 'string') faults.issued(issued);
          return body;
        });
      }
      if (route !== undefined && (due === undefined || due.kind === 'shift' || due.kind === 'duplicate')) {
        const view = LISTING_ROUTES.includes(route) ? listing.view(url, ctx.url, due) : undefined;
        if (view !== undefined) {
          url = view.url;
          reply = mapJson(reply, view.map);
        }
      }
      await match.handler({ req, url, reply, ctx });
    } catch (error) {
      if (!reply.sent) reply.text(500, 'Internal Server Error');
      else res.destroy(error instanceof Error ? error : undefined);
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = baseUrl(server.address() as AddressInfo);
  const media = await listenMediaOrigin(resolved.host, (req, res) => void handle(req, res));
  ctx = {
    options: resolved,
    url,
    mediaUrl: media.url,
    dataset,
    secret,
    index,
    nowMs: () => resolved.now().getTime(),
  };

  let stopping: Promise<void> | undefined;
  return {
    url,
    mediaUrl: media.url,
    tenantId: resolved.tenantId,
    credentials: resolved.credentials,
    dataset,
    get requests() {
      return log.entries().map((entry) => summary(entry, resolved.budgets));
    },
    requestLog: () => log.entries(),
    clearRequestLog: () => log.clear(),
    routes: ROUTE_NAMES,
    faults: {
      list: () => faults.list(),
      set: (specs) => faults.replace(specs),
      add: (spec) => faults.add(spec),
      clear: () => faults.clear(),
    },
    adminToken,
    budgets: resolved.budgets,
    maxAcceptedInWindow(family, perMs) {
      const window = perMs ?? resolved.budgets.get(family)?.perMs;
      if (window === undefined) throw new RangeError(`${family} has no budget: give the window (perMs)`);
      const times = log
        .entries()
        .filter((entry) => entry.family === family && entry.budget !== 'refused')
        .map((entry) => entry.at);
      return maxInAnyWindow(times, window);
    },
    stop() {
      stopping ??= Promise.all([
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error === undefined ? resolve() : reject(error)));
          server.closeAllConnections();
        }),
        media.close(),
      ]).then(() => undefined);
      return stopping;
    },
  };
}

/** The token endpoint's route: a token it issues is fresh, whatever `expire-token` did. */
const TOKEN_ROUTE = 'token';

/** The short form of an entry: the family only where a budget is in force. */
function summary(entry: RequestLogEntry, budgets: ReadonlyMap<BudgetFamily, ResolvedBudget>): RequestSummary {
  const family = entry.family !== undefined && budgets.has(entry.family) ? entry.family : undefined;
  return {
    method: entry.method,
    path: entry.path,
    status: entry.status,
    at: entry.at,
    ...(family === undefined ? {} : { family }),
    ...(entry.budget === undefined ? {} : { budget: entry.budget }),
  };
}
