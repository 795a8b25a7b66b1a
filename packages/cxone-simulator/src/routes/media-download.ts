import type { SimContext } from '../context.js';
import {
  createRequest,
  judgeEntities,
  mediaDownloadOptions,
  requestById,
  requestStatus,
} from '../media-download.js';
import { signExportUrl } from '../media-download-url.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';

/**
 * The media-download API (GEN-MD, "New in 26.3"): `POST /media-download/v1/contacts` (or
 * `/segments`) `{entityIds:[…]}` → `{requestId}`, `GET /media-download/v1/status/{requestId}` →
 * `{requestId, status, entities:[{entityId,status,failureReason}], downloadLocation, createdAt,
 * updatedAt}`. Errors are `{code, message}` with `code` ∈ INVALID_REQUEST | NOT_FOUND |
 * SQS_PUBLISH_FAILED | PERSISTENCE_FAILED | INTERNAL_ERROR (GEN-MD `ErrorResponse`). The 202/200
 * split and the 401 body are not published [U]: 202 on submit, 401 `{code: "UNAUTHORIZED", message}`.
 */
export const MD_SUBMIT_PATH = /^\/media-download\/v1\/(contacts|segments)$/;
export const MD_STATUS_PATH = /^\/media-download\/v1\/status\/([^/]+)$/;

type MdCode = 'INVALID_REQUEST' | 'NOT_FOUND' | 'UNAUTHORIZED';

const mdError = (reply: Reply, status: number, code: MdCode, message: string): void =>
  reply.json(status, { code, message });

const authorized = (ctx: SimContext, req: Parameters<RouteHandler>[0]['req'], reply: Reply): boolean => {
  const auth = checkBearer(ctx, req);
  if (!auth.ok) mdError(reply, 401, 'UNAUTHORIZED', auth.reason);
  return auth.ok;
};

const SEGMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** POST /media-download/v1/contacts|segments */
export const mediaDownloadSubmit: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!authorized(ctx, req, reply)) return;
  const kind = MD_SUBMIT_PATH.exec(url.pathname)?.[1] === 'segments' ? 'segments' : 'contacts';
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, 1024 * 1024));
  } catch (error) {
    const message =
      error instanceof BodyTooLargeError
        ? error.message
        : 'The request body must be JSON: {"entityIds": [...]}';
    return mdError(reply, 400, 'INVALID_REQUEST', message);
  }
  const ids = (body as { entityIds?: unknown } | null)?.entityIds;
  if (!Array.isArray(ids) || ids.length === 0) {
    return mdError(reply, 400, 'INVALID_REQUEST', 'entityIds must be a non-empty array');
  }
  const { maxEntities } = mediaDownloadOptions(ctx);
  if (ids.length > maxEntities) {
    return mdError(
      reply,
      400,
      'INVALID_REQUEST',
      `entityIds holds ${ids.length} ids; at most ${maxEntities} per request`,
    );
  }
  // GEN-MD types entityIds as strings; numbers are read as their decimal text [U].
  const entityIds: string[] = [];
  for (const id of ids) {
    const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
    const valid =
      typeof text === 'string' && (kind === 'segments' ? SEGMENT_ID.test(text) : /^\d{1,20}$/.test(text));
    if (!valid) {
      const expected = kind === 'segments' ? 'a segment id (UUID)' : 'an ACD contact id (digits)';
      return mdError(reply, 400, 'INVALID_REQUEST', `entityIds: ${JSON.stringify(id)} is not ${expected}`);
    }
    if (!entityIds.includes(text)) entityIds.push(text);
  }
  const request = createRequest(ctx, kind, entityIds);
  reply.json(202, { requestId: request.requestId });
};

const iso = (ms: number) => new Date(ms).toISOString();

/** GET /media-download/v1/status/{requestId} */
export const mediaDownloadStatus: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!authorized(ctx, req, reply)) return;
  const id = MD_STATUS_PATH.exec(url.pathname)?.[1] ?? '';
  const request = requestById(ctx, id);
  if (request === undefined) return mdError(reply, 404, 'NOT_FOUND', `Request ${id} not found`);
  const status = requestStatus(ctx, request);
  const updatedMs =
    status === 'PENDING'
      ? request.createdMs
      : status === 'IN_PROGRESS'
        ? request.startedMs
        : request.completedMs;
  const base = {
    requestId: request.requestId,
    status,
    createdAt: iso(request.createdMs),
    updatedAt: iso(updatedMs),
  };
  if (status !== 'COMPLETED') {
    reply.json(200, {
      ...base,
      entities: request.entityIds.map((entityId) => ({ entityId, status, failureReason: null })),
      downloadLocation: null,
    });
    return;
  }
  const entities = judgeEntities(ctx, request);
  const ttl = mediaDownloadOptions(ctx).downloadUrlTtlSeconds ?? ctx.options.mediaUrlTtlSeconds;
  const anyDone = entities.some((entity) => entity.status === 'COMPLETED');
  reply.json(200, {
    ...base,
    entities: entities.map(({ entityId, status: s, failureReason }) => ({
      entityId,
      status: s,
      failureReason,
    })),
    // A signed URL afresh on every read [U: the real location's form]; none when nothing succeeded.
    downloadLocation: anyDone ? signExportUrl(ctx, 'md', request.requestId, ttl) : null,
  });
};
