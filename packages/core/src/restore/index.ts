export {
  type ArchiveAccess,
  chooseSink,
  type OpenArchiveOptions,
  openArchiveAccess,
} from './archive-access.js';
export { BatchFormatError, scanBatchLines } from './batch-lines.js';
export type { CheckLevel, ObjectCheck, ProblemKind, VerifyProblem } from './check-object.js';
export { decodeContextOf } from './decode-context.js';
export {
  keyRangeOf,
  parseDay,
  type RestoreOptions,
  type RestoreSelection,
  type RestoreSummary,
  recordsKeyRangeOf,
  restoreArchive,
} from './restore.js';
export { type BatchRecordRestore, restoreBatchRecords } from './restore-batch.js';
export {
  type BatchedRecord,
  fileNameOf,
  type ItemRestore,
  type RestoredFile,
  type RestoreProblem,
} from './restore-item.js';
export {
  type KeySwap,
  type RewrapOptions,
  type RewrapOutcome,
  type RewrapResult,
  rewrapArchive,
  rewrappedKeyOf,
} from './rewrap.js';
export { safeJson } from './safe-json.js';
export { Reservoir } from './sample.js';
export { type SinkVerification, type VerifyOptions, type VerifyResult, verifyArchive } from './verify.js';
export { TargetExists, writeFileAtomically } from './write-file-atomically.js';
