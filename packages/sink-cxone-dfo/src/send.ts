import { createHash } from 'node:crypto';
import {
  type AttachmentTarget,
  err,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  type SentAttachment,
  type UploadedAttachment,
} from '@cxarchive/core';
import type { ChannelMessage, DfoApi, MessageDetail, MessageResult } from '@cxarchive/cxone-api';
import { expiredUpload, isRefusedAttachmentUrl } from './errors.js';
import { type Tags, tagIdsOf } from './tags.js';

/** What `send` answers: the message, its thread, and the case (contact number) it landed on. */
export interface DfoSentAttachment extends SentAttachment {
  readonly contactNumber?: string;
}

export interface SendDeps {
  readonly dfo: DfoApi;
  readonly now: () => Date;
  readonly expiryMarginMs: number;
  readonly customChannels: ReadonlySet<string>;
  readonly customChannelAuthor: string;
  readonly tags: Tags;
}

/** The thread to write on, as the contact (or the manifest) gives it. */
interface Thread {
  readonly idOnExternalPlatform: string;
  readonly contactNumber?: string;
  readonly recipients: readonly { idOnExternalPlatform: string; isPrimary: boolean; isPrivate: boolean }[];
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The contact's thread: by contact number, `GET /contacts/{n}` (GEN-DCON `getContact`:
 * `channelId`, `threadIdOnExternalPlatform`, `authorEndUserIdentity`), checked against the channel
 * and thread the manifest names; by thread id alone, that thread (its case is learnt from the answer).
 */
const resolveThread = async (
  dfo: DfoApi,
  target: AttachmentTarget,
  signal: AbortSignal,
): Promise<Result<Thread, PluginError>> => {
  const { contactNumber, threadId, channelId } = target.contact;
  if (contactNumber === undefined) {
    if (threadId === undefined) {
      return err(
        PluginErrors.invalidInput(
          `${target.itemId}: the target names no contact number or thread id`,
          'contact',
        ),
      );
    }
    // A reply on a thread goes to the thread's customer; without the case the recipients are not known [U].
    return ok({ idOnExternalPlatform: threadId, recipients: [] });
  }
  const contact = await dfo.getContact(contactNumber, signal);
  if (contact.isErr()) return err(contact.error);
  const onChannel = str(contact.value.channelId);
  if (onChannel !== undefined && onChannel !== channelId) {
    return err(
      PluginErrors.invalidInput(
        `contact ${contactNumber} is on channel ${onChannel}, not ${channelId} as its manifest row says`,
        'contact.channelId',
      ),
    );
  }
  const thread = str(contact.value.threadIdOnExternalPlatform);
  if (thread === undefined) {
    return err(PluginErrors.permanent(`contact ${contactNumber}: the DFO API named no thread for it`));
  }
  if (threadId !== undefined && threadId !== thread) {
    return err(
      PluginErrors.invalidInput(
        `contact ${contactNumber} is on thread ${thread}, not ${threadId} as its manifest row says`,
        'contact.threadId',
      ),
    );
  }
  const author = contact.value.authorEndUserIdentity as { idOnExternalPlatform?: unknown } | undefined;
  const customer = str(author?.idOnExternalPlatform);
  return ok({
    idOnExternalPlatform: thread,
    contactNumber,
    recipients:
      customer === undefined ? [] : [{ idOnExternalPlatform: customer, isPrimary: true, isPrivate: false }],
  });
};

/** A message already on the contact that carries this upload (a send whose answer was lost). */
const alreadySent = async (
  dfo: DfoApi,
  contactNumber: string,
  url: string,
  signal: AbortSignal,
): Promise<Result<MessageDetail | undefined, PluginError>> => {
  const listed = await dfo.listContactMessages(contactNumber, signal);
  if (listed.isErr()) return err(listed.error);
  return ok(listed.value.data.find((m) => m.attachments?.some((a) => a.url === url) === true));
};

/** The custom-channel message's own id: one per (contact or thread, file), so a repeat is not a second message. */
export const externalMessageId = (target: AttachmentTarget): string =>
  `cxarchive-${createHash('sha256')
    .update(
      `${target.contact.channelId}\n${target.contact.contactNumber ?? ''}\n${target.contact.threadId ?? ''}\n${target.sha256}`,
    )
    .digest('hex')
    .slice(0, 40)}`;

const sentFrom = (result: MessageResult, thread: Thread): DfoSentAttachment => {
  const contactNumber =
    str(result.consumerContact?.id) ?? str(result.message.contactNumber) ?? thread.contactNumber;
  return {
    messageId: result.message.id,
    threadId: thread.idOnExternalPlatform,
    ...(contactNumber === undefined ? {} : { contactNumber }),
  };
};

