import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { SimContext } from '../context.js';
import type { SimRecording } from '../dataset.js';
import { mp4Recording } from '../mp4.js';
import type { RouteHandler } from '../route.js';
import { checkMediaUrl } from '../url-signing.js';
import { sliceBody } from '../zip.js';

/** `/media/files/{recordingId}` with or without `.mp4`: real signed media URLs need not carry one. */
export const MEDIA_FILE_PATH = /^\/media\/files\/([0-9a-f-]{36})(?:\.mp4)?$/;

/**
 * How the media origin presents a recording, varied per recording (from its id) the ways a storage
 * service does: the URL with or without an extension; `Content-Type: audio/mp4`, or the generic
 * `application/octet-stream` with the real name in a `Content-Disposition`. Real voice media is MP4
 * (reference/cxone-fidelity.md §2.7); only the response headers tell so reliably.
 */
export interface MediaPresentation {
  readonly extension?: 'mp4';
  readonly contentType: string;
  readonly disposition?: string;
}

export function mediaPresentation(recordingId: string): MediaPresentation {
  const disposition = `attachment; filename="${recordingId}.mp4"`;
  switch (Number.parseInt(recordingId.slice(-1), 16) % 4) {
    case 0:
      return { extension: 'mp4', contentType: 'audio/mp4' };
    case 1:
      return { contentType: 'audio/mp4' };
    case 2:
      return { contentType: 'audio/mp4', disposition };
    default:
      return { contentType: 'application/octet-stream', disposition };
  }
}

/** The media origin's base URL, or the API's while the simulator runs a single origin. */
export const mediaBaseOf = (ctx: SimContext): string => ctx.mediaUrl ?? ctx.url;

/** Whether the request came in on the media origin (the API origin serves no media files). */
export const onMediaOrigin = (ctx: SimContext, req: IncomingMessage): boolean => {
  const base = mediaBaseOf(ctx);
  if (base === ctx.url) return true;
  return req.socket.localPort === Number(new URL(base).port);
};

type RangeAnswer = { readonly start: number; readonly end: number } | 'whole' | 'unsatisfiable';

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range (RFC 9110 §14.1.2); anything else: the whole body. */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return 'whole';
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return 'whole';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const headersOf = (recording: SimRecording, presentation: MediaPresentation) => ({
  'content-type': presentation.contentType,
  ...(presentation.disposition === undefined ? {} : { 'content-disposition': presentation.disposition }),
  'accept-ranges': 'bytes',
  'cache-control': 'private, no-store',
  etag: `"${recording.id}"`,
});

/**
 * GET|HEAD {media origin}/media/files/{recordingId}[.mp4]?expires=…&signature=… (a signed URL, no
 * bearer). A single byte range is honoured (206 with `Content-Range`), as storage services do.
 */
export const mediaFile: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!onMediaOrigin(ctx, req)) {
    reply.text(404, 'Not Found');
    return;
  }
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
  const presentation = mediaPresentation(recordingId);
  if (recording === undefined || url.pathname.endsWith('.mp4') !== (presentation.extension === 'mp4')) {
    reply.text(404, 'Not Found');
    return;
  }
  const file = mp4Recording(recording);
  const headers = headersOf(recording, presentation);
  const range = parseRange(req.headers.range, file.size);
  if (range === 'unsatisfiable') {
    reply.text(416, 'Range Not Satisfiable', { 'content-range': `bytes */${file.size}` });
    return;
  }
  if (range === 'whole') {
    const whole = { ...headers, 'content-length': file.size };
    if (req.method === 'HEAD') reply.empty(200, whole);
    else await reply.stream(200, whole, file.open());
    return;
  }
  const part = {
    ...headers,
    'content-length': range.end - range.start + 1,
    'content-range': `bytes ${range.start}-${range.end}/${file.size}`,
  };
  if (req.method === 'HEAD') reply.empty(206, part);
  else await reply.stream(206, part, Readable.from(sliceBody(file.open(), range.start, range.end)));
};
