// The crash-safety invariants, checked on a tenant directory after its last run: every problem
// found is returned as a sentence (an empty list means the archive is exactly as a clean run's).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BatchStats, batchContents, checkBatches } from './check-batches.js';
import { type BatchLayout, type ChildExit, DATA, SINK_LABELS, SINK_ROOTS } from './children.js';
import { type BatchRow, readLedger } from './ledger-rows.js';
import { type CodecName, EXTENSIONS, isBatchKey, plaintextOf, unitOfKey } from './object-contents.js';
import { artifactDigests, type SeededItem, seededItems } from './seeded-items.mjs';
import { snapshotTree } from './tree-snapshot.mjs';

/** The sink-fs temp directory under each root (`TEMP_DIR` in packages/sink-fs). */
export const TEMP_DIR = '.cxarchive~tmp';

export interface Reference {
  readonly codec: CodecName;
  /** The batch record layout; per-item when undefined. */
  readonly layout?: BatchLayout;
  /**
   * Logical object keys of a clean run, sorted (the same on every sink), batch objects aside: their
   * keys name the run that formed them (`check-batches.ts` checks them).
   */
  readonly keys: readonly string[];
  /** SHA-256 of each object's plaintext (what it decodes to), by key. */
  readonly plaintext: Readonly<Record<string, string>>;
  /** Batch layout: how many batches a clean run stores. */
  readonly storedBatches?: number;
}

/** The seeded items, dated as the reference's runs date them. */
export const itemsOf = (reference: Pick<Reference, 'layout'>): SeededItem[] =>
  seededItems(DATA.seed, DATA.count, DATA.bigSize, reference.layout?.days);

export const sha256File = (file: string): string =>
  createHash('sha256').update(readFileSync(file)).digest('hex');

export interface RootContents {
  /** Object key → snapshot entry (`file:<size>:<inode>:<mtimeNs>`). */
  readonly objects: Record<string, string>;
  /** Files in the temp directory, or anywhere else that are not objects. */
  readonly temps: readonly string[];
}

/** What one sink root holds: objects by key, and every leftover temp file. */
export const rootContents = (root: string): RootContents => {
  const objects: Record<string, string> = {};
  const temps: string[] = [];
  for (const [rel, entry] of Object.entries(snapshotTree(root))) {
    if (entry === 'dir') continue;
    if (rel.startsWith(`${TEMP_DIR}/`) || /\.tmp$|~/.test(rel)) temps.push(rel);
    else objects[rel] = entry;
  }
  return { objects, temps };
};

export const rootsOf = (dir: string): string[] => SINK_ROOTS.map((r) => path.join(dir, r));

/**
 * The reference archive from a clean run in `dir`, checked against the seeded data itself: every
 * artifact decodes to the generator's bytes, every record to the item's record.
 */
export const referenceFrom = async (
  dir: string,
  codec: CodecName,
  layout?: BatchLayout,
): Promise<{ reference: Reference; problems: string[] }> => {
  const problems: string[] = [];
  const [first, ...others] = rootsOf(dir).map(rootContents);
  const all = Object.keys(first!.objects).sort();
  const keys = all.filter((k) => !isBatchKey(k));
  for (const [i, other] of others.entries())
    if (JSON.stringify(Object.keys(other.objects).sort()) !== JSON.stringify(all))
      problems.push(`${SINK_ROOTS[i + 1]} holds other keys than ${SINK_ROOTS[0]}`);
  const expected = artifactDigests(DATA.seed, DATA.count, DATA.bigSize, layout?.days);
  const items = itemsOf({ ...(layout ? { layout } : {}) });
  // per item: its record (unless it goes to a batch), notes and recording
  const perItem = layout ? 2 : 3;
  if (keys.length !== items.length * perItem)
    problems.push(`${keys.length} objects, expected ${items.length * perItem}`);
  if (!layout && keys.length !== all.length) problems.push('batch objects in the per-item layout');
  const plaintext: Record<string, string> = {};
  for (const key of keys) {
    if (!key.endsWith(EXTENSIONS[codec])) problems.push(`${key} does not end in ${EXTENSIONS[codec]}`);
    const { itemId, artifact } = unitOfKey(key);
    const decoded = await plaintextOf(codec, dir, key, path.join(dir, SINK_ROOTS[0], key));
    plaintext[key] = decoded.sha256;
    if (artifact === 'record.json') {
      const record: unknown = JSON.parse(decoded.bytes.toString('utf8'));
      const item = items.find((i) => i.id === itemId);
      if (JSON.stringify(record) !== JSON.stringify(item?.record))
        problems.push(`${key}: not the item's record`);
    } else if (decoded.sha256 !== expected[`${itemId}/${artifact}`])
      problems.push(`${key}: not the seeded bytes of ${itemId}/${artifact}`);
  }
  const storedBatches = readLedger(dir).batches.filter((b) => b.status === 'stored').length;
  return {
    reference: { codec, keys, plaintext, ...(layout ? { layout, storedBatches } : {}) },
    problems,
  };
};

