import { dfoState } from '../dfo-state.js';
import { DFO_TAGS, tagById } from '../dfo-tags.js';
import type { RouteHandler } from '../route.js';
import { dfoError, dfoNotFound } from './dfo-errors.js';
import { allowContactUpdate, requireDfoAuth } from './dfo-request.js';
import { segment } from './dfo-send.js';

export const TAGS_PATH = '/dfo/3.0/tags';
export const MESSAGE_TAG_PATH = /^\/dfo\/3\.0\/messages\/([^/]+)\/tags\/([^/]+)$/;

/** GET /dfo/3.0/tags → `{hits, data: Tag[]}` (GEN DigitalTagService `getTags`). */
export const listTags: RouteHandler = ({ req, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  reply.json(200, { hits: DFO_TAGS.length, data: DFO_TAGS });
};

/**
 * PUT /dfo/3.0/messages/{messageId}/tags/{tagId} → the MessageDetail (GEN-MSG `addMessageTag`).
 * Adding a tag the message has is a no-op. A message sent or created through the API only (the
 * seeded ones are not taggable here); an unknown message or tag 404 [U: the statuses are not
 * published; 200 with the message].
 */
export const addMessageTag: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  req.resume();
  const messageId = segment(MESSAGE_TAG_PATH, url.pathname, 1);
  const rawTag = segment(MESSAGE_TAG_PATH, url.pathname, 2);
  const state = dfoState(ctx);
  const message = state.messagesById.get(messageId);
  if (message === undefined) return void dfoNotFound(reply, 'Message', { messageId });
  const tag = /^\d{1,9}$/.test(rawTag) ? tagById(Number(rawTag)) : undefined;
  if (tag === undefined) {
    return void dfoError(reply, 404, [
      { field: 'tagId', message: `Tag ${rawTag.slice(0, 40)} not found`, errorCode: 'NotFound' },
    ]);
  }
  const tags = message.detail.tags as { id: number }[];
  if (!tags.some((t) => t.id === tag.id)) {
    if (!allowContactUpdate(ctx, state, reply, message.contactNumber)) return;
    tags.push({ ...tag });
  }
  reply.json(200, message.detail);
};
