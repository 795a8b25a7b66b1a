import { createHash } from 'node:crypto';

/**
 * The audit log's line format (v1). Every line is one JSON object whose first member is its own
 * hash and whose second is the hash of the entry before it:
 *
 *   {"hash":"<64 hex>","prev":"<64 hex>","type":"item.archived","at":"…",…}
 *
 * `hash` is the SHA-256 (lowercase hex) of the line's UTF-8 bytes with that first member removed,
 * that is of `{` followed by everything after `{"hash":"<64 hex>",` — so anyone can check a line
 * with a shell and `sha256sum`. `prev` is the `hash` of the entry on the line before; the first
 * entry of a log takes `GENESIS` instead. An edited line no longer matches its hash; a removed,
 * inserted or moved line no longer follows the one before it.
 */
export const FORMAT_VERSION = 1;

/** The `prev` of the first entry: the SHA-256 of the text `cxarchive audit log v1`. */
export const GENESIS = createHash('sha256').update('cxarchive audit log v1').digest('hex');

const OPEN = '{"hash":"';
/** Length of `{"hash":"<64 hex>",`: the part of a line its hash leaves out (but for `{`). */
export const HASH_MEMBER_END = OPEN.length + 64 + 2;
/** A line longer than this is not an entry (an entry is a few KiB at most). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

/** One stored object of an archived item, as the audit log names it: keys and checksums only. */
export interface AuditObject {
  readonly artifact: string;
  readonly sink: string;
  readonly key: string;
  readonly physicalKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly checksum: { readonly algorithm: string; readonly value: string; readonly parts?: number };
  readonly versionId?: string;
}

/** Why a run recorded `chain.repaired`: what it found at the end of the log when it opened it. */
export type RepairCause = 'torn' | 'unverifiable' | 'truncated';

/** What an entry says, without the chain (`hash`, `prev`). */
export interface AuditFields {
  /** The action: `run.started`, `item.archived`, `item.failed`, `item.awaiting`, `item.skipped`, `attachment.sent`, `attachment.refused`, `attachment.failed`, `run.completed`, `chain.repaired`. */
  readonly type: string;
  /** When the state change happened (ISO 8601, UTC). */
  readonly at: string;
  readonly runId: string;
  readonly tenant: string;
  /** The host the run ran on (host name and pid namespace). */
  readonly host: string;
  /** The cxarchive version that wrote the entry. */
  readonly version: string;
  readonly itemId?: string;
  /** `archived`, `failed`, `awaiting`, `skipped`; `started`; for `run.completed` the run's status; `repaired`. */
  readonly outcome?: string;
  readonly objects?: readonly AuditObject[];
  readonly note?: string;
  readonly errorTag?: string;
  readonly reason?: string;
  readonly retryAt?: string;
  readonly counts?: Readonly<Record<string, number>>;
  readonly error?: { readonly errorTag: string; readonly reason: string };
  /** The attach flow: where an attachment went and what it was (ids and digests only). */
  readonly attachment?: {
    readonly contact?: {
      readonly contactNumber?: string;
      readonly threadId?: string;
      readonly channelId: string;
    };
    readonly fileName?: string;
    readonly sha256?: string;
    readonly mimeType?: string;
    readonly size?: number;
    readonly attachmentId?: string;
    readonly messageId?: string;
    readonly threadId?: string;
  };
  /** `chain.repaired`: what was found and where (byte offsets in the file). */
  readonly repair?: {
    readonly cause: RepairCause;
    /** The damaged line: where it starts, its length (without an end of line) and its SHA-256. */
    readonly line?: { readonly offset: number; readonly bytes: number; readonly sha256: string };
    /** `truncated`: what the log's head recorded, and the size the log had. */
    readonly head?: { readonly size: number; readonly hash: string };
    readonly size?: number;
  };
}

export interface AuditEntry extends AuditFields {
  readonly hash: string;
  readonly prev: string;
}

/** Seals an entry after `prev`: its line (without end of line) and its hash. */
export const sealEntry = (prev: string, fields: AuditFields): { line: string; hash: string } => {
  // `{"prev":"…",` then the fields: the same text as stringifying { prev, ...fields }, without the copy.
  const body = `{"prev":"${prev}",${JSON.stringify(fields).slice(1)}`;
  const hash = createHash('sha256').update(body).digest('hex');
  return { line: `${OPEN}${hash}",${body.slice(1)}`, hash };
};

export type OpenedLine =
  | { readonly kind: 'entry'; readonly entry: AuditEntry }
  /** Not JSON at all: what a write cut short leaves (a torn line), or garbage. */
  | { readonly kind: 'not-json' }
  /** JSON, but not an intact entry: edited, or never one. */
  | { readonly kind: 'invalid'; readonly problem: string };

/** Reads one line (its bytes, without the end of line) and checks it against its own hash. */
export const openLine = (bytes: Buffer): OpenedLine => {
  if (bytes.length > MAX_LINE_BYTES) return { kind: 'invalid', problem: 'is too long to be an entry' };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { kind: 'not-json' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { kind: 'invalid', problem: 'is not an audit entry (not a JSON object)' };
  const entry = value as Partial<AuditEntry>;
  const claimed = bytes.subarray(OPEN.length, OPEN.length + 64).toString('latin1');
  if (
    bytes.subarray(0, OPEN.length).toString('latin1') !== OPEN ||
    bytes.subarray(OPEN.length + 64, HASH_MEMBER_END).toString('latin1') !== '",' ||
    !HEX64.test(claimed)
  )
    return { kind: 'invalid', problem: 'is not an audit entry (it does not start with its hash)' };
  const actual = createHash('sha256').update('{').update(bytes.subarray(HASH_MEMBER_END)).digest('hex');
  if (actual !== claimed)
    return { kind: 'invalid', problem: 'was altered: its content does not match its hash' };
  if (typeof entry.prev !== 'string' || !HEX64.test(entry.prev) || typeof entry.type !== 'string')
    return { kind: 'invalid', problem: 'is not an audit entry (no prev or type)' };
  return { kind: 'entry', entry: entry as AuditEntry };
};

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
