import { batchIdOf, type ItemObject, storedKeyOf } from '../ledger/ledger.js';
import type { Checksum, StoredInfo } from '../plugin/types.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import type { ArchiveAccess } from './archive-access.js';
import { readObject } from './read-object.js';

/**
 * What is wrong with an object:
 * - `missing`: the ledger records it, the sink has nothing at its key;
 * - `size`, `checksum`: the store reports another size, or another checksum, than the ledger records;
 * - `sha256`: (deep) the stored bytes hash to another SHA-256 than the ledger records;
 * - `authentication`: (deep) the codec refuses it under the context the ledger records (altered
 *   bytes, another key, or an object moved from another key: the key is part of the context);
 * - `unknown`: the sink holds an object under the tenant's prefix that the ledger does not know;
 * - `unreadable`: the sink could not be asked (credentials, network): nothing is known of it.
 */
export type ProblemKind =
  | 'missing'
  | 'size'
  | 'checksum'
  | 'sha256'
  | 'authentication'
  | 'unknown'
  | 'unreadable';

export interface VerifyProblem {
  readonly sink: string;
  readonly key: string;
  readonly itemId?: string;
  readonly artifact?: string;
  /**
   * The batch the object is (the batch layout: many items' records in one object, recorded under
   * the item id `#batch:<batchId>`), or the batch the ledger had at an unknown object's key.
   */
  readonly batchId?: string;
  readonly kinds: readonly ProblemKind[];
  /** What was found, in words (never key material; messages are scrubbed). */
  readonly detail: string;
}

/** How far one object could be checked: by the store's checksum, by its size alone, or read in full. */
export type CheckLevel = 'checksum' | 'size' | 'deep';

export interface ObjectCheck {
  readonly level: CheckLevel;
  readonly problem?: VerifyProblem;
}

const sameChecksum = (a: Checksum, b: Checksum): boolean =>
  a.algorithm === b.algorithm && a.value.toLowerCase() === b.value.toLowerCase() && a.parts === b.parts;

const shown = (c: Checksum) =>
  `${c.algorithm} ${c.value}${c.parts === undefined ? '' : ` (${c.parts} parts)`}`;

/**
 * The ledger's checksum to compare with what the store reports, when they are in the same form:
 * the checksum it recorded, or its SHA-256 of the stored bytes. Undefined when not comparable.
 */
const recordedAs = (object: ItemObject, reported: Checksum): Checksum | undefined => {
  const recorded = object.checksum;
  if (recorded.algorithm === reported.algorithm && recorded.parts === reported.parts) return recorded;
  if (reported.algorithm === 'sha256' && reported.parts === undefined)
    return { algorithm: 'sha256', value: object.sha256 };
  return undefined;
};

const compareHead = (object: ItemObject, info: StoredInfo) => {
  const found: { kind: ProblemKind; detail: string }[] = [];
  if (info.size !== object.size)
    found.push({
      kind: 'size',
      detail: `the store holds ${info.size} bytes, the ledger records ${object.size}`,
    });
  let level: CheckLevel = 'size';
  const reported = info.checksum;
  const recorded = reported && recordedAs(object, reported);
  if (reported && recorded) {
    level = 'checksum';
    if (!sameChecksum(reported, recorded))
      found.push({
        kind: 'checksum',
        detail: `the store reports ${shown(reported)}, the ledger records ${shown(recorded)}`,
      });
  }
  return { found, level };
};

const drain = async (stream: AsyncIterable<unknown>) => {
  for await (const _ of stream) {
    // discarded: only whether every chunk authenticates matters
  }
};

/**
 * Checks one object the ledger records against one sink: it is there (head), its size and the
 * store's checksum match the ledger; with `deep`, it is downloaded and every chunk authenticated
 * under the full expected context (the plaintext discarded), and the SHA-256 of the stored bytes
 * compared with the ledger's.
 */
export const checkObject = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  object: ItemObject,
  deep: boolean,
): Promise<ObjectCheck> => {
  const batchId = batchIdOf(object.itemId);
  const base = {
    sink: sink.label,
    key: storedKeyOf(object),
    itemId: object.itemId,
    artifact: object.artifact,
    ...(batchId === undefined ? {} : { batchId }),
  };
  const problem = (found: readonly { kind: ProblemKind; detail: string }[]): VerifyProblem => ({
    ...base,
    kinds: found.map((f) => f.kind),
    detail: found.map((f) => f.detail).join('; '),
  });
  const head = await access.call(sink, 'head', (signal) => sink.instance.head(storedKeyOf(object), signal));
  if (!head.ok)
    return {
      level: 'size',
      problem: problem([
        { kind: 'unreadable', detail: `could not be checked: [${head.error._tag}] ${head.error.message}` },
      ]),
    };
  if (head.value === null)
    return {
      level: 'size',
      problem: problem([
        { kind: 'missing', detail: `the sink has no object at this key (stored by run ${object.runId})` },
      ]),
    };
  const { found, level } = compareHead(object, head.value);
  if (!deep) return found.length > 0 ? { level, problem: problem(found) } : { level };
  const read = await readObject(access, sink, object, drain);
  if (!read.ok) {
    if (read.stage === 'missing')
      found.push({ kind: 'missing', detail: 'the sink has no object at this key' });
    else if (read.stage === 'decode')
      found.push({ kind: 'authentication', detail: `fails authentication: ${read.error.message}` });
    else found.push({ kind: 'unreadable', detail: `could not be read: ${read.error.message}` });
  } else if (read.storedSha256 !== object.sha256 || read.storedSize !== object.size)
    found.push({
      kind: 'sha256',
      detail: `the stored bytes (${read.storedSize}) hash to SHA-256 ${read.storedSha256}, the ledger records ${object.sha256} (${object.size} bytes)`,
    });
  return found.length > 0 ? { level: 'deep', problem: problem(found) } : { level: 'deep' };
};
