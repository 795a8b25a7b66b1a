import { createHash } from 'node:crypto';
import type { Dataset, SimContact } from './dataset.js';
import { uuidFromString } from './prng.js';

/**
 * The digital (DFO 3.0) data set, derived from the ACD data set by position, nothing stored: every
 * chat and email master contact of the ACD data set has one DFO contact (a "case") on one thread.
 * Shapes follow GEN-DCON / GEN-MSG (`DigitalContact_Contact`, `ChannelV2`, `MessageDetail`).
 *
 * How a client finds the DFO contact of a completed ACD digital contact is not settled by any
 * public source [U]. The simulator puts the ACD master `contactId` (a string, as GEN-DCON types
 * it) into the DFO contact's `contactId` field, and numbers the DFO contact from the ACD master's
 * position; `dfoContactNumberOf` / `acdContactIdOf` expose the mapping to tests.
 */

export type DfoChannelKind = 'native' | 'custom';

export interface DfoChannel {
  readonly id: string;
  readonly idOnExternalPlatform: string;
  /** GEN-MSG `ChannelV2.realExternalPlatformId`: `chat`, `email` (native) or `custom` (BYOC). */
  readonly realExternalPlatformId: 'chat' | 'email' | 'custom';
  readonly name: string;
  readonly kind: DfoChannelKind;
  readonly channelIntegrationId: string;
  readonly hasAbilityToSendFiles: boolean;
}

/** The tenant's digital channels: native chat and email, and one custom (BYOC) channel. */
export const DFO_CHANNELS: readonly DfoChannel[] = Object.freeze([
  {
    id: 'chat_5a1e5c0b-3f36-4e1a-9c1b-c4a7c0de0001',
    idOnExternalPlatform: '5a1e5c0b-3f36-4e1a-9c1b-c4a7c0de0001',
    realExternalPlatformId: 'chat',
    name: 'Web chat',
    kind: 'native',
    channelIntegrationId: 'chat',
    hasAbilityToSendFiles: true,
  },
  {
    id: 'email_5a1e5c0b-3f36-4e1a-9c1b-c4a7c0de0002',
    idOnExternalPlatform: 'support@example.com',
    realExternalPlatformId: 'email',
    name: 'Support mailbox',
    kind: 'native',
    channelIntegrationId: 'in-contact-email',
    hasAbilityToSendFiles: true,
  },
  {
    id: 'custom_cxarchive-portal',
    idOnExternalPlatform: 'cxarchive-portal',
    realExternalPlatformId: 'custom',
    name: 'Customer portal (custom channel)',
    kind: 'custom',
    channelIntegrationId: 'custom',
    hasAbilityToSendFiles: true,
  },
] as const);

export const channelById = (id: string): DfoChannel | undefined => DFO_CHANNELS.find((c) => c.id === id);

/** GEN `DigitalCustomfields_ContactCustomFieldDefinition`. */
export interface CustomFieldDefinition {
  readonly ident: string;
  readonly label: string;
  readonly type: 'text';
  readonly required: boolean;
  readonly isEditable: boolean;
}

/**
 * Contact custom-field definitions, a plain array as GEN's `getContactCustomFieldDefinitions`
 * (`GET /consumer-contact-custom-fields`) answers; the simulator serves it on that path and on SDK-URI's
 * `CONTACT_CUSTOM_FIELD_DEFINITIONS` (`/dfo/3.0/contacts/custom-field-definitions`). Only these
 * idents can be written (reference cxone-fidelity.md §4(c): "Definitions must pre-exist").
 */
export const CUSTOM_FIELD_DEFINITIONS: readonly CustomFieldDefinition[] = Object.freeze([
  { ident: 'archival_status', label: 'Archival status', type: 'text', required: false, isEditable: true },
  { ident: 'archive_ref', label: 'Archive reference', type: 'text', required: false, isEditable: true },
  { ident: 'case_reference', label: 'Case reference', type: 'text', required: false, isEditable: true },
] as const);

export const isDefinedField = (ident: string): boolean =>
  CUSTOM_FIELD_DEFINITIONS.some((definition) => definition.ident === ident);

/** GEN-DCON `ContactStatus`. */
export type DfoStatus = 'closed' | 'resolved' | 'open' | 'pending';

export interface DfoContact {
  readonly contactNumber: string;
  /** The ACD master contact this case belongs to (see the module comment, [U]). */
  readonly acd: SimContact;
  readonly channel: DfoChannel;
  readonly status: DfoStatus;
  readonly thread: { readonly id: string; readonly idOnExternalPlatform: string };
  readonly endUser: { readonly id: string; readonly idOnExternalPlatform: string; readonly name: string };
  readonly createdAt: string;
  readonly statusUpdatedAt: string;
  readonly interactionId: string;
}

