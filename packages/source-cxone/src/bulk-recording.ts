import { Readable } from 'node:stream';
import {
  type Artifact,
  err,
  isPluginFailure,
  ok,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import {
  type CxoneClient,
  getMediaDownload,
  type MediaDownloadStatus,
  RemoteZip,
} from '@cxarchive/cxone-api';
import { BodyCheck } from './media-integrity.js';

/**
 * `recordings: bulk`, the fetch side: a voice master whose reference names a media-download
 * request (bulk-jobs.ts) gets its recording out of that request's archive. The request's status
 * (GEN-MD: `GET /media-download/v1/status/{requestId}`, a `media-download` budget request) says:
 * - PENDING / IN_PROGRESS → wait (the contact is `NotYet`, looked at again after `POLL_INTERVAL_MS`);
 * - COMPLETED and the contact's entity COMPLETED → `{entityId}.mp4` read from the ZIP at
 *   `downloadLocation` through byte ranges (`RemoteZip`), checked for its length and CRC-32 there and
 *   for its MP4 structure here (media-integrity.ts); an expired location is renewed by reading
 *   the status again;
 * - the entity FAILED (no recording, still processing …), the request FAILED, or a request CXone
 *   no longer knows → the Media Playback path, whose late-recording rules then apply.
 * Statuses are shared by the contacts of one request (a few requests remembered, a running one for
 * `POLL_INTERVAL_MS`), and so is each archive's directory: one status read and two ranged reads
 * per request, not per contact.
 */
export interface BulkRecordingsDeps {
  readonly client: CxoneClient;
  readonly now: () => Date;
  readonly timeoutMs: number;
  readonly scrub: (error: PluginError) => PluginError;
  readonly fetchImpl?: typeof fetch;
}

export type BulkAnswer =
  | { readonly kind: 'wait'; readonly retryAt: Date; readonly status: string }
  | { readonly kind: 'fallback'; readonly reason: string }
  | { readonly kind: 'ready'; readonly artifact: Artifact };

export const POLL_INTERVAL_MS = 60_000;
/** Requests whose status and archive directory are remembered. */
const MAX_REQUESTS = 8;

interface Known {
  readonly status: MediaDownloadStatus;
  readonly readAtMs: number;
  zip?: Promise<Result<RemoteZip, PluginError>>;
}

export const RECORDING_NAME = 'recording.mp4';

export class BulkRecordings {
  readonly #known = new Map<string, Known>();
  readonly #reading = new Map<string, Promise<Result<Known, PluginError>>>();

  constructor(private readonly deps: BulkRecordingsDeps) {}

  /** What the request `requestId` holds for the master `contactId`. */
  async recordingOf(
    requestId: string,
    contactId: string,
    signal: AbortSignal,
  ): Promise<Result<BulkAnswer, PluginError>> {
    const known = await this.#status(requestId, signal);
    if (known.isErr()) {
      if (known.error._tag === 'NotFound' && !signal.aborted) {
        return ok({ kind: 'fallback', reason: `media-download request ${requestId} is unknown to CXone` });
      }
      return err(known.error);
    }
    const { status } = known.value;
    if (status.status === 'PENDING' || status.status === 'IN_PROGRESS') {
      return ok({
        kind: 'wait',
        retryAt: new Date(known.value.readAtMs + POLL_INTERVAL_MS),
        status: status.status,
      });
    }
    if (status.status !== 'COMPLETED') {
      return ok({ kind: 'fallback', reason: `media-download request ${requestId} is ${status.status}` });
    }
    const entity = status.entities.find((e) => e.entityId === contactId);
    if (entity === undefined || entity.status !== 'COMPLETED') {
      const why =
        entity === undefined
          ? 'not in it'
          : `${entity.status}${entity.failureReason ? `: ${entity.failureReason}` : ''}`;
      return ok({
        kind: 'fallback',
        reason: `media-download request ${requestId}: contact ${contactId} ${why}`,
      });
    }
    if (status.downloadLocation === undefined) {
      return ok({ kind: 'fallback', reason: `media-download request ${requestId} has no downloadLocation` });
    }
    const zip = await this.#zip(requestId, known.value, signal);
    if (zip.isErr()) return err(zip.error);
    const name = `${contactId}.mp4`;
    const entry = zip.value.find(name);
    if (entry.isErr()) return err(entry.error);
    if (entry.value === undefined) {
      return ok({
        kind: 'fallback',
        reason: `media-download request ${requestId}: its archive has no ${name}`,
      });
    }
    const size = entry.value.size;
    const archive = zip.value;
    const scrub = this.deps.scrub;
    const artifact: Artifact = {
      name: RECORDING_NAME,
      contentType: 'audio/mp4',
      size,
      open: (openSignal) =>
        new ResultAsync(
          archive
            .openEntry(name, openSignal)
            .then((opened) =>
              opened.map((body) => checkedRecording(body.body, name, size, openSignal, scrub)).mapErr(scrub),
            ),
        ),
    };
    return ok({ kind: 'ready', artifact });
  }

  /** The request's status: remembered (a running one for the poll interval), else read once for all callers. */
  async #status(requestId: string, signal: AbortSignal): Promise<Result<Known, PluginError>> {
    const nowMs = this.deps.now().getTime();
    const known = this.#known.get(requestId);
    if (known !== undefined) {
      const running = known.status.status === 'PENDING' || known.status.status === 'IN_PROGRESS';
      if (!running || nowMs < known.readAtMs + POLL_INTERVAL_MS) return ok(known);
    }
    const reading = this.#reading.get(requestId);
    if (reading !== undefined) return reading;
    const read = this.#read(requestId, signal).finally(() => this.#reading.delete(requestId));
    this.#reading.set(requestId, read);
    return read;
  }

  async #read(requestId: string, signal: AbortSignal): Promise<Result<Known, PluginError>> {
    const status = await this.#readStatus(requestId, signal);
    if (status.isErr()) return err(status.error);
    const known: Known = { status: status.value, readAtMs: this.deps.now().getTime() };
    this.#known.delete(requestId);
    this.#known.set(requestId, known);
    while (this.#known.size > MAX_REQUESTS) this.#known.delete(this.#known.keys().next().value as string);
    return ok(known);
  }

  async #readStatus(
    requestId: string,
    signal: AbortSignal,
  ): Promise<Result<MediaDownloadStatus, PluginError>> {
    const base = await this.deps.client.apiBase(signal);
    if (base.isErr()) return err(base.error);
    return getMediaDownload({ client: this.deps.client, apiBase: base.value, signal }, requestId);
  }

  /** The archive's directory, read once per request (its URL renewed through the status when refused). */
  #zip(requestId: string, known: Known, signal: AbortSignal): Promise<Result<RemoteZip, PluginError>> {
    if (known.zip === undefined) {
      const opening = RemoteZip.open(
        {
          url: known.status.downloadLocation as string,
          renew: async (renewSignal) => {
            const fresh = await this.#readStatus(requestId, renewSignal);
            if (fresh.isErr()) return err(fresh.error);
            return fresh.value.downloadLocation === undefined
              ? err(
                  PluginErrors.notFound(
                    `media-download request ${requestId} no longer has a downloadLocation`,
                  ),
                )
              : ok(fresh.value.downloadLocation);
          },
          timeoutMs: this.deps.timeoutMs,
          now: this.deps.now,
          ...(this.deps.fetchImpl === undefined ? {} : { fetchImpl: this.deps.fetchImpl }),
        },
        signal,
      );
      known.zip = opening;
      // A failed opening is not kept: the next contact tries again.
      void opening.then((r) => {
        if (r.isErr() && known.zip === opening) known.zip = undefined;
      });
    }
    return known.zip;
  }
}

