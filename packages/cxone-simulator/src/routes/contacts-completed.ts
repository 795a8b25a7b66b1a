import { acceptsJson } from '../accept.js';
import type { SimContext } from '../context.js';
import { compareContactIds, type SimContact } from '../dataset.js';
import { TENANT } from '../options.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { acdError } from './acd-error.js';

/** `/incontactapi/services/v{N}.0/contacts/completed`, matched case-insensitively. */
export const CONTACTS_COMPLETED_PATH = /^\/incontactapi\/services\/v(\d{1,3})\.0\/contacts\/completed\/?$/i;
export const MIN_API_VERSION = 7;
export const MAX_API_VERSION = 33;
export const DEFAULT_TOP = 100;
export const MAX_TOP = 10_000;

type SortKey = 'lastUpdateTime' | 'contactId';
interface Order {
  readonly key: SortKey;
  readonly descending: boolean;
}

function parseOrder(value: string | null): Order | null {
  if (value === null || value.trim() === '') return { key: 'contactId', descending: false };
  const match = /^\s*(lastUpdateTime|contactId)(?:\s+(asc|desc))?\s*$/i.exec(value);
  if (match === null) return null;
  const key: SortKey = (match[1] as string).toLowerCase() === 'contactid' ? 'contactId' : 'lastUpdateTime';
  return { key, descending: (match[2] ?? 'asc').toLowerCase() === 'desc' };
}

function parseCount(value: string | null, fallback: number, min: number, max: number): number | null {
  if (value === null || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) return null;
  const number = Number(value);
  return number < min || number > max ? null : number;
}

/** Contacts matching `updatedSince` (inclusive), in the requested order. */
function select(ctx: SimContext, sinceMs: number | null, order: Order): readonly SimContact[] {
  const { byLastUpdate } = ctx.index;
  let first = 0;
  if (sinceMs !== null) {
    // Lower bound: first entry with ms >= sinceMs.
    let high = byLastUpdate.length;
    while (first < high) {
      const middle = (first + high) >>> 1;
      if ((byLastUpdate[middle]?.ms ?? 0) < sinceMs) first = middle + 1;
      else high = middle;
    }
  }
  const matching = byLastUpdate.slice(first).map((entry) => entry.contact);
  if (order.key === 'contactId') matching.sort((a, b) => compareContactIds(a.contactId, b.contactId));
  if (order.descending) matching.reverse();
  return matching;
}

function pageUrl(ctx: SimContext, url: URL, skip: number, top: number): string {
  const params = new URLSearchParams(url.searchParams);
  params.set('skip', String(skip));
  params.set('top', String(top));
  return `${ctx.url}${url.pathname}?${params.toString()}`;
}

/** GET /incontactapi/services/v{N}.0/contacts/completed */
export const contactsCompleted: RouteHandler = ({ req, url, reply, ctx }) => {
  const version = Number(CONTACTS_COMPLETED_PATH.exec(url.pathname)?.[1]);
  if (!(version >= MIN_API_VERSION && version <= MAX_API_VERSION)) {
    acdError(reply, 404, `API version v${version}.0 not found`);
    return;
  }
  const auth = checkBearer(ctx, req);
  if (!auth.ok) {
    acdError(reply, 401, auth.reason);
    return;
  }
  if (!acceptsJson(req.headers.accept)) {
    reply.text(406, 'No known way to render data', { icStatusDescription: 'No known way to render data' });
    return;
  }
  const params = url.searchParams;
  const updatedSince = params.get('updatedSince');
  let sinceMs: number | null = null;
  if (updatedSince !== null && updatedSince !== '') {
    sinceMs = Date.parse(updatedSince);
    if (Number.isNaN(sinceMs)) {
      acdError(reply, 400, 'Invalid updatedSince: expected an ISO-8601 date');
      return;
    }
  }
  const order = parseOrder(params.get('orderBy'));
  if (order === null) {
    acdError(reply, 400, 'Invalid orderBy: use lastUpdateTime or contactId, optionally with asc or desc');
    return;
  }
  const skip = parseCount(params.get('skip'), 0, 0, 999_999_999);
  if (skip === null) {
    acdError(reply, 400, 'Invalid skip: expected a non-negative integer');
    return;
  }
  const top = parseCount(params.get('top'), DEFAULT_TOP, 1, MAX_TOP);
  if (top === null) {
    acdError(reply, 400, `Invalid top: expected an integer between 1 and ${MAX_TOP}`);
    return;
  }

  const matching = select(ctx, sinceMs, order);
  if (skip >= matching.length) {
    reply.empty(204);
    return;
  }
  const page = matching.slice(skip, skip + top);
  reply.json(200, {
    totalRecords: matching.length,
    businessUnitId: TENANT.businessUnitId,
    lastPollTime: new Date(ctx.nowMs()).toISOString(),
    _links: {
      self: `${ctx.url}${url.pathname}${url.search}`,
      next: skip + top < matching.length ? pageUrl(ctx, url, skip + top, top) : null,
      previous: skip > 0 ? pageUrl(ctx, url, Math.max(0, skip - top), top) : null,
    },
    completedContacts: page,
  });
};
