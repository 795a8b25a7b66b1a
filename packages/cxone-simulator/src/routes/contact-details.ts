import { acceptsJson } from '../accept.js';
import type { SimContact } from '../dataset.js';
import { TENANT } from '../options.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { acdError } from './acd-error.js';
import { MAX_API_VERSION, MIN_API_VERSION } from './contacts-completed.js';

/**
 * `/incontactapi/services/v{N}.0/contacts/{contactId}`, matched case-insensitively. Listed after
 * `contacts/completed` in the router, so `completed` never reaches it.
 */
export const CONTACT_DETAILS_PATH = /^\/incontactapi\/services\/v(\d{1,3})\.0\/contacts\/([^/]+)\/?$/i;

/** The record with only the `fields` asked for (a comma list; absent or empty = every field). */
function selectFields(contact: SimContact, fields: string | null): Partial<SimContact> {
  if (fields === null || fields.trim() === '') return contact;
  const wanted = new Set(fields.split(',').map((field) => field.trim()));
  return Object.fromEntries(
    Object.entries(contact).filter(([key]) => wanted.has(key)),
  ) as Partial<SimContact>;
}

/**
 * GET /incontactapi/services/v{N}.0/contacts/{contactId}?fields=…
 * As the published spec has it, the record is nested under a key named `contactId`:
 * `{businessUnitId, lastPollTime, contactId: {...record...}}`. An unknown contact gets 404 with
 * `icStatusDescription` (real tenants have been seen answering 404 or 204).
 */
export const contactDetails: RouteHandler = ({ req, url, reply, ctx }) => {
  const match = CONTACT_DETAILS_PATH.exec(url.pathname);
  const version = Number(match?.[1]);
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
  const contactId = match?.[2] ?? '';
  if (!/^\d{1,20}$/.test(contactId)) {
    acdError(reply, 400, 'Invalid contactId: expected a number');
    return;
  }
  const contact = ctx.index.byId.get(contactId);
  if (contact === undefined) {
    acdError(reply, 404, `Contact ${contactId} not found`);
    return;
  }
  reply.json(200, {
    businessUnitId: TENANT.businessUnitId,
    lastPollTime: new Date(ctx.nowMs()).toISOString(),
    contactId: selectFields(contact, url.searchParams.get('fields')),
  });
};
