import { Effect, Semaphore } from 'effect';
import { err, type Result } from 'neverthrow';
import { HashingStream, UnexpectedBytesError } from '../hashing.js';
import { type PluginError, PluginErrors } from '../plugin/errors.js';
import type {
  AttachmentSink,
  AttachmentTarget,
  Item,
  ItemRef,
  JsonObject,
  PipelineEvent,
  SentAttachment,
  UploadedAttachment,
} from '../plugin/types.js';
import { invoke, type PluginHandle, streamFailure } from './boundary.js';
import { faultPoint } from './faults.js';
import type { FlowContext } from './flow-context.js';
import type { ItemOutcome } from './outcome.js';
import {
  type Count,
  concluder,
  eventBase,
  type Handover,
  type Prepared,
  prepareItem,
  retryCounter,
  skippedOutcome,
  usableRef,
} from './process-item.js';
import { type RetryHooks, withRetry } from './retry.js';

/** The ledger's owner name for the attach flow's jobs (plugin labels never start with `#`). */
export const ATTACH_JOBS = '#attach';
/** A confirmation that does not show the message yet is looked at again this much later. */
const CONFIRM_AGAIN_MS = 60_000;
/** An upload this close to its expiry is not sent: it is uploaded again. */
const EXPIRY_MARGIN_MS = 2 * 60_000;

/**
 * A job's state in the ledger, keyed by (channel, contact, SHA-256): `sending` once an upload is
 * about to be sent (kept with it, so a run that crashed while sending finds the message instead
 * of sending again), `sent` once the destination answered, `confirmed` once read back.
 */
type JobState =
  | {
      readonly state: 'sending';
      readonly itemId: string;
      readonly uploaded: UploadedAttachment;
    }
  | {
      readonly state: 'sent' | 'confirmed';
      readonly itemId: string;
      readonly uploaded: UploadedAttachment;
      readonly sent: SentAttachment;
    };

