import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.js';
import { type DfoContact, dfoContactByNumber } from './dfo-data.js';
import type { DfoState } from './dfo-state.js';
import { formatUuid } from './prng.js';
import { API_USER } from './tokens.js';

/**
 * Messages and contact bodies as the DFO API renders them (GEN-DCON `DigitalContact_Contact`,
 * GEN-MSG `MessageDetail`). Each generated contact has two messages of its own — the customer's
 * inbound message when the case opened and the agent's reply a minute later — followed by what
 * was sent or created through the API.
 */

const SEEDED_PER_CONTACT = 2;

/** A seeded message id: a UUID whose last 12 hex digits carry the contact number and the index. */
export function seededMessageId(contactNumber: string, index: number): string {
  const bytes = createHash('sha256').update(`message:${contactNumber}:${index}`).digest();
  bytes.writeUIntBE(Number(contactNumber) * 256 + index, 10, 6);
  return formatUuid(bytes);
}

/** The contact and index of a seeded message id, checked against its hash part. */
export function seededMessageOf(
  dataset: Dataset,
  messageId: string,
): { contact: DfoContact; index: number } | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(messageId))
    return undefined;
  const tail = Number.parseInt(messageId.slice(-12), 16);
  const index = tail % 256;
  const number = String(Math.floor(tail / 256));
  const contact = dfoContactByNumber(dataset, number);
  if (contact === undefined || index >= SEEDED_PER_CONTACT) return undefined;
  return seededMessageId(number, index) === messageId ? { contact, index } : undefined;
}

export const agentUser = () => ({
  id: Number(API_USER.agentId),
  incontactId: API_USER.userId,
  emailAddress: API_USER.name,
  loginUsername: API_USER.name,
  firstName: API_USER.givenName,
  surname: API_USER.familyName,
  isBotUser: false,
  isSurveyUser: false,
});

const endUserIdentity = (contact: DfoContact) => ({
  idOnExternalPlatform: contact.endUser.idOnExternalPlatform,
  nickname: contact.endUser.name,
});

function seededMessage(contact: DfoContact, index: number): Record<string, unknown> {
  const at = new Date(Date.parse(contact.createdAt) + index * 60_000).toISOString();
  const inbound = index === 0;
  const text = inbound ? 'Hello, I need a copy of my documents.' : 'Thank you, we are looking into it.';
  return {
    id: seededMessageId(contact.contactNumber, index),
    idOnExternalPlatform: `${contact.thread.idOnExternalPlatform}-m${index}`,
    direction: inbound ? 'inbound' : 'outbound',
    createdAt: at,
    createdAtWithMilliseconds: at,
    messageContent: { type: 'TEXT', payload: { text }, fallbackText: text, postback: '' },
    attachments: [],
    ...(inbound ? { authorEndUserIdentity: endUserIdentity(contact) } : { authorUser: agentUser() }),
    contactNumber: contact.contactNumber,
    channel: { id: contact.channel.id },
    threadId: contact.thread.id,
    threadIdOnExternalPlatform: contact.thread.idOnExternalPlatform,
    isDeletedOnExternalPlatform: false,
    isHiddenOnExternalPlatform: false,
    tags: [],
  };
}

/** Every message of a contact, oldest first: the seeded ones, then those added through the API. */
export function contactMessages(state: DfoState, contact: DfoContact): Record<string, unknown>[] {
  const seeded = Array.from({ length: SEEDED_PER_CONTACT }, (_, index) => seededMessage(contact, index));
  const added = (state.messagesByContact.get(contact.contactNumber) ?? []).map((message) => message.detail);
  return [...seeded, ...added];
}

/** The contact's custom fields: the seeded `case_reference`, then what was written or deleted. */
export function contactCustomFields(state: DfoState, contact: DfoContact) {
  const fields = new Map<string, { value: string; updatedAt: string } | null>([
    ['case_reference', { value: `CASE-${contact.contactNumber}`, updatedAt: contact.createdAt }],
  ]);
  for (const [ident, value] of state.customFields.get(contact.contactNumber) ?? []) fields.set(ident, value);
  return [...fields].flatMap(([ident, value]) => (value === null ? [] : [{ ident, ...value }]));
}

/** GET /dfo/3.0/contacts/{contactNumber}'s body (GEN-DCON `DigitalContact_Contact`). */
export function contactBody(state: DfoState, contact: DfoContact): Record<string, unknown> {
  const added = state.messagesByContact.get(contact.contactNumber) ?? [];
  const outboundAdded = added.filter((m) => m.detail.direction === 'outbound').length;
  return {
    id: contact.contactNumber,
    contactId: contact.acd.contactId,
    interactionId: contact.interactionId,
    status: contact.status,
    statusUpdatedAt: contact.statusUpdatedAt,
    channelId: contact.channel.id,
    createdAt: contact.createdAt,
    direction: contact.acd.isOutbound ? 'outbound' : 'inbound',
    customFields: contactCustomFields(state, contact),
    authorEndUserIdentity: endUserIdentity(contact),
    endUser: {
      id: contact.endUser.id,
      updatedAt: contact.createdAt,
      fullName: contact.endUser.name,
      identities: [endUserIdentity(contact)],
      customFields: [],
      messageStatistics: { inbound: 1 + added.length - outboundAdded, outbound: 1 + outboundAdded },
      sentimentStatistics: { positive: 0, neutral: 1, negative: 0 },
    },
    inboxAssigneeUser: agentUser(),
    recipients: [
      {
        idOnExternalPlatform: contact.channel.idOnExternalPlatform,
        name: contact.channel.name,
        isPrimary: true,
        isPrivate: false,
      },
    ],
    routingQueueId: `queue-${contact.acd.skillId}`,
    threadId: contact.thread.id,
    threadIdOnExternalPlatform: contact.thread.idOnExternalPlatform,
  };
}
