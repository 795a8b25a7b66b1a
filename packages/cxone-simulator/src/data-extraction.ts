import type { SimContext } from './context.js';
import type { SimContact } from './dataset.js';
import { uuidFromString } from './prng.js';

/**
 * The simulator's Data Extraction jobs (GEN-DX; D-DX; reference/cxone-api.md §6): a job is
 * RUNNING for `jobRunMs`, then SUCCEEDED with a result CSV, then EXPIRED `retentionMs` after it
 * finished ("the CSV is kept in S3 for 24 h", D-DX). Only one job runs per tenant at a time
 * ("only one user per tenant can call an API", D-DX). State lives per running simulator.
 */
export interface DataExtractionOptions {
  /** How long a job runs before it SUCCEEDS, in milliseconds; default 10000. */
  readonly jobRunMs?: number;
  /** Lifetime of a result URL in seconds; default 30 (D-DX: "accessible for 30 seconds"). */
  readonly resultUrlTtlSeconds?: number;
  /** How long a finished job's result stays available; default 24 hours (D-DX). */
  readonly retentionMs?: number;
  /** The longest date range one job may ask for; default 14 days (D-DX: "up to two weeks"). */
  readonly maxRangeMs?: number;
}

export type ResolvedDataExtractionOptions = Required<DataExtractionOptions>;

export const DATA_EXTRACTION_DEFAULTS: ResolvedDataExtractionOptions = Object.freeze({
  jobRunMs: 10_000,
  resultUrlTtlSeconds: 30,
  retentionMs: 86_400_000,
  maxRangeMs: 14 * 86_400_000,
});

const configured = new Map<string, ResolvedDataExtractionOptions>();

const positiveInteger = (name: string, value: number | undefined, min: number): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    throw new RangeError(`dataExtraction.${name} must be an integer >= ${min}, got ${String(value)}`);
  }
};

/**
 * Sets the Data Extraction options of the simulator listening at `simulatorUrl` (its `url`); they
 * apply from the next request. Returns a function that restores the defaults.
 */
export function configureDataExtraction(simulatorUrl: string, options: DataExtractionOptions): () => void {
  positiveInteger('jobRunMs', options.jobRunMs, 0);
  positiveInteger('resultUrlTtlSeconds', options.resultUrlTtlSeconds, 1);
  positiveInteger('retentionMs', options.retentionMs, 1);
  positiveInteger('maxRangeMs', options.maxRangeMs, 1);
  configured.set(simulatorUrl, { ...DATA_EXTRACTION_DEFAULTS, ...options });
  return () => configured.delete(simulatorUrl);
}

export const dataExtractionOptions = (ctx: SimContext): ResolvedDataExtractionOptions =>
  configured.get(ctx.url) ?? DATA_EXTRACTION_DEFAULTS;

/**
 * The entities the simulator extracts, by name and version. DX (a public pipeline) asks for
 * `recording-interaction-metadata` version "7" [U: the only version seen]; other entities
 * (`qm-workflows`, WFM payroll, …: D-DX) are not modelled and are refused with 400.
 */
export const ENTITIES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'recording-interaction-metadata': ['7'],
});

export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

export interface DxJob {
  readonly id: string;
  readonly entityName: string;
  readonly version: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly createdMs: number;
  /** When the job finishes (SUCCEEDED from then on). */
  readonly doneMs: number;
  /** The CSV's byte length, measured on first download. */
  csvBytes?: number;
}

interface DxState {
  readonly jobs: Map<string, DxJob>;
  created: number;
}

const states = new WeakMap<SimContext, DxState>();
/** Jobs kept per simulator (the oldest are forgotten first). */
const MAX_JOBS = 1000;

const stateOf = (ctx: SimContext): DxState => {
  let state = states.get(ctx);
  if (state === undefined) {
    state = { jobs: new Map(), created: 0 };
    states.set(ctx, state);
  }
  return state;
};

export function jobStatus(ctx: SimContext, job: DxJob): JobStatus {
  const now = ctx.nowMs();
  if (now < job.doneMs) return 'RUNNING';
  return now >= job.doneMs + dataExtractionOptions(ctx).retentionMs ? 'EXPIRED' : 'SUCCEEDED';
}

export const jobsOf = (ctx: SimContext): readonly DxJob[] => [...stateOf(ctx).jobs.values()];

export const jobById = (ctx: SimContext, id: string): DxJob | undefined => stateOf(ctx).jobs.get(id);

/** The job still running, if any: a tenant runs one at a time. */
export const runningJob = (ctx: SimContext): DxJob | undefined =>
  jobsOf(ctx).find((job) => jobStatus(ctx, job) === 'RUNNING');

