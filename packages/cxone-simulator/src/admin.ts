import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FaultSet } from './faults.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import type { Reply } from './reply.js';
import type { RequestLog } from './request-log.js';

/** Every admin path starts with this; no CXone path does. */
export const ADMIN_PREFIX = '/_admin/';

export interface AdminState {
  readonly token: string;
  readonly faults: FaultSet;
  readonly log: RequestLog;
}

const tokenMatches = (req: IncomingMessage, token: string): boolean => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match === null) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const MAX_PAGE = 10_000;

/**
 * The admin endpoint, for switching faults at run time and reading the request log. Not part of
 * CXone, never in the request log, and only with `Authorization: Bearer <admin token>`:
 * - `GET /_admin/faults`: `{faults: [{id, spec, seen, applied}]}`;
 * - `POST /_admin/faults` `{"faults": [...]}`: replaces every fault (`[]` clears them); all or
 *   nothing, a bad fault is a 400 naming it;
 * - `GET /_admin/requests?since=SEQ&limit=N`: `{total, capacity, entries}`, the entries with
 *   `seq >= since` (default 0), at most `limit` (default and maximum 10000), oldest first;
 * - `DELETE /_admin/requests`: empties the log (numbering goes on).
 */
export async function admin(req: IncomingMessage, url: URL, reply: Reply, state: AdminState): Promise<void> {
  if (!tokenMatches(req, state.token)) {
    reply.json(401, {
      error: 'unauthorized',
      message: 'the admin endpoint needs the admin token as a bearer',
    });
    return;
  }
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/$/, '');
  if (path === '/_admin/faults') {
    if (method === 'GET') {
      reply.json(200, { faults: state.faults.list() });
      return;
    }
    if (method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          reply.json(413, { error: 'too_large', message: error.message });
        else reply.json(400, { error: 'bad_request', message: 'the body must be JSON: {"faults": [...]}' });
        return;
      }
      const faults = (body as { faults?: unknown } | null)?.faults;
      if (!Array.isArray(faults)) {
        reply.json(400, { error: 'bad_request', message: 'the body must be {"faults": [...]}' });
        return;
      }
      try {
        reply.json(200, { faults: state.faults.replace(faults) });
      } catch (error) {
        reply.json(400, { error: 'bad_fault', message: (error as Error).message });
      }
      return;
    }
    reply.json(405, { error: 'method_not_allowed' }, { allow: 'GET, POST' });
    return;
  }
  if (path === '/_admin/requests') {
    if (method === 'GET') {
      const since = whole(url.searchParams.get('since'), 0);
      const limit = whole(url.searchParams.get('limit'), MAX_PAGE);
      if (since === undefined || limit === undefined || limit < 1 || limit > MAX_PAGE) {
        reply.json(400, {
          error: 'bad_request',
          message: `since must be a whole number, limit one from 1 to ${MAX_PAGE}`,
        });
        return;
      }
      const entries = state.log
        .entries()
        .filter((entry) => entry.seq >= since)
        .slice(0, limit);
      reply.json(200, { total: state.log.total, capacity: state.log.capacity, entries });
      return;
    }
    if (method === 'DELETE') {
      state.log.clear();
      reply.empty(204);
      return;
    }
    reply.json(405, { error: 'method_not_allowed' }, { allow: 'GET, DELETE' });
    return;
  }
  reply.json(404, { error: 'not_found', message: 'admin paths: /_admin/faults, /_admin/requests' });
}

const whole = (value: string | null, fallback: number): number | undefined => {
  if (value === null || value === '') return fallback;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
};
