import { err, type JsonObject, ok, type PluginError, type Result } from '@cxarchive/core';
import { type CxoneClient, unexpectedBody } from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';
import { contactIdOf, mapContactRecord } from './record.js';
import { fieldMapFor } from './versions.js';

/**
 * One contact's record again, for `fetch` when the listing's cache no longer holds it (reference
 * §3): `GET {api}/incontactapi/services/{apiVersion}/contacts/{contactId}`. The published spec
 * nests the record under a key named `contactId`:
 * `{businessUnitId, lastPollTime, contactId: {contactId, masterContactId, contactStartDate, …}}`.
 * The record is read in the names of `apiVersion` (versions.ts). A flat record is accepted too. Unknown contacts answer 404 (message in `icStatusDescription`)
 * or 204 (both seen in the wild): `NotFound`.
 */
export const contactUrl = (apiBase: string, apiVersion: string, contactId: string): string =>
  `${apiBase}/incontactapi/services/${apiVersion}/contacts/${encodeURIComponent(contactId)}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The raw record of a `contacts/{id}` answer, or undefined when the body has none. */
export const recordOfDetails = (
  body: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined => {
  if (isObject(body.contactId)) return body.contactId;
  return contactIdOf(body) === undefined ? undefined : body;
};

export const getContactRecord = async (
  client: CxoneClient,
  apiBase: string,
  apiVersion: string,
  contactId: string,
  signal: AbortSignal,
): Promise<Result<JsonObject, PluginError>> => {
  const url = contactUrl(apiBase, apiVersion, contactId);
  const answer = await client.requestJson({ family: 'cxone-acd', url, empty: [204], signal });
  if (answer.isErr()) return err(answer.error);
  const req = { method: 'GET', url };
  if (answer.value.body === undefined) return err(SourceErrors.contactNotFound(contactId, req));
  const raw = recordOfDetails(answer.value.body);
  if (raw === undefined) return err(unexpectedBody(req, 'no contact record'));
  const record = mapContactRecord(raw, fieldMapFor(apiVersion));
  if (contactIdOf(record) !== contactId) return err(unexpectedBody(req, 'the record is of another contact'));
  return ok(record);
};
