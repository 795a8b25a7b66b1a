import { open } from 'node:fs/promises';
import { LegacyEnvelopeError, unreadable } from './errors.js';

/** A passphrase file larger than this is not a passphrase file. */
const MAX_PASSPHRASE_FILE_BYTES = 4096;

/**
 * Reads a passphrase from a file: UTF-8, one trailing newline (`\n` or `\r\n`) removed, nothing
 * else trimmed (spaces may be part of it). Errors name the file, never its content.
 */
export const readPassphraseFile = async (file: string): Promise<string> => {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile())
        throw new LegacyEnvelopeError('unreadable', `passphrase file ${file} is not a regular file`);
      if (stat.size > MAX_PASSPHRASE_FILE_BYTES)
        throw new LegacyEnvelopeError(
          'bad-passphrase-file',
          `passphrase file ${file} is larger than ${MAX_PASSPHRASE_FILE_BYTES} bytes: it should hold the passphrase alone`,
        );
      text = (await handle.readFile()).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof LegacyEnvelopeError) throw error;
    throw unreadable('passphrase file', file, error);
  }
  const passphrase = text.replace(/\r?\n$/, '');
  if (passphrase === '')
    throw new LegacyEnvelopeError(
      'bad-passphrase-file',
      `passphrase file ${file} is empty: write the passphrase the tutorial script used into it`,
    );
  return passphrase;
};