/** Contact numbers start here; contact number = base + the ACD master's position. */
const CONTACT_NUMBER_BASE = 4_100_000;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The thread's id on the external platform: the contact number and a check, so guesses miss. */
const threadExternalId = (contactNumber: number): string =>
  `th-${contactNumber}-${digest(`thread:${contactNumber}`).toString('hex').slice(0, 10)}`;

const THREAD_ID = /^th-(\d{1,9})-([0-9a-f]{10})$/;

function statusOf(contactNumber: number): DfoStatus {
  const roll = digest(`status:${contactNumber}`)[0] ?? 0;
  // Most cases of completed ACD contacts are closed; a few are still resolved, pending or open.
  return roll < 184 ? 'closed' : roll < 220 ? 'resolved' : roll < 240 ? 'pending' : 'open';
}

/** The DFO contact of the leg at `position`, if that leg is a chat or email master. */
export function dfoContactAt(dataset: Dataset, position: number): DfoContact | undefined {
  if (!Number.isSafeInteger(position) || position < 0 || position >= dataset.size) return undefined;
  const acd = dataset.contactAt(position);
  if (acd.masterContactId !== acd.contactId) return undefined;
  const kind = acd.mediaTypeName === 'Chat' ? 'chat' : acd.mediaTypeName === 'Email' ? 'email' : undefined;
  if (kind === undefined) return undefined;
  const number = CONTACT_NUMBER_BASE + position;
  // Email cases go to the native mailbox or, for one in two, arrive through the custom channel.
  const custom = kind === 'email' && ((digest(`channel:${number}`)[0] ?? 0) & 1) === 1;
  const channel = DFO_CHANNELS[kind === 'chat' ? 0 : custom ? 2 : 1] as DfoChannel;
  const startMs = Date.parse(acd.contactStartDate);
  const createdAt = new Date(startMs).toISOString();
  const statusUpdatedAt = new Date(Date.parse(acd.lastUpdateTime)).toISOString();
  return {
    contactNumber: String(number),
    acd,
    channel,
    status: statusOf(number),
    thread: { id: uuidFromString(`thread:${number}`), idOnExternalPlatform: threadExternalId(number) },
    endUser: {
      id: uuidFromString(`customer:${acd.fromAddress}`),
      idOnExternalPlatform: acd.fromAddress,
      name: `${acd.firstName} ${acd.lastName}`.trim() || acd.fromAddress,
    },
    createdAt,
    statusUpdatedAt,
    interactionId: uuidFromString(`interaction:${number}`),
  };
}

/** The DFO contact with this contact number, or undefined. */
export function dfoContactByNumber(dataset: Dataset, contactNumber: string): DfoContact | undefined {
  if (!/^\d{1,10}$/.test(contactNumber)) return undefined;
  return dfoContactAt(dataset, Number(contactNumber) - CONTACT_NUMBER_BASE);
}

/** The DFO contact whose thread has this id on the external platform, or undefined. */
export function dfoContactByThread(dataset: Dataset, idOnExternalPlatform: string): DfoContact | undefined {
  const m = THREAD_ID.exec(idOnExternalPlatform);
  if (m === null) return undefined;
  const number = Number(m[1]);
  if (threadExternalId(number) !== idOnExternalPlatform) return undefined;
  return dfoContactAt(dataset, number - CONTACT_NUMBER_BASE);
}

/** The DFO contact number of an ACD master chat/email contact id, or undefined ([U], see above). */
export function dfoContactNumberOf(dataset: Dataset, acdContactId: string): string | undefined {
  const position = dataset.indexOf(acdContactId);
  return position === undefined ? undefined : dfoContactAt(dataset, position)?.contactNumber;
}

/** The ACD master contact id of a DFO contact number, or undefined. */
export const acdContactIdOf = (dataset: Dataset, contactNumber: string): string | undefined =>
  dfoContactByNumber(dataset, contactNumber)?.acd.contactId;

/** The first `limit` DFO contacts in position order (tests pick cases from it). */
export function listDfoContacts(dataset: Dataset, limit: number): DfoContact[] {
  const found: DfoContact[] = [];
  for (let position = 0; position < dataset.size && found.length < limit; position++) {
    const contact = dfoContactAt(dataset, position);
    if (contact !== undefined) found.push(contact);
  }
  return found;
}
