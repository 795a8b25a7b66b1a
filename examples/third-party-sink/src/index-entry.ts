import { readFile, unlink } from 'node:fs/promises';
import { PluginFailure } from '@cxarchive/core';
import { createExclusive, linkInto, throwIfAborted } from './durable.js';
import { corruptEntry, errnoCode, keyConflict, keyTaken, mapFsError } from './errors.js';
import { entryPath, tempPath } from './layout.js';

/** What the index holds for one key: which blob, and what the put was told about it. */
export interface IndexEntry {
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** For the one small read that explains a lost race: it must finish even if the put was cancelled. */
const UNCANCELLED = new AbortController().signal;

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

/** Parses an entry's text; anything else than what `writeEntry` writes is corrupt. */
export const parseEntry = (text: string, key: string): IndexEntry => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PluginFailure(corruptEntry(key, 'not JSON'));
  }
  const entry = value as Partial<IndexEntry> | null;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new PluginFailure(corruptEntry(key, 'not a JSON object'));
  if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256))
    throw new PluginFailure(corruptEntry(key, 'no valid sha256'));
  if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0)
    throw new PluginFailure(corruptEntry(key, 'no valid size'));
  if (typeof entry.contentType !== 'string' || !isStringRecord(entry.metadata))
    throw new PluginFailure(corruptEntry(key, 'no valid contentType or metadata'));
  return { sha256: entry.sha256, size: entry.size, contentType: entry.contentType, metadata: entry.metadata };
};

/** The entry of `key`, or null when the index has none. */
export const readEntry = async (
  root: string,
  key: string,
  signal: AbortSignal,
): Promise<IndexEntry | null> => {
  let text: string;
  try {
    text = await readFile(entryPath(root, key), { encoding: 'utf8', signal });
  } catch (error) {
    const code = errnoCode(error);
    // ENOTDIR: a prefix of the key is an entry; EISDIR: the key is a prefix of others. Neither is an entry.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw new PluginFailure(mapFsError(error, `reading the index entry of ${key}`));
  }
  return parseEntry(text, key);
};

export interface WriteEntryOptions {
  readonly fileMode: number;
  readonly fsync: boolean;
  readonly signal: AbortSignal;
}

/**
 * Adds `key` to the index, create-only: this is the moment the object exists. A key that is
 * already indexed fails `AlreadyExists` with the existing object's SHA-256.
 */
export const writeEntry = async (
  root: string,
  key: string,
  entry: IndexEntry,
  options: WriteEntryOptions,
): Promise<void> => {
  const temp = tempPath(root);
  try {
    const handle = await createExclusive(temp, options.fileMode).catch((error: unknown) => {
      throw new PluginFailure(mapFsError(error, `creating a temp file for ${key}`));
    });
    try {
      await handle.writeFile(`${JSON.stringify(entry)}\n`);
      if (options.fsync) await handle.sync();
    } catch (error) {
      throw new PluginFailure(mapFsError(error, `indexing ${key}`));
    } finally {
      await handle.close().catch(() => undefined);
    }
    // The last moment a cancellation leaves nothing behind; once linked, the object exists.
    throwIfAborted(options.signal, `put of ${key}`);
    await linkInto(temp, entryPath(root, key), options.fsync, `indexing ${key}`).catch(
      async (error: unknown) => {
        if (error instanceof PluginFailure) throw error;
        const code = errnoCode(error);
        if (code === 'ENOTDIR') throw new PluginFailure(keyConflict(key));
        if (code !== 'EEXIST') throw new PluginFailure(mapFsError(error, `indexing ${key}`));
        // What holds the name: an entry (the key is taken), or a directory (keys below it).
        const existing = await readEntry(root, key, UNCANCELLED).catch(() => undefined);
        throw new PluginFailure(existing === null ? keyConflict(key) : keyTaken(key, existing?.sha256));
      },
    );
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};
