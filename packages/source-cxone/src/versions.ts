/**
 * The field names of `contacts/completed` and `contacts/{id}` per ACD API version, and how a record
 * of each version becomes the archive record.
 *
 * The archive record uses one set of names whatever the version: those of v33.0 (the published
 * OpenAPI spec, GEN-REP; NICE's own agent SDK reads `contacts/completed` with v33.0, SDK-CC
 * `normalizeVoiceContactHistoryResponse`). So transforms, object keys and restores see
 * `contactStartDate`, `fromAddress`… for every tenant.
 *
 * - v33.0: the names are archived as they come.
 * - v21.0 and v23.0: `contactStart, fromAddr, toAddr, mediaType, confSeconds, ACWSeconds` and tags
 *   `{Contact_Id, TagId, TagName}` (TAP `schemas/contacts_completed.json` for v21; SDK-CC/SDK-CCS
 *   for the v23 path; LEG) are renamed to their v33 names.
 * - Any other `vNN.0`: no public source shows its names (v29 included), so the pre-v33 names are
 *   renamed when present and the v33 names kept: either spelling gives the same archive record.
 *
 * A name is only renamed when the record does not already carry the v33 name, and every other
 * field (one a later version adds, one this map does not know) is archived unchanged under its own
 * name: nothing the API sends is dropped. Values keep their JSON types (ids stay numbers).
 */
export type FieldMapKind = 'v33' | 'pre-v33' | 'unverified';

export interface FieldMap {
  readonly apiVersion: string;
  readonly kind: FieldMapKind;
  /** API name → archive name, for the record's top-level fields. */
  readonly fields: ReadonlyMap<string, string>;
  /** API name → archive name, inside each `tags[]` object. */
  readonly tagFields: ReadonlyMap<string, string>;
}

/** The versions whose field names a public source shows (and the tests cover end to end). */
export const VERIFIED_API_VERSIONS = ['v33.0', 'v23.0', 'v21.0'] as const;

/**
 * The default: the newest version with a public record of its names, the one NICE's own SDK uses;
 * no public source shows the names of v29.0, the version pinned before.
 */
export const DEFAULT_API_VERSION = 'v33.0';

/** Pre-v33 name → v33 name. */
export const PRE_V33_FIELDS: ReadonlyMap<string, string> = new Map([
  ['contactStart', 'contactStartDate'],
  ['fromAddr', 'fromAddress'],
  ['toAddr', 'toAddress'],
  ['mediaType', 'mediaTypeId'],
  ['confSeconds', 'conferenceSeconds'],
  ['ACWSeconds', 'acwSeconds'],
]);

/** Pre-v33 tag member → v33 tag member. */
export const PRE_V33_TAG_FIELDS: ReadonlyMap<string, string> = new Map([
  ['Contact_Id', 'contactId'],
  ['TagId', 'tagId'],
  ['TagName', 'tagName'],
]);

const NONE: ReadonlyMap<string, string> = new Map();

export const API_VERSION_PATTERN = /^v(\d{1,3})\.0$/;

/** The field map of an API version (`vNN.0`). */
export const fieldMapFor = (apiVersion: string): FieldMap => {
  if (apiVersion === 'v33.0') return { apiVersion, kind: 'v33', fields: NONE, tagFields: NONE };
  const kind: FieldMapKind = apiVersion === 'v21.0' || apiVersion === 'v23.0' ? 'pre-v33' : 'unverified';
  return { apiVersion, kind, fields: PRE_V33_FIELDS, tagFields: PRE_V33_TAG_FIELDS };
};
