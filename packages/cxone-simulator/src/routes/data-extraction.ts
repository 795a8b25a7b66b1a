import type { IncomingMessage } from 'node:http';
import type { SimContext } from '../context.js';
import {
  createJob,
  type DxJob,
  dataExtractionOptions,
  ENTITIES,
  jobById,
  jobStatus,
  jobsOf,
  parseJobDate,
  runningJob,
} from '../data-extraction.js';
import { signExportUrl } from '../media-download-url.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';

/**
 * The Data Extraction API (GEN-DX; D-DX): `POST /data-extraction/v1/jobs` → 202 with the job id
 * as a JSON string (DX checks for 202; a public Python client strips the quotes of the body),
 * `GET /jobs` → `{jobs:[{id,status}]}`, `GET /jobs/{id}` → `{jobStatus:{id,status,result:{url,
 * errorMessage}}}`, and `POST /jobs/sync`, which NICE now recommends and which "returns a
 * temporary download URL" (D-DX) [U: its body is not published; the simulator answers 200 with the
 * same `{jobStatus}` as a finished job]. Errors carry `{message}` [U: GEN-DX names no error body].
 * The budget (1 call per 30 s, D-DX) is the router's.
 */
export const DX_JOBS_PATH = '/data-extraction/v1/jobs';
export const DX_SYNC_PATH = '/data-extraction/v1/jobs/sync';
export const DX_JOB_PATH = /^\/data-extraction\/v1\/jobs\/([^/]+)$/;

const dxError = (reply: Reply, status: number, message: string): void => reply.json(status, { message });

const authorized = (ctx: SimContext, req: IncomingMessage, reply: Reply): boolean => {
  const auth = checkBearer(ctx, req);
  if (!auth.ok) dxError(reply, 401, auth.reason);
  return auth.ok;
};

const DAY_MS = 86_400_000;

/** The job's body; the result URL is signed afresh on every status read and lives 30 s (D-DX). */
function jobStatusBody(ctx: SimContext, job: DxJob): Record<string, unknown> {
  const status = jobStatus(ctx, job);
  const url =
    status === 'SUCCEEDED'
      ? signExportUrl(ctx, 'dx', job.id, dataExtractionOptions(ctx).resultUrlTtlSeconds)
      : null;
  const errorMessage = status === 'EXPIRED' ? 'The job result has expired' : null;
  return { jobStatus: { id: job.id, status, result: { url, errorMessage } } };
}

type Parsed =
  | {
      readonly ok: true;
      readonly entityName: string;
      readonly version: string;
      startMs: number;
      endMs: number;
    }
  | { readonly ok: false; readonly message: string };

async function parseRequest(ctx: SimContext, req: IncomingMessage): Promise<Parsed> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, message: error.message };
    return { ok: false, message: 'The request body must be JSON: {entityName, version, startDate, endDate}' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      message: 'The request body must be an object: {entityName, version, startDate, endDate}',
    };
  }
  const { entityName, version, startDate, endDate } = body as Record<string, unknown>;
  if (typeof entityName !== 'string' || ENTITIES[entityName] === undefined) {
    return {
      ok: false,
      message: `Unknown entityName ${JSON.stringify(entityName)}; known: ${Object.keys(ENTITIES).join(', ')}`,
    };
  }
  if (typeof version !== 'string' || !(ENTITIES[entityName] ?? []).includes(version)) {
    return { ok: false, message: `Unknown version ${JSON.stringify(version)} of ${entityName}` };
  }
  const startMs = parseJobDate(startDate);
  const endMs = parseJobDate(endDate);
  if (startMs === undefined || endMs === undefined) {
    return { ok: false, message: 'startDate and endDate must be dates (YYYY-MM-DD) or ISO 8601 date-times' };
  }
  if (endMs <= startMs) return { ok: false, message: 'endDate must be after startDate' };
  // D-DX: 1-day ranges for ongoing extraction, at most two weeks for history. What NICE answers
  // beyond is not published [U]: refused with 400.
  const maxMs = dataExtractionOptions(ctx).maxRangeMs;
  if (endMs - startMs > maxMs) {
    return { ok: false, message: `The date range is longer than ${maxMs / DAY_MS} days` };
  }
  return { ok: true, entityName, version, startMs, endMs };
}

/** A second job while one runs is refused: one caller per tenant (D-DX) [U: status; 409 chosen]. */
const refuseBusy = (ctx: SimContext, reply: Reply): boolean => {
  const running = runningJob(ctx);
  if (running === undefined) return false;
  dxError(reply, 409, `Job ${running.id} is still running; only one job per tenant at a time`);
  return true;
};

/** GET|POST /data-extraction/v1/jobs */
export const dataExtractionJobs: RouteHandler = async ({ req, reply, ctx }) => {
  if (!authorized(ctx, req, reply)) return;
  if (req.method === 'GET') {
    reply.json(200, { jobs: jobsOf(ctx).map((job) => ({ id: job.id, status: jobStatus(ctx, job) })) });
    return;
  }
  const parsed = await parseRequest(ctx, req);
  if (!parsed.ok) return dxError(reply, 400, parsed.message);
  if (refuseBusy(ctx, reply)) return;
  const { ok: _, ...request } = parsed;
  const job = createJob(ctx, request);
  reply.json(202, job.id);
};

/** POST /data-extraction/v1/jobs/sync: the job runs to its end before the answer [U: see above]. */
export const dataExtractionSync: RouteHandler = async ({ req, reply, ctx }) => {
  if (!authorized(ctx, req, reply)) return;
  const parsed = await parseRequest(ctx, req);
  if (!parsed.ok) return dxError(reply, 400, parsed.message);
  if (refuseBusy(ctx, reply)) return;
  const { ok: _, ...request } = parsed;
  reply.json(200, jobStatusBody(ctx, createJob(ctx, request, 0)));
};

/** GET /data-extraction/v1/jobs/{jobId} */
export const dataExtractionJob: RouteHandler = ({ req, url, reply, ctx }) => {
  if (!authorized(ctx, req, reply)) return;
  const id = DX_JOB_PATH.exec(url.pathname)?.[1] ?? '';
  const job = jobById(ctx, id);
  if (job === undefined) return dxError(reply, 404, `Job ${id} not found`);
  reply.json(200, jobStatusBody(ctx, job));
};
