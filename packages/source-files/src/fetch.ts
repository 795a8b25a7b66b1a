import path from 'node:path';
import {
  escapeControl,
  type Item,
  type ItemRef,
  type JsonObject,
  type PluginError,
  PluginErrors,
  PluginFailure,
} from '@cxarchive/core';
import { locateRow } from './find-row.js';
import { attachmentId, rowDigest } from './item-id.js';
import type { Place } from './place.js';
import { type RefData, refData } from './refs.js';
import { checkRow, type ManifestRow } from './row.js';
import type { ResolvedFilesSourceOptions } from './schema.js';

const quoted = (file: string): string => `"${escapeControl(file)}"`;

/** The item's record (`AttachmentTarget`'s source half): target, file, message, friendly name. */
export const attachmentRecord = (row: ManifestRow, size: number): JsonObject => {
  const name = path.posix.basename(row.file);
  const message: JsonObject = {
    ...(row.text === undefined ? {} : { text: row.text }),
    ...(row.tags === undefined ? {} : { tags: [...row.tags] }),
  };
  return {
    target: {
      ...(row.contactNumber === undefined ? {} : { contactNumber: row.contactNumber }),
      ...(row.threadId === undefined ? {} : { threadId: row.threadId }),
      channelId: row.channelId,
    },
    file: { name, size, path: row.file },
    ...(Object.keys(message).length === 0 ? {} : { message }),
    friendlyName: row.friendlyName ?? name,
  };
};

const fetchRow = async (
  options: ResolvedFilesSourceOptions,
  place: Place,
  ref: ItemRef,
  data: Extract<RefData, { kind: 'row' }>,
  signal: AbortSignal,
): Promise<Item> => {
  const csv = options.format === 'csv';
  const located = await locateRow(
    options,
    { offset: data.offset, line: data.line },
    (raw) => {
      const { row } = checkRow(raw, csv);
      return row !== undefined && attachmentId(row) === ref.id ? row : undefined;
    },
    signal,
  );
  if (located === undefined)
    throw new PluginFailure(
      PluginErrors.notFound(
        `manifest ${options.manifestLabel} has no row for file ${quoted(data.file)} of item ${ref.id} any more (it changed since the item was listed)`,
      ),
    );
  const row = located.found;
  const label = `manifest ${options.manifestLabel} line ${located.row.line}: file ${quoted(row.file)}`;
  const file = await place.resolve(row.file, label, signal);
  if ('_tag' in file) throw new PluginFailure(file);
  return {
    id: ref.id,
    occurredAt: row.time ?? file.modified,
    record: attachmentRecord(row, file.size),
    artifacts: [file.artifact],
  };
};

const refuseUnmatched = async (
  options: ResolvedFilesSourceOptions,
  place: Place,
  ref: ItemRef,
  file: string,
  signal: AbortSignal,
): Promise<PluginError> => {
  const named = await locateRow(
    options,
    undefined,
    (raw) => {
      const value = raw.fields?.file;
      return typeof value === 'string' && value.trim() === file ? true : undefined;
    },
    signal,
  );
  if (named !== undefined)
    return PluginErrors.invalidInput(
      `file ${quoted(file)} was refused for having no manifest row; manifest ${options.manifestLabel} line ${named.row.line} names it now, so it is listed under that row: this refusal (${ref.id}) is superseded`,
    );
  if (!(await place.has(file, signal)))
    return PluginErrors.notFound(
      `file ${quoted(file)} had no manifest row and is no longer in ${place.where}: nothing to attach`,
    );
  return PluginErrors.invalidInput(
    `no manifest row for file ${quoted(file)}: add a row naming it (with its contact and channel) to ${options.manifestLabel}, or remove it from ${place.where}; a file without a row is never guessed`,
  );
};

const refuseInvalid = async (
  options: ResolvedFilesSourceOptions,
  data: Extract<RefData, { kind: 'invalid' }>,
  signal: AbortSignal,
): Promise<PluginError> => {
  const csv = options.format === 'csv';
  const located = await locateRow(
    options,
    { offset: data.offset, line: data.line },
    (raw) => (rowDigest(raw.raw) === data.digest ? (checkRow(raw, csv).problem ?? null) : undefined),
    signal,
  );
  if (located === undefined)
    return PluginErrors.invalidInput(
      `manifest ${options.manifestLabel}: the row refused at line ${data.line} is no longer in the manifest (fixed or removed): this refusal is superseded`,
    );
  return PluginErrors.invalidInput(
    located.found === null
      ? `manifest ${options.manifestLabel} line ${located.row.line}: the row was refused at line ${data.line} and is valid now, so it is listed as its own item: this refusal is superseded`
      : `manifest ${options.manifestLabel} line ${located.row.line}: ${located.found}; the row is refused`,
  );
};

/**
 * Fetches an item from its ref alone (a later run may fetch a failed item without listing): a
 * row's item is built from the manifest row and the file as they are now; a refused item fails
 * with its reason, checked again (a cause fixed since says the refusal is superseded).
 */
export const fetchItem = async (
  options: ResolvedFilesSourceOptions,
  place: Place,
  ref: ItemRef,
  signal: AbortSignal,
): Promise<Item> => {
  const data = refData(ref);
  if (data === undefined)
    throw new PluginFailure(PluginErrors.invalidInput(`item ${ref.id} was not listed by a files source`));
  switch (data.kind) {
    case 'row':
      return fetchRow(options, place, ref, data, signal);
    case 'unmatched':
      throw new PluginFailure(await refuseUnmatched(options, place, ref, data.file, signal));
    case 'invalid':
      throw new PluginFailure(await refuseInvalid(options, data, signal));
  }
};
