import { err, ok, type PluginError, PluginErrors, PluginFailure, type Result } from '@cxarchive/core';
import type { CxoneClient } from './client.js';
import { csvObjects } from './data-extraction-csv.js';
import { unexpectedBody } from './errors.js';
import { discard } from './http.js';
import { signedFailure, signedGet } from './signed-get.js';
import { redactUrl } from './urls.js';

/**
 * The Data Extraction API (GEN-DX; D-DX; reference/cxone-api.md §6): submit a job, poll it, read
 * its result CSV. Every API call takes one request of the `data-extraction` budget (1 call per
 * 30 s per tenant, D-DX) through the client; the result is a pre-signed URL that lives 30 seconds
 * (D-DX), fetched without a bearer and outside the budget.
 */
export interface ExtractionRequest {
  readonly entityName: string;
  readonly version: string;
  /** `YYYY-MM-DD` or an ISO 8601 date-time; D-DX: 1-day ranges for ongoing runs, ≤ 2 weeks for history. */
  readonly startDate: string;
  readonly endDate: string;
}

/** The entity that tells which contacts have recordings (DX; version "7" as DX sends it [U]). */
export const RECORDING_INTERACTION_METADATA = Object.freeze({
  entityName: 'recording-interaction-metadata',
  version: '7',
});

export type ExtractionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

export interface ExtractionJob {
  readonly id: string;
  /** As the API said it; one of `ExtractionStatus` unless CXone added a state. */
  readonly status: string;
  readonly url?: string;
  readonly errorMessage?: string;
  /** When the client read the URL (client clock): it is good for 30 seconds from about then. */
  readonly obtainedAtMs: number;
}

export interface ExtractionContext {
  readonly client: CxoneClient;
  /** The tenant's API base, without a trailing slash. */
  readonly apiBase: string;
  readonly signal: AbortSignal;
  /** Bounds the wait for a result file's response head. */
  readonly timeoutMs: number;
  readonly now?: () => Date;
  readonly fetchImpl?: typeof fetch;
}

/** A result URL is good for 30 seconds (D-DX); older than this it is renewed before use. */
export const RESULT_URL_MAX_AGE_MS = 25_000;

