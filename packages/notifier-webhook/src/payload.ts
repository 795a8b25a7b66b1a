import type { JsonObject, JsonValue, PipelineEvent } from '@cxarchive/core';

/** Any event the runtime emits: today's `PipelineEvent`s, and types added later (the attach flow's). */
export type AnyEvent = { readonly type: string; readonly [field: string]: unknown };

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A URL inside a text (a reason quoting one): only its origin is kept, never its path or query. */
const URL_INSIDE = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s?#]+)[^\s"']*/gi;
const MAX_TEXT = 1000;

/** A string worth sending: never a URL (a signed media URL carries its signature), never long text. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && !URL_LIKE.test(value)
    ? value.slice(0, MAX_TEXT).replace(URL_INSIDE, '$1/…')
    : undefined;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Keeps the listed fields that hold what `pick` accepts; drops everything else. */
const fields = (
  event: Readonly<Record<string, unknown>>,
  names: readonly string[],
  pick: (value: unknown) => JsonValue | undefined = text,
): JsonObject => {
  const out: JsonObject = {};
  for (const name of names) {
    const value = pick(event[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
};

const COMMON = ['runId', 'tenant', 'at'] as const;

const checksum = (value: unknown): JsonValue | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  return { ...fields(c, ['algorithm', 'value']), ...fields(c, ['parts'], count) };
};

/** One stored object as a receiver needs it: where it is and its checksums (not its size, which leaks length). */
const storedObject = (value: unknown): JsonValue | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Record<string, unknown>;
  const out: JsonObject = fields(o, ['artifact', 'sink', 'key', 'physicalKey', 'sha256', 'versionId']);
  const sum = checksum(o.checksum);
  if (sum !== undefined) out.checksum = sum;
  return out;
};

const counts = (value: unknown): JsonValue | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (count(v) !== undefined) out[k] = v as number;
  return out;
};

const error = (value: unknown): JsonValue | undefined =>
  typeof value === 'object' && value !== null
    ? fields(value as Record<string, unknown>, ['errorTag', 'reason'])
    : undefined;

/** A digital contact by its ids only. */
const contactOf = (value: unknown): JsonValue | undefined =>
  typeof value === 'object' && value !== null
    ? fields(value as Record<string, unknown>, ['channelId', 'contactNumber', 'threadId'])
    : undefined;

/**
 * For an event type this version does not know (the attach flow's, added later): ids, keys,
 * checksums, statuses, reasons and counts only, found by name; never a URL, never content.
 */
const GENERIC_NAME =
  /^(id|[a-z][A-Za-z0-9]*Id|status|errorTag|reason|key|[a-z][A-Za-z0-9]*Key|sha256|checksum|retryAt|expireAt|attempts|[a-z][A-Za-z0-9]*Count)$/;

const generic = (event: AnyEvent): JsonObject => {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'type' || !GENERIC_NAME.test(name)) continue;
    const kept = typeof value === 'number' ? count(value) : typeof value === 'boolean' ? value : text(value);
    if (kept !== undefined) out[name] = kept;
  }
  if (event.counts !== undefined) {
    const c = counts(event.counts);
    if (c !== undefined) out.counts = c;
  }
  return out;
};

/**
 * The thin form of an event that goes into a webhook body: ids, counts, object keys and checksums,
 * statuses and reasons. Built field by field from what is known to be safe: record content,
 * secrets and signed URLs are never copied, whatever the event holds (the runtime already scrubs
 * events of secrets; this is the second line).
 */
export const thinEvent = (input: PipelineEvent | AnyEvent): JsonObject => {
  const event = input as AnyEvent;
  const base: JsonObject = { type: event.type, ...fields(event, COMMON) };
  switch (event.type) {
    case 'run.started':
      return base;
    case 'run.completed': {
      const out: JsonObject = { ...base, ...fields(event, ['status']) };
      const c = counts(event.counts);
      if (c !== undefined) out.counts = c;
      const e = error(event.error);
      if (e !== undefined) out.error = e;
      return out;
    }
    case 'item.archived': {
      const out: JsonObject = { ...base, ...fields(event, ['itemId', 'note']) };
      out.objects = Array.isArray(event.objects)
        ? event.objects.map(storedObject).filter((o): o is JsonValue => o !== undefined)
        : [];
      return out;
    }
    case 'item.failed':
      return { ...base, ...fields(event, ['itemId', 'errorTag', 'reason']) };
    case 'item.awaiting':
      return { ...base, ...fields(event, ['itemId', 'reason', 'retryAt']) };
    case 'item.skipped':
      return { ...base, ...fields(event, ['itemId', 'reason']) };
    // The attach flow: the contact by its ids and the file by its digest (its name and size are
    // the customer's business: not sent), the destination's ids, why it was refused or failed.
    case 'attachment.sent': {
      const out: JsonObject = {
        ...base,
        ...fields(event, ['itemId', 'sha256', 'mimeType', 'attachmentId', 'messageId', 'threadId']),
      };
      const contact = contactOf(event.contact);
      if (contact !== undefined) out.contact = contact;
      return out;
    }
    case 'attachment.refused':
    case 'attachment.failed': {
      const out: JsonObject = { ...base, ...fields(event, ['itemId', 'sha256', 'errorTag', 'reason']) };
      const contact = contactOf(event.contact);
      if (contact !== undefined) out.contact = contact;
      return out;
    }
    default:
      return { ...base, ...generic(event) };
  }
};

/** The body of a message that carries one event (Standard Webhooks' recommended `{type, timestamp, data}`). */
export const singleBody = (type: string, event: JsonObject): string => {
  const { type: _type, ...data } = event;
  return JSON.stringify({ type, timestamp: event.at ?? null, data });
};

/** The body of a message that carries a batch of item events, in the order they happened. */
export const batchBody = (events: readonly JsonObject[]): string => {
  const last = events[events.length - 1];
  return JSON.stringify({
    type: 'batch',
    timestamp: last?.at ?? null,
    data: { runId: last?.runId ?? null, tenant: last?.tenant ?? null, count: events.length, events },
  });
};
