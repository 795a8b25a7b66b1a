import { existsSync } from 'node:fs';
import path from 'node:path';
import { encodeKeyVariable } from '../keys.js';
import { batchItemId, type ItemObject, type LedgerItem } from '../ledger/ledger.js';
import { makeDirectory } from '../make-directory.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import type { ArchiveAccess } from './archive-access.js';
import { describeFailure, holdersOf } from './holders.js';
import { readObject } from './read-object.js';
import { type BatchRecordRestore, restoreBatchRecords } from './restore-batch.js';
import { TargetExists, writeFileAtomically } from './write-file-atomically.js';

/** One file restored. */
export interface RestoredFile {
  readonly artifact: string;
  readonly file: string;
  readonly bytes: number;
  readonly sink: string;
  readonly key: string;
  /** Why the sinks tried before this one could not give it (each a problem of that sink). */
  readonly fellBack?: readonly string[];
  /** The batch the file was read from (a record in the batch layout): `key` is its object's. */
  readonly batchId?: string;
}

/** One object that could not be restored, and why (one reason per sink tried). */
export interface RestoreProblem {
  readonly artifact: string;
  readonly reasons: readonly { readonly sink?: string; readonly key?: string; readonly reason: string }[];
}

export interface ItemRestore {
  readonly itemId: string;
  /** `restored`: every object; `partial`: some; `failed`: none; `unknown`: not in the ledger. */
  readonly status: 'restored' | 'partial' | 'failed' | 'unknown';
  /** The item's status in the ledger, when it is there. */
  readonly ledgerStatus?: LedgerItem['status'];
  readonly directory?: string;
  readonly files: readonly RestoredFile[];
  readonly problems: readonly RestoreProblem[];
}

export interface RestoreItemOptions {
  readonly out: string;
  /** Restore from this sink only (else: the first sink of the pipeline holding each object). */
  readonly sink?: SinkTarget;
  readonly force: boolean;
  /**
   * The base name of an item's record file (`contact` → `contact.json`), for a record restored
   * from its batch (the batch layout; the per-item layout records the name with the object): when
   * given, it wins; else the name the ledger kept with the batch; else `fallbackRecordName`.
   */
  readonly recordName?: string;
  readonly fallbackRecordName: string;
}

/** The file a batched record is restored as. */
export const batchRecordArtifact = (
  options: Pick<RestoreItemOptions, 'recordName' | 'fallbackRecordName'>,
  kept: string | undefined,
): string => `${options.recordName ?? kept ?? options.fallbackRecordName}.json`;

/** A name kept as it is when it is a plain file name, else made one (`_XX` escapes, as in keys). */
export const fileNameOf = (name: string): string =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && name.length <= 200 ? name : encodeKeyVariable(name);

/** An item's record as the batch layout keeps it: a line of a stored batch object. */
export interface BatchedRecord {
  /** The record's file name (`contact.json`). */
  readonly artifact: string;
  readonly batchId: string;
  /** The batch object on each sink that holds it (empty when the batch is not stored). */
  readonly copies: readonly ItemObject[];
  /** Why there is nothing to read (the batch is not stored), when so. */
  readonly notStored?: string;
}

/** Where the item's record is, when it is in a batch (the newest one holding it that is not abandoned). */
export const batchedRecordOf = async (
  access: ArchiveAccess,
  itemId: string,
  names: Pick<RestoreItemOptions, 'recordName' | 'fallbackRecordName'>,
): Promise<BatchedRecord | undefined> => {
  const batch = await access.ledger.batchInfoOf(access.tenant, access.sourceId, itemId);
  if (!batch) return undefined;
  const artifact = batchRecordArtifact(names, batch.recordName);
  if (batch.status !== 'stored')
    return {
      artifact,
      batchId: batch.batchId,
      copies: [],
      notStored: `its record is in batch ${batch.batchId}, which is not stored (${batch.status}): the next run stores it`,
    };
  const objects = await access.ledger.batchObjects(access.tenant, access.sourceId, batch.batchId);
  return {
    artifact,
    batchId: batch.batchId,
    copies: objects.map((o) => ({ ...o, source: access.sourceId, itemId: batchItemId(batch.batchId) })),
  };
};

/** The files of an item already in `directory`, named by what would be written there. */
export const existingFiles = (directory: string, names: readonly string[]): string[] =>
  names.map((name) => path.join(directory, fileNameOf(name))).filter((file) => existsSync(file));