const jobsUrl = (apiBase: string) => `${apiBase}/data-extraction/v1/jobs`;
const nowMs = (ctx: ExtractionContext) => (ctx.now ?? (() => new Date()))().getTime();
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const jsonRequest = (ctx: ExtractionContext, url: string, body?: ExtractionRequest) => ({
  family: 'data-extraction' as const,
  url,
  signal: ctx.signal,
  ...(body === undefined
    ? {}
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
});

/**
 * A 409 from a submit is the tenant's one running job (D-DX: "only one user per tenant can call
 * an API") [U: the status is the simulator's]: Transient, to retry once that job is done.
 */
const busy = (error: PluginError): PluginError =>
  error._tag === 'AlreadyExists'
    ? PluginErrors.transient(
        `${error.message} (another Data Extraction job of the tenant is running; retry later)`,
      )
    : error;

/** POST /data-extraction/v1/jobs → the job id (202 with the id as a JSON string; GEN-DX). */
export async function submitExtraction(
  ctx: ExtractionContext,
  request: ExtractionRequest,
): Promise<Result<string, PluginError>> {
  const req = jsonRequest(ctx, jobsUrl(ctx.apiBase), request);
  const sent = await ctx.client.request(req);
  if (sent.isErr()) return err(sent.error);
  const res = sent.value;
  if (res.status !== 200 && res.status !== 201 && res.status !== 202)
    return err(busy(await ctx.client.fail(req, res)));
  const text = (await res.text()).trim();
  let id: unknown = text;
  try {
    id = JSON.parse(text);
  } catch {
    // A bare id, not JSON-quoted: taken as is.
  }
  if (typeof id === 'object' && id !== null)
    id = (id as Record<string, unknown>).jobId ?? (id as Record<string, unknown>).id;
  const jobId = str(id);
  return jobId === undefined || !/^[\w-]{1,128}$/.test(jobId)
    ? err(unexpectedBody({ method: 'POST', url: req.url }, 'no job id'))
    : ok(jobId);
}

const parseJob = (
  ctx: ExtractionContext,
  url: string,
  body: Record<string, unknown>,
): Result<ExtractionJob, PluginError> => {
  const status = body.jobStatus;
  if (typeof status !== 'object' || status === null)
    return err(unexpectedBody({ method: 'GET', url }, 'no jobStatus'));
  const s = status as Record<string, unknown>;
  const result = (typeof s.result === 'object' && s.result !== null ? s.result : {}) as Record<
    string,
    unknown
  >;
  const id = str(s.id);
  const state = str(s.status);
  if (id === undefined || state === undefined)
    return err(unexpectedBody({ method: 'GET', url }, 'jobStatus without id or status'));
  const resultUrl = str(result.url);
  const errorMessage = str(result.errorMessage);
  return ok({
    id,
    status: state,
    ...(resultUrl === undefined ? {} : { url: resultUrl }),
    ...(errorMessage === undefined ? {} : { errorMessage }),
    obtainedAtMs: nowMs(ctx),
  });
};

/** GET /data-extraction/v1/jobs/{id}; an unknown job is `NotFound`. */
export async function getExtraction(
  ctx: ExtractionContext,
  jobId: string,
): Promise<Result<ExtractionJob, PluginError>> {
  const url = `${jobsUrl(ctx.apiBase)}/${encodeURIComponent(jobId)}`;
  const answer = await ctx.client.requestJson(jsonRequest(ctx, url));
  if (answer.isErr()) return err(answer.error);
  return parseJob(ctx, url, answer.value.body ?? {});
}

/** POST /data-extraction/v1/jobs/sync: the job runs to its end, the answer carries the URL [U: shape as GET /jobs/{id}]. */
export async function runExtractionSync(
  ctx: ExtractionContext,
  request: ExtractionRequest,
): Promise<Result<ExtractionJob, PluginError>> {
  const url = `${jobsUrl(ctx.apiBase)}/sync`;
  const answer = await ctx.client.requestJson(jsonRequest(ctx, url, request));
  if (answer.isErr()) return err(busy(answer.error));
  return parseJob(ctx, url, answer.value.body ?? {});
}

/** GET /data-extraction/v1/jobs → `{jobs:[{id,status}]}`. */
export async function listExtractions(
  ctx: ExtractionContext,
): Promise<Result<{ readonly id: string; readonly status: string }[], PluginError>> {
  const url = jobsUrl(ctx.apiBase);
  const answer = await ctx.client.requestJson(jsonRequest(ctx, url));
  if (answer.isErr()) return err(answer.error);
  const jobs = answer.value.body?.jobs;
  if (!Array.isArray(jobs)) return err(unexpectedBody({ method: 'GET', url }, 'no jobs array'));
  return ok(
    jobs.flatMap((j) => {
      const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
      const id = str(o.id);
      const status = str(o.status);
      return id === undefined || status === undefined ? [] : [{ id, status }];
    }),
  );
}

/** Counts the bytes of a body and fails (Transient) when fewer arrive than `Content-Length` said. */
async function* counted(res: Response, url: string): AsyncGenerator<Uint8Array> {
  const declared = res.headers.get('content-length');
  let bytes = 0;
  const body = res.body;
  if (body === null) return;
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  } catch (cause) {
    throw new PluginFailure(
      PluginErrors.transient(`GET ${redactUrl(url)}: the body broke off after ${bytes} bytes`, cause),
    );
  }
  if (declared !== null && /^\d+$/.test(declared) && bytes !== Number(declared)) {
    throw new PluginFailure(
      PluginErrors.transient(`GET ${redactUrl(url)}: the body ended after ${bytes} of ${declared} bytes`),
    );
  }
}

/**
 * The rows of a SUCCEEDED job's result CSV as objects keyed by column name, streamed (one row in
 * memory at a time). The URL lives 30 seconds (D-DX): one older than `RESULT_URL_MAX_AGE_MS`, or
 * one the storage refuses (403/410: expired), is renewed once by polling the job again (which
 * takes a `data-extraction` budget request). A body cut short, or a CSV ending inside a quoted
 * field, fails Transient. Iterating throws `PluginFailure`.
 */
export async function* extractionRows(
  ctx: ExtractionContext,
  job: ExtractionJob,
): AsyncGenerator<Readonly<Record<string, string>>> {
  const fail = (e: PluginError): never => {
    throw new PluginFailure(e);
  };
  let current = job;
  let renewed = false;
  const renew = async () => {
    renewed = true;
    const fresh = await getExtraction(ctx, job.id);
    if (fresh.isErr()) throw new PluginFailure(fresh.error);
    current = fresh.value;
  };
  if (current.url === undefined || nowMs(ctx) - current.obtainedAtMs > RESULT_URL_MAX_AGE_MS) await renew();
  for (;;) {
    if (current.status !== 'SUCCEEDED' || current.url === undefined) {
      fail(
        PluginErrors.permanent(
          `Data Extraction job ${job.id} is ${current.status}${current.errorMessage === undefined ? '' : `: ${current.errorMessage}`}; it has no result to read`,
        ),
      );
    }
    const url = current.url as string;
    const sent = await signedGet(
      url,
      {},
      {
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
        ...(ctx.now === undefined ? {} : { now: ctx.now }),
        ...(ctx.fetchImpl === undefined ? {} : { fetchImpl: ctx.fetchImpl }),
      },
    );
    if (sent.isErr()) throw new PluginFailure(sent.error);
    const res = sent.value;
    if (res.status === 200) {
      yield* csvObjects(counted(res, url), `Data Extraction job ${job.id} result`);
      return;
    }
    if ((res.status === 403 || res.status === 410) && !renewed) {
      await discard(res);
      await renew();
      continue;
    }
    fail(await signedFailure(url, res, ctx.now));
  }
}
