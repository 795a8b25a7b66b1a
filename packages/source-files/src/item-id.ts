import { createHash } from 'node:crypto';

/**
 * Item ids (stable across runs, unique per target and file, ASCII `[A-Za-z0-9._%/-]` only):
 *
 * - an attachment: `<channelId>/contact-<contactNumber>/<file path>` or
 *   `<channelId>/thread-<threadId>/<file path>`;
 * - when that is longer than `MAX_ITEM_ID_LENGTH`: `h/<SHA-256 hex of the channel, the contact
 *   or thread and the path>`;
 * - a file without a manifest row: `refused/file/<file path>` (`refused/file/h-<SHA-256 hex>` when long);
 * - a manifest row refused as invalid: `refused/row/<SHA-256 hex of the row's bytes, 32 digits>`.
 *
 * Each segment keeps `[A-Za-z0-9._-]` and writes every other byte of its UTF-8 as `%XX` (`%`
 * included, and a leading `.`), so no segment is `.` or `..`, `/` only ever separates segments,
 * and two different ids never encode alike. The kinds cannot collide: an attachment's second
 * segment starts with `contact-` or `thread-`, a refusal's is `file` or `row`, a hashed id has two
 * segments. Ids hold what identifies an attachment (channel, contact, path), never message text.
 */
export const MAX_ITEM_ID_LENGTH = 200;

export const encodeSegment = (value: string): string => {
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const ch = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9_-]/.test(ch) || (ch === '.' && i > 0);
    out += plain ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
};

const encodePath = (file: string): string => file.split('/').map(encodeSegment).join('/');

const sha256 = (...parts: readonly string[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part, 'utf8').update('\0');
  return hash.digest('hex');
};

export interface AttachmentKey {
  readonly channelId: string;
  readonly contactNumber?: string;
  readonly threadId?: string;
  readonly file: string;
}

export const attachmentId = (key: AttachmentKey): string => {
  const contact =
    key.contactNumber !== undefined
      ? `contact-${encodeSegment(key.contactNumber)}`
      : `thread-${encodeSegment(key.threadId ?? '')}`;
  const id = `${encodeSegment(key.channelId)}/${contact}/${encodePath(key.file)}`;
  if (id.length <= MAX_ITEM_ID_LENGTH) return id;
  const kind = key.contactNumber !== undefined ? 'contact' : 'thread';
  return `h/${sha256(key.channelId, kind, key.contactNumber ?? key.threadId ?? '', key.file)}`;
};

export const unmatchedFileId = (file: string): string => {
  const id = `refused/file/${encodePath(file)}`;
  return id.length <= MAX_ITEM_ID_LENGTH ? id : `refused/file/h-${sha256(file)}`;
};

export const rowDigest = (raw: Buffer): string => createHash('sha256').update(raw).digest('hex').slice(0, 32);

export const refusedRowId = (raw: Buffer): string => `refused/row/${rowDigest(raw)}`;
