import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LegacyEnvelopeError, unreadable } from './errors.js';

/**
 * The envelopes under `target`: the file itself, or every regular `*.json` file directly in the
 * directory, in code-point order of their names (the order the checkpoint relies on). Absolute paths.
 */
export const envelopeFiles = async (target: string): Promise<string[]> => {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch (error) {
    throw unreadable('envelope path', target, error);
  }
  if (info.isFile()) return [path.resolve(target)];
  if (!info.isDirectory())
    throw new LegacyEnvelopeError('unreadable', `${target} is neither an envelope file nor a directory`);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(target, { withFileTypes: true });
  } catch (error) {
    throw unreadable('directory', target, error);
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => path.resolve(target, name));
};
