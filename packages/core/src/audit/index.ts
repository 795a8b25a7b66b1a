export { auditLogPath } from './audit-path.js';
export { entryOfEvent } from './entry-of-event.js';
export {
  type AuditEntry,
  type AuditFields,
  type AuditObject,
  GENESIS as AUDIT_GENESIS,
  type RepairCause,
  sealEntry,
} from './format.js';
export { type AuditHead, headFileOf as auditHeadFileOf } from './head.js';
export { type AuditFilter, type AuditRecord, readAuditLog } from './read.js';
export { type AuditBreak, type AuditRepair, type AuditVerification, verifyAuditLog } from './verify.js';
export { type AuditWriter, type AuditWriterResult, openAuditWriter } from './writer.js';
