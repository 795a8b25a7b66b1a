import { existsSync } from 'node:fs';
import path from 'node:path';
import { encodeKeyVariable } from '../keys.js';
import type { ItemObject, LedgerItem } from '../ledger/ledger.js';
import { makeDirectory } from '../make-directory.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import type { ArchiveAccess } from './archive-access.js';
import { type ReadFailure, readObject } from './read-object.js';
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
}

/** A name kept as it is when it is a plain file name, else made one (`_XX` escapes, as in keys). */
export const fileNameOf = (name: string): string =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && name.length <= 200 ? name : encodeKeyVariable(name);

const describeFailure = (failure: ReadFailure, sink: SinkTarget, key: string): string => {
  switch (failure.stage) {
    case 'missing':
      return `${sink.label} has no object at ${key} (${failure.error.message})`;
    case 'get':
      return `${sink.label} could not be read: [${failure.error._tag}] ${failure.error.message}`;
    case 'transfer':
      return `the transfer from ${sink.label} broke off: ${failure.error.message}`;
    case 'decode':
      return `the object at ${key} on ${sink.label} does not decode under the expected context: ${failure.error.message}`;
    case 'output':
      return failure.error.message;
  }
};

/** The sinks to read one artifact from, in the pipeline's order; why none when there are none. */
const holdersOf = (
  access: ArchiveAccess,
  copies: readonly ItemObject[],
  only: SinkTarget | undefined,
): { holders: { sink: SinkTarget; object: ItemObject }[]; none?: string } => {
  const holders = access.sinks.flatMap((sink) => {
    const object = copies.find((c) => c.sink === sink.label);
    return object && (!only || only.label === sink.label) ? [{ sink, object }] : [];
  });
  if (holders.length > 0) return { holders };
  const recorded = copies.map((c) => c.sink).join(', ');
  return {
    holders,
    none: only
      ? `${only.label} holds no copy according to the ledger (it is recorded on ${recorded})`
      : `no sink of this pipeline holds it according to the ledger (it is recorded on ${recorded})`,
  };
};

/**
 * Restores the objects the ledger records for one item into `<out>/<itemId>/`, one file per
 * artifact (`contact.json`, the recordings by their names). Each is read from the first sink that
 * holds it (or the one asked for; without one, a failing sink gives way to the next holder),
 * decoded under the full expected context, and written through a temp file renamed only after its
 * final chunk authenticated. Files already there are refused before anything is read, unless
 * `force`.
 */
export const restoreItem = async (
  access: ArchiveAccess,
  itemId: string,
  options: RestoreItemOptions,
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
  const directory = path.join(options.out, fileNameOf(itemId));
  const base = { itemId, ledgerStatus: item.status, directory };
  if (byArtifact.size === 0)
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
    const existing = [...byArtifact.keys()]
      .map((artifact) => path.join(directory, fileNameOf(artifact)))
      .filter((file) => existsSync(file));
    if (existing.length > 0)
      return {
        ...base,
        status: 'failed',
        files: [],
        problems: existing.map((file) => ({
          artifact: path.basename(file),
          reasons: [{ reason: new TargetExists(file).message }],
        })),
      };
  }
  makeDirectory(directory);
  const files: RestoredFile[] = [];
  const problems: RestoreProblem[] = [];
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
