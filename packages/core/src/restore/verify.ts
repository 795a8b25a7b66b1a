import { encodeKeyVariable } from '../keys.js';
import type { ItemObject, ObjectCursor } from '../ledger/ledger.js';
import type { PreparedArchive } from '../pipeline/prepare-pipeline.js';
import type { SecretScrubber } from '../redacted.js';
import type { SinkTarget } from '../runtime/flow-context.js';
import { type ArchiveAccess, chooseSink, openArchiveAccess } from './archive-access.js';
import { type CheckLevel, checkObject, type ProblemKind, type VerifyProblem } from './check-object.js';
import { Reservoir } from './sample.js';

export interface VerifyOptions {
  readonly prepared: PreparedArchive;
  readonly scrubber: SecretScrubber;
  /** Check a uniform random sample of this many objects instead of all of them. */
  readonly sample?: number;
  /** A sink label (`sinks[1]`) or index (`1`): check it only. */
  readonly sink?: string;
  /** Download every object and authenticate every chunk. */
  readonly deep?: boolean;
  readonly signal?: AbortSignal;
  /** Called with each problem as it is found. */
  readonly onProblem?: (problem: VerifyProblem) => void;
  /** Called after each object checked, with the count so far. */
  readonly onProgress?: (checked: number) => void;
  /** For sampling; default Math.random. */
  readonly random?: () => number;
  /** Problems kept in the result (all are counted, and all go to `onProblem`). Default 10 000. */
  readonly maxProblems?: number;
}

export interface SinkVerification {
  readonly sink: string;
  /** Objects of this sink checked, and how: by the store's checksum, by size alone, or read in full. */
  readonly checked: number;
  readonly byLevel: Record<CheckLevel, number>;
  readonly problems: number;
  /**
   * Whether the sink was listed for objects the ledger does not know: `listed` (with `listed`
   * objects seen), `unsupported` (the sink cannot list), `skipped` (a sample was asked for), or
   * the reason it failed.
   */
  readonly listing: 'listed' | 'unsupported' | 'skipped' | { readonly failed: string };
  readonly listed?: number;
}

export interface VerifyResult {
  readonly deep: boolean;
  readonly sample?: number;
  /** Objects the ledger records for the sinks checked. */
  readonly recorded: number;
  readonly checked: number;
  /** Objects recorded for sinks no longer in the pipeline: not checked. */
  readonly otherSinks: number;
  readonly sinks: readonly SinkVerification[];
  readonly problemCount: number;
  /** Problems by kind (an object with two kinds counts under both). */
  readonly kinds: Record<ProblemKind, number>;
  /** The first `maxProblems` problems found. */
  readonly problems: readonly VerifyProblem[];
  readonly interrupted: boolean;
}

/** Ledger objects are read this many at a time. */
const PAGE = 500;

/** Runs `fn` over `items`, at most `limit` at a time. */
const eachLimited = async <T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
};

interface Tally {
  checked: number;
  byLevel: Record<CheckLevel, number>;
  problems: number;
  listing: SinkVerification['listing'];
  listed?: number;
}

/**
 * Verifies the archive against the ledger: for every object it records (or a uniform sample, with
 * memory for the sample alone), per sink, that the object is there with the recorded size and
 * store checksum; with `deep`, that every chunk authenticates under the expected context and the
 * stored bytes hash to the recorded SHA-256. Without a sample, each sink that can list its objects
 * is listed under the tenant's prefix, and objects the ledger does not know are problems too. The
 * ledger is read one page at a time: memory stays bounded however big it is.
 */
