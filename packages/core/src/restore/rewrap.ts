import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ResultAsync } from 'neverthrow';
import { ChecksumStream, sha256OfStream } from '../hashing.js';
import { type ItemObject, type LedgerObject, storedKeyOf } from '../ledger/ledger.js';
import { type Logger, silentLogger } from '../logger.js';
import { isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';
import type { CodecContext, Retention } from '../plugin/types.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import { acquireLease } from '../runtime/lease.js';
import { checksumAsReported, compositeSpecs, StreamStopped, sameChecksum } from '../runtime/put-to-sinks.js';
import type { ArchiveAccess } from './archive-access.js';
import { decodeContextOf } from './decode-context.js';

/** What `keys rewrap` needs of the codec, bound to the key objects are to end up under. */
export interface KeySwap {
  /** The key id of the target key. */
  readonly keyId: string;
  /** Rewrites an object's key slot under the target key (header and chunks byte for byte). */
  rewrap(
    input: Readable,
    ctx: CodecContext,
    signal: AbortSignal,
  ): ResultAsync<{ stream: Readable }, PluginError>;
  /**
   * Opens an object under the target key (an earlier rewrap's): the stream it gives fails unless
   * every chunk authenticates under the expected context. Read it to its end.
   */
  authenticate(input: Readable, ctx: CodecContext, signal: AbortSignal): ResultAsync<Readable, PluginError>;
}

export interface RewrapOptions {
  readonly swap: KeySwap;
  /** Only this sink (default: every sink of the pipeline). */
  readonly sink?: SinkTarget;
  /** Retention for the new objects (the pipeline's), from the moment each is written. */
  readonly retention?: { readonly mode: Retention['mode']; readonly periodMs: number };
  readonly runId: string;
  /** How long the tenant's lease lasts without renewal (the pipeline's state.lease). */
  readonly leaseMs: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Called as each object is done. */
  onObject?(done: RewrapOutcome): void;
}

export type RewrapOutcome =
  | {
      readonly status: 'rewrapped' | 'adopted';
      readonly sink: string;
      readonly key: string;
      readonly from: string;
    }
  | { readonly status: 'failed'; readonly sink: string; readonly key: string; readonly reason: string };

export interface RewrapResult {
  readonly rewrapped: number;
  /** Rewrapped by an earlier, interrupted rewrap and found intact: recorded now. */
  readonly adopted: number;
  readonly alreadyUnder: number;
  readonly failed: number;
  /** The first failures (at most 1000), each with its reason. */
  readonly failures: readonly RewrapOutcome[];
  /** Stopped (Ctrl-C, a lost lease) before every object was looked at. */
  readonly interrupted: boolean;
}

/** Objects read from the ledger at a time. */
const PAGE = 256;
/** Attempts per object when a step fails retryably (each attempt starts again from the get). */
const ATTEMPTS = 3;
const MAX_FAILURES = 1000;

/**
 * Where a rewrapped object is stored: beside the original, named by the key it is now under
 * (`…/contact.json.cxar` → `…/contact.json.kek-1a2b….cxar`). Sinks are create-only, so a rewrap
 * never overwrites; the context inside keeps the original key, so it decodes as before.
 */
export const rewrappedKeyOf = (key: string, keyId: string): string => {
  const tag = keyId.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 80);
  const dot = key.lastIndexOf('.');
  const slash = key.lastIndexOf('/');
  return dot > slash + 1 ? `${key.slice(0, dot)}.${tag}${key.slice(dot)}` : `${key}.${tag}`;
};

class Failed extends Error {
  readonly error: PluginError;
  constructor(error: PluginError) {
    super(error.message);
    this.error = error;
  }
}

const fail = (error: PluginError): never => {
  throw new Failed(error);
};

/** The value of an operation through the access, or throws its error. */
const value = async <A>(p: ReturnType<ArchiveAccess['call']>): Promise<A> => {
  const outcome = await p;
  if (!outcome.ok) fail(outcome.error);
  return (outcome as { value: A }).value;
};

/** Reads `stream` to its end through a checksum stream: size and SHA-256 (and the sink's checksums). */
const counting = (sink: SinkTarget) =>
  new ChecksumStream(sink.algorithm ? [sink.algorithm] : [], compositeSpecs([sink]));

/**
 * One object, once: read it, rewrite its key slot, store the result beside it, verify the store
 * holds exactly what was sent, and record it in place of the original (which is noted superseded).
 */
