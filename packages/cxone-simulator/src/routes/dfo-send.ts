import { randomUUID } from 'node:crypto';
import type { SimContext } from '../context.js';
import { channelById, type DfoChannel, type DfoContact, dfoContactByThread } from '../dfo-data.js';
import { agentUser, contactBody, seededMessageOf } from '../dfo-messages.js';
import { addMessage, type DfoState, dfoState } from '../dfo-state.js';
import { type DfoTag, tagById } from '../dfo-tags.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkAttachmentUrl } from './dfo-attachments.js';
import { dfoError, dfoInvalid, dfoNotFound } from './dfo-errors.js';
import { allowContactUpdate, isObject, nonEmptyString, readDfoJson, requireDfoAuth } from './dfo-request.js';

/** GEN-MSG `MessageContentToCreate.type`. */
const CONTENT_TYPES = new Set([
  'TEXT',
  'PLUGIN',
  'QUICK_REPLIES',
  'LIST_PICKER',
  'RICH_LINK',
  'ADAPTIVE_CARD',
]);
/** How many attachments one message may carry: not published [U]; 10. */
const MAX_ATTACHMENTS = 10;

export const CHANNEL_OUTBOUND_PATH = /^\/dfo\/3\.0\/channels\/([^/]+)\/outbound$/;
export const CHANNEL_MESSAGES_PATH = /^\/dfo\/3\.0\/channels\/([^/]+)\/messages$/;
export const MESSAGE_STATUS_PATH = /^\/dfo\/3\.0\/channels\/([^/]+)\/messages\/([^/]+)\/status$/;
export const MESSAGE_NOTES_PATH = /^\/dfo\/3\.0\/messages\/([^/]+)\/notes$/;