/** Whether the object at `file` decodes (under `key`) to the reference plaintext of `key`. */
const holdsReference = async (dir: string, reference: Reference, key: string, file: string) => {
  try {
    return (await plaintextOf(reference.codec, dir, key, file)).sha256 === reference.plaintext[key];
  } catch {
    return false;
  }
};

/** One child run of a scenario, with what the ledger and the sinks held around it. */
export interface RunStep {
  readonly fault?: string;
  readonly exit: ChildExit;
  /** It ended without `runPipeline` returning (SIGKILL, or a crash): no report, its run left behind. */
  readonly killed: boolean;
  readonly archivedBefore: ReadonlySet<string>;
  readonly archivedAfter: ReadonlySet<string>;
  /** Per sink root: what it held right after this run ended. */
  readonly rootsAfter: readonly RootContents[];
  /** The ledger's object rows right after this run ended, as `<sink label>:<key>`. */
  readonly recordedAfter: ReadonlySet<string>;
  /** The ledger's batches right after this run ended (batch layout). */
  readonly batchesAfter: readonly BatchRow[];
}

export interface ScenarioStats {
  /** Temp files the killed runs left (the next run's sink must sweep them). */
  readonly tempsAfterKills: number;
  /** Objects the killed runs left on a sink without a ledger row (the next run must adopt them). */
  readonly unrecordedAfterKills: number;
  /** Archived items the source was never told about (a problem too: the ledger keeps them pending). */
  readonly unacknowledged: readonly string[];
  /** Batch layout: batches left open, abandoned, and objects of abandoned batches. */
  readonly batches?: BatchStats;
}

export interface ScenarioCheck {
  /** Broken promises of the archive: keys, bytes, temp files, ledger rows, runs, acknowledgements. */
  readonly problems: string[];
  /** A run's report that does not count what the ledger shows it archived. */
  readonly reportProblems: string[];
  readonly stats: ScenarioStats;
}

interface AckLine {
  readonly id: string;
  readonly outcome: string;
  readonly ledgerStatus: string | null;
  readonly pid: number;
}

const readAcks = (dir: string): AckLine[] => {
  const file = path.join(dir, 'acks.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AckLine);
};

const difference = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].filter((x) => !b.has(x));

/** 1. How each run ended, what each one archived, and that a killed run never left a partial object. */
const checkRuns = async (
  dir: string,
  reference: Reference,
  steps: readonly RunStep[],
  out: { problems: string[]; reportProblems: string[] },
): Promise<void> => {
  const roots = rootsOf(dir);
  const final = steps.at(-1)!;
  for (const [n, step] of steps.entries()) {
    const which = `run ${n + 1}${step.fault ? ` (${step.fault})` : ''}`;
    const lost = difference(step.archivedBefore, step.archivedAfter);
    if (lost.length) out.problems.push(`${which}: items archived before it are no longer archived: ${lost}`);
    if (step.killed) {
      for (const [r, contents] of step.rootsAfter.entries())
        for (const key of Object.keys(contents.objects)) {
          const file = path.join(roots[r]!, key);
          if (isBatchKey(key)) {
            // whole, and only seeded lines (whose batch it is, the final checks say)
            const where = `${which}: left ${SINK_ROOTS[r]}/${key}, which`;
            const items = itemsOf(reference);
            const held = await batchContents(reference.codec, dir, key, file, items, where);
            out.problems.push(...held.problems);
            if (held.ids.length === 0) out.problems.push(`${where} holds no line`);
          } else if (!(await holdsReference(dir, reference, key, file)))
            out.problems.push(`${which}: left ${SINK_ROOTS[r]}/${key} that is not the reference object`);
        }
      continue;
    }
    const report = step.exit.report;
    if (step === final && (step.exit.code !== 0 || report?.status !== 'succeeded'))
      out.problems.push(`the completing run did not succeed: ${JSON.stringify(report ?? step.exit.stderr)}`);
    if (report?.counts) {
      const newly = difference(step.archivedAfter, step.archivedBefore).length;
      if (report.counts.archived !== newly)
        out.reportProblems.push(
          `${which}: reports ${report.counts.archived} archived, the ledger shows ${newly} newly archived`,
        );
    }
  }
};

