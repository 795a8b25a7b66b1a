import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import {
  abortedError,
  describeRequest,
  discard,
  errorFromResponse,
  networkError,
  urlProblem,
} from '@cxarchive/cxone-api';
import { SourceErrors } from './errors.js';

/**
 * A recording's short-lived signed `fileToPlayUrl` (reference §4, "a temporary URL to the media
 * file"), fetched with a plain GET: no bearer, the signature is the credential. A URL older than
 * `maxUrlAgeMs`, or one the server calls expired (403/410), is replaced once per request by asking
 * Media Playback again; the fresh URL is kept for the next request (the probe's renewal serves the
 * download after it).
 */
export interface MediaLinkDeps {
  readonly url: string;
  readonly obtainedAtMs: number;
  /** A fresh signed URL for the same recording. */
  readonly renewUrl: (signal: AbortSignal) => Promise<Result<string, PluginError>>;
  readonly now: () => Date;
  /** Until the response head arrives. */
  readonly timeoutMs: number;
  readonly maxUrlAgeMs: number;
  readonly fetchImpl?: typeof fetch;
}

/** Statuses with which signed-URL services answer an expired (or otherwise stale) signature. */
const EXPIRED_STATUSES: ReadonlySet<number> = new Set([403, 410]);

/** A response with a body to read: its URL (for messages), the response and the means to stop it. */
export interface MediaResponse {
  readonly url: string;
  readonly res: Response;
  readonly controller: AbortController;
  /** Stops relaying the caller's abort to this response (call once the body is done with). */
  readonly release: () => void;
}

type Attempt =
  | { readonly kind: 'ok'; readonly value: MediaResponse }
  | { readonly kind: 'expired'; readonly res: Response };

export class MediaLink {
  #url: string;
  #obtainedAtMs: number;

  constructor(private readonly deps: MediaLinkDeps) {
    this.#url = deps.url;
    this.#obtainedAtMs = deps.obtainedAtMs;
  }

  get url(): string {
    return this.#url;
  }

  /**
   * GETs the media (with `headers`, e.g. a Range), renewing the URL once when it is old or the
   * server refuses it as expired. Resolves with a 200 or 206 response whose body is unread.
   */
  async get(
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Result<MediaResponse, PluginError>> {
    let renewed = false;
    if (this.#nowMs() - this.#obtainedAtMs > this.deps.maxUrlAgeMs) {
      const r = await this.#renew(signal);
      if (r.isErr()) return err(r.error);
      renewed = true;
    }
    const first = await this.#attempt(signal, headers);
    if (first.isErr()) return err(first.error);
    if (first.value.kind === 'ok') return ok(first.value.value);
    if (renewed) return err(await this.#refused(first.value.res));
    await discard(first.value.res);
    const r = await this.#renew(signal);
    if (r.isErr()) return err(r.error);
    const second = await this.#attempt(signal, headers);
    if (second.isErr()) return err(second.error);
    if (second.value.kind === 'ok') return ok(second.value.value);
    return err(await this.#refused(second.value.res));
  }

  #nowMs(): number {
    return this.deps.now().getTime();
  }

  async #renew(signal: AbortSignal): Promise<Result<void, PluginError>> {
    const fresh = await this.deps.renewUrl(signal);
    if (fresh.isErr()) return err(fresh.error);
    this.#url = fresh.value;
    this.#obtainedAtMs = this.#nowMs();
    return ok(undefined);
  }

  #refused(res: Response): Promise<PluginError> {
    return errorFromResponse('media-file', { method: 'GET', url: this.#url }, res, { nowMs: this.#nowMs() });
  }

  async #attempt(
    signal: AbortSignal,
    headers: Record<string, string>,
  ): Promise<Result<Attempt, PluginError>> {
    const url = this.#url;
    const req = { method: 'GET', url };
    const problem = urlProblem(url);
    if (problem !== undefined) {
      return err(PluginErrors.permanent(`${describeRequest(req)}: the media URL ${problem}`));
    }
    if (signal.aborted) return err(abortedError(req));
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const release = () => signal.removeEventListener('abort', onAbort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.deps.timeoutMs);
    timer.unref();
    let res: Response;
    try {
      res = await (this.deps.fetchImpl ?? globalThis.fetch)(url, {
        method: 'GET',
        headers,
        signal: controller.signal,
      });
    } catch (cause) {
      release();
      if (signal.aborted) return err(abortedError(req));
      return err(
        timedOut ? SourceErrors.downloadNoResponse(req, this.deps.timeoutMs) : networkError(req, cause),
      );
    } finally {
      clearTimeout(timer);
    }
    if ((res.status === 200 || res.status === 206) && res.body !== null) {
      return ok({ kind: 'ok', value: { url, res, controller, release } });
    }
    release();
    if (EXPIRED_STATUSES.has(res.status)) return ok({ kind: 'expired', res });
    return err(await errorFromResponse('media-file', req, res, { nowMs: this.#nowMs() }));
  }
}

/** What a probe learnt about a recording before it is downloaded. */
export interface MediaHead {
  readonly headers: Headers;
  /** The first bytes of the body (up to 16), for recognising the format by its magic. */
  readonly firstBytes: Buffer;
  /** The whole body's length, when the server said (a `Content-Range` total, or a 200's `Content-Length`). */
  readonly size?: number;
}

const PROBE_BYTES = 16;
const PROBE_RANGE = `bytes=0-${PROBE_BYTES - 1}`;

const sizeOf = (res: Response): number | undefined => {
  const total =
    res.status === 206
      ? /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')?.[1]
      : (res.headers.get('content-length') ?? undefined);
  if (total === undefined) return undefined;
  const n = Number(total);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/**
 * Asks the media server what a recording is (its `Content-Type`, `Content-Disposition`, length and
 * first bytes) with a GET of its first 16 bytes, so the artifact can be named and typed before it is stored. A
 * server that ignores the Range answers 200 with the whole body: its head is read and the body
 * dropped.
 */
export const probeMedia = async (
  link: MediaLink,
  signal: AbortSignal,
): Promise<Result<MediaHead, PluginError>> => {
  const got = await link.get(signal, { range: PROBE_RANGE });
  if (got.isErr()) return err(got.error);
  const { res, controller, release } = got.value;
  const size = sizeOf(res);
  const first: Buffer[] = [];
  let have = 0;
  const reader = res.body?.getReader();
  try {
    while (reader !== undefined && have < PROBE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      first.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      have += value.byteLength;
    }
  } catch {
    // The first bytes only help recognise the format; the download itself is checked in full.
  } finally {
    controller.abort();
    await reader?.cancel().catch(() => {});
    release();
  }
  const firstBytes = Buffer.concat(first).subarray(0, PROBE_BYTES);
  return ok({ headers: res.headers, firstBytes, ...(size === undefined ? {} : { size }) });
};
