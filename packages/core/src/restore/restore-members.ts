import path from 'node:path';
import { batchIdOf, batchItemId } from '../ledger/ledger.js';
import { makeDirectory } from '../make-directory.js';
import type { ArchiveAccess } from './archive-access.js';
import { restoreBatchRecords } from './restore-batch.js';
import {
  type BatchedRecord,
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
 * Restores every member of a stored batch (`#batch:<batchId>`, as the ledger lists it among the
 * objects of a window): their records from one decoding of the batch object (per `membersAtOnce`
 * members), then each member's own artifacts, each member's result to `done` in the batch's order.
 * A member with a file already there (without `force`) is not written to, and fails as
 * `restoreItem` says. A batch that is not stored (abandoned, or not stored yet) is passed over: its
 * members are in another batch, or not archived.
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
  const objects = await access.ledger.batchObjects(access.tenant, access.sourceId, batchId);
  const batched: BatchedRecord = {
    artifact: `${options.recordName}.json`,
    batchId,
    copies: objects.map((o) => ({ ...o, source: access.sourceId, itemId: batchItemId(batchId) })),
  };
  let after: number | undefined;
  do {
    const page = await access.ledger.batchMembersPage(
      access.tenant,
      access.sourceId,
      batchId,
      after,
      membersAtOnce,
    );
    const targets = new Map<string, string>();
    for (const { itemId } of page.members) {
      if (access.signal.aborted) break;
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
    for (const { itemId } of page.members) {
      const record = records.get(itemId);
      // Once stopped, only members whose record was written are still told of.
      if (!record && access.signal.aborted) continue;
      done(await restoreItem(access, itemId, options, record ? { record, batched } : undefined));
    }
    after = page.next;
  } while (after !== undefined && !access.signal.aborted);
};
