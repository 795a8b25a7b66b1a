import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { SimContext } from '../context.js';
import { dfoOptions } from '../dfo-config.js';
import { type DfoState, dfoState, sweepExpired } from '../dfo-state.js';
import { readUploadBody } from '../dfo-upload-body.js';
import type { RouteHandler } from '../route.js';
import { checkMediaUrl, mediaSignature } from '../url-signing.js';
import { dfoError } from './dfo-errors.js';
import { requireDfoAuth } from './dfo-request.js';

/** Where the signed, expiring URL of a temporary attachment points (no bearer, like a storage URL). */
export const DFO_ATTACHMENT_FILE_PATH = /^\/dfo-attachments\/([0-9a-f-]{36})$/;

const signed = (id: string) => `dfo-attachment:${id}`;

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/json\s*(?:;.*)?$/i.test(contentType.trim());

/**
 * POST /dfo/3.0/attachments/temporary, JSON `{content: <base64>, mimeType}` → `{id, url, expireAt}`
 * (GEN-ATT `postAttachmentsTemporary`) plus `uId` (SDK-DIG `CXoneFileUploadResponseSchema`). The
 * upload is synchronous (reference/cxone-fidelity.md §4(a) step 3); the body is decoded as a stream
 * to disk. The answer's status is not published [U]: 201. `uId` carries the same id [U].
 */
export const uploadTemporaryAttachment: RouteHandler = async ({ req, reply, ctx }) => {
  if (!requireDfoAuth(ctx, req, reply)) return;
  const drain = async () => {
    req.resume();
    if (!req.readableEnded)
      await new Promise<void>((resolve) => req.once('end', resolve).once('close', resolve));
  };
  if (!isJson(req.headers['content-type'])) {
    await drain();
    dfoError(reply, 415, [
      { message: 'Content-Type must be application/json', errorCode: 'UnsupportedMediaType' },
    ]);
    return;
  }
  const state = dfoState(ctx);
  const now = ctx.nowMs();
  await sweepExpired(state, now);
  const options = dfoOptions(ctx.url);
  const id = randomUUID();
  const path = join(state.dir, id);
  const body = await readUploadBody(
    req.iterator({ destroyOnReturn: false }),
    path,
    options.maxAttachmentBytes,
  );
  if (!body.ok) {
    await drain();
    dfoError(reply, body.status, [
      {
        message: body.message,
        errorCode: body.errorCode,
        ...(body.field === undefined ? {} : { field: body.field }),
      },
    ]);
    return;
  }
  const expiresSeconds = Math.floor(now / 1000) + options.attachmentTtlSeconds;
  state.attachments.set(id, {
    id,
    mimeType: body.mimeType,
    size: body.size,
    path,
    expiresMs: expiresSeconds * 1000,
  });
  const signature = mediaSignature(signed(id), expiresSeconds, ctx.secret);
  reply.json(201, {
    id,
    uId: id,
    url: `${ctx.url}/dfo-attachments/${id}?expires=${expiresSeconds}&signature=${signature}`,
    expireAt: new Date(expiresSeconds * 1000).toISOString(),
  });
};

export type AttachmentUrlCheck =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' };

/** Whether `url` is a live temporary attachment of this tenant (this simulator). */
export function checkAttachmentUrl(ctx: SimContext, state: DfoState, url: string): AttachmentUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'unknown' };
  }
  const id = DFO_ATTACHMENT_FILE_PATH.exec(parsed.pathname)?.[1];
  if (parsed.origin !== new URL(ctx.url).origin || id === undefined) return { ok: false, reason: 'unknown' };
  const attachment = state.attachments.get(id);
  if (attachment === undefined) return { ok: false, reason: 'unknown' };
  const check = checkMediaUrl(
    signed(id),
    parsed.searchParams.get('expires'),
    parsed.searchParams.get('signature'),
    ctx.secret,
    ctx.nowMs(),
  );
  if (check === 'bad-signature') return { ok: false, reason: 'unknown' };
  if (check === 'expired' || attachment.expiresMs <= ctx.nowMs()) return { ok: false, reason: 'expired' };
  return { ok: true, id };
}

/**
 * GET|HEAD /dfo-attachments/{id}?expires=…&signature=…: the decoded bytes with the uploaded
 * `mimeType`, while the URL lives; 403 for a bad signature or an expired URL (as the media origin's
 * signed URLs), 410 once the expired file is gone.
 */
export const temporaryAttachmentFile: RouteHandler = async ({ req, url, reply, ctx }) => {
  const id = DFO_ATTACHMENT_FILE_PATH.exec(url.pathname)?.[1] ?? '';
  const check = checkMediaUrl(
    signed(id),
    url.searchParams.get('expires'),
    url.searchParams.get('signature'),
    ctx.secret,
    ctx.nowMs(),
  );
  if (check === 'bad-signature') {
    reply.text(403, 'Signature does not match');
    return;
  }
  const state = dfoState(ctx);
  const attachment = state.attachments.get(id);
  if (attachment === undefined) {
    reply.text(404, 'Not Found');
    return;
  }
  if (check === 'expired' || attachment.expiresMs <= ctx.nowMs()) {
    await sweepExpired(state, ctx.nowMs());
    reply.text(410, 'Gone: the temporary attachment has expired');
    return;
  }
  const headers = {
    'content-type': attachment.mimeType,
    'content-length': attachment.size,
    'cache-control': 'private, no-store',
  };
  if (req.method === 'HEAD') reply.empty(200, headers);
  else await reply.stream(200, headers, createReadStream(attachment.path));
};
