import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { err, ok, type Result } from 'neverthrow';
import { HashingStream, sha256OfStream } from '../hashing.js';
import { buildObjectKey } from '../keys.js';
import type { LedgerObject } from '../ledger/ledger.js';
import { fromStreamError, isRetryable, type PluginError, PluginErrors } from '../plugin/errors.js';
import type { Artifact, Item, Sink, Stored } from '../plugin/types.js';
import type { Bound, RunContext } from './run-context.js';

export interface ArtifactUpload {
  readonly item: Item;
  readonly artifact: Artifact;
  readonly key: string;
  /** Sinks that do not yet hold this object (shrinks as sinks succeed). */
  remaining: Bound<Sink>[];
}

export const planUpload = (
  ctx: RunContext,
  item: Item,
  artifact: Artifact,
  known: readonly LedgerObject[],
): ArtifactUpload => ({
  item,
  artifact,
  key: buildObjectKey(
    { tenant: ctx.tenant, occurredAt: item.occurredAt, itemId: item.id, artifact: artifact.name },
    ctx.codec.instance.extension,
  ),
  remaining: ctx.sinks.filter((s) => !known.some((o) => o.artifact === artifact.name && o.sink === s.label)),
});

const settleStream = (stream: Readable): Promise<void> =>
  new Promise((resolve) => {
    if (stream.destroyed || stream.readableEnded) return resolve();
    stream.once('close', () => resolve());
    stream.destroy();
  });

/**
 * The object already exists at the key (a crash after upload, or an earlier run whose ledger
 * write was lost). It counts as stored only if it decodes, under our key, to exactly the
 * artifact's bytes: then it is adopted, never duplicated. Anything else is a conflict, and the
 * existing object is left untouched.
 */
const adoptExisting = async (
  ctx: RunContext,
  upload: ArtifactUpload,
  sink: Bound<Sink>,
): Promise<Result<Stored, PluginError>> => {
  const { item, artifact, key } = upload;
  const got = await sink.limit(() => Promise.resolve(sink.instance.get(key)));
  if (got.isErr()) return err(got.error);
  const raw = new HashingStream();
  got.value.once('error', (e) => raw.destroy(e));
  got.value.pipe(raw);
  const decoded = await ctx.codec.instance.decode(raw, {
    tenant: ctx.tenant,
    objectKey: key,
    itemId: item.id,
    artifact: artifact.name,
  });
  if (decoded.isErr()) {
    raw.destroy();
    return err(
      PluginErrors.permanent(
        `${sink.label}: an object that is not ours exists at ${key} (${decoded.error.message}); it was left untouched`,
      ),
    );
  }
  let existing: { sha256: string };
  try {
    existing = await sha256OfStream(decoded.value);
  } catch (e) {
    const cause = fromStreamError(e);
    if (isRetryable(cause)) return err(cause);
    return err(
      PluginErrors.permanent(
        `${sink.label}: the object at ${key} fails verification (${cause.message}); it was left untouched`,
      ),
    );
  }
  const reopened = await upload.artifact.open();
  if (reopened.isErr()) return err(reopened.error);
  let expected: { sha256: string };
  try {
    expected = await sha256OfStream(reopened.value);
  } catch (e) {
    return err(fromStreamError(e));
  }
  if (existing.sha256 !== expected.sha256) {
    return err(
      PluginErrors.permanent(
        `${sink.label}: a different object already exists at ${key}; it was not overwritten (the source data changed since it was archived?)`,
      ),
    );
  }
  return ok({ key, size: raw.size, sha256: raw.sha256 });
};

/**
 * One attempt: open the artifact, encode it once, and stream the encoded bytes to every sink
 * still missing it, at the pace of the slowest. Each sink that stores and verifies the object
 * is recorded in the ledger at once, so a retry or a re-run only targets the others.
 */
export const uploadOnce = async (
  ctx: RunContext,
  upload: ArtifactUpload,
): Promise<Result<void, PluginError>> => {
  const { item, artifact, key } = upload;
  const opened = await upload.artifact.open();
  if (opened.isErr()) return err(opened.error);
  const plain = new HashingStream();
  const feeding = pipeline(opened.value, plain).catch(() => undefined);
  const encoded = await ctx.codec.instance.encode(plain, {
    tenant: ctx.tenant,
    objectKey: key,
    itemId: item.id,
    artifact: artifact.name,
    ...(artifact.contentType ? { contentType: artifact.contentType } : {}),
  });
  if (encoded.isErr()) {
    opened.value.destroy();
    await feeding;
    return err(encoded.error);
  }
  const stored = new HashingStream();
  const encodedStream = encoded.value.stream;
  encodedStream.once('error', (e) => stored.destroy(e));
  encodedStream.pipe(stored);

  const targets = upload.remaining;
  const branches = targets.map(() => new PassThrough());
  stored.once('error', (e) => {
    for (const b of branches) b.destroy(e);
  });
  for (const b of branches) stored.pipe(b);

  let settledCount = 0;
  const results = await Promise.all(
    targets.map(async (sink, i) => {
      const branch = branches[i]!;
      const result = await sink
        .limit(() =>
          Promise.resolve(sink.instance.put(key, branch, { contentType: encoded.value.contentType })),
        )
        .catch((defect: unknown) =>
          err<Stored, PluginError>(
            PluginErrors.permanent(
              `${sink.label}.put: defect: ${defect instanceof Error ? defect.message : String(defect)}`,
            ),
          ),
        );
      // A sink that gave up must not hold back the others: discard what it would have read.
      if (result.isErr()) branch.resume();
      settledCount++;
      if (settledCount === targets.length && !stored.readableEnded) stored.destroy();
      return result;
    }),
  );
  await settleStream(opened.value);
  await feeding;

  const failures: PluginError[] = [];
  const still: Bound<Sink>[] = [];
  for (const [i, sink] of targets.entries()) {
    let result = results[i]!;
    if (result.isErr() && result.error._tag === 'AlreadyExists')
      result = await adoptExisting(ctx, upload, sink);
    else if (result.isOk()) {
      const sent = stored.complete ? { size: stored.size, sha256: stored.sha256 } : undefined;
      if (!sent || result.value.sha256 !== sent.sha256 || result.value.size !== sent.size) {
        result = err(
          PluginErrors.permanent(`${sink.label}: the stored object at ${key} does not match the bytes sent`),
        );
      }
    }
    if (result.isOk()) {
      ctx.ledger.recordObject(
        ctx.tenant,
        ctx.sourceId,
        item.id,
        {
          artifact: artifact.name,
          sink: sink.label,
          key,
          size: result.value.size,
          sha256: result.value.sha256,
          keyId: encoded.value.keyId,
          ...(result.value.versionId ? { versionId: result.value.versionId } : {}),
        },
        ctx.now(),
      );
      ctx.stats.objects++;
      ctx.stats.storedBytes += result.value.size;
    } else {
      failures.push(result.error);
      still.push(sink);
    }
  }
  // Counted once per artifact: when the last sink that lacked it has it.
  if (still.length === 0) ctx.stats.plaintextBytes += plain.size;
  upload.remaining = still;
  if (failures.length === 0) return ok(undefined);
  // A failure no retry can fix decides; otherwise the first retryable one does.
  return err(failures.find((f) => !isRetryable(f)) ?? failures[0]!);
};