/**
 * The entry's bytes, checked as every recording is (media-integrity.ts): its length against the
 * archive directory's size and its MP4 boxes; a cut or broken body fails the stream with a
 * `PluginFailure` (Transient) before its end is passed on. Aborting `signal` destroys it.
 */
export const checkedRecording = (
  body: Readable,
  name: string,
  size: number,
  signal: AbortSignal,
  scrub: (error: PluginError) => PluginError,
): Readable => {
  const check = new BodyCheck('mp4', size);
  const incomplete = (problem: string, transient: boolean) =>
    new PluginFailure(
      scrub(
        (transient ? PluginErrors.transient : PluginErrors.permanent)(
          `${name} of a media-download archive is not a whole recording after ${check.received} bytes: ${problem}`,
        ),
      ),
    );
  async function* relay(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const verdict = check.push(chunk);
        if (verdict !== undefined) throw incomplete(verdict.problem, verdict.transient);
        yield chunk;
      }
    } catch (cause) {
      if (isPluginFailure(cause)) throw new PluginFailure(scrub(cause.error));
      throw new PluginFailure(
        scrub(PluginErrors.transient(`${name}: the download broke after ${check.received} bytes`, cause)),
      );
    }
    const verdict = check.end();
    if (verdict !== undefined) throw incomplete(verdict.problem, verdict.transient);
  }
  const stream = Readable.from(relay(), { objectMode: false });
  const onAbort = () => {
    stream.destroy();
    body.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => {
    signal.removeEventListener('abort', onAbort);
    body.destroy();
  });
  if (signal.aborted) onAbort();
  return stream;
};