/**
 * Restores the objects the ledger records for one item into `<out>/<itemId>/`, one file per
 * artifact (`contact.json`, the recordings by their names). Each is read from the first sink that
 * holds it (or the one asked for; without one, a failing sink gives way to the next holder),
 * decoded under the full expected context, and written through a temp file renamed only after its
 * final chunk authenticated. In the batch layout the record is the item's line of its batch object,
 * written as `<recordName>.json` with the bytes the per-item layout stores (`restoreBatchRecords`);
 * a caller restoring many members of one batch passes each one's `record`, decoded once for all.
 * Files already there are refused before anything is read, unless `force`.
 */
export const restoreItem = async (
  access: ArchiveAccess,
  itemId: string,
  options: RestoreItemOptions,
  given?: { readonly record: BatchRecordRestore; readonly batched: BatchedRecord },
): Promise<ItemRestore> => {
  const item = await access.ledger.getItem(access.tenant, access.sourceId, itemId);
  if (!item)
    return {
      itemId,
      status: 'unknown',
      files: [],
      problems: [
        {
          artifact: '',
          reasons: [
            {
              reason: `item ${itemId} is not in the ledger of tenant ${access.tenant} (source ${access.sourceId}): check the contact id`,
            },
          ],
        },
      ],
    };
  const byArtifact = new Map<string, ItemObject[]>();
  for (const o of item.objects) {
    const list = byArtifact.get(o.artifact) ?? [];
    list.push({ ...o, source: access.sourceId, itemId });
    byArtifact.set(o.artifact, list);
  }
  const batched = given?.batched ?? (await batchedRecordOf(access, itemId, options));
  const directory = path.join(options.out, fileNameOf(itemId));
  const base = { itemId, ledgerStatus: item.status, directory };
  if (byArtifact.size === 0 && !batched)
    return {
      ...base,
      status: 'failed',
      files: [],
      problems: [
        {
          artifact: '',
          reasons: [
            { reason: `the ledger records no object for item ${itemId} (its status: ${item.status})` },
          ],
        },
      ],
    };
  if (!options.force) {
    // A record the caller restored already is in place: only the others are looked for.
    const names = [...(batched && !given?.record.ok ? [batched.artifact] : []), ...byArtifact.keys()];
    const existing = existingFiles(directory, names);
    if (existing.length > 0)
      return {
        ...base,
        status: 'failed',
        files: given?.record.ok ? [recordFile(batched!, given.record)] : [],
        problems: existing.map((file) => ({
          artifact: path.basename(file),
          reasons: [{ reason: new TargetExists(file).message }],
        })),
      };
  }
  makeDirectory(directory);
  const files: RestoredFile[] = [];
  const problems: RestoreProblem[] = [];
  if (batched) {
    const record =
      given?.record ??
      (batched.notStored
        ? { ok: false as const, reasons: [{ reason: batched.notStored }] }
        : (
            await restoreBatchRecords(
              access,
              batched.copies,
              new Map([[itemId, path.join(directory, fileNameOf(batched.artifact))]]),
              options,
            )
          ).get(itemId)!);
    if (record.ok) files.push(recordFile(batched, record));
    else problems.push({ artifact: batched.artifact, reasons: record.reasons });
  }
  for (const [artifact, copies] of byArtifact) {
    const target = path.join(directory, fileNameOf(artifact));
    const { holders, none } = holdersOf(access, copies, options.sink);
    const reasons: RestoreProblem['reasons'][number][] = none ? [{ reason: none }] : [];
    for (const { sink, object } of holders) {
      let bytes = 0;
      const read = await readObject(access, sink, object, async (plaintext) => {
        bytes = await writeFileAtomically(target, plaintext, { force: options.force });
      });
      if (read.ok) {
        const fellBack = reasons.map((r) => r.reason);
        files.push({
          artifact,
          file: target,
          bytes,
          sink: sink.label,
          key: object.key,
          ...(fellBack.length > 0 ? { fellBack } : {}),
        });
        reasons.length = 0;
        break;
      }
      reasons.push({ sink: sink.label, key: object.key, reason: describeFailure(read, sink, object.key) });
      // Another sink cannot help with a file already there or a full disk.
      if (read.stage === 'output' || access.signal.aborted) break;
    }
    if (reasons.length > 0) problems.push({ artifact, reasons });
  }
  return {
    ...base,
    status: problems.length === 0 ? 'restored' : files.length === 0 ? 'failed' : 'partial',
    files,
    problems,
  };
};

const recordFile = (
  batched: BatchedRecord,
  record: Extract<BatchRecordRestore, { ok: true }>,
): RestoredFile => ({
  artifact: batched.artifact,
  file: record.file,
  bytes: record.bytes,
  sink: record.sink,
  key: record.key,
  batchId: batched.batchId,
  ...(record.fellBack ? { fellBack: record.fellBack } : {}),
});
