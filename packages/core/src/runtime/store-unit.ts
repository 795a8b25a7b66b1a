import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Effect } from 'effect';
import { ChecksumStream, sha256OfStream } from '../hashing.js';
import type { LedgerObject } from '../ledger/ledger.js';
import { isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';
import type { StoredInfo, StoredObject } from '../plugin/types.js';
import { invoke, streamFailure } from './boundary.js';
import { faultPoint } from './faults.js';
import type { FlowContext, SinkTarget } from './flow-context.js';
import {
  checksumAsReported,
  compositeSpecs,
  expectedReport,
  type PutResult,
  putToSinks,
  StreamStopped,
  sameChecksum,
} from './put-to-sinks.js';
import type { Unit } from './units.js';

/** What one attempt at a unit achieved; objects are recorded in the ledger as they are verified. */
export interface UnitProgress {
  readonly recorded: readonly LedgerObject[];
  /** Of `recorded`, the objects found already in a sink with the same content and adopted. */
  readonly adopted: number;
  readonly plaintextBytes: number;
  /** Sinks still missing the object. */
  readonly remaining: readonly SinkTarget[];
  readonly failure?: PluginError;
}

/** How the source's artifact stream is named in labels: `source.open(recording.wav)`. */
const artifactLabel = (ctx: FlowContext, unit: Unit) => `${ctx.source.label}.open(${unit.artifact.name})`;

const openArtifact = (ctx: FlowContext, unit: Unit) =>
  invoke(ctx.inflight, { label: ctx.source.label }, `open(${unit.artifact.name})`, (signal) =>
    unit.artifact.open(signal),
  );

/** SHA-256 of the artifact's plaintext, read again from byte 0. */
const plaintextDigest = (ctx: FlowContext, unit: Unit) =>
  openArtifact(ctx, unit).pipe(
    Effect.flatMap((stream) =>
      Effect.tryPromise({
        try: () => sha256OfStream(stream),
        catch: (cause) => streamFailure(artifactLabel(ctx, unit), cause),
      }),
    ),
  );

/** Digests strong enough to say two objects of ours at one key are the same bytes. */
const STRONG: ReadonlySet<string> = new Set(['sha256', 'sha1', 'md5']);

/** Marks the failure of a unit whose key holds other content (see `isDifferentObject`). */
const DIFFERENT_OBJECT = Symbol('a different object exists at the key');

const differentObject = (sink: SinkTarget, unit: Unit) =>
  PluginErrors.permanent(
    `${sink.label}: a different object already exists at ${unit.key}; it was not overwritten (the source data changed since it was archived?)`,
    DIFFERENT_OBJECT,
  );

/** Whether a unit failed because its key holds other content than it (left untouched). */
export const isDifferentObject = (error: PluginError): boolean =>
  error._tag === 'Permanent' && error.cause === DIFFERENT_OBJECT;

/**
 * The cheap way to adopt: the store reports a strong checksum and size that equal what an earlier
 * attempt noted it sent for this unit and sink (`recordSent`), and the source's data is the same
 * as then. Nothing is downloaded. Undefined when that cannot be shown: the caller decodes instead.
 */
const adoptBySent = (
  ctx: FlowContext,
  unit: Unit,
  sink: SinkTarget,
  info: StoredInfo,
  plain: ChecksumStream,
): Effect.Effect<PutResult | undefined, PluginError> =>
  Effect.gen(function* () {
    const reported = info.checksum;
    if (reported === undefined || !STRONG.has(reported.algorithm)) return undefined;
    const sent = yield* Effect.promise(() =>
      ctx.ledger.sentObjects(ctx.tenant, ctx.sourceId, unit.id, sink.label),
    );
    const match = sent.find((s) => s.size === info.size && sameChecksum(s.checksum, reported));
    if (match === undefined) return undefined;
    const now = plain.complete ? plain.digest('sha256')! : (yield* plaintextDigest(ctx, unit)).sha256;
    if (now !== match.plainSha256) return yield* Effect.fail(differentObject(sink, unit));
    return {
      sink,
      physicalKey: info.key || unit.key,
      size: match.size,
      sha256: match.sha256,
      checksum: match.checksum,
      made: { keyId: match.keyId, contentType: match.contentType },
      ...(info.versionId ? { versionId: info.versionId } : {}),
    };
  });

/**
 * Something already exists at the key (a crash after upload, or an earlier run whose ledger write
 * was lost). It counts as stored only if it decodes, under our key and the full expected context,
 * to exactly the artifact's bytes: then it is adopted, never duplicated. Anything else is a
 * conflict, and the existing object is left untouched.
 */
const adopt = (
  ctx: FlowContext,
  unit: Unit,
  sink: SinkTarget,
  plain: ChecksumStream,
): Effect.Effect<PutResult, PluginError> =>
  Effect.gen(function* () {
    const info = yield* invoke(ctx.inflight, sink, 'head', (signal) => sink.instance.head(unit.key, signal));
    if (info === null)
      return yield* Effect.fail(
        PluginErrors.transient(`${sink.label}: ${unit.key} was reported to exist, then was not found`),
      );
    const bySent = yield* adoptBySent(ctx, unit, sink, info, plain);
    if (bySent !== undefined) return bySent;
    const raw = yield* invoke(ctx.inflight, sink, 'get', (signal) => sink.instance.get(unit.key, signal));
    const counted = new ChecksumStream(sink.algorithm ? [sink.algorithm] : [], compositeSpecs([sink]));
    const copying = pipeline(raw, counted).catch(() => undefined);
    const decoded = yield* invoke(ctx.inflight, ctx.codec, 'decode', (signal) =>
      ctx.codec.instance.decode(counted, unit.context, signal),
    ).pipe(
      Effect.catch((error) =>
        Effect.promise(async () => {
          raw.destroy(new StreamStopped());
          await copying;
        }).pipe(
          Effect.andThen(
            Effect.fail(
              isRetryable(error)
                ? error
                : PluginErrors.permanent(
                    `${sink.label}: an object that is not ours exists at ${unit.key} (${error.message}); it was left untouched`,
                  ),
            ),
          ),
        ),
      ),
    );
    const existing = yield* Effect.tryPromise({
      try: () => sha256OfStream(decoded),
      catch: (cause) => streamFailure(`${ctx.codec.label}.decode`, cause),
    }).pipe(
      Effect.ensuring(Effect.promise(() => copying)),
      Effect.mapError((error) =>
        isRetryable(error)
          ? error
          : PluginErrors.permanent(
              `${sink.label}: the object at ${unit.key} fails verification (${error.message}); it was left untouched`,
            ),
      ),
    );
    const expected = yield* plaintextDigest(ctx, unit);
    if (existing.sha256 !== expected.sha256) return yield* Effect.fail(differentObject(sink, unit));
    // What was read is what is recorded; a store that reports another checksum for it is not trusted.
    const reported = info.checksum?.algorithm === sink.algorithm ? info.checksum : undefined;
    const read =
      (reported && checksumAsReported(sink, counted, reported)) ??
      ({ algorithm: 'sha256', value: counted.digest('sha256')! } as const);
    if (reported && !sameChecksum(reported, read))
      return yield* Effect.fail(
        PluginErrors.permanent(
          `${sink.label}: the store reports a ${reported.algorithm} for ${unit.key} that differs from the bytes it returned; it was left untouched`,
        ),
      );
    return {
      sink,
      physicalKey: info.key || unit.key,
      size: counted.size,
      sha256: counted.digest('sha256')!,
      checksum: read,
      ...(info.versionId ? { versionId: info.versionId } : {}),
    };
  });

const toLedgerObject = (
  ctx: FlowContext,
  unit: Unit,
  r: PutResult,
  keyId: string,
  contentType: string,
): LedgerObject => ({
  artifact: unit.artifact.name,
  sink: r.sink.label,
  key: unit.key,
  physicalKey: r.physicalKey,
  size: r.size,
  sha256: r.sha256,
  checksum: r.checksum,
  keyId: r.made?.keyId ?? keyId,
  unitId: unit.id,
  runId: ctx.runId,
  contentType: r.made?.contentType ?? contentType,
  // Decoding needs the artifact's own type back: it is part of the context the codec bound.
  ...(unit.context.contentType === undefined ? {} : { artifactContentType: unit.context.contentType }),
  ...(r.versionId ? { versionId: r.versionId } : {}),
});

/**
 * One attempt at a unit: open the artifact, encode it once, stream the encoding to every target
 * still missing it, verify, adopt what already exists and is ours, and record each verified object
 * in the ledger at once (so a retry or a re-run only targets the others).
 */
export const storeUnitOnce = (
  ctx: FlowContext,
  unit: Unit,
  itemId: string,
  targets: readonly SinkTarget[],
): Effect.Effect<UnitProgress, PluginError> =>
  Effect.gen(function* () {
    const opened = yield* openArtifact(ctx, unit);
    const plain = new ChecksumStream([]);
    // The source's own failure is the cause of everything downstream failing after it (the codec
    // and the sinks then see their input break): it is kept apart and wins.
    let sourceFailure: PluginError | undefined;
    let codecFailure: PluginError | undefined;
    opened.on('error', (cause) => {
      if (!(cause instanceof StreamStopped)) sourceFailure ??= streamFailure(artifactLabel(ctx, unit), cause);
    });
    // Only the source's own error counts as its failure; a premature close because the codec
    // stopped reading is the codec's (or a sink's) story.
    const reading = pipeline(opened, plain).catch(() => undefined);
    let encodedStream: Readable | undefined;
    // Whatever happens from here (a failure, an interruption), both streams are let go of.
    const release = Effect.promise(async () => {
      if (!opened.destroyed) opened.destroy(new StreamStopped());
      if (encodedStream && !encodedStream.destroyed) encodedStream.destroy(new StreamStopped());
      await reading;
    });
    return yield* Effect.gen(function* () {
      const encoded = yield* invoke(ctx.inflight, ctx.codec, 'encode', (signal) =>
        ctx.codec.instance.encode(plain, unit.context, signal),
      );
      encodedStream = encoded.stream;
      encoded.stream.on('error', (cause) => {
        if (!(cause instanceof StreamStopped))
          codecFailure ??= streamFailure(`${ctx.codec.label}.encode`, cause);
      });
      faultPoint('after-encode', itemId);
      const outcome = yield* putToSinks(
        ctx,
        {
          key: unit.key,
          contentType: encoded.contentType,
          metadata: { 'cxarchive-key-id': encoded.keyId },
          body: encoded.stream,
          itemId,
          upstreamFailure: () => sourceFailure ?? codecFailure,
          onSent: (sent) => {
            if (!plain.complete) return;
            // Only a hint for a cheaper adoption: a failed write costs a download, never data.
            for (const sink of targets)
              void ctx.ledger
                .recordSent(
                  ctx.tenant,
                  ctx.sourceId,
                  itemId,
                  {
                    unitId: unit.id,
                    sink: sink.label,
                    size: sent.size,
                    sha256: sent.digest('sha256')!,
                    checksum: expectedReport(sink, sent),
                    plainSha256: plain.digest('sha256')!,
                    keyId: encoded.keyId,
                    contentType: encoded.contentType,
                    runId: ctx.runId,
                  },
                  ctx.now(),
                )
                .catch(() => undefined);
          },
        },
        targets,
      ).pipe(Effect.ensuring(release));
      const recorded: LedgerObject[] = [];
      const record = (r: PutResult) =>
        Effect.promise(() => {
          const object = toLedgerObject(ctx, unit, r, encoded.keyId, encoded.contentType);
          recorded.push(object);
          return ctx.ledger.recordObject(ctx.tenant, ctx.sourceId, itemId, object, ctx.now());
        });
      for (const r of outcome.stored) yield* record(r);
      const remaining: SinkTarget[] = [...outcome.failed];
      let failure = outcome.failure;
      let adoptedCount = 0;
      for (const sink of outcome.existing) {
        const adopted = yield* Effect.result(adopt(ctx, unit, sink, plain));
        if (adopted._tag === 'Success') {
          yield* record(adopted.success);
          adoptedCount++;
        } else {
          remaining.push(sink);
          if (!failure || (isRetryable(failure) && !isRetryable(adopted.failure))) failure = adopted.failure;
        }
      }
      const progress: UnitProgress = {
        recorded,
        adopted: adoptedCount,
        plaintextBytes: plain.complete ? plain.size : 0,
        remaining,
        ...(failure ? { failure } : {}),
      };
      return progress;
    }).pipe(Effect.ensuring(release));
  });

export type { StoredObject };
