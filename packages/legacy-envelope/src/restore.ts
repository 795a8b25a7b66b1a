import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptLegacyEnvelope } from './decrypt.js';
import { errnoCode, LegacyEnvelopeError, unreadable } from './errors.js';
import { readPassphraseFile } from './passphrase.js';

export interface RestoredEnvelope {
  /** The JSON Lines file written: `<outDir>/<name>.jsonl`. */
  readonly file: string;
  /** Records (newline-terminated lines) in it. */
  readonly lines: number;
  readonly bytes: number;
}

export interface RestoreOptions {
  /** Largest envelope file accepted. Default 256 MiB. */
  readonly maxBytes?: number;
}

/** `calls-2024-03.json` → `calls-2024-03.jsonl`. */
const targetName = (file: string): string => `${path.basename(file).replace(/\.json$/i, '')}.jsonl`;

/**
 * Decrypts one envelope into `<outDir>/<name>.jsonl`, byte for byte the JSON Lines the tutorial
 * script encrypted. The passphrase is read from `passphraseFile` (one trailing newline removed).
 * The plaintext goes to a temp file in `outDir` (mode 0600), which is fsynced and linked to its name
 * only once the whole envelope authenticated and gunzipped; on any failure the temp file is removed
 * and no output file exists. An existing output file is never replaced. `outDir` is created (0700)
 * if missing. Throws LegacyEnvelopeError.
 */
export const restoreLegacyEnvelope = async (
  file: string,
  passphraseFile: string,
  outDir: string,
  options: RestoreOptions = {},
): Promise<RestoredEnvelope> => {
  const passphrase = await readPassphraseFile(passphraseFile);
  const target = path.join(outDir, targetName(file));
  try {
    await mkdir(outDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unreadable('output directory', outDir, error);
  }
  const exists = () =>
    new LegacyEnvelopeError(
      'exists',
      `${target} exists already: remove it or restore into another directory`,
    );
  const existing = await open(target, 'r').then(
    (h) => h.close().then(() => true),
    () => false,
  );
  if (existing) throw exists();

  const plaintext = await decryptLegacyEnvelope(file, passphrase, options);
  const temp = path.join(outDir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let bytes = 0;
  let lines = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
      done(null, chunk);
    },
  });
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch(
    (error: unknown) => {
      plaintext.destroy();
      throw unreadable('output directory', outDir, error);
    },
  );
  try {
    try {
      const file = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          handle.write(chunk).then(() => done(), done);
        },
        final: (done) => {
          handle.sync().then(() => done(), done);
        },
      });
      await pipeline(plaintext, count, file);
    } finally {
      await handle.close();
    }
    try {
      await link(temp, target);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') throw exists();
      throw error;
    }
    const dir = await open(outDir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { file: target, lines, bytes };
};