/** 2. The sinks: exactly the reference keys and contents, no temp file, nothing written twice. */
const checkSinks = async (
  dir: string,
  reference: Reference,
  steps: readonly RunStep[],
  problems: string[],
): Promise<void> => {
  const roots = rootsOf(dir);
  for (const [r, contents] of roots.map(rootContents).entries()) {
    const keys = Object.keys(contents.objects).sort();
    const missing = reference.keys.filter((k) => !(k in contents.objects));
    // batch objects: check-batches.ts (in the per-item layout, any is unexpected)
    const extra = keys.filter((k) => !reference.plaintext[k] && !(reference.layout && isBatchKey(k)));
    if (missing.length) problems.push(`${SINK_ROOTS[r]} is missing ${missing.join(', ')}`);
    if (extra.length) problems.push(`${SINK_ROOTS[r]} holds unexpected ${extra.join(', ')}`);
    if (contents.temps.length)
      problems.push(`${SINK_ROOTS[r]} holds temp files: ${contents.temps.join(', ')}`);
    for (const key of keys)
      if (reference.plaintext[key] && !(await holdsReference(dir, reference, key, path.join(roots[r]!, key))))
        problems.push(`${SINK_ROOTS[r]}/${key} differs from the reference object`);
    // An object, once there, is never replaced or rewritten (same inode, size and mtime).
    for (const [n, step] of steps.entries())
      for (const [key, entry] of Object.entries(step.rootsAfter[r]!.objects))
        if (contents.objects[key] !== entry)
          problems.push(
            `${SINK_ROOTS[r]}/${key} was written again after run ${n + 1} (${entry} → ${contents.objects[key]})`,
          );
  }
};

/** 3. The ledger: every item archived once, one object row per artifact and sink, matching the files. */
const checkLedger = (dir: string, reference: Reference, problems: string[]): void => {
  const roots = rootsOf(dir);
  const items = itemsOf(reference).map((i) => i.id);
  const ledger = readLedger(dir);
  const ids = ledger.items.map((i) => i.item_id);
  if (JSON.stringify(ids) !== JSON.stringify(items))
    problems.push(`ledger items are ${ids.join(',')}, expected ${items.join(',')}`);
  for (const item of ledger.items)
    if (item.status !== 'archived')
      problems.push(`${item.item_id} is ${item.status} (${item.last_error ?? ''})`);
  const rows = new Map<string, number>();
  // batch objects: check-batches.ts (in the per-item layout, any is unexpected below)
  const objects = ledger.objects.filter((o) => !(reference.layout && o.item_id.startsWith('#batch:')));
  for (const o of objects) {
    const id = `${o.item_id}/${o.artifact}@${o.sink}`;
    rows.set(id, (rows.get(id) ?? 0) + 1);
    const r = SINK_LABELS.indexOf(o.sink as (typeof SINK_LABELS)[number]);
    if (r < 0 || !reference.plaintext[o.key]) {
      problems.push(`ledger object ${id} names an unknown sink or key ${o.key}`);
      continue;
    }
    if (o.physical_key !== o.key)
      problems.push(`ledger object ${id}: physical key ${o.physical_key} ≠ ${o.key}`);
    const file = path.join(roots[r]!, o.key);
    if (!existsSync(file)) problems.push(`ledger object ${id}: no file at ${o.key}`);
    else {
      if (o.size !== readFileSync(file).length)
        problems.push(`ledger object ${id}: size ${o.size} is not the file's`);
      if (o.sha256 !== sha256File(file)) problems.push(`ledger object ${id}: sha256 is not the file's`);
    }
    const unit = unitOfKey(o.key);
    if (
      unit.itemId !== o.item_id ||
      unit.artifact !== o.artifact ||
      o.unit_id !== `${o.item_id}/${o.artifact}`
    )
      problems.push(`ledger object ${id}: key ${o.key} / unit ${o.unit_id} do not match`);
  }
  for (const key of reference.keys) {
    const { itemId, artifact } = unitOfKey(key);
    for (const sink of SINK_LABELS) {
      const n = rows.get(`${itemId}/${artifact}@${sink}`) ?? 0;
      if (n !== 1) problems.push(`ledger has ${n} object rows for ${itemId}/${artifact} on ${sink}`);
    }
  }
  const expectedRows = reference.keys.length * SINK_LABELS.length;
  if (objects.length !== expectedRows)
    problems.push(`ledger has ${objects.length} object rows, expected ${expectedRows}`);
  if (JSON.stringify(ledger.checkpoint) !== JSON.stringify({ offset: items.length }))
    problems.push(`the checkpoint is ${JSON.stringify(ledger.checkpoint)}`);
  if (ledger.leases.length) problems.push(`a lease is still held: ${JSON.stringify(ledger.leases)}`);
};

