import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  type Artifact,
  err,
  ok,
  type PluginError,
  PluginErrors,
  PluginStreamError,
  type Result,
  ResultAsync,
} from '@cxarchive/core';
import { describeRequest, errorFromResponse, networkError, type RequestInfo } from './errors.js';
import { discard } from './http.js';
import { urlProblem } from './urls.js';

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
  readonly renewUrl: () => Promise<Result<string, PluginError>>;
  readonly now: () => Date;
  /** Until the response starts, then the longest pause between two chunks. */
  readonly timeoutMs: number;
  readonly maxUrlAgeMs: number;
  /** Applied to every message that leaves (registered secrets and tokens). */
  readonly scrub: (error: PluginError) => PluginError;
  readonly fetchImpl?: typeof fetch;
}

/** Statuses with which signed-URL services answer an expired (or otherwise stale) signature. */
const EXPIRED_STATUSES: ReadonlySet<number> = new Set([403, 410]);

type Download =
  | { readonly kind: 'stream'; readonly stream: Readable }
  | { readonly kind: 'expired'; readonly res: Response };

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : chunk instanceof Uint8Array
      ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(String(chunk));

/**
 * Relays the response body, turning a broken or stalled transfer (and a body shorter than its
 * Content-Length) into a `PluginStreamError(Transient)`. Backpressure flows through: the next
 * chunk is read only when the consumer wants it.
 */
const relayBody = (
  req: RequestInfo,
  res: Response,
  controller: AbortController,
  idle: { arm(): void; clear(): void },
  scrub: (error: PluginError) => PluginError,
): Readable => {
  const expected = Number(res.headers.get('content-length') ?? Number.NaN);
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  const fail = (message: string) => new PluginStreamError(scrub(PluginErrors.transient(message)));
  async function* relay(): AsyncGenerator<Buffer> {
    let received = 0;
    const chunks = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        // The stall timer runs only while we wait for the server, never while the consumer is slow.
        idle.arm();
        const next = await chunks.next();
        idle.clear();
        if (next.done === true) break;
        const buf = toBuffer(next.value);
        received += buf.length;
        yield buf;
      }
    } catch (cause) {
      const stalled = controller.signal.aborted;
      throw fail(
        `${describeRequest(req)}: the recording download ${stalled ? 'stalled' : 'broke'} after ${received} bytes` +
          (cause instanceof Error && !stalled ? ` (${cause.message})` : ''),
      );
    } finally {
      idle.clear();
      if (!body.destroyed) body.destroy();
    }
    if (Number.isFinite(expected) && received !== expected) {
      throw fail(`${describeRequest(req)}: the recording ended after ${received} of ${expected} bytes`);
    }
  }
  const stream = Readable.from(relay(), { objectMode: false });
  // A consumer that gives up early (destroy) releases the connection at once.
  stream.once('close', () => controller.abort());
  return stream;
};

export const createRecordingArtifact = (deps: RecordingArtifactDeps): Artifact => {
  let url = deps.url;
  let obtainedAtMs = deps.obtainedAtMs;

  const download = async (target: string): Promise<Result<Download, PluginError>> => {
    const req = { method: 'GET', url: target };
    const problem = urlProblem(target);
    if (problem !== undefined) {
      return err(PluginErrors.permanent(`${describeRequest(req)}: the media URL ${problem}`));
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const idle = {
      arm() {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), deps.timeoutMs);
        timer.unref();
      },
      clear() {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
      },
    };
    idle.arm();
    let res: Response;
    try {
      res = await (deps.fetchImpl ?? globalThis.fetch)(target, { method: 'GET', signal: controller.signal });
    } catch (cause) {
      idle.clear();
      const timedOut = controller.signal.aborted;
      return err(
        timedOut
          ? PluginErrors.transient(`${describeRequest(req)}: no response within ${deps.timeoutMs} ms`)
          : networkError(req, cause),
      );
    }
    idle.clear();
    if (res.status === 200 && res.body !== null) {
      return ok({ kind: 'stream', stream: relayBody(req, res, controller, idle, deps.scrub) });
    }
    if (EXPIRED_STATUSES.has(res.status)) return ok({ kind: 'expired', res });
    return err(await errorFromResponse('other', req, res, deps.now().getTime()));
  };

  const renew = async (): Promise<Result<void, PluginError>> => {
    const fresh = await deps.renewUrl();
    if (fresh.isErr()) return err(fresh.error);
    url = fresh.value;
    obtainedAtMs = deps.now().getTime();
    return ok(undefined);
  };

  const open = async (): Promise<Result<Readable, PluginError>> => {
    let renewed = false;
    if (deps.now().getTime() - obtainedAtMs > deps.maxUrlAgeMs) {
      const r = await renew();
      if (r.isErr()) return err(r.error);
      renewed = true;
    }
    const first = await download(url);
    if (first.isErr()) return err(first.error);
    if (first.value.kind === 'stream') return ok(first.value.stream);
    if (renewed) {
      return err(
        await errorFromResponse('other', { method: 'GET', url }, first.value.res, deps.now().getTime()),
      );
    }
    await discard(first.value.res);
    const r = await renew();
    if (r.isErr()) return err(r.error);
    const second = await download(url);
    if (second.isErr()) return err(second.error);
    if (second.value.kind === 'stream') return ok(second.value.stream);
    return err(
      await errorFromResponse('other', { method: 'GET', url }, second.value.res, deps.now().getTime()),
    );
  };

  return {
    name: deps.name,
    ...(deps.contentType === undefined ? {} : { contentType: deps.contentType }),
    open: () => new ResultAsync(open().then((r) => r.mapErr(deps.scrub))),
  };
};
