import type { Readable } from 'node:stream';
import {
  type AttachmentTarget,
  err,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
  type UploadedAttachment,
} from '@cxarchive/core';
import type { DfoApi } from '@cxarchive/cxone-api';
import { isRenewedTokenRetry } from './errors.js';

export interface UploadDeps {
  readonly dfo: DfoApi;
  readonly maxAttachmentBytes: number;
}

/** RFC 6838 `type/subtype` (parameters allowed): what DFO's `mimeType` takes. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[^;]+)*$/i;

/**
 * Uploads `body` as a temporary attachment: `POST {dfo}/attachments/temporary` with
 * `{content: <base64>, mimeType}` (GEN-ATT `postAttachmentsTemporary`; SDK-DIG `uploadAttachment`;
 * reference/cxone-fidelity.md §4(a) step 3) → `{id, url, expireAt}`. The base64 is produced as the
 * body is read and streamed out by `cxone-api` (node:http with backpressure, a `Content-Length` from
 * `target.size`): the file is never in memory. Every error comes decoded through the `dfo` family:
 * 400/413 `InvalidInput` with the API's own words, 429 `Throttled` (family `dfo`, Retry-After),
 * 5xx, network failures and an upload aborted or cut midway `Transient`, a 401 after one token
 * renewal `Auth`.
 */
export const uploadAttachment = async (
  deps: UploadDeps,
  target: AttachmentTarget,
  body: Readable,
  signal: AbortSignal,
): Promise<Result<UploadedAttachment, PluginError>> => {
  const refuse = (message: string, path: string) => {
    body.destroy();
    return err(PluginErrors.invalidInput(message, path));
  };
  if (!Number.isSafeInteger(target.size) || target.size < 1) {
    return refuse(
      `${target.fileName}: the size must be a positive number of bytes, got ${target.size}`,
      'size',
    );
  }
  if (target.size > deps.maxAttachmentBytes) {
    return refuse(
      `${target.fileName} is ${target.size} bytes, more than maxAttachmentBytes (${deps.maxAttachmentBytes}); ` +
        'it is not uploaded',
      'maxAttachmentBytes',
    );
  }
  if (!MIME.test(target.mimeType)) {
    return refuse(`${target.fileName}: "${target.mimeType.slice(0, 80)}" is not a MIME type`, 'mimeType');
  }
  const answer = await deps.dfo.uploadTemporaryAttachment(
    { content: body, mimeType: target.mimeType, size: target.size },
    signal,
  );
  if (answer.isErr()) {
    if (isRenewedTokenRetry(answer.error)) return err(await afterRenewal(deps.dfo, answer.error, signal));
    return err(answer.error);
  }
  const { id, url, expireAt } = answer.value;
  return ok({ id, url, expiresAt: new Date(Date.parse(expireAt)).toISOString() });
};

/**
 * The upload met a 401, the client renewed the token, and the one-shot body cannot be sent again.
 * One cheap authorised read with the renewed token tells the two cases apart: it works → the
 * upload is `Transient` (sent again with a fresh body, it will pass); it is refused too → `Auth`.
 */
const afterRenewal = async (dfo: DfoApi, first: PluginError, signal: AbortSignal): Promise<PluginError> => {
  const probe = await dfo.listCustomFieldDefinitions(signal);
  if (probe.isErr() && probe.error._tag === 'Auth') {
    return PluginErrors.auth(
      `the DFO API refused the upload's token, and a renewed one: ${probe.error.message}`,
    );
  }
  return first;
};