/** Adds the tags the message lacks (PUT is idempotent: a retried send tags the same message). */
const ensureTags = async (
  tags: Tags,
  message: Record<string, unknown> & { id: string },
  want: readonly number[],
  signal: AbortSignal,
): Promise<Result<void, PluginError>> => {
  const have = tagIdsOf(message);
  for (const id of want) {
    if (have.includes(id)) continue;
    const added = await tags.add(message.id, id, signal);
    if (added.isErr()) return err(added.error);
  }
  return ok(undefined);
};

/**
 * Sends the message that binds the upload to the contact's thread (reference/cxone-fidelity.md
 * §4(a) step 4): a native channel gets an agent-style reply, `POST /channels/{id}/outbound`
 * (GEN-MSG `sendOutboundMessage`, body per SDK-DIG `CXoneDigitalReplyRequest`); a custom channel the
 * integration owns gets its message recorded, `POST /channels/{id}/messages` (GEN-MSG `NewMessage`).
 * An upload that has expired, or will within `expiryMarginMs`, or that DFO refuses as no longer a
 * live attachment, fails with `expiredUpload` (upload again). The URL never appears in a message.
 */
export const sendAttachment = async (
  deps: SendDeps,
  target: AttachmentTarget,
  uploaded: UploadedAttachment,
  signal: AbortSignal,
): Promise<Result<DfoSentAttachment, PluginError>> => {
  const expiresMs = Date.parse(uploaded.expiresAt);
  const leftMs = expiresMs - deps.now().getTime();
  if (Number.isNaN(expiresMs) || leftMs < deps.expiryMarginMs) {
    return err(
      expiredUpload(
        `${target.fileName}: the temporary attachment ${uploaded.id} ${leftMs <= 0 || Number.isNaN(leftMs) ? 'expired' : 'expires'} at ${uploaded.expiresAt}, ` +
          `within the ${deps.expiryMarginMs} ms margin; upload it again`,
      ),
    );
  }
  // Tags first: an unknown one refuses the row before anything is sent.
  const tagIds = await deps.tags.ids(target.tags ?? [], signal);
  if (tagIds.isErr()) return err(tagIds.error);
  const thread = await resolveThread(deps.dfo, target, signal);
  if (thread.isErr()) return err(thread.error);
  if (thread.value.contactNumber !== undefined) {
    const found = await alreadySent(deps.dfo, thread.value.contactNumber, uploaded.url, signal);
    if (found.isErr()) return err(found.error);
    if (found.value !== undefined) {
      const tagged = await ensureTags(deps.tags, found.value, tagIds.value, signal);
      if (tagged.isErr()) return err(tagged.error);
      return ok({
        messageId: found.value.id,
        threadId: thread.value.idOnExternalPlatform,
        contactNumber: thread.value.contactNumber,
      });
    }
  }
  const text = target.text ?? target.fileName;
  const messageContent = { type: 'TEXT' as const, payload: { text } };
  const channelId = target.contact.channelId;
  const answer = deps.customChannels.has(channelId)
    ? await deps.dfo.createChannelMessage(
        channelId,
        {
          idOnExternalPlatform: externalMessageId(target),
          direction: 'outbound',
          createdAtWithMilliseconds: deps.now().toISOString(),
          thread: { idOnExternalPlatform: thread.value.idOnExternalPlatform },
          messageContent,
          authorEndUserIdentity: { idOnExternalPlatform: deps.customChannelAuthor },
          attachments: [{ friendlyName: target.fileName, url: uploaded.url }],
          // GEN-MSG NewMessage.tagIds (not in cxone-api's ChannelMessage type; sent as given).
          ...(tagIds.value.length === 0 ? {} : { tagIds: tagIds.value }),
        } as ChannelMessage,
        signal,
      )
    : await deps.dfo.sendOutbound(
        channelId,
        {
          thread: { idOnExternalPlatform: thread.value.idOnExternalPlatform },
          messageContent,
          recipients: thread.value.recipients,
          attachments: [{ friendlyName: target.fileName, url: uploaded.url, isInline: false }],
        },
        signal,
      );
  if (answer.isErr()) {
    if (isRefusedAttachmentUrl(answer.error)) {
      return err(
        expiredUpload(
          `${target.fileName}: DFO refused the temporary attachment ${uploaded.id} as no longer live; upload it again (${answer.error.message})`,
        ),
      );
    }
    return err(answer.error);
  }
  const tagged = await ensureTags(deps.tags, answer.value.message, tagIds.value, signal);
  if (tagged.isErr()) return err(tagged.error);
  return ok(sentFrom(answer.value, thread.value));
};
