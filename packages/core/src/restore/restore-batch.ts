import type { ItemObject } from '../ledger/ledger.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import type { ArchiveAccess } from './archive-access.js';
import { BatchFormatError, scanBatchLines } from './batch-lines.js';
import { describeFailure, holdersOf } from './holders.js';
import { readObject } from './read-object.js';
import { discardStaged, placeStaged, type StagedFile, stageFile } from './write-file-atomically.js';

/** What became of one item's record restored from its batch. */
export type BatchRecordRestore =
  | {
      readonly ok: true;
      readonly file: string;
      readonly bytes: number;
      readonly sink: string;
      /** The batch object's logical key. */
      readonly key: string;
      /** Why the sinks tried before this one could not give the batch. */
      readonly fellBack?: readonly string[];
    }
  | {
      readonly ok: false;
      readonly reasons: readonly { readonly sink?: string; readonly key?: string; readonly reason: string }[];
    };

/**
 * Restores the records of some members of one batch, each to its file (`targets`: item id → file;
 * the directories must exist), decoding the batch object once for all of them: from the first sink
 * that holds it (or `sink` only; a failing sink gives way to the next holder). Each wanted line's
 * record is written to a temp file beside its target as the object is read; only once the object's
 * final chunk authenticated are they moved into place, and on any failure every temp file is removed:
 * a tampered batch leaves no file. Memory holds the wanted lines' bookkeeping, never the batch.
 */
export const restoreBatchRecords = async (
  access: ArchiveAccess,
  copies: readonly ItemObject[],
  targets: ReadonlyMap<string, string>,
  options: { readonly force: boolean; readonly sink?: SinkTarget },
): Promise<Map<string, BatchRecordRestore>> => {
  const results = new Map<string, BatchRecordRestore>();
  if (targets.size === 0) return results;
  const { holders, none } = holdersOf(access, copies, options.sink);
  const reasons: { sink?: string; key?: string; reason: string }[] = none ? [{ reason: none }] : [];
  for (const { sink, object } of holders) {
    const staged = new Map<string, StagedFile>();
    let format: BatchFormatError | undefined;
    const read = await readObject(access, sink, object, async (plaintext) => {
      try {
        await scanBatchLines(
          plaintext,
          (id) => targets.has(id) && !staged.has(id),
          async (id, record) => {
            staged.set(id, await stageFile(targets.get(id)!, [record]));
          },
        );
      } catch (error) {
        if (error instanceof BatchFormatError) format = error;
        throw error;
      }
    });
    if (!read.ok) {
      await Promise.all([...staged.values()].map(discardStaged));
      reasons.push({
        sink: sink.label,
        key: object.key,
        reason: format
          ? `the batch at ${object.key} on ${sink.label} is not in the batch layout: ${format.message}`
          : describeFailure(read, sink, object.key),
      });
      // Another sink cannot help with a full disk; a malformed batch is tried elsewhere.
      if ((read.stage === 'output' && !format) || access.signal.aborted) break;
      continue;
    }
    const fellBack = reasons.map((r) => r.reason);
    for (const [id] of targets) {
      const file = staged.get(id);
      if (!file) {
        results.set(id, {
          ok: false,
          reasons: [
            ...reasons,
            {
              sink: sink.label,
              key: object.key,
              reason: `the batch at ${object.key} on ${sink.label} holds no record of item ${id}`,
            },
          ],
        });
        continue;
      }
      try {
        await placeStaged(file, { force: options.force });
        results.set(id, {
          ok: true,
          file: file.target,
          bytes: file.bytes,
          sink: sink.label,
          key: object.key,
          ...(fellBack.length > 0 ? { fellBack } : {}),
        });
      } catch (error) {
        results.set(id, {
          ok: false,
          reasons: [
            ...reasons,
            {
              sink: sink.label,
              key: object.key,
              reason: error instanceof Error ? error.message : String(error),
            },
          ],
        });
      }
    }
    return results;
  }
  for (const [id] of targets) results.set(id, { ok: false, reasons: [...reasons] });
  return results;
};
