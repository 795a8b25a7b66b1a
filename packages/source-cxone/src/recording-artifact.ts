import { Readable } from 'node:stream';
import {
  type Artifact,
  err,
  ok,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import {
  abortedError,
  describeRequest,
  discard,
  errorFromResponse,
  networkError,
  type RequestInfo,
  urlProblem,
} from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';

/**
 * A call recording behind a short-lived signed `fileToPlayUrl` (reference §4). open() downloads it
 * with a plain GET (no bearer: the signature is the credential) and streams the body, never
 * buffering it. A URL older than `maxUrlAgeMs`, or one the server calls expired (403/410), is
 * replaced once per open() by asking Media Playback again.
 */
export interface RecordingArtifactDeps {
  readonly name: string;
  readonly contentType?: string;
  readonly url: string;
  readonly obtainedAtMs: number;
  /** A fresh signed URL for the same recording. */
  readonly renewUrl: (signal: AbortSignal) => Promise<Result<string, PluginError>>;
  readonly now: () => Date;
  /** Until the response starts, then the longest pause between two chunks. */
  readonly timeoutMs: number;
  readonly maxUrlAgeMs: number;
  /** Applied to every error that leaves (registered secrets and tokens). */
  readonly scrub: (error: PluginError) => PluginError;
  readonly fetchImpl?: typeof fetch;
}

/** Statuses with which signed-URL services answer an expired (or otherwise stale) signature. */
const EXPIRED_STATUSES: ReadonlySet<number> = new Set([403, 410]);

type Download =
  | { readonly kind: 'stream'; readonly stream: Readable }
  | { readonly kind: 'expired'; readonly res: Response };

/** Arms a timer that aborts the download when the server goes quiet for `timeoutMs`. */
class IdleTimer {
  #timer: NodeJS.Timeout | undefined;
  #fired = false;
  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}
  arm(): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.#fired = true;
      this.onIdle();
    }, this.timeoutMs);
    this.#timer.unref();
  }
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
  get fired(): boolean {
    return this.#fired;
  }
}

/**
 * Relays a response body. A broken or stalled transfer, or a body shorter than its
 * Content-Length, destroys the stream with a `PluginFailure(Transient)`: an 'error' the consumer
 * receives like any stream error, never a throw elsewhere. Backpressure flows through: the next
 * chunk is read only when the consumer wants it, and the stall timer runs only while the server
 * is awaited. Destroying the stream (the consumer gave up, or the signal aborted) cancels the
 * body and releases the connection.
 */
class RecordingStream extends Readable {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #expected: number;
  #received = 0;
  #reading = false;

  constructor(
    private readonly req: RequestInfo,
    res: Response,
    private readonly controller: AbortController,
    private readonly idle: IdleTimer,
    private readonly scrub: (error: PluginError) => PluginError,
  ) {
    super();
    this.#reader = (res.body as ReadableStream<Uint8Array>).getReader();
    this.#expected = Number(res.headers.get('content-length') ?? Number.NaN);
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.idle.arm();
    this.#reader.read().then(
      ({ done, value }) => {
        this.idle.clear();
        this.#reading = false;
        if (this.destroyed) return;
        if (done) {
          if (Number.isFinite(this.#expected) && this.#received !== this.#expected) {
            this.#fail(SourceErrors.downloadShort(this.req, this.#received, this.#expected));
          } else {
            this.push(null);
          }
          return;
        }
        this.#received += value.byteLength;
        if (value.byteLength === 0) this._read();
        else this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      },
      (cause: unknown) => {
        this.idle.clear();
        this.#reading = false;
        if (this.destroyed) return;
        this.#fail(SourceErrors.downloadBroke(this.req, this.#received, this.idle.fired, cause));
      },
    );
  }

  #fail(error: PluginError): void {
    this.destroy(new PluginFailure(this.scrub(error)));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.idle.clear();
    this.controller.abort();
    this.#reader.cancel().catch(() => {});
    callback(error);
  }
}

export const createRecordingArtifact = (deps: RecordingArtifactDeps): Artifact => {
  let url = deps.url;
  let obtainedAtMs = deps.obtainedAtMs;
  const nowMs = () => deps.now().getTime();

  const download = async (target: string, signal: AbortSignal): Promise<Result<Download, PluginError>> => {
    const req = { method: 'GET', url: target };
    const problem = urlProblem(target);
    if (problem !== undefined) {
      return err(PluginErrors.permanent(`${describeRequest(req)}: the media URL ${problem}`));
    }
    if (signal.aborted) return err(abortedError(req));
    const controller = new AbortController();
    let stream: RecordingStream | undefined;
    const onAbort = () => {
      controller.abort();
      stream?.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const release = () => signal.removeEventListener('abort', onAbort);
    const idle = new IdleTimer(deps.timeoutMs, () => controller.abort());
    idle.arm();
    let res: Response;
    try {
      res = await (deps.fetchImpl ?? globalThis.fetch)(target, { method: 'GET', signal: controller.signal });
    } catch (cause) {
      idle.clear();
      release();
      if (signal.aborted) return err(abortedError(req));
      return err(
        idle.fired ? SourceErrors.downloadNoResponse(req, deps.timeoutMs) : networkError(req, cause),
      );
    } finally {
      idle.clear();
    }
    if (res.status === 200 && res.body !== null) {
      stream = new RecordingStream(req, res, controller, idle, deps.scrub);
      stream.once('close', release);
      if (signal.aborted) stream.destroy();
      return ok({ kind: 'stream', stream });
    }
    release();
    if (EXPIRED_STATUSES.has(res.status)) return ok({ kind: 'expired', res });
    return err(await errorFromResponse('media-file', req, res, { nowMs: nowMs() }));
  };

  const renew = async (signal: AbortSignal): Promise<Result<void, PluginError>> => {
    const fresh = await deps.renewUrl(signal);
    if (fresh.isErr()) return err(fresh.error);
    url = fresh.value;
    obtainedAtMs = nowMs();
    return ok(undefined);
  };

  const refused = (res: Response) =>
    errorFromResponse('media-file', { method: 'GET', url }, res, { nowMs: nowMs() });

  const open = async (signal: AbortSignal): Promise<Result<Readable, PluginError>> => {
    let renewed = false;
    if (nowMs() - obtainedAtMs > deps.maxUrlAgeMs) {
      const r = await renew(signal);
      if (r.isErr()) return err(r.error);
      renewed = true;
    }
    const first = await download(url, signal);
    if (first.isErr()) return err(first.error);
    if (first.value.kind === 'stream') return ok(first.value.stream);
    if (renewed) return err(await refused(first.value.res));
    await discard(first.value.res);
    const r = await renew(signal);
    if (r.isErr()) return err(r.error);
    const second = await download(url, signal);
    if (second.isErr()) return err(second.error);
    if (second.value.kind === 'stream') return ok(second.value.stream);
    return err(await refused(second.value.res));
  };

  return {
    name: deps.name,
    ...(deps.contentType === undefined ? {} : { contentType: deps.contentType }),
    open: (signal) => new ResultAsync(open(signal).then((r) => r.mapErr(deps.scrub))),
  };
};
