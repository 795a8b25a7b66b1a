import type { PipelineEvent, StoredObject } from '../plugin/types.js';
import type { AuditFields, AuditObject } from './format.js';

/** Who writes: the same for every entry of a process. */
export interface AuditWho {
  readonly host: string;
  readonly version: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Keys, size and checksums of a stored object, named one by one: nothing else gets in. */
const objectOf = (o: StoredObject): AuditObject => {
  const checksum: Mutable<AuditObject['checksum']> = {
    algorithm: o.checksum.algorithm,
    value: o.checksum.value,
  };
  if (o.checksum.parts !== undefined) checksum.parts = o.checksum.parts;
  const out: Mutable<AuditObject> = {
    artifact: o.artifact,
    sink: o.sink,
    key: o.key,
    physicalKey: o.physicalKey,
    size: o.size,
    sha256: o.sha256,
    checksum,
  };
  if (o.versionId !== undefined) out.versionId = o.versionId;
  return out;
};

/** A digital contact by its ids, named one by one. */
const contactOf = (c: {
  readonly contactNumber?: string;
  readonly threadId?: string;
  readonly channelId: string;
}): NonNullable<NonNullable<AuditFields['attachment']>['contact']> => {
  const out: Mutable<NonNullable<NonNullable<AuditFields['attachment']>['contact']>> = {
    channelId: c.channelId,
  };
  if (c.contactNumber !== undefined) out.contactNumber = c.contactNumber;
  if (c.threadId !== undefined) out.threadId = c.threadId;
  return out;
};

/**
 * The audit entry of an event (already scrubbed of secrets): the fields of a state change, picked
 * one by one, so that nothing an event may carry later (record content, URLs) reaches the log
 * unless it is named here. (Built by assignment rather than spreads: one per event, at up to tens
 * of thousands of events a second.)
 */
export const entryOfEvent = (event: PipelineEvent, who: AuditWho): AuditFields => {
  const out: Mutable<AuditFields> = {
    type: event.type,
    at: event.at,
    runId: event.runId,
    tenant: event.tenant,
    host: who.host,
    version: who.version,
  };
  switch (event.type) {
    case 'run.started':
      out.outcome = 'started';
      break;
    case 'item.archived':
      out.itemId = event.itemId;
      out.outcome = 'archived';
      out.objects = event.objects.map(objectOf);
      if (event.note !== undefined) out.note = event.note;
      break;
    case 'item.failed':
      out.itemId = event.itemId;
      out.outcome = 'failed';
      out.errorTag = event.errorTag;
      out.reason = event.reason;
      break;
    case 'item.awaiting':
      out.itemId = event.itemId;
      out.outcome = 'awaiting';
      out.reason = event.reason;
      if (event.retryAt !== undefined) out.retryAt = event.retryAt;
      break;
    case 'item.skipped':
      out.itemId = event.itemId;
      out.outcome = 'skipped';
      out.reason = event.reason;
      break;
    case 'attachment.sent':
    case 'attachment.refused':
    case 'attachment.failed': {
      out.itemId = event.itemId;
      const attachment: Mutable<NonNullable<AuditFields['attachment']>> = {};
      if (event.contact !== undefined) attachment.contact = contactOf(event.contact);
      if (event.fileName !== undefined) attachment.fileName = event.fileName;
      if (event.sha256 !== undefined) attachment.sha256 = event.sha256;
      if (event.type === 'attachment.sent') {
        out.outcome = 'sent';
        attachment.mimeType = event.mimeType;
        attachment.size = event.size;
        attachment.attachmentId = event.attachmentId;
        attachment.messageId = event.messageId;
        if (event.threadId !== undefined) attachment.threadId = event.threadId;
      } else {
        out.outcome = event.type === 'attachment.refused' ? 'refused' : 'failed';
        out.errorTag = event.errorTag;
        out.reason = event.reason;
      }
      out.attachment = attachment;
      break;
    }
    case 'run.completed':
      out.outcome = event.status;
      out.counts = {
        archived: event.counts.archived,
        failed: event.counts.failed,
        awaiting: event.counts.awaiting,
        skipped: event.counts.skipped,
      };
      if (event.error) out.error = { errorTag: event.error.errorTag, reason: event.error.reason };
      break;
    default: {
      // An event this version does not know yet: its action and item, nothing else.
      const other = event as { readonly itemId?: unknown };
      if (typeof other.itemId === 'string') out.itemId = other.itemId;
    }
  }
  return out;
};
