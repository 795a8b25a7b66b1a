import type { JsonObject, JsonValue } from '@cxarchive/core';
import type { FieldMap } from './versions.js';

/**
 * The fields of a `contacts/completed` record under their archive names (the v33.0 names, see
 * versions.ts), with what kind of value each holds. The archive record is not limited to them:
 * every field the API sends is archived (see `mapContactRecord`); this list names the ones the
 * source reads and documents.
 */
export type FieldKind = 'id' | 'value';

export const CONTACT_FIELDS = {
  contactId: 'id',
  masterContactId: 'id',
  contactStartDate: 'value',
  lastUpdateTime: 'value',
  agentId: 'value',
  firstName: 'value',
  lastName: 'value',
  teamId: 'value',
  teamName: 'value',
  skillId: 'value',
  skillName: 'value',
  campaignId: 'value',
  campaignName: 'value',
  mediaTypeId: 'value',
  mediaTypeName: 'value',
  mediaSubTypeId: 'value',
  mediaSubTypeName: 'value',
  pointOfContactId: 'value',
  pointOfContactName: 'value',
  fromAddress: 'value',
  toAddress: 'value',
  isOutbound: 'value',
  abandoned: 'value',
  abandonSeconds: 'value',
  acwSeconds: 'value',
  agentSeconds: 'value',
  conferenceSeconds: 'value',
  holdCount: 'value',
  holdSeconds: 'value',
  inQueueSeconds: 'value',
  preQueueSeconds: 'value',
  postQueueSeconds: 'value',
  releaseSeconds: 'value',
  totalDurationSeconds: 'value',
  routingTime: 'value',
  callbackTime: 'value',
  primaryDispositionId: 'value',
  secondaryDispositionId: 'value',
  dispositionNotes: 'value',
  endReason: 'value',
  transferIndicatorId: 'value',
  transferIndicatorName: 'value',
  serviceLevelFlag: 'value',
  isLogged: 'value',
  isRefused: 'value',
  refuseReason: 'value',
  refuseTime: 'value',
  isShortAbandon: 'value',
  isTakeover: 'value',
  dateContactWarehoused: 'value',
  dateACWWarehoused: 'value',
  isAnalyticsProcessed: 'value',
  analyticsProcessedDate: 'value',
  routingAttribute: 'value',
  highProficiency: 'value',
  lowProficiency: 'value',
  tags: 'value',
  divisionNo: 'value',
} as const satisfies Readonly<Record<string, FieldKind>>;

export type ContactField = keyof typeof CONTACT_FIELDS;

/** The JSON value as archived, or undefined for something that is not plain JSON. */
const toJson = (value: unknown): JsonValue | undefined => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return items.every((v) => v !== undefined) ? (items as JsonValue[]) : undefined;
  }
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const json = toJson(v);
      if (json !== undefined) out[k] = json;
    }
    return out;
  }
  return undefined;
};

const toId = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
};

const rename = (raw: Readonly<Record<string, unknown>>, names: ReadonlyMap<string, string>, key: string) => {
  const target = names.get(key);
  return target !== undefined && !Object.hasOwn(raw, target) ? target : key;
};

/** Each tag object with its members renamed; anything else in the list kept as it is. */
const mapTags = (value: unknown, map: FieldMap): unknown => {
  if (!Array.isArray(value)) return value;
  return value.map((tag) => {
    if (typeof tag !== 'object' || tag === null || Array.isArray(tag)) return tag;
    const raw = tag as Record<string, unknown>;
    return Object.fromEntries(Object.entries(raw).map(([key, v]) => [rename(raw, map.tagFields, key), v]));
  });
};

/**
 * The archive record of one `completedContacts[]` entry (or `contacts/{id}` record) of the API
 * version `map` describes: the version's names become the archive names (versions.ts), every
 * other field is kept under its own name, and values keep their JSON types (tags stay objects,
 * numeric ids such as agentId stay numbers). `contactId` and `masterContactId` are archived as the API
 * sends them (numbers: GEN-REP `contactId?: number`); the item id and the object keys are their
 * decimal strings (contactIdOf). Nothing is dropped.
 */
export const mapContactRecord = (raw: Readonly<Record<string, unknown>>, map: FieldMap): JsonObject => {
  const record: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = rename(raw, map.fields, key);
    const json = toJson(name === 'tags' ? mapTags(value, map) : value);
    if (json !== undefined) record[name] = json;
  }
  return record;
};

/** The contact's id (as a string), or undefined when the record has none. */
export const contactIdOf = (record: Readonly<Record<string, unknown>>): string | undefined =>
  toId(record.contactId);

/** The master contact id; a record without one is its own master. */
export const masterContactIdOf = (record: Readonly<Record<string, unknown>>): string | undefined =>
  toId(record.masterContactId) ?? toId(record.contactId);

/** True for the first leg of an interaction: the one Media Playback files the recording under. */
export const isMasterLeg = (record: Readonly<Record<string, unknown>>): boolean => {
  const id = contactIdOf(record);
  return id !== undefined && id === masterContactIdOf(record);
};

/** Voice contacts (mediaTypeName "Call" or mediaTypeId 4) are the ones with call recordings. */
export const isVoiceContact = (record: Readonly<Record<string, unknown>>): boolean =>
  record.mediaTypeName === 'Call' || Number(record.mediaTypeId) === 4;

/** Epoch milliseconds of a date field, or undefined when missing or not a date. */
export const dateMs = (
  record: Readonly<Record<string, unknown>>,
  field: ContactField,
): number | undefined => {
  const value = record[field];
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};
