/** Exit codes, stable for scripts and schedulers. */
export const EXIT = {
  ok: 0,
  /** The run finished, but some items failed, or the run itself failed part-way. */
  runFailed: 1,
  /** The pipeline file is invalid (or missing). */
  invalidPipeline: 2,
  /** The run could not start: another run holds the tenant, the ledger is unusable, or a plugin refused to start. */
  cannotStart: 3,
  /** `verify` found problems: objects missing, altered or unknown to the ledger (each one is named). */
  problemsFound: 4,
  /** The run was stopped (Ctrl-C, SIGTERM); the next run resumes. */
  interrupted: 130,
} as const;
