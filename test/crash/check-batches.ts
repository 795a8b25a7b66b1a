// The batch record layout's crash-safety invariants (issue 9): batch keys name the run that formed
// the batch, so "the same archive" is not the same keys but the same promises: each item's record
// line in exactly one stored batch, the batch objects on the sinks exactly those the ledger records
// as stored (an orphan only at the key of a batch the ledger abandoned), each holding its members'
// lines in order, byte for byte the seeded records.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BatchLayout, SINK_LABELS, SINK_ROOTS } from './children.js';
import { type BatchRow, type LedgerRows, readLedger } from './ledger-rows.js';
import { type CodecName, EXTENSIONS, isBatchKey, plaintextOf, unitOfKey } from './object-contents.js';
import type { SeededItem } from './seeded-items.mjs';

/** The line the batch object holds for an item: `{"id":…,"record":…}` and a newline. */
export const lineOf = (item: SeededItem): string =>
  `${JSON.stringify({ id: item.id, record: item.record })}\n`;

/** The day of a batch key, `yyyy-mm-dd`. */
const dayOfKey = (key: string): string => key.split('/').slice(2, 5).join('-');

export interface BatchContents {
  /** The ids of its lines, in order. */
  readonly ids: readonly string[];
  readonly problems: readonly string[];
}

/**
 * What a batch object holds: its lines, each of which must be a seeded item's line exactly, each
 * item at most once, every item of the batch's day. Problems name the object by `where`.
 */
export const batchContents = async (
  codec: CodecName,
  dir: string,
  key: string,
  file: string,
  items: readonly SeededItem[],
  where: string,
): Promise<BatchContents> => {
  let text: string;
  try {
    text = (await plaintextOf(codec, dir, key, file)).bytes.toString('utf8');
  } catch (error) {
    return { ids: [], problems: [`${where}: does not decode (${(error as Error).message})`] };
  }
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push(`${where}: does not end with a newline`);
  const ids: string[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    const id = /^\{"id":"([^"]*)"/.exec(line)?.[1];
    const item = items.find((i) => i.id === id);
    if (!item || `${line}\n` !== lineOf(item)) {
      problems.push(`${where}: holds a line that is not a seeded record's: ${line.slice(0, 80)}`);
      continue;
    }
    if (ids.includes(item.id)) problems.push(`${where}: holds ${item.id} twice`);
    if (item.occurredAt.slice(0, 10) !== dayOfKey(key))
      problems.push(`${where}: holds ${item.id} of another day`);
    ids.push(item.id);
  }
  return { ids, problems };
};

export interface BatchStats {
  /** Batches left open (members joined, never sealed) by killed runs: never uploaded. */
  readonly openLeft: number;
  readonly abandoned: number;
  /** Batch objects on a sink at the key of an abandoned batch. */
  readonly orphans: number;
}

export interface BatchCheckOptions {
  readonly codec: CodecName;
  readonly layout: BatchLayout;
  readonly items: readonly SeededItem[];
  /** Stored batches a clean run makes (undefined: not checked, e.g. for the reference run itself). */
  readonly storedBatches?: number;
  /** Whether a batch may be abandoned (a kill alone must never keep a batch from being formed again). */
  readonly abandonedAllowed?: boolean;
}

