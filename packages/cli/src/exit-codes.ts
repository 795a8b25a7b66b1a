import { constants } from 'node:os';

/**
 * Exit codes, stable for scripts and schedulers: the one place they are defined. The table in
 * docs/cli.md is {@link EXIT_CODES} (test/exit-codes.integration.test.ts compares them).
 */
export const EXIT = {
  /** Everything was done: every item archived (or not ready at the source yet), the file valid. */
  ok: 0,
  /** The command finished, but some items failed (each is named), or the run failed part-way. */
  runFailed: 1,
  /** The pipeline file or the command line is invalid (or the file is missing). */
  invalidPipeline: 2,
  /** Nothing could start: another run holds the tenant, the ledger is unusable, a plugin refused to start, the source rejected the credentials or could not be reached. */
  cannotStart: 3,
  /** Stopped by a signal (Ctrl-C, SIGTERM) or by losing the tenant's lease: what was done stays done, the next run resumes. */
  interrupted: 4,
  /** `verify` or `audit --verify` found the archive altered, incomplete or not chained (each problem is named). */
  problemsFound: 5,
  /** A bug in cxarchive or in a plugin: the message says where to report it. */
  bug: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every exit code with what it means, in order: docs/cli.md's table. */
export const EXIT_CODES: readonly { readonly code: number; readonly meaning: string }[] = [
  {
    code: EXIT.ok,
    meaning: 'Done: every item archived, skipped or not ready at the source yet; the file is valid',
  },
  {
    code: EXIT.runFailed,
    meaning: 'Finished, but some items failed (each named), or the run failed part-way',
  },
  { code: EXIT.invalidPipeline, meaning: 'Invalid pipeline file or command line (usage); nothing was done' },
  {
    code: EXIT.cannotStart,
    meaning:
      'Could not start: another run holds the tenant, the ledger is unusable, a plugin refused to start, the source rejected the credentials or could not be reached',
  },
  {
    code: EXIT.interrupted,
    meaning: 'Stopped by a signal (or by losing the lease) after a clean stop; the next run resumes',
  },
  {
    code: EXIT.problemsFound,
    meaning: '`verify` or `audit --verify` found problems in the archive (each named)',
  },
  { code: EXIT.bug, meaning: 'A bug in cxarchive or a plugin (where to report it is printed)' },
  {
    code: 128 + constants.signals.SIGINT,
    meaning: 'Quit at once by a second Ctrl-C (143 for a second SIGTERM): no report; the next run resumes',
  },
];

/**
 * The code of a process quit at once by `signal` (a second Ctrl-C): 128 + its number, as a shell
 * reports a process killed by it (130 for SIGINT, 143 for SIGTERM).
 */
export const signalExitCode = (signal: NodeJS.Signals | undefined): number =>
  128 + (constants.signals[signal ?? 'SIGINT'] ?? constants.signals.SIGINT);

/** What a finished run (or sync, or migration) reported, as far as its exit code goes. */
export interface ReportOutcome {
  readonly status: 'succeeded' | 'completed_with_failures' | 'failed' | 'interrupted';
  readonly error?: { readonly errorTag: string } | undefined;
  readonly counts: { readonly seen: number };
}

/** Errors of a listing that stop a run before it took any item: the source cannot be used at all. */
const COULD_NOT_START_TAGS: ReadonlySet<string> = new Set(['Auth', 'Transient', 'Throttled', 'NotFound']);

/**
 * A report's exit code: 0 succeeded; 4 interrupted; 70 a defect; 3 a run that failed before it saw
 * a single item because its source refused the credentials or could not be reached; 1 otherwise.
 */
export const exitCodeOfReport = (report: ReportOutcome): ExitCode => {
  if (report.status === 'succeeded') return EXIT.ok;
  if (report.status === 'interrupted') return EXIT.interrupted;
  if (report.status === 'failed' && report.error?.errorTag === 'Defect') return EXIT.bug;
  if (
    report.status === 'failed' &&
    report.counts.seen === 0 &&
    COULD_NOT_START_TAGS.has(report.error?.errorTag ?? '')
  )
    return EXIT.cannotStart;
  return EXIT.runFailed;
};