/** 4. Runs in the ledger: killed ones abandoned (taken over by the next run), the others as reported. */
const checkRunRows = (
  dir: string,
  steps: readonly RunStep[],
  foreignRuns: readonly string[],
  problems: string[],
): void => {
  const runs = readLedger(dir).runs;
  const started = steps.filter((s) => s.exit.runId);
  const ours = runs.filter((r) => !foreignRuns.includes(r.run_id));
  if (ours.length !== started.length)
    problems.push(`ledger has ${ours.length} runs, ${started.length} were started`);
  for (const step of started) {
    const row = runs.find((r) => r.run_id === step.exit.runId);
    const expected = step.killed ? 'abandoned' : step.exit.report?.status;
    if (row?.status !== expected)
      problems.push(
        `run ${step.exit.runId}${step.fault ? ` (${step.fault})` : ''} is ${row?.status}, expected ${expected}`,
      );
    if (row && !row.finished_at) problems.push(`run ${row.run_id} has no finished_at`);
  }
};

/**
 * 5. Acknowledgements: only of committed items; at least once each by the end (the ledger keeps an
 * acknowledgement pending until it is made); twice only when the run that made it first was killed
 * before the ledger recorded it. Returns the ids acknowledged.
 */
const checkAcknowledgements = (
  dir: string,
  reference: Reference,
  steps: readonly RunStep[],
  problems: string[],
): Set<string> => {
  const killedPids = new Set(steps.filter((s) => s.killed).map((s) => s.exit.pid));
  const firstBy = new Map<string, number>();
  for (const a of readAcks(dir)) {
    if (a.outcome !== 'archived' || a.ledgerStatus !== 'archived')
      problems.push(`${a.id} was acknowledged (${a.outcome}) while the ledger had it ${a.ledgerStatus}`);
    const before = firstBy.get(a.id);
    if (before !== undefined && !killedPids.has(before)) problems.push(`${a.id} was acknowledged twice`);
    firstBy.set(a.id, a.pid);
  }
  const acked = new Set(firstBy.keys());
  for (const id of itemsOf(reference).map((i) => i.id))
    if (!acked.has(id)) problems.push(`${id} was archived but never acknowledged`);
  return acked;
};

/**
 * Checks a scenario's tenant directory after its last (fault-free) run. `steps` are every run in
 * order, the last one the completing run; `foreignRuns` are runs recorded in the ledger by
 * something else (a planted lease's run).
 */
export const checkScenario = async (
  dir: string,
  reference: Reference,
  steps: readonly RunStep[],
  foreignRuns: readonly string[] = [],
): Promise<ScenarioCheck> => {
  const out = { problems: [] as string[], reportProblems: [] as string[] };
  await checkRuns(dir, reference, steps, out);
  await checkSinks(dir, reference, steps, out.problems);
  checkLedger(dir, reference, out.problems);
  checkRunRows(dir, steps, foreignRuns, out.problems);
  const acked = checkAcknowledgements(dir, reference, steps, out.problems);
  const batches = reference.layout
    ? await checkBatches(
        dir,
        rootsOf(dir).map((r) => Object.keys(rootContents(r).objects)),
        {
          codec: reference.codec,
          layout: reference.layout,
          items: itemsOf(reference),
          ...(reference.storedBatches === undefined ? {} : { storedBatches: reference.storedBatches }),
        },
        out.problems,
      )
    : undefined;
  const killed = steps.filter((s) => s.killed);
  return {
    ...out,
    stats: {
      tempsAfterKills: killed.reduce((n, s) => n + s.rootsAfter.reduce((m, r) => m + r.temps.length, 0), 0),
      unrecordedAfterKills: killed.reduce(
        (n, s) =>
          n +
          s.rootsAfter.reduce(
            (m, contents, r) =>
              m +
              Object.keys(contents.objects).filter((k) => !s.recordedAfter.has(`${SINK_LABELS[r]}:${k}`))
                .length,
            0,
          ),
        0,
      ),
      unacknowledged: itemsOf(reference)
        .map((i) => i.id)
        .filter((id) => !acked.has(id)),
      ...(batches ? { batches } : {}),
    },
  };
};