const rewrapOnce = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  object: ItemObject,
  options: RewrapOptions,
): Promise<{ status: 'rewrapped' | 'adopted'; record: LedgerObject }> => {
  const from = storedKeyOf(object);
  const to = rewrappedKeyOf(object.key, options.swap.keyId);
  const context = decodeContextOf(access.tenant, object);
  const raw = await value<Readable>(
    access.call(sink, 'get', (signal) => sink.instance.get(from, signal), { retry: false }),
  );
  const read = new ChecksumStream([]);
  const reading = pipeline(raw, read).catch(() => undefined);
  const stop = async () => {
    if (!raw.destroyed) raw.destroy(new StreamStopped());
    await reading;
  };
  let rewrapped: { stream: Readable };
  try {
    rewrapped = await value(
      access.call(access.codec, 'rewrap', (signal) => options.swap.rewrap(read, context, signal), {
        retry: false,
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const sent = counting(sink);
  // The source object must be the one archived: a rewrap of altered bytes is never recorded.
  const checkSource = new Transform({
    transform(chunk, _encoding, callback) {
      callback(null, chunk);
    },
    flush(callback) {
      if (!read.complete || read.size !== object.size || read.digest('sha256') !== object.sha256)
        callback(
          new Failed(
            PluginErrors.permanent(
              `${sink.label}: ${from} is not the object archived (size or SHA-256 differs from the ledger); not rewrapped`,
            ),
          ),
        );
      else callback();
    },
  });
  const feeding = pipeline(rewrapped.stream, checkSource, sent).catch(() => undefined);
  const now = options.now?.() ?? new Date();
  const put = await access.call(
    sink,
    'put',
    (signal) =>
      sink.instance.put(to, sent, {
        signal,
        contentType: object.contentType ?? 'application/octet-stream',
        metadata: { 'cxarchive-key-id': options.swap.keyId },
        ...(options.retention
          ? {
              retention: {
                mode: options.retention.mode,
                until: new Date(now.getTime() + options.retention.periodMs),
              },
            }
          : {}),
      }),
    { retry: false },
  );
  await stop();
  await feeding;
  const base = {
    ...object,
    storedKey: to,
    keyId: options.swap.keyId,
    runId: options.runId,
  };
  if (!put.ok) {
    if (put.error._tag !== 'AlreadyExists') fail(put.error);
    return { status: 'adopted', record: await adoptEarlier(access, sink, object, to, base, options) };
  }
  const stored = put.value;
  if (!sent.complete || stored.size !== sent.size)
    fail(
      PluginErrors.permanent(
        `${sink.label}: ${to} does not hold what was sent (size ${stored.size}, sent ${sent.size})`,
      ),
    );
  const checksum = sink.algorithm ? checksumAsReported(sink, sent, stored.checksum) : undefined;
  if (sink.algorithm && (checksum === undefined || !sameChecksum(checksum, stored.checksum)))
    fail(
      PluginErrors.permanent(
        `${sink.label}: ${to} does not hold what was sent (${stored.checksum.algorithm} differs)`,
      ),
    );
  if (!sink.algorithm) {
    const back = await value<Readable>(access.call(sink, 'get', (signal) => sink.instance.get(to, signal)));
    const digest = await sha256OfStream(back);
    if (digest.sha256 !== sent.digest('sha256'))
      fail(PluginErrors.permanent(`${sink.label}: ${to} read back differs from what was sent`));
  }
  return {
    status: 'rewrapped',
    record: {
      ...base,
      physicalKey: stored.key || to,
      size: sent.size,
      sha256: sent.digest('sha256')!,
      checksum: checksum ?? { algorithm: 'sha256', value: sent.digest('sha256')! },
      ...(stored.versionId ? { versionId: stored.versionId } : {}),
    },
  };
};

/**
 * An object is already where the rewrap would put it (an earlier rewrap stopped before recording
 * it). It is taken only if it decodes, every chunk authenticated, under the expected context.
 */
const adoptEarlier = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  object: ItemObject,
  to: string,
  base: LedgerObject,
  options: RewrapOptions,
): Promise<LedgerObject> => {
  const info = await value<import('../plugin/types.js').StoredInfo | null>(
    access.call(sink, 'head', (signal) => sink.instance.head(to, signal)),
  );
  if (info === null)
    fail(PluginErrors.transient(`${sink.label}: ${to} was reported to exist, then was not found`));
  const raw = await value<Readable>(access.call(sink, 'get', (signal) => sink.instance.get(to, signal)));
  const read = counting(sink);
  const reading = pipeline(raw, read).catch(() => undefined);
  const decoded = await access.call(
    access.codec,
    'decode',
    (signal) => options.swap.authenticate(read, decodeContextOf(access.tenant, object), signal),
    { retry: false },
  );
  if (!decoded.ok) {
    raw.destroy(new StreamStopped());
    await reading;
    fail(
      PluginErrors.permanent(
        `${sink.label}: something that is not this object's rewrap is at ${to} (${decoded.error.message}); left untouched`,
      ),
    );
  }
  const plaintext = await sha256OfStream((decoded as { value: Readable }).value).catch((cause: unknown) =>
    fail(
      PluginErrors.permanent(
        `${sink.label}: the object at ${to} fails authentication (${String(cause)}); left untouched`,
      ),
    ),
  );
  await reading;
  void plaintext;
  const reported = info!.checksum && sink.algorithm === info!.checksum.algorithm ? info!.checksum : undefined;
  const checksum = reported ? checksumAsReported(sink, read, reported) : undefined;
  return {
    ...base,
    physicalKey: info!.key || to,
    size: read.size,
    sha256: read.digest('sha256')!,
    checksum: checksum ?? { algorithm: 'sha256', value: read.digest('sha256')! },
    ...(info!.versionId ? { versionId: info!.versionId } : {}),
  };
};

/**
 * `keys rewrap`: every object the ledger records (on one sink or all) that is not under the target
 * key gets its key slot rewritten and is stored beside the original, verified and recorded; the
 * original stays in the sink (a create-only, perhaps retention-locked store: deleting it is the
 * operator's call) and is noted as superseded. The data (DEK, chunks) never changes. Pages through
 * the ledger; a failed object is reported and left as it was.
 */
export const rewrapArchive = async (access: ArchiveAccess, options: RewrapOptions): Promise<RewrapResult> => {
  // Rewrap writes to the ledger and the sinks: like a run, it holds the tenant (a lease), and
  // stops taking objects when the lease is lost.
  const lost = new AbortController();
  const now = options.now ?? (() => new Date());
  const lease = await acquireLease(
    access.ledger,
    access.tenant,
    options.runId,
    options.leaseMs,
    now,
    options.logger ?? silentLogger,
    () => lost.abort(),
  );
  try {
    return await rewrapHeld(access, options, () => access.signal.aborted || lost.signal.aborted);
  } finally {
    await lease.release();
  }
};

const rewrapHeld = async (
  access: ArchiveAccess,
  options: RewrapOptions,
  stopped: () => boolean,
): Promise<RewrapResult> => {
  let rewrapped = 0;
  let adopted = 0;
  let alreadyUnder = 0;
  let failed = 0;
  const failures: RewrapOutcome[] = [];
  const sinks = options.sink ? [options.sink] : access.sinks;
  const one = async (sink: SinkTarget, object: ItemObject) => {
    if (object.keyId === options.swap.keyId) {
      alreadyUnder++;
      return;
    }
    let last: PluginError | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS && !stopped(); attempt++) {
      try {
        const done = await rewrapOnce(access, sink, object, options);
        await access.ledger.recordRewrapped(
          access.tenant,
          object.source,
          object.itemId,
          done.record,
          {
            sink: sink.label,
            key: storedKeyOf(object),
            physicalKey: object.physicalKey,
            keyId: object.keyId,
          },
          options.now?.() ?? new Date(),
        );
        if (done.status === 'rewrapped') rewrapped++;
        else adopted++;
        options.onObject?.({
          status: done.status,
          sink: sink.label,
          key: storedKeyOf(done.record),
          from: object.keyId,
        });
        return;
      } catch (error) {
        if (!(error instanceof Failed)) throw error;
        last = error.error;
        if (!isRetryable(last)) break;
      }
    }
    failed++;
    const outcome: RewrapOutcome = {
      status: 'failed',
      sink: sink.label,
      key: storedKeyOf(object),
      reason: access.scrubber.scrub(last?.message ?? 'stopped'),
    };
    if (failures.length < MAX_FAILURES) failures.push(outcome);
    options.onObject?.(outcome);
  };
  for (const sink of sinks) {
    let cursor: Parameters<ArchiveAccess['ledger']['objectsPage']>[3];
    do {
      // Every source's objects: a tenant may hold items of several (`migrate --legacy`).
      const page = await access.ledger.objectsPage(
        access.tenant,
        undefined,
        { sink: sink.label },
        cursor,
        PAGE,
      );
      const queue = [...page.objects];
      await Promise.all(
        Array.from({ length: Math.max(1, access.concurrency) }, async () => {
          while (queue.length > 0 && !stopped()) await one(sink, queue.shift()!);
        }),
      );
      cursor = page.next;
    } while (cursor && !stopped());
  }
  return { rewrapped, adopted, alreadyUnder, failed, failures, interrupted: stopped() };
};
