import type { RawRow } from './manifest.js';
import { filePathProblem } from './paths.js';

/** One manifest row, checked: a file and the digital contact it goes to. */
export interface ManifestRow {
  /** Path of the file relative to the directory, `/`-separated. */
  readonly file: string;
  readonly contactNumber?: string;
  readonly threadId?: string;
  readonly channelId: string;
  readonly friendlyName?: string;
  readonly text?: string;
  readonly tags?: readonly string[];
  /** The `time` column: when the attachment is dated (else the file's modification time). */
  readonly time?: Date;
}

/** Longest contact number, thread id, channel id, tag or friendly name, in characters. */
export const MAX_ID_LENGTH = 200;
const MAX_TAGS = 50;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** ISO 8601 with a date, a time and a zone (`Z` or an offset). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

type Checked<T> = { readonly value?: T; readonly problem?: string };

/** A text value: a string (CSV, JSON) or, for ids, a JSON integer. */
const text = (name: string, value: unknown, integers = false): Checked<string> => {
  if (value === undefined || value === null) return {};
  if (integers && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    return { value: String(value) };
  if (typeof value !== 'string') return { problem: `${name} is not a string` };
  return { value };
};

const identifier = (name: string, value: unknown): Checked<string> => {
  const got = text(name, value, name === 'contactNumber');
  if (got.problem || got.value === undefined) return got;
  const trimmed = got.value.trim();
  if (trimmed === '') return {};
  if (trimmed.length > MAX_ID_LENGTH)
    return { problem: `${name} is longer than ${MAX_ID_LENGTH} characters` };
  if (CONTROL.test(trimmed)) return { problem: `${name} has a control character` };
  if (name === 'contactNumber' && !/^[0-9]+$/.test(trimmed))
    return {
      problem: `contactNumber "${trimmed}" is not a number (a digital contact's number has digits only)`,
    };
  return { value: trimmed };
};

const tagList = (value: unknown, csv: boolean): Checked<readonly string[]> => {
  if (value === undefined || value === null) return {};
  let tags: unknown[];
  if (typeof value === 'string' && csv) tags = value.split(';').map((tag) => tag.trim());
  else if (Array.isArray(value)) tags = value;
  else return { problem: csv ? 'tags is not text' : 'tags is not an array of strings' };
  if (tags.length > MAX_TAGS) return { problem: `tags has more than ${MAX_TAGS} tags` };
  for (const [i, tag] of tags.entries()) {
    if (typeof tag !== 'string') return { problem: `tag ${i + 1} is not a string` };
    if (tag.trim() === '')
      return { problem: `tag ${i + 1} is empty${csv ? ' (tags are separated by ";")' : ''}` };
    if (tag.length > MAX_ID_LENGTH)
      return { problem: `tag ${i + 1} is longer than ${MAX_ID_LENGTH} characters` };
    if (CONTROL.test(tag)) return { problem: `tag ${i + 1} has a control character` };
  }
  return { value: tags.map((tag) => (tag as string).trim()) };
};

/**
 * Checks a raw row: exactly one of contactNumber and threadId, a channel, a safe relative file
 * path, tags, a time with a zone. The problem names the column, never the row's text.
 */
export const checkRow = (row: RawRow, csv: boolean): { row?: ManifestRow; problem?: string } => {
  if (row.problem) return { problem: row.problem };
  const fields = row.fields ?? {};
  const file = text('file', fields.file);
  if (file.problem) return { problem: file.problem };
  if (file.value === undefined || file.value.trim() === '') return { problem: 'the row has no file' };
  const filePath = file.value.trim();
  const pathProblem = filePathProblem(filePath);
  if (pathProblem) return { problem: pathProblem };

  const contactNumber = identifier('contactNumber', fields.contactNumber);
  const threadId = identifier('threadId', fields.threadId);
  const channelId = identifier('channelId', fields.channelId);
  for (const checked of [contactNumber, threadId, channelId])
    if (checked.problem) return { problem: checked.problem };
  if (contactNumber.value !== undefined && threadId.value !== undefined)
    return { problem: 'the row has both a contactNumber and a threadId: give exactly one' };
  if (contactNumber.value === undefined && threadId.value === undefined)
    return { problem: 'the row has neither a contactNumber nor a threadId: give exactly one' };
  if (channelId.value === undefined) return { problem: 'the row has no channelId' };

  const friendlyName = text('friendlyName', fields.friendlyName);
  if (friendlyName.problem) return { problem: friendlyName.problem };
  const name = friendlyName.value?.trim();
  if (name !== undefined && name !== '') {
    if (name.length > MAX_ID_LENGTH)
      return { problem: `friendlyName is longer than ${MAX_ID_LENGTH} characters` };
    if (CONTROL.test(name) || name.includes('/') || name.includes('\\'))
      return { problem: 'friendlyName has a control character or a path separator' };
  }
  const message = text('text', fields.text);
  if (message.problem) return { problem: message.problem };
  const tags = tagList(fields.tags, csv);
  if (tags.problem) return { problem: tags.problem };
  const time = text('time', fields.time);
  if (time.problem) return { problem: time.problem };
  let date: Date | undefined;
  if (time.value !== undefined && time.value.trim() !== '') {
    date = new Date(time.value.trim());
    if (!ISO_TIME.test(time.value.trim()) || Number.isNaN(date.getTime()))
      return { problem: 'time is not an ISO 8601 time with a zone (e.g. 2026-11-30T09:00:00Z)' };
  }
  return {
    row: {
      file: filePath,
      ...(contactNumber.value === undefined ? {} : { contactNumber: contactNumber.value }),
      ...(threadId.value === undefined ? {} : { threadId: threadId.value }),
      channelId: channelId.value,
      ...(name ? { friendlyName: name } : {}),
      ...(message.value === undefined || message.value === '' ? {} : { text: message.value }),
      ...(tags.value === undefined ? {} : { tags: tags.value }),
      ...(date === undefined ? {} : { time: date }),
    },
  };
};
