import type { RouteHandler } from '../route.js';
import { checkMediaUrl } from '../url-signing.js';
import { recordingStream } from '../wav.js';

export const MEDIA_FILE_PATH = /^\/media\/files\/([0-9a-f-]{36})\.wav$/;

/** GET|HEAD /media/files/{recordingId}.wav?expires=…&signature=… (signed URL, no bearer) */
export const mediaFile: RouteHandler = async ({ req, url, reply, ctx }) => {
  const recordingId = MEDIA_FILE_PATH.exec(url.pathname)?.[1] ?? '';
  const check = checkMediaUrl(
    recordingId,
    url.searchParams.get('expires'),
    url.searchParams.get('signature'),
    ctx.secret,
    ctx.nowMs(),
  );
  if (check === 'bad-signature') {
    reply.text(403, 'Signature does not match');
    return;
  }
  if (check === 'expired') {
    reply.text(403, 'Request has expired');
    return;
  }
  const recording = ctx.index.recordingsById.get(recordingId);
  if (recording === undefined) {
    reply.text(404, 'Not Found');
    return;
  }
  const headers = {
    'content-type': recording.contentType,
    'content-length': recording.size,
    'cache-control': 'private, no-store',
  };
  if (req.method === 'HEAD') {
    reply.empty(200, headers);
    return;
  }
  await reply.stream(200, headers, recordingStream(recording));
};
