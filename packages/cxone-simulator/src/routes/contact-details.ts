import { requireJsonAccept } from '../json-accept.js';
import { TENANT } from '../options.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { fieldNames, renderContact, selectFields } from '../versions.js';
import { acdError } from './acd-error.js';
import { acdVersion } from './acd-version.js';
import { parseFields } from './contacts-completed.js';

/**
 * `/incontactapi/services/v{N}.0/contacts/{contactId}`, matched case-insensitively. Listed after
 * `contacts/completed` in the router, so `completed` never reaches it.
 */
export const CONTACT_DETAILS_PATH = /^\/incontactapi\/services\/v(\d{1,3})\.0\/contacts\/([^/]+)\/?$/i;

/**
 * GET /incontactapi/services/v{N}.0/contacts/{contactId}?fields=…
 * As the published spec has it (GEN-REP `getContactsContactId`; NP reads
 * `data['contactId']['contactStartDate']`), the record is nested under a key named `contactId`:
 * `{businessUnitId, lastPollTime, contactId: {...record...}}`, in the field names of the version.
 * An unknown contact gets 404 with `icStatusDescription` (real tenants have been seen answering
 * 404 or 204: CS).
 */
export const contactDetails: RouteHandler = ({ req, url, reply, ctx }) => {
  const match = CONTACT_DETAILS_PATH.exec(url.pathname);
  const names = acdVersion(reply, match?.[1]);
  if (names === undefined) return;
  const auth = checkBearer(ctx, req);
  if (!auth.ok) {
    acdError(reply, 401, auth.reason);
    return;
  }
  if (!requireJsonAccept(req, reply)) return;
  const contactId = match?.[2] ?? '';
  if (!/^\d{1,20}$/.test(contactId)) {
    acdError(reply, 400, 'Invalid contactId: expected a number');
    return;
  }
  for (const name of url.searchParams.keys()) {
    if (name !== 'fields') {
      acdError(reply, 400, `Unknown parameter ${name}`);
      return;
    }
  }
  const position = ctx.dataset.indexOf(contactId);
  if (position === undefined) {
    acdError(reply, 404, `Contact ${contactId} not found`);
    return;
  }
  const contact = ctx.dataset.contactAt(position);
  const fields = parseFields(url.searchParams.get('fields'), fieldNames(names, contact));
  if ('message' in fields) {
    acdError(reply, 400, fields.message);
    return;
  }
  reply.json(200, {
    businessUnitId: TENANT.businessUnitId,
    lastPollTime: new Date(ctx.nowMs()).toISOString(),
    contactId: selectFields(renderContact(contact, names), fields.fields),
  });
};