/** The job's key: one file (by its bytes) to one contact, whatever its name or manifest row. */
export const attachmentJobKey = (target: AttachmentTarget): string =>
  `${target.contact.channelId}/${target.contact.contactNumber ?? `thread:${target.contact.threadId}`}/${target.sha256}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The attachment an item describes, from its record (the source's `target`, `file`, `message`;
 * validate-media's `validation`; scan-clamav's `scan`), or why it cannot be sent. Validation and a
 * clean scan are required: an attachment that was not checked is refused, never sent unchecked.
 */
export const attachmentTargetOf = (item: Item): AttachmentTarget | PluginError => {
  const record = item.record as Record<string, unknown>;
  const target = obj(record.target);
  const file = obj(record.file);
  const validation = obj(record.validation);
  const scan = obj(record.scan);
  const message = obj(record.message);
  const channelId = str(target?.channelId);
  const contactNumber = str(target?.contactNumber);
  const threadId = str(target?.threadId);
  if (!channelId || (contactNumber === undefined) === (threadId === undefined))
    return PluginErrors.invalidInput(
      `item ${item.id}: no digital contact to send it to (record.target needs a channelId and a contactNumber or a threadId: the source names them)`,
    );
  if (
    !validation ||
    !str(validation.sha256) ||
    !str(validation.mimeType) ||
    typeof validation.size !== 'number'
  )
    return PluginErrors.invalidInput(
      `item ${item.id}: not validated (no record.validation): add the transform validate-media before it is sent`,
    );
  if (scan?.clean !== true)
    return PluginErrors.invalidInput(
      `item ${item.id}: not scanned for malware (no clean record.scan): add the transform scan-clamav before it is sent`,
    );
  const tags = Array.isArray(message?.tags)
    ? message.tags.filter((t): t is string => typeof t === 'string')
    : [];
  const text = str(message?.text);
  return {
    itemId: item.id,
    contact: {
      channelId,
      ...(contactNumber === undefined ? {} : { contactNumber }),
      ...(threadId === undefined ? {} : { threadId }),
    },
    fileName: str(record.friendlyName) ?? str(file?.name) ?? item.id,
    mimeType: validation.mimeType as string,
    size: validation.size as number,
    sha256: validation.sha256 as string,
    ...(text === undefined ? {} : { text }),
    ...(tags.length > 0 ? { tags } : {}),
  };
};

/** The destination's marker for an upload that expired: upload again (cxone-dfo's `isExpiredUpload`). */
const isExpired = (error: PluginError): boolean =>
  error._tag === 'Permanent' && (error.cause as { expired?: unknown } | undefined)?.expired === true;

/**
 * The attach flow's program for one item (the archive flow's `processItem` counterpart): fetch and
 * transforms (validation, scan), then the attachment as a durable job: upload → `sending`
 * (durable, with the upload) → send → `sent` (durable) → confirm (read back) → archived. A job
 * already sent for the same file and contact is never sent again; a run that stopped while sending
 * finds the message by its upload (the destination answers the message that carries it); an
 * upload that expired before it was sent is uploaded again.
 */
export const attachItem = (
  ctx: FlowContext,
  listed: ItemRef,
  count: Count,
  handover?: Handover,
): Effect.Effect<ItemOutcome> =>
  Effect.gen(function* () {
    const { ref, problem } = usableRef(listed);
    const conclude = concluder(ctx, ref.id, count);
    const begin =
      handover?.begin ??
      (yield* Effect.promise(() =>
        ctx.ledger.beginItem(ctx.tenant, ctx.sourceId, ref, ctx.runId, ctx.now()),
      ));
    const skipped = skippedOutcome(ctx, ref, begin);
    if (skipped) return yield* conclude(undefined, skipped);
    const counted = retryCounter(ctx, ref.id);
    const hooks = counted.hooks;
    let target: AttachmentTarget | undefined;
    const seen: { item?: Item } = {};
    const result = yield* Effect.result(
      Effect.gen(function* () {
        if (problem) return yield* Effect.fail(PluginErrors.invalidInput(problem));
        const item = yield* prepareItem(ctx, ref, hooks, handover?.prepared as Prepared | undefined, seen);
        if ('droppedBecause' in item) return item;
        const t = attachmentTargetOf(item);
        if ('_tag' in t) return yield* Effect.fail(t);
        target = t;
        return yield* deliver(ctx, item, t, hooks);
      }),
    );
    // Whom it was for: as checked, else as the source gave it (a file a check refused), else unknown.
    const contact = target?.contact ?? contactOf(seen.item?.record) ?? contactOf(ref.data);
    const about = {
      ...eventBase(ctx, ref.id),
      ...(contact ? { contact } : {}),
      ...(target ? { fileName: target.fileName, sha256: target.sha256 } : {}),
    };
    if (result._tag === 'Failure') {
      const error = result.failure;
      const reason = ctx.scrubber.scrub(error.message);
      if (error._tag === 'NotYet') {
        const retryAt =
          error.retryAt instanceof Date ? error.retryAt : new Date(ctx.now().getTime() + CONFIRM_AGAIN_MS);
        return yield* conclude(
          { status: 'awaiting', reason, retryAt },
          {
            status: 'awaiting',
            itemId: ref.id,
            reason,
            retryAt: retryAt.toISOString(),
            retries: counted.count(),
          },
          { type: 'item.awaiting', ...eventBase(ctx, ref.id), reason, retryAt: retryAt.toISOString() },
        );
      }
      // A check said no (bad data, not allowed, malware): refused; anything else failed.
      const refused = error._tag === 'InvalidInput';
      const event: PipelineEvent = refused
        ? { type: 'attachment.refused', ...about, errorTag: error._tag, reason }
        : { type: 'attachment.failed', ...about, errorTag: error._tag, reason };
      return yield* conclude(
        { status: 'failed', error: `[${error._tag}] ${reason}` },
        {
          status: 'failed',
          itemId: ref.id,
          errorTag: error._tag,
          reason,
          retries: counted.count(),
          newObjects: 0,
          storedBytes: 0,
        },
        event,
      );
    }
    if ('droppedBecause' in result.success) {
      const reason = result.success.droppedBecause;
      return yield* conclude(
        { status: 'dropped' },
        { status: 'skipped', itemId: ref.id, reason },
        { type: 'item.skipped', ...eventBase(ctx, ref.id), reason },
      );
    }
    const done = result.success;
    if (done.kind === 'sent-before')
      return yield* conclude(
        { status: 'archived', note: done.note },
        { status: 'skipped', itemId: ref.id, reason: 'already sent' },
        { type: 'item.skipped', ...eventBase(ctx, ref.id), reason: done.note },
      );
    const t = target as unknown as AttachmentTarget;
    return yield* conclude(
      { status: 'archived' },
      {
        status: 'archived',
        itemId: ref.id,
        objects: [],
        newObjects: 0,
        plaintextBytes: t.size,
        storedBytes: 0,
        retries: counted.count(),
      },
      {
        type: 'attachment.sent',
        ...about,
        mimeType: t.mimeType,
        size: t.size,
        attachmentId: done.uploaded.id,
        messageId: done.sent.messageId,
        ...(done.sent.threadId === undefined ? {} : { threadId: done.sent.threadId }),
      },
    );
  });

/** The contact a record (or a listed ref's data) names in `target`, by its ids; none when it names none. */
const contactOf = (record: unknown): AttachmentTarget['contact'] | undefined => {
  const target = obj(obj(record)?.target);
  const channelId = str(target?.channelId);
  if (channelId === undefined) return undefined;
  const contactNumber = str(target?.contactNumber);
  const threadId = str(target?.threadId);
  return {
    channelId,
    ...(contactNumber === undefined ? {} : { contactNumber }),
    ...(threadId === undefined ? {} : { threadId }),
  };
};

type Delivered =
  | { readonly kind: 'sent'; readonly uploaded: UploadedAttachment; readonly sent: SentAttachment }
  | { readonly kind: 'sent-before'; readonly note: string };

/**
 * One job at a time per key within a run: two manifest rows with the same file for the same contact,
 * processed at once, would both find no job and both send. The second waits for the first, then
 * reads the job it left. Entries go when no item holds or waits for them.
 */
const jobLocks = new WeakMap<
  FlowContext['ledger'],
  Map<string, { permits: Semaphore.Semaphore; users: number }>
>();

const oneJobAtATime = <A, E>(
  ctx: FlowContext,
  key: string,
  effect: Effect.Effect<A, E>,
): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    let locks = jobLocks.get(ctx.ledger);
    if (!locks) {
      locks = new Map();
      jobLocks.set(ctx.ledger, locks);
    }
    let lock = locks.get(key);
    if (!lock) {
      lock = { permits: Semaphore.makeUnsafe(1), users: 0 };
      locks.set(key, lock);
    }
    const held = lock;
    const all = locks;
    held.users++;
    return held.permits
      .withPermits(1)(effect)
      .pipe(
        Effect.ensuring(
          Effect.sync(() => {
            held.users--;
            if (held.users === 0) all.delete(key);
          }),
        ),
      );
  });

/** The job's steps from what the ledger says was done; each step recorded (durably) before the next. */
const deliver = (
  ctx: FlowContext,
  item: Item,
  target: AttachmentTarget,
  hooks: RetryHooks,
): Effect.Effect<Delivered, PluginError> =>
  oneJobAtATime(ctx, attachmentJobKey(target), deliverNow(ctx, item, target, hooks));

const deliverNow = (
  ctx: FlowContext,
  item: Item,
  target: AttachmentTarget,
  hooks: RetryHooks,
): Effect.Effect<Delivered, PluginError> =>
  Effect.gen(function* () {
    const destination = ctx.sinks[0] as unknown as PluginHandle<AttachmentSink>;
    const key = attachmentJobKey(target);
    const put = (state: JobState) =>
      Effect.promise(() =>
        ctx.ledger.putJob(ctx.tenant, ATTACH_JOBS, key, state as unknown as JsonObject, ctx.now()),
      );
    const job = (yield* Effect.promise(() => ctx.ledger.getJob(ctx.tenant, ATTACH_JOBS, key)))?.state as
      | JobState
      | undefined;
    if (job && job.state !== 'sending' && job.itemId !== target.itemId)
      return {
        kind: 'sent-before',
        note: `already sent to this contact as item ${job.itemId} (message ${job.sent.messageId}): the same file is never sent twice`,
      } as const;
    const call = <A>(operation: string, run: (signal: AbortSignal) => PromiseLike<Result<A, PluginError>>) =>
      withRetry(invoke(ctx.inflight, destination, operation, run), ctx.policy, ctx.budgets, hooks);

    let uploaded: UploadedAttachment | undefined;
    let sent: SentAttachment | undefined;
    if (job && job.state !== 'sending') {
      uploaded = job.uploaded;
      sent = job.sent;
    } else if (job?.state === 'sending') uploaded = job.uploaded;

    if (!sent) {
      for (let round = 0; ; round++) {
        const fresh =
          uploaded !== undefined && Date.parse(uploaded.expiresAt) - ctx.now().getTime() > EXPIRY_MARGIN_MS;
        if (!fresh) {
          uploaded = yield* call('upload', (signal) => uploadChecked(item, target, destination, signal));
          yield* put({ state: 'sending', itemId: target.itemId, uploaded });
          faultPoint('after-upload', target.itemId);
        }
        const current = uploaded as UploadedAttachment;
        const answer = yield* Effect.result(
          // Not retried blindly: the destination answers the message that already carries this
          // upload, so a retry after a lost answer finds it instead of sending again.
          call('send', (signal) => destination.instance.send(target, current, signal)),
        );
        if (answer._tag === 'Success') {
          sent = answer.success;
          faultPoint('after-send', target.itemId);
          break;
        }
        if (isExpired(answer.failure) && round < 2) {
          uploaded = undefined;
          continue;
        }
        return yield* Effect.fail(answer.failure);
      }
      yield* put({ state: 'sent', itemId: target.itemId, uploaded: uploaded as UploadedAttachment, sent });
    }
    const finalSent = sent as SentAttachment;
    const finalUploaded = uploaded as UploadedAttachment;
    const there = yield* call('confirm', (signal) => destination.instance.confirm(target, finalSent, signal));
    if (!there)
      return yield* Effect.fail(
        PluginErrors.notYet(
          `message ${finalSent.messageId} is not on the contact's thread yet: looked at again later (it is not sent again)`,
          new Date(ctx.now().getTime() + CONFIRM_AGAIN_MS),
        ),
      );
    yield* put({ state: 'confirmed', itemId: target.itemId, uploaded: finalUploaded, sent: finalSent });
    return { kind: 'sent', uploaded: finalUploaded, sent: finalSent } as const;
  });

