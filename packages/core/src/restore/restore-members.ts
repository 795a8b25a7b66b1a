import path from 'node:path';
import { batchIdOf, batchItemId } from '../ledger/ledger.js';
import { makeDirectory } from '../make-directory.js';
import type { ArchiveAccess } from './archive-access.js';
import { restoreBatchRecords } from './restore-batch.js';
import {
  type BatchedRecord,
  batchRecordArtifact,
  existingFiles,
  fileNameOf,
  type ItemRestore,
  type RestoreItemOptions,
  restoreItem,
} from './restore-item.js';

/**
 * Members restored from one decoding of their batch: a batch of up to this many is read once; a
 * bigger one once per this many members (what is held per member is its target and outcome).
 */
export const MEMBERS_AT_ONCE = 20_000;

/**
 * Restores items whose records are in one stored batch: their records from one decoding of the
 * batch object, then each one's own artifacts, each result to `done` in the order given. An item
 * with a file already there (without `force`) is not written to, and fails as `restoreItem` says.
 */
export const restoreFromBatch = async (
  access: ArchiveAccess,
  batched: BatchedRecord,
  itemIds: readonly string[],
  options: RestoreItemOptions,
  done: (result: ItemRestore) => void,
): Promise<void> => {
  const targets = new Map<string, string>();
  for (const itemId of itemIds) {
    if (access.signal.aborted) break;
    if (targets.has(itemId)) continue;
    const directory = path.join(options.out, fileNameOf(itemId));
    if (!options.force) {
      const item = await access.ledger.getItem(access.tenant, access.sourceId, itemId);
      const names = [batched.artifact, ...new Set(item?.objects.map((o) => o.artifact))];
      if (existingFiles(directory, names).length > 0) continue;
    }
    makeDirectory(directory);
    targets.set(itemId, path.join(directory, fileNameOf(batched.artifact)));
  }
  const records = await restoreBatchRecords(access, batched.copies, targets, options);
  for (const itemId of itemIds) {
    const record = records.get(itemId);
    // Once stopped, only items whose record was written are still told of.
    if (!record && access.signal.aborted) continue;
    // Told once: an item given twice is restored (and found there) the second time as by itself.
    records.delete(itemId);
    done(await restoreItem(access, itemId, options, record ? { record, batched } : undefined));
  }
};

/** A stored batch's record of the items in it (their objects, and the record's file name). */
export const storedBatch = async (
  access: ArchiveAccess,
  batchId: string,
  names: Pick<RestoreItemOptions, 'recordName' | 'fallbackRecordName'>,
): Promise<BatchedRecord> => {
  const objects = await access.ledger.batchObjects(access.tenant, access.sourceId, batchId);
  const info = await access.ledger.getBatch(access.tenant, access.sourceId, batchId);
  return {
    artifact: batchRecordArtifact(names, info?.recordName),
    batchId,
    copies: objects.map((o) => ({ ...o, source: access.sourceId, itemId: batchItemId(batchId) })),
  };
};

/**
 * Restores every member of a stored batch (`#batch:<batchId>`, as the ledger lists it among the
 * objects of a window), `membersAtOnce` members per decoding of the batch object, in the batch's
 * order. A batch that is not stored (abandoned, or not stored yet) is passed over: its members are
 * in another batch, or not archived.
 */
export const restoreBatchMembers = async (
  access: ArchiveAccess,
  batchItem: string,
  options: RestoreItemOptions,
  done: (result: ItemRestore) => void,
  membersAtOnce = MEMBERS_AT_ONCE,
): Promise<void> => {
  const batchId = batchIdOf(batchItem);
  if (batchId === undefined) return;
  const info = await access.ledger.getBatch(access.tenant, access.sourceId, batchId);
  if (info?.status !== 'stored') return;
  const batched = await storedBatch(access, batchId, options);
  let after: number | undefined;
  do {
    const page = await access.ledger.batchMembersPage(
      access.tenant,
      access.sourceId,
      batchId,
      after,
      membersAtOnce,
    );
    await restoreFromBatch(
      access,
      batched,
      page.members.map((m) => m.itemId),
      options,
      done,
    );
    after = page.next;
  } while (after !== undefined && !access.signal.aborted);
};

/**
 * Restores the items named (`--item`), in their order, except that the items whose records are in
 * one stored batch are restored together where the first of them is named: the batch is decoded
 * once for all of them. Holds the names given (a command line's worth), never a batch.
 */
export const restoreNamedItems = async (
  access: ArchiveAccess,
  itemIds: readonly string[],
  options: RestoreItemOptions,
  done: (result: ItemRestore) => void,
): Promise<void> => {
  const batchOf = new Map<string, string | undefined>();
  for (const id of new Set(itemIds)) {
    const info = await access.ledger.batchInfoOf(access.tenant, access.sourceId, id);
    batchOf.set(id, info?.status === 'stored' ? info.batchId : undefined);
  }
  const started = new Set<string>();
  for (const id of itemIds) {
    if (access.signal.aborted) break;
    const batchId = batchOf.get(id);
    if (batchId === undefined) {
      done(await restoreItem(access, id, options));
      continue;
    }
    if (started.has(batchId)) continue;
    started.add(batchId);
    const members = itemIds.filter((other) => batchOf.get(other) === batchId);
    await restoreFromBatch(access, await storedBatch(access, batchId, options), members, options, done);
  }
};