/** 1. The ledger's batches: settled, sized, dated, one stored batch per item, their item rows. */
const checkBatchRows = (ledger: LedgerRows, options: BatchCheckOptions, problems: string[]): void => {
  const { layout, items } = options;
  const stored = ledger.batches.filter((b) => b.status === 'stored');
  for (const b of ledger.batches) {
    if (b.status === 'sealed') problems.push(`batch ${b.batch_id} is still sealed after the completing run`);
    if (b.status === 'abandoned' && !options.abandonedAllowed)
      problems.push(
        `batch ${b.batch_id} was abandoned: a kill alone must not keep a batch from being formed again`,
      );
    if (!isBatchKey(b.key) || !b.key.endsWith(`/${b.batch_id}.jsonl${EXTENSIONS[options.codec]}`))
      problems.push(`batch ${b.batch_id} has the key ${b.key}`);
  }
  for (const b of stored) {
    if (b.members.length < 1 || b.members.length > layout.batchSize)
      problems.push(`batch ${b.batch_id} has ${b.members.length} members (batchSize ${layout.batchSize})`);
    for (const id of b.members) {
      const item = items.find((i) => i.id === id);
      if (!item) problems.push(`batch ${b.batch_id} has a member ${id} that is not a seeded item`);
      else if (item.occurredAt.slice(0, 10) !== dayOfKey(b.key))
        problems.push(`batch ${b.batch_id} (${b.key}) has ${id} of another day`);
    }
  }
  for (const item of items) {
    const holding = stored.filter((b) => b.members.includes(item.id)).map((b) => b.batch_id);
    if (holding.length !== 1)
      problems.push(
        `${item.id} is a member of ${holding.length} stored batches (${holding.join(', ')}), expected 1`,
      );
  }
  if (options.storedBatches !== undefined && stored.length !== options.storedBatches)
    problems.push(`${stored.length} stored batches, a clean run stores ${options.storedBatches}`);
  const rows = new Map(ledger.batchItems.map((r) => [r.item_id, r.status]));
  for (const b of stored)
    if (rows.get(`#batch:${b.batch_id}`) !== 'archived')
      problems.push(`batch ${b.batch_id} is stored but its item row is ${rows.get(`#batch:${b.batch_id}`)}`);
  for (const id of rows.keys())
    if (!stored.some((b) => `#batch:${b.batch_id}` === id))
      problems.push(`item row ${id} is not of a stored batch`);
};

/** 2. The ledger's batch objects: one per stored batch and sink, at its key, matching the file. */
const checkBatchObjectRows = (dir: string, ledger: LedgerRows, problems: string[]): void => {
  const stored = new Map(
    ledger.batches.filter((b) => b.status === 'stored').map((b) => [`#batch:${b.batch_id}`, b]),
  );
  const rows = ledger.objects.filter((o) => o.item_id.startsWith('#batch:'));
  for (const o of rows) {
    const batch = stored.get(o.item_id);
    const id = `${o.item_id}@${o.sink}`;
    const r = SINK_LABELS.indexOf(o.sink as (typeof SINK_LABELS)[number]);
    if (!batch || r < 0) {
      problems.push(`ledger object ${id} is not of a stored batch on a known sink`);
      continue;
    }
    if (o.key !== batch.key || o.physical_key !== batch.key)
      problems.push(
        `ledger object ${id}: key ${o.key} (physical ${o.physical_key}) is not its batch's ${batch.key}`,
      );
    const unit = unitOfKey(o.key);
    if (
      o.artifact !== 'records.jsonl' ||
      o.unit_id !== `${o.item_id}/records.jsonl` ||
      unit.itemId !== o.item_id
    )
      problems.push(`ledger object ${id}: artifact ${o.artifact} / unit ${o.unit_id} do not match`);
    const file = path.join(dir, SINK_ROOTS[r]!, o.key);
    if (!existsSync(file)) problems.push(`ledger object ${id}: no file at ${o.key}`);
    else {
      const bytes = readFileSync(file);
      if (o.size !== bytes.length) problems.push(`ledger object ${id}: size ${o.size} is not the file's`);
      if (o.sha256 !== createSha256(bytes)) problems.push(`ledger object ${id}: sha256 is not the file's`);
    }
  }
  for (const [itemId] of stored)
    for (const sink of SINK_LABELS) {
      const n = rows.filter((o) => o.item_id === itemId && o.sink === sink).length;
      if (n !== 1) problems.push(`ledger has ${n} object rows for ${itemId} on ${sink}`);
    }
};

const createSha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * 3. The batch objects on each sink: exactly the stored batches' (orphans only of abandoned ones),
 * each holding its members' lines in order, and every item's line in exactly one stored batch.
 */
const checkBatchObjects = async (
  dir: string,
  ledger: LedgerRows,
  objectsByRoot: readonly (readonly string[])[],
  options: BatchCheckOptions,
  problems: string[],
): Promise<number> => {
  const byKey = new Map<string, BatchRow>(ledger.batches.map((b) => [b.key, b]));
  let orphans = 0;
  for (const [r, keys] of objectsByRoot.entries()) {
    const root = SINK_ROOTS[r]!;
    const onSink = keys.filter(isBatchKey);
    const lines = new Map<string, number>();
    for (const b of ledger.batches.filter((b) => b.status === 'stored'))
      if (!onSink.includes(b.key))
        problems.push(`${root} is missing the stored batch ${b.batch_id} (${b.key})`);
    for (const key of onSink) {
      const batch = byKey.get(key);
      const where = `${root}/${key}`;
      if (!batch || (batch.status !== 'stored' && batch.status !== 'abandoned')) {
        problems.push(
          `${where}: a batch object the ledger does not record as stored (${batch ? `its batch is ${batch.status}` : 'no batch has this key'})`,
        );
        continue;
      }
      const contents = await batchContents(
        options.codec,
        dir,
        key,
        path.join(dir, root, key),
        options.items,
        where,
      );
      problems.push(...contents.problems);
      if (batch.status === 'abandoned') {
        orphans++;
        continue;
      }
      if (contents.ids.join(',') !== batch.members.join(','))
        problems.push(
          `${where}: holds ${contents.ids.join(',')}, its members are ${batch.members.join(',')}`,
        );
      for (const id of contents.ids) lines.set(id, (lines.get(id) ?? 0) + 1);
    }
    for (const item of options.items)
      if (lines.get(item.id) !== 1)
        problems.push(
          `${root}: the line of ${item.id} is in ${lines.get(item.id) ?? 0} stored batch objects, expected 1`,
        );
  }
  return orphans;
};

/** Every batch-layout invariant of a tenant directory after its completing run; problems as sentences. */
export const checkBatches = async (
  dir: string,
  objectsByRoot: readonly (readonly string[])[],
  options: BatchCheckOptions,
  problems: string[],
): Promise<BatchStats> => {
  const ledger = readLedger(dir);
  checkBatchRows(ledger, options, problems);
  checkBatchObjectRows(dir, ledger, problems);
  const orphans = await checkBatchObjects(dir, ledger, objectsByRoot, options, problems);
  return {
    openLeft: ledger.batches.filter((b) => b.status === 'open').length,
    abandoned: ledger.batches.filter((b) => b.status === 'abandoned').length,
    orphans,
  };
};