/**
 * Uploads the item's file, checking on the way that the bytes are the ones validated (size and
 * SHA-256): a file that changed since is refused before anything is sent.
 */
const uploadChecked = (
  item: Item,
  target: AttachmentTarget,
  destination: PluginHandle<AttachmentSink>,
  signal: AbortSignal,
) => {
  const file = item.artifacts.find((a) => a.name === 'file') ?? item.artifacts[0];
  if (!file)
    return Promise.resolve(
      err<UploadedAttachment, PluginError>(
        PluginErrors.invalidInput(`item ${item.id} has no file to attach`),
      ),
    );
  return Promise.resolve(file.open(signal)).then(
    async (opened): Promise<Result<UploadedAttachment, PluginError>> => {
      if (opened.isErr()) return err(opened.error);
      const body = new HashingStream({ expected: { size: target.size, sha256: target.sha256 } });
      opened.value.on('error', (e) => body.destroy(e));
      opened.value.pipe(body);
      // The bytes are not the ones validated: refused before anything is sent.
      const changed = (): PluginError | undefined =>
        body.errored instanceof UnexpectedBytesError
          ? PluginErrors.invalidInput(
              body.errored.found === 'longer'
                ? `${target.fileName}: the file changed since it was validated (larger than ${target.size} bytes); not sent`
                : `${target.fileName}: the file changed since it was validated (its SHA-256 or size differs); not sent`,
            )
          : undefined;
      let result: Result<UploadedAttachment, PluginError>;
      try {
        result = await destination.instance.upload(target, body, signal);
      } catch (cause) {
        // A destination that failed because the body did: the body's reason, not a defect.
        const refused = changed();
        if (refused) return err(refused);
        throw cause;
      }
      const refused = changed();
      if (refused) return err(refused);
      if (result.isErr() && body.errored) return err(streamFailure(`${item.id}.file`, body.errored));
      return result;
    },
  );
};