export const segment = (path: RegExp, pathname: string, n = 1): string => {
  const raw = path.exec(pathname)?.[n] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

type Checked<T> = { ok: true; value: T } | { ok: false };
const refused = (reply: Reply, field: string, message: string): { ok: false } => {
  dfoInvalid(reply, field, message);
  return { ok: false };
};

function checkContent(reply: Reply, content: unknown): Checked<Record<string, unknown>> {
  if (!isObject(content)) return refused(reply, 'messageContent', 'messageContent is required (an object)');
  if (typeof content.type !== 'string' || !CONTENT_TYPES.has(content.type)) {
    return refused(
      reply,
      'messageContent.type',
      `messageContent.type must be one of ${[...CONTENT_TYPES].join(', ')}`,
    );
  }
  if (!isObject(content.payload))
    return refused(reply, 'messageContent.payload', 'messageContent.payload is required');
  if (content.type === 'TEXT' && typeof content.payload.text !== 'string') {
    return refused(reply, 'messageContent.payload.text', 'a TEXT message needs payload.text (a string)');
  }
  return { ok: true, value: content };
}

/**
 * Attachments reference temporary attachments by URL (reference/cxone-fidelity.md §4(a) step 4):
 * each must be a live temporary attachment of this tenant — an unknown or foreign URL and an
 * expired one are refused with 400, so a client learns to upload again.
 */
function checkAttachments(
  ctx: SimContext,
  state: DfoState,
  reply: Reply,
  value: unknown,
  withInline: boolean,
): Checked<{ friendlyName: string; url: string; isInline?: boolean }[]> {
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return refused(reply, 'attachments', 'attachments must be an array');
  if (value.length > MAX_ATTACHMENTS) {
    return refused(reply, 'attachments', `at most ${MAX_ATTACHMENTS} attachments per message`);
  }
  const out: { friendlyName: string; url: string; isInline?: boolean }[] = [];
  for (const [i, entry] of value.entries()) {
    const field = `attachments[${i}]`;
    if (!isObject(entry)) return refused(reply, field, `${field} must be an object`);
    if (!nonEmptyString(entry.friendlyName))
      return refused(reply, `${field}.friendlyName`, 'friendlyName is required');
    if (!nonEmptyString(entry.url)) return refused(reply, `${field}.url`, 'url is required');
    if (withInline && entry.isInline !== undefined && typeof entry.isInline !== 'boolean') {
      return refused(reply, `${field}.isInline`, 'isInline must be a boolean');
    }
    const check = checkAttachmentUrl(ctx, state, entry.url);
    if (!check.ok) {
      dfoError(reply, 400, [
        {
          field: `${field}.url`,
          message:
            check.reason === 'expired'
              ? 'the temporary attachment has expired; upload the file again'
              : 'the url is not a temporary attachment of this tenant',
          errorCode: check.reason === 'expired' ? 'AttachmentExpired' : 'AttachmentNotFound',
        },
      ]);
      return { ok: false };
    }
    out.push({
      friendlyName: entry.friendlyName,
      url: entry.url,
      ...(withInline ? { isInline: entry.isInline === true } : {}),
    });
  }
  return { ok: true, value: out };
}

/**
 * `tagIds` of a `NewMessage` (GEN-MSG: `tagIds?: number[]`): predefined tags by id, each one known
 * (else 400 `TagNotFound` naming it [U: the code is not published]).
 */
function checkTagIds(reply: Reply, value: unknown): Checked<DfoTag[]> {
  if (value === undefined) return { ok: true, value: [] };
  if (!Array.isArray(value)) return refused(reply, 'tagIds', 'tagIds must be an array of tag ids');
  const tags: DfoTag[] = [];
  for (const [i, id] of value.entries()) {
    const tag = typeof id === 'number' && Number.isSafeInteger(id) ? tagById(id) : undefined;
    if (tag === undefined) {
      dfoError(reply, 400, [
        {
          field: `tagIds[${i}]`,
          message: `Tag ${String(id).slice(0, 40)} not found`,
          errorCode: 'TagNotFound',
        },
      ]);
      return { ok: false };
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  return { ok: true, value: tags };
}

/** The channel (404 when unknown) and the contact of the thread on it (404 unknown, 400 other channel). */
function channelAndThread(
  ctx: SimContext,
  reply: Reply,
  channelId: string,
  thread: unknown,
): Checked<{ channel: DfoChannel; contact: DfoContact }> {
  const channel = channelById(channelId);
  if (channel === undefined) {
    dfoNotFound(reply, 'Channel', { channelId });
    return { ok: false };
  }
  if (!isObject(thread) || !nonEmptyString(thread.idOnExternalPlatform)) {
    return refused(reply, 'thread.idOnExternalPlatform', 'thread.idOnExternalPlatform is required');
  }
  const contact = dfoContactByThread(ctx.dataset, thread.idOnExternalPlatform);
  if (contact === undefined) {
    // A custom channel would open a new thread and contact here [U]: the simulator records
    // messages on the threads of its data set only.
    dfoNotFound(reply, 'Thread', { idOnExternalPlatform: thread.idOnExternalPlatform });
    return { ok: false };
  }
  if (contact.channel.id !== channel.id) {
    return refused(
      reply,
      'thread.idOnExternalPlatform',
      `the thread belongs to another channel, not ${channel.id}`,
    );
  }
  return { ok: true, value: { channel, contact } };
}

const baseDetail = (contact: DfoContact, at: string) => ({
  contactNumber: contact.contactNumber,
  channel: { id: contact.channel.id },
  threadId: contact.thread.id,
  threadIdOnExternalPlatform: contact.thread.idOnExternalPlatform,
  createdAt: at,
  isDeletedOnExternalPlatform: false,
  isHiddenOnExternalPlatform: false,
  tags: [],
});

/**
 * POST /dfo/3.0/channels/{channelId}/outbound — an agent-style reply on the thread (GEN-MSG
 * `sendOutboundMessage`; body per SDK-DIG `CXoneDigitalReplyRequest`) → `{consumerContact,
 * message}`. Sending to the thread of a closed contact is accepted and lands on that contact; what
 * the real platform does then (reopen, or a new contact) is [U]. Status 200 [U].
 */
export const sendOutbound: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const body = await readDfoJson(req, reply);
  if (body === undefined) return;
  if (!isObject(body)) return void dfoInvalid(reply, '', 'the body must be a JSON object');
  const target = channelAndThread(ctx, reply, segment(CHANNEL_OUTBOUND_PATH, url.pathname), body.thread);
  if (!target.ok) return;
  const content = checkContent(reply, body.messageContent);
  if (!content.ok) return;
  if (!Array.isArray(body.recipients))
    return void dfoInvalid(reply, 'recipients', 'recipients must be an array');
  for (const [i, r] of body.recipients.entries()) {
    if (!isObject(r) || !nonEmptyString(r.idOnExternalPlatform)) {
      return void dfoInvalid(
        reply,
        `recipients[${i}].idOnExternalPlatform`,
        'idOnExternalPlatform is required',
      );
    }
  }
  if (body.replyToMessage !== undefined && !isObject(body.replyToMessage)) {
    return void dfoInvalid(reply, 'replyToMessage', 'replyToMessage must be an object');
  }
  const state = dfoState(ctx);
  const attachments = checkAttachments(ctx, state, reply, body.attachments, true);
  if (!attachments.ok) return;
  const { contact } = target.value;
  if (!allowContactUpdate(ctx, state, reply, contact.contactNumber)) return;
  const at = new Date(ctx.nowMs()).toISOString();
  const id = randomUUID();
  const detail = {
    id,
    idOnExternalPlatform: id,
    direction: 'outbound',
    ...baseDetail(contact, at),
    createdAtWithMilliseconds: at,
    messageContent: content.value,
    attachments: attachments.value.map(({ friendlyName, url: u }) => ({ friendlyName, url: u })),
    authorUser: agentUser(),
    recipients: body.recipients,
    ...(isObject(body.replyToMessage) ? { replyToMessage: body.replyToMessage } : {}),
  };
  addMessage(state, { id, contactNumber: contact.contactNumber, channelId: contact.channel.id, detail });
  reply.json(200, { consumerContact: contactBody(state, contact), message: detail });
};

/**
 * POST /dfo/3.0/channels/{channelId}/messages — a custom (BYOC) channel's integration records a
 * message (GEN-MSG `channelsChannelIdCreatemessage`, `NewMessage`) → `{consumerContact, message}`.
 * Only on custom channels (a native channel's messages come from NICE's own integration) [U].
 * Idempotent on `idOnExternalPlatform` per channel: no public source says what a repeat does [U];
 * the simulator answers 200 with the message created first (201 the first time) and adds nothing.
 */
export const createChannelMessage: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const body = await readDfoJson(req, reply);
  if (body === undefined) return;
  if (!isObject(body)) return void dfoInvalid(reply, '', 'the body must be a JSON object');
  const channelId = segment(CHANNEL_MESSAGES_PATH, url.pathname);
  const channel = channelById(channelId);
  if (channel !== undefined && channel.kind !== 'custom') {
    return void dfoInvalid(reply, 'channelId', `${channelId} is not a custom channel; send with /outbound`);
  }
  const target = channelAndThread(ctx, reply, channelId, body.thread);
  if (!target.ok) return;
  if (!nonEmptyString(body.idOnExternalPlatform)) {
    return void dfoInvalid(reply, 'idOnExternalPlatform', 'idOnExternalPlatform is required');
  }
  if (body.direction !== 'inbound' && body.direction !== 'outbound') {
    return void dfoInvalid(reply, 'direction', 'direction must be inbound or outbound');
  }
  const createdAt = body.createdAtWithMilliseconds;
  if (
    typeof createdAt !== 'string' ||
    !/^\d{4}-\d\d-\d\dT/.test(createdAt) ||
    Number.isNaN(Date.parse(createdAt))
  ) {
    return void dfoInvalid(
      reply,
      'createdAtWithMilliseconds',
      'createdAtWithMilliseconds must be an ISO 8601 date',
    );
  }
  const content = checkContent(reply, body.messageContent);
  if (!content.ok) return;
  if (
    !isObject(body.authorEndUserIdentity) ||
    !nonEmptyString(body.authorEndUserIdentity.idOnExternalPlatform)
  ) {
    return void dfoInvalid(
      reply,
      'authorEndUserIdentity.idOnExternalPlatform',
      'authorEndUserIdentity is required',
    );
  }
  const state = dfoState(ctx);
  const { contact } = target.value;
  const key = `${contact.channel.id}\n${body.idOnExternalPlatform}`;
  const existing = state.messagesById.get(state.messagesByExternalId.get(key) ?? '');
  if (existing !== undefined) {
    req.resume();
    reply.json(200, { consumerContact: contactBody(state, contact), message: existing.detail });
    return;
  }
  const attachments = checkAttachments(ctx, state, reply, body.attachments, false);
  if (!attachments.ok) return;
  const tags = checkTagIds(reply, body.tagIds);
  if (!tags.ok) return;
  if (!allowContactUpdate(ctx, state, reply, contact.contactNumber)) return;
  const id = randomUUID();
  const iso = new Date(Date.parse(createdAt)).toISOString();
  const detail = {
    id,
    idOnExternalPlatform: body.idOnExternalPlatform,
    direction: body.direction,
    ...baseDetail(contact, iso),
    createdAtWithMilliseconds: createdAt,
    messageContent: content.value,
    attachments: attachments.value,
    authorEndUserIdentity: body.authorEndUserIdentity,
    tags: tags.value.map((tag) => ({ ...tag })),
  };
  addMessage(state, { id, contactNumber: contact.contactNumber, channelId: contact.channel.id, detail });
  state.messagesByExternalId.set(key, id);
  reply.json(201, { consumerContact: contactBody(state, contact), message: detail });
};

const STATUSES = new Set(['delivered', 'seen', 'failed']);

/**
 * PUT /dfo/3.0/channels/{channelId}/messages/{idOnExternalPlatform}/status `{status:
 * delivered|seen|failed, updatedAt, reason?}` (GEN-MSG `updateMessageStatus`, `MessageStatus`) →
 * 204 [U: the success status is not published]. The message must have been created on that channel.
 */
export const updateMessageStatus: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const body = await readDfoJson(req, reply);
  if (body === undefined) return;
  const channelId = segment(MESSAGE_STATUS_PATH, url.pathname, 1);
  const external = segment(MESSAGE_STATUS_PATH, url.pathname, 2);
  if (channelById(channelId) === undefined) return void dfoNotFound(reply, 'Channel', { channelId });
  if (!isObject(body)) return void dfoInvalid(reply, '', 'the body must be a JSON object');
  if (typeof body.status !== 'string' || !STATUSES.has(body.status)) {
    return void dfoInvalid(reply, 'status', 'status must be delivered, seen or failed');
  }
  if (typeof body.updatedAt !== 'string' || Number.isNaN(Date.parse(body.updatedAt))) {
    return void dfoInvalid(reply, 'updatedAt', 'updatedAt must be an ISO 8601 date');
  }
  if (body.reason !== undefined && typeof body.reason !== 'string') {
    return void dfoInvalid(reply, 'reason', 'reason must be a string');
  }
  const state = dfoState(ctx);
  const id = state.messagesByExternalId.get(`${channelId}\n${external}`);
  if (id === undefined) return void dfoNotFound(reply, 'Message', { idOnExternalPlatform: external });
  state.statuses.set(id, {
    status: body.status,
    updatedAt: body.updatedAt,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  });
  reply.empty(204);
};

