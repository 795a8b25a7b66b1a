import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { DEMO_CREDENTIALS, type DemoCredentials, resolveOptions, type SimulatorOptions } from './options.js';
import { createReply } from './reply.js';
import { matchRoute } from './router.js';
import { throttled } from './routes/throttled.js';

export interface RequestLogEntry {
  readonly method: string;
  /** Path without the query string (signed URLs and tokens stay out of the log). */
  readonly path: string;
  readonly status: number;
  /** Simulator time (epoch milliseconds, from `now`) when the request arrived. */
  readonly at: number;
  /** The API family of the route, for a route that has a budgeted family. */
  readonly family?: BudgetFamily;
  /**
   * What the family's budget did with the request: `accepted` (counted against it) or `refused`
   * (answered 429, not counted). Absent when the family has no budget.
   */
  readonly budget?: 'accepted' | 'refused';
}

export interface RunningSimulator {
  /** 'http://127.0.0.1:PORT': the issuer, and also the api_endpoint. */
  readonly url: string;
  readonly tenantId: string;
  readonly credentials: DemoCredentials;
  readonly dataset: Dataset;
  /** Every request answered, appended when its response head is written. */
  readonly requests: ReadonlyArray<RequestLogEntry>;
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
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const dataset = buildDataset({
    seed: resolved.seed,
    contacts: resolved.contacts,
    recordingSeconds: resolved.recordingSeconds,
  });
  const index = indexDataset(dataset);
  const secret = randomBytes(32);
  const requests: RequestLogEntry[] = [];
  const windows = new Map(
    [...resolved.budgets.values()].map((budget) => [budget.family, new SlidingWindow(budget)] as const),
  );
  let ctx: SimContext | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = resolved.now().getTime();
    const method = req.method ?? 'GET';
    const rawPath = req.url ?? '/';
    const path = rawPath.split('?')[0] ?? '/';
    let family: BudgetFamily | undefined;
    let budget: 'accepted' | 'refused' | undefined;
    const reply = createReply(res, (status) =>
      requests.push({
        method,
        path,
        status,
        at,
        ...(family === undefined ? {} : { family }),
        ...(budget === undefined ? {} : { budget }),
      }),
    );
    try {
      if (ctx === undefined) throw new Error('simulator not ready');
      let url: URL;
      try {
        url = new URL(rawPath, ctx.url);
      } catch {
        reply.text(400, 'Bad Request');
        return;
      }
      const match = matchRoute(method, url.pathname);
      if (match.kind === 'not-found') {
        reply.text(404, 'Not Found');
        return;
      }
      if (match.kind === 'method-not-allowed') {
        reply.text(405, 'Method Not Allowed', { allow: match.allow.join(', ') });
        return;
      }
      family = match.family;
      const window = family === undefined ? undefined : windows.get(family);
      if (family !== undefined && window !== undefined) {
        // The budget counts every request to the family, as a gateway in front of the API would:
        // it is checked before the bearer token and the parameters.
        const admission = window.admit(at);
        budget = admission.accepted ? 'accepted' : 'refused';
        if (!admission.accepted) {
          const retryAfter = retryAfterValue(window.budget.retryAfter, admission.waitMs, at);
          throttled(family, reply, url.pathname, retryAfter);
          return;
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
  ctx = {
    options: resolved,
    url,
    dataset,
    secret,
    index,
    nowMs: () => resolved.now().getTime(),
  };

  let stopping: Promise<void> | undefined;
  return {
    url,
    tenantId: resolved.tenantId,
    credentials: DEMO_CREDENTIALS,
    dataset,
    requests,
    budgets: resolved.budgets,
    maxAcceptedInWindow(family, perMs) {
      const window = perMs ?? resolved.budgets.get(family)?.perMs;
      if (window === undefined) throw new RangeError(`${family} has no budget: give the window (perMs)`);
      const times = requests
        .filter((entry) => entry.family === family && entry.budget !== 'refused')
        .map((entry) => entry.at);
      return maxInAnyWindow(times, window);
    },
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
