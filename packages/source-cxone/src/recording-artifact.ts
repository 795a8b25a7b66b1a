import { Readable } from 'node:stream';
import {
  type Artifact,
  err,
  ok,
  type PluginError,
  PluginFailure,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import type { RequestInfo } from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';
import { BodyCheck } from './media-integrity.js';
import type { MediaLink } from './media-link.js';
import { containerOf } from './media-type.js';

/**
 * A call recording behind its signed media URL (reference §4). open() downloads it with a plain GET
 * (see MediaLink) and streams the body, never buffering it. Every byte passes a BodyCheck: a body
 * shorter or longer than the length the server announced, or whose container structure (MP4 boxes,
 * RIFF/WAVE chunks) is cut or broken, fails the stream with a `PluginFailure(Transient)` before its
 * end is passed on, so a cut recording is never stored as a whole one.
 */
export interface RecordingArtifactDeps {
  readonly name: string;
  readonly contentType?: string;
  /** The whole recording's length, when the server gave it before (a probe's Content-Range). */
  readonly size?: number;
  readonly link: MediaLink;
  /** The longest pause between two chunks. */
  readonly timeoutMs: number;
  /** Applied to every error that leaves (registered secrets and tokens). */
  readonly scrub: (error: PluginError) => PluginError;
}

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

const contentLengthOf = (res: Response): number | undefined => {
  const raw = res.headers.get('content-length');
  if (raw === null) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/**
 * Relays a response body. A broken or stalled transfer, or a body the BodyCheck refuses, destroys
 * the stream with a `PluginFailure`: an 'error' the consumer receives like any stream error, never a
 * throw elsewhere. Backpressure flows through: the next chunk is read only when the consumer wants
 * it, and the stall timer runs only while the server is awaited. Destroying the stream (the consumer
 * gave up, or the signal aborted) cancels the body and releases the connection.
 */
class RecordingStream extends Readable {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #reading = false;

  constructor(
    private readonly req: RequestInfo,
    res: Response,
    private readonly check: BodyCheck,
    private readonly controller: AbortController,
    private readonly idle: IdleTimer,
    private readonly scrub: (error: PluginError) => PluginError,
  ) {
    super();
    this.#reader = (res.body as ReadableStream<Uint8Array>).getReader();
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
          const verdict = this.check.end();
          if (verdict === undefined) this.push(null);
          else this.#fail(SourceErrors.recordingIncomplete(this.req, verdict, this.check.received));
          return;
        }
        if (value.byteLength === 0) {
          this._read();
          return;
        }
        const verdict = this.check.push(value);
        if (verdict !== undefined) {
          this.#fail(SourceErrors.recordingIncomplete(this.req, verdict, this.check.received));
          return;
        }
        this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      },
      (cause: unknown) => {
        this.idle.clear();
        this.#reading = false;
        if (this.destroyed) return;
        this.#fail(SourceErrors.downloadBroke(this.req, this.check.received, this.idle.fired, cause));
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
  const promised = containerOf(deps.contentType);

  const open = async (signal: AbortSignal): Promise<Result<Readable, PluginError>> => {
    const got = await deps.link.get(signal);
    if (got.isErr()) return err(got.error);
    const { url, res, controller, release } = got.value;
    const req = { method: 'GET', url };
    if (res.status === 206) {
      // A whole-body GET answered as a part (no Range was sent): not the recording.
      controller.abort();
      release();
      return err(SourceErrors.unexpectedPartial(req));
    }
    const check = new BodyCheck(promised, contentLengthOf(res) ?? deps.size);
    const idle = new IdleTimer(deps.timeoutMs, () => controller.abort());
    const stream = new RecordingStream(req, res, check, controller, idle, deps.scrub);
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      release();
    });
    if (signal.aborted) stream.destroy();
    return ok(stream);
  };

  return {
    name: deps.name,
    ...(deps.contentType === undefined ? {} : { contentType: deps.contentType }),
    open: (signal) => new ResultAsync(open(signal).then((r) => r.mapErr(deps.scrub))),
  };
};