/**
 * POST /dfo/3.0/messages/{messageId}/notes `{content}` → the `MessageNote` (GEN-MSG
 * `createMessageNote`): the one internal, not customer-facing annotation (reference §4(a)). 201 [U].
 */
export const addMessageNote: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const body = await readDfoJson(req, reply);
  if (body === undefined) return;
  const messageId = segment(MESSAGE_NOTES_PATH, url.pathname);
  const state = dfoState(ctx);
  if (!state.messagesById.has(messageId) && seededMessageOf(ctx.dataset, messageId) === undefined) {
    return void dfoNotFound(reply, 'Message', { messageId });
  }
  if (!isObject(body) || !nonEmptyString(body.content)) {
    return void dfoInvalid(reply, 'content', 'content is required (a non-empty string)');
  }
  if (body.content.length > 10_000)
    return void dfoInvalid(reply, 'content', 'content is longer than 10000 characters');
  const at = new Date(ctx.nowMs()).toISOString();
  const note = {
    id: randomUUID(),
    createdAt: at,
    updatedAt: at,
    user: agentUser(),
    message: { id: messageId },
    content: body.content,
    status: { type: 'new' },
  };
  const list = state.notes.get(messageId) ?? [];
  list.push(note);
  state.notes.set(messageId, list);
  reply.json(201, note);
};
