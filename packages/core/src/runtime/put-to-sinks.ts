import { finished, PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as Effect from 'effect/Effect';
import { ChecksumStream, type CompositeSpec, sha256OfStream } from '../hashing.js';
import { isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Checksum, Stored } from '../plugin/types.js';
import { invoke, streamFailure } from './boundary.js';
import { faultPoint } from './faults.js';
import type { FlowContext, SinkTarget } from './flow-context.js';

/** One object one sink now holds, verified. */
export interface PutResult {
  readonly sink: SinkTarget;
  readonly physicalKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly checksum: Checksum;
  readonly versionId?: string;
  /** Set for an object adopted from an earlier attempt: the key and content type it was made with. */
  readonly made?: { readonly keyId: string; readonly contentType: string };
}

export interface PutOutcome {
  readonly stored: readonly PutResult[];
  /** Sinks that already hold something at the key: the caller decides whether it is ours. */
  readonly existing: readonly SinkTarget[];
  /** The first failure that decides (one no retry can fix, else the first retryable one). */
  readonly failure?: PluginError;
  /** Failed sinks (to retry). */
  readonly failed: readonly SinkTarget[];
}

export interface OutgoingObject {
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The bytes to store (already encoded); read once, fanned out to every target at the slowest pace. */
  readonly body: Readable;
  /** Which item the bytes are for, for fault points. */
  readonly itemId: string;
  /** Set when the bytes broke upstream: that failure, not the sinks' view of it, is the cause. */
  upstreamFailure(): PluginError | undefined;
  /** Called once every byte was handed to the sinks (digests final), before they confirm. */
  onSent?(sent: ChecksumStream): void;
}

const ignore = (): void => undefined;

/** Why the runtime destroyed a stream it was done with (never reported: the real cause is). */
export class StreamStopped extends Error {
  constructor() {
    super('the stream was stopped by cxarchive');
    this.name = 'StreamStopped';
  }
}

/**
 * Copies `from` to every branch, waiting for the slow ones (backpressure) but never for a branch
 * whose reader is gone: a destroyed or ended branch is dropped, so one failed sink cannot stall the
 * others. Chunks are taken as `from` emits them ('data', paused while a branch is full), not with
 * the async iterator, whose `read()` joins whatever is buffered into a new Buffer: each chunk goes
 * to the sinks as the codec made it, never copied.
 */
const fanOut = (from: Readable, branches: readonly PassThrough[]): Promise<void> =>
  new Promise<void>((resolve) => {
    const live = new Set(branches);
    let full = 0;
    const drained = (b: PassThrough) => {
      const done = () => {
        b.off('drain', done);
        b.off('close', done);
        full -= 1;
        if (full === 0 && !from.destroyed) from.resume();
      };
      b.on('drain', done);
      b.on('close', done);
    };
    from.on('data', (chunk: Buffer) => {
      for (const b of live) {
        if (b.destroyed || b.writableEnded) {
          live.delete(b);
          continue;
        }
        if (!b.write(chunk)) {
          full += 1;
          drained(b);
        }
      }
      if (full > 0) from.pause();
    });
    finished(from, { writable: false }, (error) => {
      if (error) for (const b of live) b.destroy(error instanceof Error ? error : new Error(String(error)));
      else for (const b of live) if (!b.destroyed) b.end();
      resolve();
    });
  });

/**
 * Reads an object back from a sink: its size and SHA-256. The check for sinks whose store reports
 * no checksum the runtime can compute, and how sync tells whether what a target holds is the object.
 */
export const readBack = (ctx: FlowContext, sink: SinkTarget, key: string) =>
  invoke(ctx.inflight, sink, 'get', (signal) => sink.instance.get(key, signal)).pipe(
    Effect.flatMap((stream) =>
      Effect.tryPromise({
        try: () => sha256OfStream(stream),
        catch: (cause) => streamFailure(`${sink.label}.get`, cause),
      }),
    ),
  );

/** The composites the runtime computes for `targets` (sinks that report them for multipart objects). */
export const compositeSpecs = (targets: readonly SinkTarget[]): CompositeSpec[] =>
  targets.flatMap((t) =>
    t.algorithm && t.partSize !== undefined ? [{ algorithm: t.algorithm, partSize: t.partSize }] : [],
  );

/**
 * What the runtime computed over the bytes that passed `seen`, in the form the store reported
 * (`reported`): the whole-object digest, or the composite over the sink's parts. Undefined when the
 * sink reported a composite without declaring its part size.
 */
export const checksumAsReported = (
  sink: SinkTarget,
  seen: ChecksumStream,
  reported: Checksum,
): Checksum | undefined => {
  if (reported.parts === undefined) {
    const value = seen.digest(reported.algorithm);
    return value === undefined ? undefined : { algorithm: reported.algorithm, value };
  }
  return sink.partSize === undefined
    ? undefined
    : seen.composite({ algorithm: reported.algorithm, partSize: sink.partSize });
};

/**
 * The checksum of what passed `sent` in the form `sink` will most likely report it: a composite when
 * it reports composites and the object took more than one part, else the whole digest (SHA-256 for
 * a sink verified by read-back).
 */
export const expectedReport = (sink: SinkTarget, sent: ChecksumStream): Checksum => {
  const sha256: Checksum = { algorithm: 'sha256', value: sent.digest('sha256')! };
  if (sink.algorithm === undefined) return sha256;
  if (sink.partSize !== undefined) {
    const composite = sent.composite({ algorithm: sink.algorithm, partSize: sink.partSize });
    if (composite?.parts !== undefined && composite.parts > 1) return composite;
  }
  const whole = sent.digest(sink.algorithm);
  return whole === undefined ? sha256 : { algorithm: sink.algorithm, value: whole };
};

/**
 * `PutOptions.partDigest` for a sink that reports composites: the part digests `sent` computes for
 * it anyway (to verify the store's composite), so the sink need not hash the bytes again.
 */
export const partDigestFor = (
  sink: SinkTarget,
  sent: ChecksumStream,
): { partDigest?: (partNumber: number) => string | undefined } => {
  const { algorithm, partSize } = sink;
  if (algorithm === undefined || partSize === undefined) return {};
  const spec: CompositeSpec = { algorithm, partSize };
  return { partDigest: (partNumber) => sent.partDigest(spec, partNumber) };
};

/** Whether two checksums are the same digest in the same form. */
export const sameChecksum = (a: Checksum, b: Checksum): boolean =>
  a.algorithm === b.algorithm && a.value.toLowerCase() === b.value.toLowerCase() && a.parts === b.parts;

const verify = (
  ctx: FlowContext,
  sink: SinkTarget,
  key: string,
  stored: Stored,
  sent: ChecksumStream,
): Effect.Effect<PutResult, PluginError> =>
  Effect.gen(function* () {
    const mismatch = (what: string) =>
      PluginErrors.permanent(
        `${sink.label}: the object stored at ${key} does not match the bytes sent (${what})`,
      );
    if (!sent.complete)
      return yield* Effect.fail(mismatch('the sink finished before reading the whole body'));
    const sha256 = sent.digest('sha256')!;
    if (stored?.size !== sent.size)
      return yield* Effect.fail(mismatch(`size ${stored?.size} reported, ${sent.size} sent`));
    const base = {
      sink,
      physicalKey: typeof stored.key === 'string' && stored.key !== '' ? stored.key : key,
      size: sent.size,
      sha256,
      ...(stored.versionId ? { versionId: stored.versionId } : {}),
    };
    if (sink.algorithm) {
      const reported = stored.checksum;
      if (!reported || reported.algorithm !== sink.algorithm)
        return yield* Effect.fail(
          mismatch(
            `the sink reported no ${sink.algorithm} checksum${reported ? ` (it reported ${reported.algorithm})` : ''}`,
          ),
        );
      const expected = checksumAsReported(sink, sent, reported);
      if (expected === undefined)
        return yield* Effect.fail(
          mismatch(
            reported.parts === undefined
              ? `the sink reported a whole-object ${reported.algorithm} for an object of more than one part of its checksumPartSize`
              : `the sink reported a ${reported.algorithm} over ${reported.parts} parts but declares no checksumPartSize`,
          ),
        );
      if (!sameChecksum(reported, expected))
        return yield* Effect.fail(
          mismatch(`${sink.algorithm}${reported.parts === undefined ? '' : ' over parts'} differs`),
        );
      return { ...base, checksum: expected };
    }
    const back = yield* readBack(ctx, sink, key);
    if (back.size !== sent.size || back.sha256 !== sha256)
      return yield* Effect.fail(mismatch('read back differs'));
    return { ...base, checksum: { algorithm: 'sha256', value: sha256 } };
  });

/**
 * Streams one object's bytes to every target at once (at the pace of the slowest, never buffering
 * the whole object), then verifies each store's own checksum against the runtime's hash of what it
 * sent (or reads the object back when the store reports none). Independent of the codec: records,
 * recordings and manifests all go through here. Never records anything: the caller does.
 */
export const putToSinks = (
  ctx: FlowContext,
  object: OutgoingObject,
  targets: readonly SinkTarget[],
): Effect.Effect<PutOutcome> =>
  Effect.gen(function* () {
    const algorithms = targets.flatMap((t) => (t.algorithm ? [t.algorithm] : []));
    const sent = new ChecksumStream(algorithms, compositeSpecs(targets));
    // Every stream the runtime makes has an error listener: what broke is read from the results
    // (and the upstream failure), never from an 'error' event nobody was listening to.
    const branches = targets.map(() => new PassThrough().on('error', ignore));
    sent.on('error', ignore);
    let firstChunk = true;
    const tap = new Transform({
      transform(chunk, _encoding, callback) {
        if (firstChunk) {
          firstChunk = false;
          try {
            faultPoint('mid-upload', object.itemId);
          } catch (fault) {
            return callback(fault as Error);
          }
        }
        callback(null, chunk);
      },
    });
    const feeding = pipeline(object.body, tap, sent).catch((cause: unknown) => {
      for (const b of branches) b.destroy(cause instanceof Error ? cause : new Error(String(cause)));
    });
    const fanning = fanOut(sent, branches).then(() => {
      if (sent.complete) object.onSent?.(sent);
    });
    let finished = 0;
    let upstream: PluginError | undefined;
    const results = yield* Effect.all(
      targets.map((sink, i) => {
        const branch = branches[i]!;
        return invoke(ctx.inflight, sink, 'put', (signal) =>
          sink.instance.put(object.key, branch, {
            signal,
            contentType: object.contentType,
            metadata: object.metadata,
            ...(ctx.retention
              ? {
                  retention: {
                    mode: ctx.retention.mode,
                    until: new Date(ctx.now().getTime() + ctx.retention.periodMs),
                  },
                }
              : {}),
            ...partDigestFor(sink, sent),
          }),
        ).pipe(
          Effect.tap(() => Effect.sync(() => faultPoint('after-put', object.itemId))),
          Effect.flatMap((stored) => verify(ctx, sink, object.key, stored, sent)),
          Effect.tap(() => Effect.sync(() => faultPoint('after-verify', object.itemId))),
          Effect.result,
          Effect.ensuring(
            Effect.sync(() => {
              // A sink that gave up must not hold back the others: discard what it would have read.
              branch.resume();
              finished++;
              if (finished === targets.length && !sent.complete) sent.destroy(new StreamStopped());
            }),
          ),
        );
      }),
      { concurrency: 'unbounded' },
    ).pipe(
      // What broke upstream is read before the teardown below destroys the streams (which would
      // report a premature close of its own and hide a sink's real error).
      Effect.tap(() =>
        Effect.sync(() => {
          upstream = object.upstreamFailure();
        }),
      ),
      Effect.ensuring(
        Effect.promise(async () => {
          if (!sent.complete) {
            // Destroyed with an error: a pipeline whose source already ended never settles when the
            // source is destroyed without one.
            object.body.destroy(new StreamStopped());
            sent.destroy(new StreamStopped());
          }
          for (const b of branches) if (!b.destroyed) b.destroy(new StreamStopped());
          await feeding;
          await fanning;
        }),
      ),
    );
    const stored: PutResult[] = [];
    const existing: SinkTarget[] = [];
    const failed: SinkTarget[] = [];
    const failures: PluginError[] = [];
    for (const [i, r] of results.entries()) {
      const sink = targets[i]!;
      if (r._tag === 'Success') stored.push(r.success);
      else if (r.failure._tag === 'AlreadyExists') existing.push(sink);
      else {
        failed.push(sink);
        failures.push(upstream ?? r.failure);
      }
    }
    const failure = failures.find((f) => !isRetryable(f)) ?? failures[0];
    return { stored, existing, failed, ...(failure ? { failure } : {}) };
  });
