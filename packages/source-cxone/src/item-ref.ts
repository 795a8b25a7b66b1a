import { err, type ItemRef, type JsonObject, ok, type PluginError, type Result } from '@cxarchive/core';
import { SourceErrors } from './errors.js';
import { contactIdOf, masterContactIdOf } from './record.js';

/**
 * What an item reference carries: ids and cursors only. The ledger stores refs unencrypted, so a
 * ref never holds the contact record (names, phone numbers, e-mail addresses); `fetch` gets the
 * record again, from the listing's cache or from `contacts/{contactId}`.
 */
export interface ContactRef {
  readonly contactId: string;
  readonly masterContactId?: string;
  /** The `lastUpdateTime` the listing saw (a cursor, for operators reading the ledger). */
  readonly lastUpdateTime?: string;
  /** The ACD API version the contact was listed with; `fetch` reads the record with the same one. */
  readonly apiVersion?: string;
  /** With `recordings: bulk`: the media-download request that holds this master's recording (an id only). */
  readonly mediaRequestId?: string;
}

const API_VERSION = /^v\d+\.0$/;

/** A media-download request id as CXone gives it (a UUID [U]); anything else is ignored. */
const REQUEST_ID = /^[\w-]{1,128}$/;

/** The reference with the media-download request that holds its recording (recordings: bulk). */
export const withMediaRequest = (ref: ItemRef, requestId: string): ItemRef => ({
  ...ref,
  data: { ...ref.data, mediaRequestId: requestId },
});

/** The reference of a listed contact (the record must have a contactId). */
export const makeRef = (record: Readonly<Record<string, unknown>>, apiVersion: string): ItemRef => {
  const contactId = contactIdOf(record) as string;
  const masterContactId = masterContactIdOf(record);
  const data: JsonObject = { contactId };
  if (masterContactId !== undefined) data.masterContactId = masterContactId;
  if (typeof record.lastUpdateTime === 'string') data.lastUpdateTime = record.lastUpdateTime;
  data.apiVersion = apiVersion;
  return { id: contactId, data };
};

/**
 * Reads a reference back. A reference written before refs were made PII-free (`{ record }`) still
 * works: its id is the contact id, and the stale record inside it is ignored.
 */
export const readRef = (ref: ItemRef): Result<ContactRef, PluginError> => {
  const raw = ref.data.contactId;
  const contactId =
    typeof raw === 'string' && raw.trim() !== ''
      ? raw.trim()
      : typeof ref.data.record === 'object' && ref.id.trim() !== ''
        ? ref.id.trim()
        : undefined;
  if (contactId === undefined) return err(SourceErrors.badRef(ref.id));
  const { masterContactId, lastUpdateTime, apiVersion, mediaRequestId } = ref.data;
  return ok({
    contactId,
    ...(typeof masterContactId === 'string' ? { masterContactId } : {}),
    ...(typeof lastUpdateTime === 'string' ? { lastUpdateTime } : {}),
    ...(typeof apiVersion === 'string' && API_VERSION.test(apiVersion) ? { apiVersion } : {}),
    ...(typeof mediaRequestId === 'string' && REQUEST_ID.test(mediaRequestId) ? { mediaRequestId } : {}),
  });
};
