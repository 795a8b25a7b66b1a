import {
  err,
  isPluginFailure,
  type JobStore,
  type Logger,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import {
  type CxoneClient,
  type ExtractionContext,
  extractionRows,
  getExtraction,
  RECORDING_INTERACTION_METADATA,
  submitExtraction,
} from '@cxarchive/cxone-api';
import { dateMs, masterContactIdOf } from './record.js';
import { contactEndMs } from './recording-lag.js';

/**
 * `recordingCheck: dataExtraction`: which contacts of a UTC day have recordings, from one Data
 * Extraction job of `recording-interaction-metadata` (version "7", as DX asks for it; GEN-DX, D-DX)
 * per day, so Media Playback (150 requests / 5 min, billable) is asked only for contacts that have
 * one. The rules keep every recording:
 * - a day is asked about only once it ended + `recordingLag` (D-DX: "new interaction data may take
 *   up to 30 minutes to appear"); before, its contacts go to Media Playback as before;
 * - a contact the job lists → Media Playback (its recording is fetched as before);
 * - a contact the job does not list, but the job was submitted before the contact ended +
 *   `recordingLag` → Media Playback (the job could not know it yet);
 * - a contact the job does not list → awaiting until `recordingHorizon` after it ended; then a job
 *   submitted after that moment must not list it either (a new job is submitted when the day's is
 *   older), and it is archived without a recording — no Media Playback request;
 * - whenever Data Extraction cannot answer (refused, another caller's job running — D-DX: "only
 *   one user per tenant" —, a broken result), the contact goes to Media Playback; a 429 makes it
 *   wait instead (the budget is the tenant's, shared with other runs and callers).
 * The job id is kept in the plugin's durable job store (`data-extraction/{day}`) as soon as the API
 * answers: after a crash the job is polled, never submitted again; a job older than 24 hours (D-DX:
 * results are kept 24 h [U: the simulator's model]) is replaced. One job runs at a time (one caller
 * per tenant). Results are kept for a few days only, in memory.
 */
export interface ExtractionDaysDeps {
  readonly client: CxoneClient;
  readonly jobs: JobStore;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly lagMs: number;
  readonly horizonMs: number;
  readonly timeoutMs: number;
  readonly fetchImpl?: typeof fetch;
}

export type ExtractionVerdict =
  | { readonly kind: 'playback' }
  | { readonly kind: 'wait'; readonly retryAt: Date; readonly why: string }
  | { readonly kind: 'none'; readonly reason: string };

export const DAY_MS = 86_400_000;
/** A job older than this is not polled but replaced. */
export const JOB_MAX_AGE_MS = DAY_MS;
/** A running job is polled again (by a later fetch or run) this long after it was last seen running. */
export const POLL_INTERVAL_MS = 60_000;
/** After Data Extraction could not answer for a day, its contacts go to Media Playback this long. */
export const UNAVAILABLE_MS = 5 * 60_000;
/** Days whose listed ids are kept in memory. */
export const MAX_DAYS = 3;
/** A day listing more recorded contacts than this is not kept (its contacts go to Media Playback). */
export const MAX_IDS_PER_DAY = 500_000;
export const JOB_PREFIX = 'data-extraction/';

const ID_COLUMN = 'ACD Call ID';

type DayState =
  | { readonly kind: 'ready'; readonly ids: ReadonlySet<string>; readonly submittedAtMs: number }
  | { readonly kind: 'running'; readonly jobId: string; readonly untilMs: number }
  | { readonly kind: 'unavailable'; readonly untilMs: number };

type DayAnswer =
  | { readonly kind: 'ready'; readonly ids: ReadonlySet<string>; readonly submittedAtMs: number }
  | { readonly kind: 'wait'; readonly retryAt: Date }
  | { readonly kind: 'unavailable' };

/** The UTC day (`YYYY-MM-DD`) of an epoch time. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const dayStartMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

interface StoredDayJob {
  readonly jobId: string;
  readonly submittedAtMs: number;
}

const readStored = (state: unknown): StoredDayJob | undefined => {
  if (typeof state !== 'object' || state === null) return undefined;
  const { jobId, submittedAt } = state as Record<string, unknown>;
  const at = typeof submittedAt === 'string' ? Date.parse(submittedAt) : Number.NaN;
  return typeof jobId === 'string' && jobId !== '' && !Number.isNaN(at)
    ? { jobId, submittedAtMs: at }
    : undefined;
};

export class ExtractionDays {
  readonly #days = new Map<string, DayState>();
  /** One Data Extraction operation at a time (one caller per tenant; 1 call / 30 s). */
  #queue: Promise<unknown> = Promise.resolve();
  /** The day whose job this instance last saw running: no other day's job is submitted meanwhile. */
  #busyDay: string | undefined;

  constructor(private readonly deps: ExtractionDaysDeps) {}

  /** What to do about the recording of a voice master (`record` in the archive names). */
  async check(
    record: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<Result<ExtractionVerdict, PluginError>> {
    const startMs = dateMs(record, 'contactStartDate');
    const endMs = contactEndMs(record);
    const master = masterContactIdOf(record);
    if (startMs === undefined || endMs === undefined || master === undefined) return ok({ kind: 'playback' });
    const day = dayOf(startMs);
    const nowMs = this.#nowMs();
    const { lagMs, horizonMs } = this.deps;
    if (nowMs < dayStartMs(day) + DAY_MS + lagMs) return ok({ kind: 'playback' });
    const finalAtMs = endMs + horizonMs;
    const pastHorizon = nowMs >= finalAtMs;
    const answer = await this.#serial(() => this.#day(day, pastHorizon ? finalAtMs : undefined, signal));
    if (answer.isErr()) return err(answer.error);
    const a = answer.value;
    if (a.kind === 'unavailable') return ok({ kind: 'playback' });
    if (a.kind === 'wait') {
      return ok({
        kind: 'wait',
        retryAt: a.retryAt,
        why: `the Data Extraction job of ${day} is still running`,
      });
    }
    if (a.ids.has(master)) return ok({ kind: 'playback' });
    if (a.submittedAtMs < endMs + lagMs) return ok({ kind: 'playback' });
    if (!pastHorizon) {
      return ok({
        kind: 'wait',
        retryAt: new Date(finalAtMs),
        why: 'Data Extraction lists no recording for it yet',
      });
    }
    if (a.submittedAtMs < finalAtMs) {
      // Another contact's answer raced ahead of the renewal this one asked for: look again soon.
      return ok({
        kind: 'wait',
        retryAt: new Date(nowMs + POLL_INTERVAL_MS),
        why: `the Data Extraction job of ${day} is being renewed`,
      });
    }
    return ok({
      kind: 'none',
      reason:
        `Data Extraction (recording-interaction-metadata) listed no recording for the contact ` +
        `${hours(horizonMs)} after it ended (ended ${new Date(endMs).toISOString()})`,
    });
  }

  #nowMs(): number {
    return this.deps.now().getTime();
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => {});
    return next;
  }

  #remember(day: string, state: DayState): void {
    this.#days.delete(day);
    this.#days.set(day, state);
    const ready = [...this.#days].filter(([, s]) => s.kind === 'ready');
    for (const [old] of ready.slice(0, Math.max(0, ready.length - MAX_DAYS))) this.#days.delete(old);
    // Markers of other kinds are few (one per day asked about); keep them bounded too.
    while (this.#days.size > 4 * MAX_DAYS) this.#days.delete(this.#days.keys().next().value as string);
  }

  #unavailable(day: string, why: string): Result<DayAnswer, PluginError> {
    this.deps.logger.warn(`cxone: Data Extraction cannot answer for ${day}; asking Media Playback instead`, {
      reason: why,
    });
    this.#remember(day, { kind: 'unavailable', untilMs: this.#nowMs() + UNAVAILABLE_MS });
    if (this.#busyDay === day) this.#busyDay = undefined;
    return ok({ kind: 'unavailable' });
  }

  /**
   * Data Extraction answered 429 (its 1 call / 30 s is per tenant, and a run's budget does not
   * know the calls of another run or caller): the day's contacts wait, nothing is lost or spent.
   */
  #throttled(error: PluginError): Result<DayAnswer, PluginError> {
    const after = error._tag === 'Throttled' && error.retryAfterMs !== undefined ? error.retryAfterMs : 0;
    return ok({ kind: 'wait', retryAt: new Date(this.#nowMs() + Math.max(after, POLL_INTERVAL_MS)) });
  }

  #running(day: string, jobId: string): Result<DayAnswer, PluginError> {
    const untilMs = this.#nowMs() + POLL_INTERVAL_MS;
    this.#remember(day, { kind: 'running', jobId, untilMs });
    this.#busyDay = day;
    return ok({ kind: 'wait', retryAt: new Date(untilMs) });
  }

  #context(signal: AbortSignal, apiBase: string): ExtractionContext {
    return {
      client: this.deps.client,
      apiBase,
      signal,
      timeoutMs: this.deps.timeoutMs,
      now: this.deps.now,
      ...(this.deps.fetchImpl === undefined ? {} : { fetchImpl: this.deps.fetchImpl }),
    };
  }

  /** The listing of `day` from a job submitted at or after `minSubmittedMs` when given. */
  async #day(
    day: string,
    minSubmittedMs: number | undefined,
    signal: AbortSignal,
  ): Promise<Result<DayAnswer, PluginError>> {
    const nowMs = this.#nowMs();
    const known = this.#days.get(day);
    if (known?.kind === 'ready' && nowMs - known.submittedAtMs < JOB_MAX_AGE_MS) {
      if (minSubmittedMs === undefined || known.submittedAtMs >= minSubmittedMs) {
        this.#remember(day, known);
        return ok(known);
      }
    }
    if (known?.kind === 'running' && nowMs < known.untilMs)
      return ok({ kind: 'wait', retryAt: new Date(known.untilMs) });
    if (known?.kind === 'unavailable' && nowMs < known.untilMs) return ok({ kind: 'unavailable' });
    // Another day's job of ours is running: the tenant runs one at a time (D-DX), so wait for it.
    const busy =
      this.#busyDay === undefined || this.#busyDay === day ? undefined : this.#days.get(this.#busyDay);
    if (busy?.kind === 'running') {
      if (nowMs < busy.untilMs) return ok({ kind: 'wait', retryAt: new Date(busy.untilMs) });
      const other = await this.#day(this.#busyDay as string, undefined, signal);
      if (other.isErr()) return err(other.error);
      if (other.value.kind === 'wait') return other;
    }
    const base = await this.deps.client.apiBase(signal);
    if (base.isErr()) return err(base.error);
    const ctx = this.#context(signal, base.value);
    const key = `${JOB_PREFIX}${day}`;
    const stored = readStored((await this.deps.jobs.get(key))?.state);
    const usable =
      stored !== undefined &&
      nowMs - stored.submittedAtMs < JOB_MAX_AGE_MS &&
      stored.submittedAtMs >= dayStartMs(day) + DAY_MS + this.deps.lagMs &&
      (minSubmittedMs === undefined || stored.submittedAtMs >= minSubmittedMs);
    if (usable) {
      const polled = await this.#poll(ctx, day, stored);
      if (polled !== 'replace') return polled;
    }
    return this.#submit(ctx, day, key);
  }

  /** Polls a stored job: running, finished (its ids read), or gone ('replace'). */
  async #poll(
    ctx: ExtractionContext,
    day: string,
    stored: StoredDayJob,
  ): Promise<Result<DayAnswer, PluginError> | 'replace'> {
    const job = await getExtraction(ctx, stored.jobId);
    if (job.isErr()) {
      if (job.error._tag === 'NotFound') return 'replace';
      if (ctx.signal.aborted) return err(job.error);
      if (job.error._tag === 'Throttled') return this.#throttled(job.error);
      return this.#unavailable(day, job.error.message);
    }
    const { status } = job.value;
    if (status === 'RUNNING') return this.#running(day, stored.jobId);
    if (this.#busyDay === day) this.#busyDay = undefined;
    if (status !== 'SUCCEEDED') return 'replace';
    const ids = new Set<string>();
    try {
      for await (const row of extractionRows(ctx, job.value)) {
        const id = row[ID_COLUMN]?.trim();
        if (id === undefined || id === '') continue;
        ids.add(id);
        if (ids.size > MAX_IDS_PER_DAY) {
          return this.#unavailable(day, `the job lists more than ${MAX_IDS_PER_DAY} recorded contacts`);
        }
      }
    } catch (cause) {
      const error = isPluginFailure(cause)
        ? cause.error
        : PluginErrors.transient(`Data Extraction job ${stored.jobId}: its result could not be read`, cause);
      if (ctx.signal.aborted) return err(error);
      return this.#unavailable(day, error.message);
    }
    const ready = { kind: 'ready', ids, submittedAtMs: stored.submittedAtMs } as const;
    this.#remember(day, ready);
    return ok(ready);
  }

  async #submit(ctx: ExtractionContext, day: string, key: string): Promise<Result<DayAnswer, PluginError>> {
    const next = dayOf(dayStartMs(day) + DAY_MS);
    // The job knows what existed when it was asked for: the time before the request is the safe one.
    const sentAtMs = this.#nowMs();
    const submitted = await submitExtraction(ctx, {
      ...RECORDING_INTERACTION_METADATA,
      startDate: day,
      endDate: next,
    });
    if (submitted.isErr()) {
      if (ctx.signal.aborted) return err(submitted.error);
      if (submitted.error._tag === 'Throttled') return this.#throttled(submitted.error);
      return this.#unavailable(day, submitted.error.message);
    }
    // Durable before anything relies on it: a run that stops now polls this job next time.
    await this.deps.jobs.put(key, {
      jobId: submitted.value,
      day,
      submittedAt: new Date(sentAtMs).toISOString(),
    });
    return this.#running(day, submitted.value);
  }
}

const hours = (ms: number): string => {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${Math.round(ms / 60_000)} min`;
};
