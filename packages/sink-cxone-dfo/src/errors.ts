import { type PluginError, PluginErrors } from '@cxarchive/core';

/**
 * The error `send` fails with when the temporary attachment can no longer be sent and uploading the
 * file again is the fix: `Permanent` (never retried as it is: the same dead URL would fail again)
 * with `cause: { expired: true }`, which the attach flow tests (`isExpiredUpload`) to drop the
 * recorded upload and go back to the upload step. Not `NotFound` (an unknown contact, thread or
 * channel is a 404 too, and must not start a re-upload), not `InvalidInput` (a bad manifest row must
 * not either), not `NotYet` (the item would wait, not re-upload).
 */
export const expiredUpload = (message: string): PluginError =>
  PluginErrors.permanent(message, { expired: true });

/** Whether `error` is `expiredUpload`'s: the flow must upload the file again, then send. */
export const isExpiredUpload = (error: PluginError): boolean =>
  error._tag === 'Permanent' &&
  typeof error.cause === 'object' &&
  error.cause !== null &&
  (error.cause as { expired?: unknown }).expired === true;

/**
 * DFO refused a message because an attachment's URL is no longer a live temporary attachment. The
 * codes are the simulator's (routes/dfo-send.ts): CXone publishes no `errorCode` values [U]
 * (GEN-MSG `ApiError.errorCode` is a free string), so the field (`attachments[i].url`) with a message
 * about expiry is recognised too.
 */
const REFUSED_URL = /\bAttachment(?:Expired|NotFound)\b|attachments\[\d+\]\.url\b[^;]*\bexpired\b/i;

export const isRefusedAttachmentUrl = (error: PluginError): boolean =>
  error._tag === 'InvalidInput' && REFUSED_URL.test(error.message);

/** What `cxone-api`'s client answers when a one-shot body met a 401 and the token was renewed. */
export const isRenewedTokenRetry = (error: PluginError): boolean =>
  error._tag === 'Transient' && /token was refused after the body was sent/.test(error.message);

/** The Sink members of an AttachmentSink: this destination stores no archive objects. */
export const notAnObjectStore = (): PluginError =>
  PluginErrors.permanent(
    'cxone-dfo delivers attachments into CXone conversations (flow: attach); it cannot store archive objects: use it in an attach pipeline',
  );