export function createJob(
  ctx: SimContext,
  request: { entityName: string; version: string; startMs: number; endMs: number },
  runMs: number = dataExtractionOptions(ctx).jobRunMs,
): DxJob {
  const state = stateOf(ctx);
  state.created += 1;
  const now = ctx.nowMs();
  const job: DxJob = {
    ...request,
    id: uuidFromString(`dx-job:${ctx.url}:${now}:${state.created}`),
    createdMs: now,
    doneMs: now + runMs,
  };
  state.jobs.set(job.id, job);
  while (state.jobs.size > MAX_JOBS) {
    const oldest = state.jobs.keys().next().value as string;
    state.jobs.delete(oldest);
  }
  return job;
}

/**
 * The columns of `recording-interaction-metadata` the simulator writes. DX reads `ACD Call ID`
 * (by prefix), `Start Date`, `Voice Recording Status` (`Success`) and `Agent 1 Skills`; the others
 * are plausible additions [U: no published column list].
 */
export const CSV_COLUMNS = [
  'ACD Call ID',
  'Start Date',
  'End Date',
  'Duration (sec)',
  'Direction',
  'Agent 1 Name',
  'Agent 1 Skills',
  'Agent 2 Name',
  'Voice Recording Status',
  'Screen Recording Status',
] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
export const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;

const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** "Last, First": a name with a comma, so a reader must handle quoted fields. */
const agentName = (leg: SimContact | undefined): string =>
  leg === undefined ? '' : `${leg.lastName}, ${leg.firstName}`;

/**
 * The CSV lines of a job: the header, then one row per recorded master contact that started in
 * `[startMs, endMs)`, in contact order. `Voice Recording Status` is `Success` when the recording
 * was processed when the job ran (`recordingDelaySeconds` after the call ended, as Media Playback
 * models it), `In Progress` before [U: the other statuses' wording is not published]. Generated
 * position by position: memory stays flat whatever the data set's size.
 */
export function* csvLines(ctx: SimContext, job: DxJob): Generator<string> {
  yield csvLine(CSV_COLUMNS);
  const { dataset } = ctx;
  const delayMs = ctx.options.recordingDelaySeconds * 1000;
  const from = dataset.firstIndexStartingFrom(job.startMs);
  const to = dataset.endIndexStartingBefore(job.endMs);
  for (let position = from; position < to; position++) {
    const contact = dataset.contactAt(position);
    if (contact.contactId !== contact.masterContactId) continue;
    const startMs = Date.parse(contact.contactStartDate);
    if (startMs < job.startMs || startMs >= job.endMs) continue;
    const recording = dataset.recordings.get(contact.contactId);
    if (recording === undefined) continue;
    const legs = dataset.legsOf(contact.contactId) ?? [contact];
    const endMs = Date.parse(recording.endTime);
    const processed = job.doneMs >= endMs + delayMs;
    yield csvLine([
      contact.contactId,
      recording.startTime,
      recording.endTime,
      String(Math.round((endMs - Date.parse(recording.startTime)) / 1000)),
      contact.isOutbound ? 'Outbound' : 'Inbound',
      agentName(legs[0]),
      contact.skillName,
      agentName(legs[1]),
      processed ? 'Success' : 'In Progress',
      'Not Recorded',
    ]);
  }
}

const CHUNK = 64 * 1024;

/** The CSV as buffers of about 64 KiB. */
export function* csvChunks(ctx: SimContext, job: DxJob): Generator<Buffer> {
  let pending: string[] = [];
  let length = 0;
  for (const line of csvLines(ctx, job)) {
    pending.push(line);
    length += line.length;
    if (length >= CHUNK) {
      yield Buffer.from(pending.join(''), 'utf8');
      pending = [];
      length = 0;
    }
  }
  if (pending.length > 0) yield Buffer.from(pending.join(''), 'utf8');
}

/** The CSV's size in bytes (one generating pass, remembered on the job). */
export function csvSize(ctx: SimContext, job: DxJob): number {
  if (job.csvBytes === undefined) {
    let bytes = 0;
    for (const chunk of csvChunks(ctx, job)) bytes += chunk.length;
    job.csvBytes = bytes;
  }
  return job.csvBytes;
}

/**
 * A job's date: `YYYY-MM-DD` (as DX and NICE's samples send it, midnight UTC) or an ISO 8601 date
 * and time with a zone. Undefined when it is neither.
 */
export function parseJobDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly !== null) {
    const ms = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
    return new Date(ms).toISOString().startsWith(value) ? ms : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value))
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
