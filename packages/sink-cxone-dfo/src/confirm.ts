import { type AttachmentTarget, err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import type { DfoApi } from '@cxarchive/cxone-api';
import type { DfoSentAttachment } from './send.js';
import { type Tags, tagIdsOf } from './tags.js';

const isHttpUrl = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * Reads the contact's messages back, `GET /contacts/{n}/messages` (GEN-DCON `getContactMessages`,
 * `MessageDetail.attachments[{friendlyName, url}]`): true when the sent message is there carrying an
 * attachment with the file's friendly name and a URL (and the manifest's tags), false when it is not
 * (yet). Whether CXone keeps
 * the temporary URL on the stored message or rewrites it is not published [U], so the URL is checked
 * for presence, not equality.
 */
export const confirmAttachment = async (
  dfo: DfoApi,
  tags: Tags,
  target: AttachmentTarget,
  sent: DfoSentAttachment,
  signal: AbortSignal,
): Promise<Result<boolean, PluginError>> => {
  const contactNumber = target.contact.contactNumber ?? sent.contactNumber;
  if (contactNumber === undefined) {
    return err(
      PluginErrors.invalidInput(
        `${target.itemId}: no contact number to read the message back from (neither the target nor the send's answer has one)`,
        'contact.contactNumber',
      ),
    );
  }
  const wanted = await tags.ids(target.tags ?? [], signal);
  if (wanted.isErr()) return err(wanted.error);
  const listed = await dfo.listContactMessages(contactNumber, signal);
  if (listed.isErr()) return err(listed.error);
  const message = listed.value.data.find((m) => m.id === sent.messageId);
  if (message === undefined) return ok(false);
  const carried = message.attachments?.some((a) => a.friendlyName === target.fileName && isHttpUrl(a.url));
  const tagged = tagIdsOf(message);
  return ok(carried === true && wanted.value.every((id) => tagged.includes(id)));
};
