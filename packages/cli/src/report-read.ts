import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { escapeControl, type Ledger, type LedgerRunRecord, type RunReport } from '@cxarchive/core/host';

/** A report file larger than this is not one a run wrote (at most 100 failures and notes): damaged. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;
/** Runs looked through for the latest finished one. */
const LATEST = 50;
/** What a run id looks like (`20261130T172409Z-1b5299`); anything else is never used in a path. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A run `report` cannot show, with what to say (exit 2: a usage problem; 3: nothing to read). */
export class ReportProblem extends Error {
  readonly usage: boolean;
  constructor(message: string, usage = false) {
    super(message);
    this.name = 'ReportProblem';
    this.usage = usage;
  }
}

const finished = (run: LedgerRunRecord | { status: string }) =>
  run.status !== 'running' && run.status !== 'abandoned';

/**
 * The run to report on: `runId` when given (refused when the ledger has no such run of the
 * tenant), else the latest finished run. `note` says when a newer run has not finished.
 */
export const pickRun = async (
  ledger: Ledger,
  tenant: string,
  runId: string | undefined,
): Promise<{ run: LedgerRunRecord; note?: string }> => {
  const e = escapeControl;
  if (runId !== undefined) {
    const run = await ledger.getRun(tenant, runId);
    if (run) return { run };
    const latest = (await ledger.recentRuns(tenant, 3)).map((r) => e(r.runId));
    throw new ReportProblem(
      `--run: tenant ${e(tenant)} has no run ${e(runId)} in its ledger; ` +
        (latest.length
          ? `its latest runs are ${latest.join(', ')} (\`cxarchive status\` lists them)`
          : 'it has no run yet'),
      true,
    );
  }
  const runs = await ledger.recentRuns(tenant, LATEST);
  if (runs.length === 0)
    throw new ReportProblem(
      `tenant ${e(tenant)} has no run yet: nothing to report (\`cxarchive run\` first)`,
    );
  const last = runs.find(finished);
  if (!last)
    throw new ReportProblem(
      `no finished run among the latest ${runs.length} of tenant ${e(tenant)}: run ${e(runs[0]!.runId)} is ${e(runs[0]!.status)} (a run that was stopped without finishing has no report)`,
    );
  const run = (await ledger.getRun(tenant, last.runId))!;
  return last === runs[0]
    ? { run }
    : {
        run,
        note: `run ${e(runs[0]!.runId)} is ${e(runs[0]!.status)} and has no report yet: showing run ${e(last.runId)}, the latest finished`,
      };
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** What is wrong with `value` as the report of `runId`, or undefined when it is one. */
export const reportProblem = (value: unknown, runId: string): string | undefined => {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.runId !== runId) return `it is not the report of run ${escapeControl(runId)}`;
  if (typeof value.reportVersion !== 'number') return 'it has no reportVersion';
  if (typeof value.status !== 'string') return 'it has no status';
  if (typeof value.startedAt !== 'string' || typeof value.finishedAt !== 'string')
    return 'it has no start or end time';
  const counts = value.counts;
  if (!isObject(counts) || !['seen', 'archived', 'failed', 'skipped'].every((k) => isCount(counts[k])))
    return 'its counts are missing or not numbers';
  if (!isObject(value.bytes) || !isCount(value.bytes.stored) || !isCount(value.bytes.plaintext))
    return 'its bytes are missing or not numbers';
  if (!Array.isArray(value.failures)) return 'its failures are not a list';
  for (const list of ['notes', 'skips', 'warnings', 'plugins', 'notifiers'])
    if (value[list] !== undefined && !Array.isArray(value[list])) return `its ${list} are not a list`;
  for (const map of ['budgets', 'acknowledgements', 'checkpoint'])
    if (value[map] !== undefined && !isObject(value[map])) return `its ${map} is not an object`;
  if (value.error !== undefined && !isObject(value.error)) return 'its error is not an object';
  for (const f of value.failures)
    if (!isObject(f) || typeof f.itemId !== 'string' || typeof f.reason !== 'string')
      return 'a failure in it has no item id or reason';
  return undefined;
};

/**
 * The fields a report of an earlier version may lack, filled in, so rendering needs no guard for
 * each (the report as it was written is what --format json prints).
 */
const complete = (value: Record<string, unknown>): RunReport =>
  ({
    flow: 'archive',
    notes: [],
    notesTotal: 0,
    skips: [],
    warnings: [],
    plugins: [],
    budgets: {},
    notifiers: [],
    objects: 0,
    adopted: 0,
    retries: 0,
    successRate: null,
    failuresTotal: (value.failures as unknown[]).length,
    acknowledgements: { done: 0, refused: 0, pending: 0 },
    checkpoint: { before: null, after: null },
    ...value,
    counts: { awaiting: 0, duplicates: 0, ...(value.counts as object) },
  }) as unknown as RunReport;

export interface ReadReport {
  readonly report: RunReport;
  /** The report as it was written (the file's, or the ledger's copy), without filled-in fields. */
  readonly raw: unknown;
  readonly file: string;
  /** Set when the file could not be used and the ledger's copy is shown instead. */
  readonly warning?: string;
}

/**
 * The report of `run`: `<stateDir>/reports/<runId>.json` as the run wrote it, or, when that file is
 * missing or damaged, the copy the ledger recorded when the run finished (with a warning).
 * Throws ReportProblem when neither can be used.
 */
export const readReport = async (stateDir: string, run: LedgerRunRecord): Promise<ReadReport> => {
  const e = escapeControl;
  if (!RUN_ID.test(run.runId) || run.runId.includes('..'))
    throw new ReportProblem(`the ledger names a run ${e(run.runId)} that cannot be a report's file name`);
  const file = path.join(stateDir, 'reports', `${run.runId}.json`);
  let fileProblem: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) fileProblem = 'it is not a file';
    else if (info.size > MAX_REPORT_BYTES) fileProblem = `it is ${info.size} bytes, more than any report`;
    else {
      const text = await readFile(file, 'utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
        fileProblem = reportProblem(value, run.runId) ?? '';
      } catch (error) {
        fileProblem = `it is not JSON (${(error as Error).message})`;
      }
      if (!fileProblem) return { report: complete(value as Record<string, unknown>), raw: value, file };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fileProblem =
      code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${(error as Error).message})`;
  }
  const where = `the report file ${e(file)}`;
  if (run.report === undefined)
    throw new ReportProblem(
      `cannot show the report of run ${e(run.runId)}: ${where}: ${e(fileProblem)}, and the ledger recorded no copy (status ${e(run.status)})`,
    );
  let value: unknown;
  let ledgerProblem: string | undefined;
  try {
    value = JSON.parse(run.report);
    ledgerProblem = reportProblem(value, run.runId);
  } catch (error) {
    ledgerProblem = `it is not JSON (${(error as Error).message})`;
  }
  if (ledgerProblem)
    throw new ReportProblem(
      `cannot show the report of run ${e(run.runId)}: ${where}: ${e(fileProblem)}; the ledger's copy: ${e(ledgerProblem)}`,
    );
  return {
    report: complete(value as Record<string, unknown>),
    raw: value,
    file,
    warning: `${where} cannot be used (${e(fileProblem)}): showing the copy the ledger recorded when the run finished`,
  };
};