export const verifyArchive = async (options: VerifyOptions): Promise<VerifyResult> => {
  const access = await openArchiveAccess({
    prepared: options.prepared,
    scrubber: options.scrubber,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return await verifyWith(access, options);
  } finally {
    await access.close();
  }
};

const verifyWith = async (access: ArchiveAccess, options: VerifyOptions): Promise<VerifyResult> => {
  const only = chooseSink(access.sinks, options.sink);
  const sinks = only ? [only] : access.sinks;
  const deep = options.deep === true;
  const maxProblems = options.maxProblems ?? 10_000;
  const tallies = new Map<string, Tally>(
    sinks.map((s) => [
      s.label,
      { checked: 0, byLevel: { checksum: 0, size: 0, deep: 0 }, problems: 0, listing: 'skipped' },
    ]),
  );
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  const kinds: Record<ProblemKind, number> = {
    missing: 0,
    size: 0,
    checksum: 0,
    sha256: 0,
    authentication: 0,
    unknown: 0,
    unreadable: 0,
  };
  let checked = 0;
  let recorded = 0;
  let otherSinks = 0;
  const report = (problem: VerifyProblem) => {
    problemCount++;
    for (const kind of problem.kinds) kinds[kind]++;
    tallies.get(problem.sink)!.problems++;
    if (problems.length < maxProblems) problems.push(problem);
    options.onProblem?.(problem);
  };
  const check = async (object: ItemObject) => {
    const sink = sinks.find((s) => s.label === object.sink)!;
    const result = await checkObject(access, sink, object, deep);
    const tally = tallies.get(sink.label)!;
    tally.checked++;
    tally.byLevel[result.level]++;
    checked++;
    if (result.problem) report(result.problem);
    options.onProgress?.(checked);
  };
  const reservoir =
    options.sample === undefined ? undefined : new Reservoir<ItemObject>(options.sample, options.random);
  let cursor: ObjectCursor | undefined;
  do {
    // Every source's objects: a tenant may hold items of several (`migrate --legacy`).
    const page = await access.ledger.objectsPage(
      access.tenant,
      undefined,
      only ? { sink: only.label } : {},
      cursor,
      PAGE,
    );
    const mine = page.objects.filter((o) => sinks.some((s) => s.label === o.sink));
    otherSinks += page.objects.length - mine.length;
    recorded += mine.length;
    if (reservoir) for (const o of mine) reservoir.offer(o);
    else
      await eachLimited(mine, access.concurrency, (o) =>
        access.signal.aborted ? Promise.resolve() : check(o),
      );
    cursor = page.next;
  } while (cursor !== undefined && !access.signal.aborted);
  if (reservoir)
    await eachLimited(reservoir.values, access.concurrency, (o) =>
      access.signal.aborted ? Promise.resolve() : check(o),
    );
  else
    for (const sink of sinks) {
      if (access.signal.aborted) break;
      const tally = tallies.get(sink.label)!;
      await listUnknown(access, sink, tally, report);
    }
  return {
    deep,
    ...(options.sample === undefined ? {} : { sample: options.sample }),
    recorded,
    checked,
    otherSinks,
    sinks: sinks.map((s) => ({ sink: s.label, ...tallies.get(s.label)! })),
    problemCount,
    kinds,
    problems,
    interrupted: access.signal.aborted,
  };
};

/** Lists the sink under the tenant's prefix and reports each object the ledger does not know. */
const listUnknown = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  tally: Tally,
  report: (problem: VerifyProblem) => void,
) => {
  const list = sink.instance.list?.bind(sink.instance);
  if (list === undefined) {
    tally.listing = 'unsupported';
    return;
  }
  const prefix = `${encodeKeyVariable(access.tenant)}/`;
  let after: string | undefined;
  let listed = 0;
  do {
    const page = await access.call(sink, 'list', (signal) =>
      list(prefix, after === undefined ? { signal } : { signal, after }),
    );
    if (!page.ok) {
      tally.listing = { failed: `[${page.error._tag}] ${page.error.message}` };
      tally.listed = listed;
      return;
    }
    for (const o of page.value.objects) {
      listed++;
      if (!(await access.ledger.knowsObject(access.tenant, sink.label, o.key)))
        report(await unknownObject(access, sink, o));
    }
    after = page.value.next;
  } while (after !== undefined && !access.signal.aborted);
  tally.listing = 'listed';
  tally.listed = listed;
};

/**
 * An object the ledger does not know, as a problem. One at the key of a batch the ledger has (the
 * batch layout) is named by it: an abandoned batch's object (its members were stored in another
 * batch; deleting it is the operator's call), or one of a batch not stored yet.
 */
const unknownObject = async (
  access: ArchiveAccess,
  sink: SinkTarget,
  o: { readonly key: string; readonly size: number; readonly physicalKey: string },
): Promise<VerifyProblem> => {
  const where = `${o.size} bytes at ${o.physicalKey}`;
  const batch = await access.ledger.batchAtKey(access.tenant, o.key);
  if (!batch)
    return {
      sink: sink.label,
      key: o.key,
      kinds: ['unknown'],
      detail: `the ledger does not know this object (${where})`,
    };
  const why =
    batch.status === 'abandoned'
      ? 'abandoned: its records were stored again in another batch, and this object is not needed to restore them'
      : batch.status === 'stored'
        ? `stored, but the ledger records no copy of it on ${sink.label}`
        : `${batch.status}: not stored yet (the next run stores it)`;
  return {
    sink: sink.label,
    key: o.key,
    batchId: batch.batchId,
    kinds: ['unknown'],
    detail: `the ledger records no object here: it is the key of batch ${batch.batchId} (${batch.size} records, source ${batch.source}), ${why} (${where})`,
  };
};

export type { CheckLevel, ProblemKind, VerifyProblem } from './check-object.js';
