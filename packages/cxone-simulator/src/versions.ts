import type { SimContact } from './dataset.js';

/**
 * The field names of `contacts/completed` and `contacts/{id}` per ACD API version.
 *
 * - v33.0 uses `contactStartDate, fromAddress, toAddress, mediaTypeId, conferenceSeconds,
 *   acwSeconds`, tags `{contactId, tagId, tagName}` (SDK-CC `normalizeVoiceContactHistoryResponse`
 *   for v33.0; GEN-REP, generated from NICE's published OpenAPI spec).
 * - v21.0 and v23.0 use `contactStart, fromAddr, toAddr, mediaType, confSeconds, ACWSeconds`, tags
 *   `{Contact_Id, TagId, TagName}` (TAP `schemas/contacts_completed.json` for v21; SDK-CC/SDK-CCS
 *   for the v23 path; LEG).
 * - v24.0 to v32.0: no public source shows their names [U]. The simulator answers them with the
 *   pre-v33 names, the variant that breaks a client assuming the new ones (fidelity §3, `v23names`).
 *
 * Every version sends `contactId` and `masterContactId` as numbers (GEN-REP `contactId?: number`;
 * TAP `integer`; CS `long`). Any other version is answered 404 with `icStatusDescription`.
 */
export type NameSet = 'v33' | 'pre-v33';

export const API_VERSIONS: ReadonlyMap<number, NameSet> = new Map<number, NameSet>([
  [21, 'pre-v33'],
  [22, 'pre-v33'],
  [23, 'pre-v33'],
  [24, 'pre-v33'],
  [25, 'pre-v33'],
  [26, 'pre-v33'],
  [27, 'pre-v33'],
  [28, 'pre-v33'],
  [29, 'pre-v33'],
  [30, 'pre-v33'],
  [31, 'pre-v33'],
  [32, 'pre-v33'],
  [33, 'v33'],
]);

/** v33 name → pre-v33 name, for the fields whose name changed. */
export const PRE_V33_NAMES: Readonly<Record<string, string>> = Object.freeze({
  contactStartDate: 'contactStart',
  fromAddress: 'fromAddr',
  toAddress: 'toAddr',
  mediaTypeId: 'mediaType',
  conferenceSeconds: 'confSeconds',
  acwSeconds: 'ACWSeconds',
});

const ID_FIELDS = new Set(['contactId', 'masterContactId']);

/** The name a field has in a name set. */
export function wireName(field: string, names: NameSet): string {
  return names === 'pre-v33' ? (PRE_V33_NAMES[field] ?? field) : field;
}

/** Every field name a record of this name set has, in record order. */
export function fieldNames(names: NameSet, sample: SimContact): readonly string[] {
  return Object.keys(sample).map((field) => wireName(field, names));
}

/** The tags as the version sends them: objects that carry the contact id. */
function tagObjects(contact: SimContact, names: NameSet): unknown[] {
  if (contact.tags.length === 0) return [];
  const contactId = Number(contact.contactId);
  return contact.tags.map((tag) =>
    names === 'v33'
      ? { contactId, tagId: tag.tagId, tagName: tag.tagName }
      : { Contact_Id: contactId, TagId: tag.tagId, TagName: tag.tagName },
  );
}

/**
 * The record as the API version sends it: its field names, numeric ids, tag objects, in record
 * order. Built so that every record of a version has one shape (a listing page serialises
 * thousands of them): v33 copies the record and replaces three values in place; the pre-v33 names
 * are assigned field by field in record order.
 */
export function renderContact(contact: SimContact, names: NameSet): Record<string, unknown> {
  if (names === 'v33') {
    return {
      ...contact,
      contactId: Number(contact.contactId),
      masterContactId: Number(contact.masterContactId),
      tags: tagObjects(contact, names),
    };
  }
  const out: Record<string, unknown> = {};
  for (const field in contact) {
    const value = contact[field as keyof SimContact];
    const name = PRE_V33_NAMES[field] ?? field;
    if (ID_FIELDS.has(field)) out[name] = Number(value);
    else if (field === 'tags') out[name] = tagObjects(contact, names);
    else out[name] = value;
  }
  return out;
}

/** The record with only the named fields (names of the version), in record order. */
export function selectFields(record: Record<string, unknown>, fields: ReadonlySet<string> | undefined) {
  if (fields === undefined) return record;
  return Object.fromEntries(Object.entries(record).filter(([key]) => fields.has(key)));
}
