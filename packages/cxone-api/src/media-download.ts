import { err, ok, type PluginError, type Result } from '@cxarchive/core';
import type { CxoneClient } from './client.js';
import { unexpectedBody } from './errors.js';

/**
 * The media-download API (GEN-MD, "New in 26.3"; no NICE help page [U]; reference/cxone-api.md §4):
 * bulk recording requests for ACD contacts (or segments) → a request id → its status, whose
 * `downloadLocation` holds the media once COMPLETED. Each call takes one `media-download` budget
 * request through the client; errors decode as `{code, message}` (errors.ts). Reading one file of
 * the archive at `downloadLocation`: `media-download-zip.ts`.
 */
export interface MediaDownloadContext {
  readonly client: CxoneClient;
  readonly apiBase: string;
  readonly signal: AbortSignal;
}

export type MediaDownloadState = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface MediaDownloadEntity {
  readonly entityId: string;
  readonly status: string;
  readonly failureReason?: string;
}

export interface MediaDownloadStatus {
  readonly requestId: string;
  /** One of `MediaDownloadState` unless CXone added a state. */
  readonly status: string;
  readonly entities: readonly MediaDownloadEntity[];
  /** Present once there is something to download (a signed, expiring URL [U]). */
  readonly downloadLocation?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * POST /media-download/v1/contacts (or /segments) `{entityIds}` → the request id. Contact ids go
 * as decimal strings (GEN-MD types `entityIds` as strings).
 */
export async function submitMediaDownload(
  ctx: MediaDownloadContext,
  entityIds: readonly (string | number)[],
  kind: 'contacts' | 'segments' = 'contacts',
): Promise<Result<string, PluginError>> {
  const url = `${ctx.apiBase}/media-download/v1/${kind}`;
  const req = {
    family: 'media-download' as const,
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ entityIds: entityIds.map(String) }),
    signal: ctx.signal,
  };
  const sent = await ctx.client.request(req);
  if (sent.isErr()) return err(sent.error);
  const res = sent.value;
  if (res.status !== 200 && res.status !== 201 && res.status !== 202)
    return err(await ctx.client.fail(req, res));
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch {
    return err(unexpectedBody({ method: 'POST', url }, 'the body is not JSON'));
  }
  const requestId = str((body as { requestId?: unknown } | null)?.requestId);
  return requestId === undefined
    ? err(unexpectedBody({ method: 'POST', url }, 'no requestId'))
    : ok(requestId);
}

/** GET /media-download/v1/status/{requestId}; an unknown request is `NotFound`. */
export async function getMediaDownload(
  ctx: MediaDownloadContext,
  requestId: string,
): Promise<Result<MediaDownloadStatus, PluginError>> {
  const url = `${ctx.apiBase}/media-download/v1/status/${encodeURIComponent(requestId)}`;
  const answer = await ctx.client.requestJson({ family: 'media-download', url, signal: ctx.signal });
  if (answer.isErr()) return err(answer.error);
  const body = answer.value.body ?? {};
  const id = str(body.requestId);
  const status = str(body.status);
  if (id === undefined || status === undefined) {
    return err(unexpectedBody({ method: 'GET', url }, 'no requestId or status'));
  }
  const entities = (Array.isArray(body.entities) ? body.entities : []).flatMap((e): MediaDownloadEntity[] => {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const entityId = typeof o.entityId === 'number' ? String(o.entityId) : str(o.entityId);
    const s = str(o.status);
    if (entityId === undefined || s === undefined) return [];
    const failureReason = str(o.failureReason);
    return [{ entityId, status: s, ...(failureReason === undefined ? {} : { failureReason }) }];
  });
  const downloadLocation = str(body.downloadLocation);
  const createdAt = str(body.createdAt);
  const updatedAt = str(body.updatedAt);
  return ok({
    requestId: id,
    status,
    entities,
    ...(downloadLocation === undefined ? {} : { downloadLocation }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
  });
}
