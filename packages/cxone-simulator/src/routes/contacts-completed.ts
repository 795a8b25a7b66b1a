import { contactJsonCache } from '../contact-json-cache.js';
import { matchingPositions, parseQuery, unknownParameter } from '../contact-query.js';
import type { SimContext } from '../context.js';
import { requireJsonAccept } from '../json-accept.js';
import { TENANT } from '../options.js';
import { jsonBytes, rawJsonArray } from '../raw-json.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { fieldNames, renderContact, selectFields } from '../versions.js';
import { acdError } from './acd-error.js';
import { acdVersion } from './acd-version.js';

/** `/incontactapi/services/v{N}.0/contacts/completed`, matched case-insensitively. */
export const CONTACTS_COMPLETED_PATH = /^\/incontactapi\/services\/v(\d{1,3})\.0\/contacts\/completed\/?$/i;
export const DEFAULT_TOP = 100;
export const MAX_TOP = 10_000;

function parseCount(value: string | null, fallback: number, min: number, max: number): number | null {
  if (value === null || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) return null;
  const number = Number(value);
  return number < min || number > max ? null : number;
}

/** The `fields` list as a set of names, or a message naming a field the version does not have. */
export function parseFields(
  value: string | null,
  known: readonly string[],
): { readonly fields: ReadonlySet<string> | undefined } | { readonly message: string } {
  if (value === null || value.trim() === '') return { fields: undefined };
  const fields = new Set(value.split(',').map((field) => field.trim()));
  for (const field of fields) {
    if (!known.includes(field)) return { message: `Invalid fields: unknown field ${field}` };
  }
  return { fields };
}

function pageUrl(ctx: SimContext, url: URL, skip: number, top: number): string {
  const params = new URLSearchParams(url.searchParams);
  params.set('skip', String(skip));
  params.set('top', String(top));
  return `${ctx.url}${url.pathname}?${params.toString()}`;
}

/**
 * GET /incontactapi/services/v{N}.0/contacts/completed: the records in the field names of the
 * version (see versions.ts), filtered and ordered as contact-query.ts describes, paged by
 * `skip`/`top` with absolute `_links`; 204 with no body past the end (TAP `client.py`; CS).
 */
export const contactsCompleted: RouteHandler = ({ req, url, reply, ctx }) => {
  const names = acdVersion(reply, CONTACTS_COMPLETED_PATH.exec(url.pathname)?.[1]);
  if (names === undefined) return;
  const auth = checkBearer(ctx, req);
  if (!auth.ok) {
    acdError(reply, 401, auth.reason);
    return;
  }
  if (!requireJsonAccept(req, reply)) return;
  const params = url.searchParams;
  const unknown = unknownParameter(params);
  if (unknown !== undefined) {
    acdError(reply, 400, unknown);
    return;
  }
  const query = parseQuery(params);
  if (!query.ok) {
    acdError(reply, 400, query.message);
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
  const sample = ctx.dataset.size > 0 ? ctx.dataset.contactAt(0) : undefined;
  const fields = parseFields(params.get('fields'), sample === undefined ? [] : fieldNames(names, sample));
  if ('message' in fields) {
    acdError(reply, 400, fields.message);
    return;
  }

  const matching = matchingPositions(ctx.dataset, query.value);
  if (skip >= matching.length) {
    reply.empty(204);
    return;
  }
  // Each record is serialised on its own (kept in the data set's bounded cache when whole) and the
  // page is written as the concatenation of those bytes (raw-json.ts).
  const cache = contactJsonCache(ctx.dataset);
  const selected = fields.fields;
  const records: Buffer[] = [];
  for (const position of matching.subarray(skip, skip + top)) {
    records.push(
      selected === undefined
        ? cache.json(position, names)
        : jsonBytes(
            JSON.stringify(selectFields(renderContact(ctx.dataset.contactAt(position), names), selected)),
          ),
    );
  }
  const page = rawJsonArray(records);
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
