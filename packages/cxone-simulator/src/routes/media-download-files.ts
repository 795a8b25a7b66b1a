import { Readable } from 'node:stream';
import { csvChunks, csvSize, jobById, jobStatus } from '../data-extraction.js';
import { archiveOf, requestById, requestStatus } from '../media-download.js';
import { checkExportUrl } from '../media-download-url.js';
import type { RouteHandler } from '../route.js';
import { onMediaOrigin, parseRange } from './media-files.js';

/** A lazily generated file: its size and any byte range of it. */
interface SizedBody {
  readonly size: number;
  range(start: number, end: number): Readable;
}

async function* sliceChunks(chunks: Iterable<Buffer>, start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const from = Math.max(0, start - offset);
    const to = Math.min(chunk.length, end + 1 - offset);
    if (to > from) yield chunk.subarray(from, to);
    offset += chunk.length;
    if (offset > end) return;
  }
}

/**
 * GET|HEAD /media/exports/{dx|md}/{id}.{csv|zip}?expires=…&signature=…: Data Extraction result
 * CSVs and media-download archives, as a storage service serves pre-signed objects: no bearer,
 * 403 "Request has expired" after the URL's lifetime, `Content-Length`, a single byte range
 * honoured (206 with `Content-Range`, 416 when unsatisfiable). Bodies are generated as they are
 * sent (never held whole).
 */
export const exportFile: RouteHandler = async ({ req, url, reply, ctx }) => {
  // Storage, not the API: the API origin has no such path.
  if (!onMediaOrigin(ctx, req)) {
    reply.text(404, 'Not Found');
    return;
  }
  const check = checkExportUrl(ctx, url);
  if (!check.ok) {
    reply.text(check.status, check.text);
    return;
  }
  let body: SizedBody | undefined;
  let contentType: string;
  if (check.kind === 'dx') {
    const job = jobById(ctx, check.id);
    contentType = 'text/csv; charset=utf-8';
    if (job !== undefined && jobStatus(ctx, job) === 'SUCCEEDED') {
      body = {
        size: csvSize(ctx, job),
        range: (start, end) => Readable.from(sliceChunks(csvChunks(ctx, job), start, end)),
      };
    }
  } else {
    const request = requestById(ctx, check.id);
    contentType = 'application/zip';
    if (request !== undefined && requestStatus(ctx, request) === 'COMPLETED')
      body = await archiveOf(ctx, request);
  }
  if (body === undefined) {
    reply.text(404, 'Not Found');
    return;
  }
  const headers = {
    'content-type': contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, no-store',
    etag: `"${check.kind}-${check.id}"`,
  };
  const range = parseRange(req.headers.range, body.size);
  if (range === 'unsatisfiable') {
    reply.text(416, 'Range Not Satisfiable', { 'content-range': `bytes */${body.size}` });
    return;
  }
  const head = req.method === 'HEAD';
  if (range === 'whole') {
    const whole = { ...headers, 'content-length': body.size };
    if (head || body.size === 0) reply.empty(200, whole);
    else await reply.stream(200, whole, body.range(0, body.size - 1));
    return;
  }
  const part = {
    ...headers,
    'content-length': range.end - range.start + 1,
    'content-range': `bytes ${range.start}-${range.end}/${body.size}`,
  };
  if (head) reply.empty(206, part);
  else await reply.stream(206, part, body.range(range.start, range.end));
};
