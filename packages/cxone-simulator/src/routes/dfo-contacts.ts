import { CUSTOM_FIELD_DEFINITIONS, dfoContactByNumber, isDefinedField } from '../dfo-data.js';
import { contactBody, contactMessages } from '../dfo-messages.js';
import { dfoState } from '../dfo-state.js';
import type { RouteHandler } from '../route.js';
import { dfoError, dfoInvalid, dfoNotFound } from './dfo-errors.js';
import { allowContactUpdate, isObject, readDfoJson, requireDfoAuth } from './dfo-request.js';
import { segment } from './dfo-send.js';

export const CUSTOM_FIELD_DEFINITIONS_PATH = '/dfo/3.0/contacts/custom-field-definitions';
export const CONSUMER_CONTACT_CUSTOM_FIELDS_PATH = '/dfo/3.0/consumer-contact-custom-fields';
export const CONTACT_PATH = /^\/dfo\/3\.0\/contacts\/([^/]+)$/;
export const CONTACT_MESSAGES_PATH = /^\/dfo\/3\.0\/contacts\/([^/]+)\/messages$/;
export const CONTACT_CUSTOM_FIELDS_PATH = /^\/dfo\/3\.0\/contacts\/([^/]+)\/custom-fields$/;
export const CONTACT_CUSTOM_FIELD_PATH = /^\/dfo\/3\.0\/contacts\/([^/]+)\/custom-fields\/([^/]+)$/;

/**
 * GET /dfo/3.0/contacts/custom-field-definitions (SDK-URI `CONTACT_CUSTOM_FIELD_DEFINITIONS`) and
 * GET /dfo/3.0/consumer-contact-custom-fields (GEN): the definitions, a plain array.
 */
export const customFieldDefinitions: RouteHandler = ({ req, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  reply.json(200, CUSTOM_FIELD_DEFINITIONS);
};

/** GET /dfo/3.0/contacts/{contactNumber} (GEN-DCON `getContact`). */
export const getContact: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const number = segment(CONTACT_PATH, url.pathname);
  const contact = dfoContactByNumber(ctx.dataset, number);
  if (contact === undefined) return void dfoNotFound(reply, 'Contact', { contactNumber: number });
  reply.json(200, contactBody(dfoState(ctx), contact));
};

/**
 * GET /dfo/3.0/contacts/{contactNumber}/messages → `{hits, data: MessageDetail[]}` (GEN-DCON
 * `getContactMessages`), oldest first, the messages sent through the API included.
 */
export const getContactMessages: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const number = segment(CONTACT_MESSAGES_PATH, url.pathname);
  const contact = dfoContactByNumber(ctx.dataset, number);
  if (contact === undefined) return void dfoNotFound(reply, 'Contact', { contactNumber: number });
  const data = contactMessages(dfoState(ctx), contact);
  reply.json(200, { hits: data.length, data });
};

/**
 * PUT /dfo/3.0/contacts/{contactNumber}/custom-fields `[{ident, value}]` (GEN-DCON
 * `setContactCustomFieldValues`): only idents with a definition (§4(c): "Definitions must
 * pre-exist"), else 400 naming the first unknown one; nothing is written unless all are valid.
 * Writing to a closed contact is [U]: allowed. 204 [U: the success status is not published].
 */
export const putCustomFields: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const body = await readDfoJson(req, reply);
  if (body === undefined) return;
  const number = segment(CONTACT_CUSTOM_FIELDS_PATH, url.pathname);
  const contact = dfoContactByNumber(ctx.dataset, number);
  if (contact === undefined) return void dfoNotFound(reply, 'Contact', { contactNumber: number });
  if (!Array.isArray(body)) return void dfoInvalid(reply, '', 'the body must be an array of {ident, value}');
  for (const [i, entry] of body.entries()) {
    if (!isObject(entry) || typeof entry.ident !== 'string') {
      return void dfoInvalid(reply, `[${i}].ident`, 'ident is required');
    }
    if (!isDefinedField(entry.ident)) {
      return void dfoError(reply, 400, [
        {
          field: `[${i}].ident`,
          message: `custom field "${entry.ident.slice(0, 80)}" has no definition`,
          parameters: { ident: entry.ident.slice(0, 80) },
          errorCode: 'CustomFieldNotDefined',
        },
      ]);
    }
    if (typeof entry.value !== 'string')
      return void dfoInvalid(reply, `[${i}].value`, 'value must be a string');
  }
  const state = dfoState(ctx);
  if (!allowContactUpdate(ctx, state, reply, number)) return;
  const fields = state.customFields.get(number) ?? new Map();
  const updatedAt = new Date(ctx.nowMs()).toISOString();
  for (const entry of body as { ident: string; value: string }[]) {
    fields.set(entry.ident, { value: entry.value, updatedAt });
  }
  state.customFields.set(number, fields);
  reply.empty(204);
};

/**
 * DELETE /dfo/3.0/contacts/{contactNumber}/custom-fields/{ident} (GEN-DCON
 * `removeContactCustomFieldValue`) → 204; an ident with no definition 400, a defined one without a
 * value on this contact 404 [U].
 */
export const deleteCustomField: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const number = segment(CONTACT_CUSTOM_FIELD_PATH, url.pathname, 1);
  const ident = segment(CONTACT_CUSTOM_FIELD_PATH, url.pathname, 2);
  const contact = dfoContactByNumber(ctx.dataset, number);
  if (contact === undefined) return void dfoNotFound(reply, 'Contact', { contactNumber: number });
  if (!isDefinedField(ident)) {
    return void dfoError(reply, 400, [
      {
        field: 'ident',
        message: `custom field "${ident.slice(0, 80)}" has no definition`,
        errorCode: 'CustomFieldNotDefined',
      },
    ]);
  }
  const state = dfoState(ctx);
  const current = contactBody(state, contact).customFields as { ident: string }[];
  if (!current.some((field) => field.ident === ident)) {
    return void dfoNotFound(reply, 'Custom field value', { ident });
  }
  if (!allowContactUpdate(ctx, state, reply, number)) return;
  const fields = state.customFields.get(number) ?? new Map();
  fields.set(ident, null);
  state.customFields.set(number, fields);
  reply.empty(204);
};
