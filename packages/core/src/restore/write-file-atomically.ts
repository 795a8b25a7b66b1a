import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** A file is already at the target, and overwriting was not asked for. */
export class TargetExists extends Error {
  constructor(readonly target: string) {
    super(`${target} already exists (pass --force to overwrite it)`);
    this.name = 'TargetExists';
  }
}

const removeQuietly = async (file: string) => {
  try {
    await unlink(file);
  } catch {
    // already gone
  }
};

const syncDirectory = async (dir: string) => {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic.
  }
};

/** A file written to its temp name beside its target (synced, closed), not yet moved into place. */
export interface StagedFile {
  readonly target: string;
  readonly temp: string;
  readonly bytes: number;
}

/**
 * Writes `body` to a temp file beside `target` (created 0600, owner-only: restored files hold
 * contact data) and syncs it; nothing is at `target` yet. Any failure removes the temp file.
 */
export const stageFile = async (
  target: string,
  body: AsyncIterable<unknown> | Iterable<Buffer>,
): Promise<StagedFile> => {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const handle = await open(temp, 'wx', 0o600);
  let bytes = 0;
  try {
    try {
      for await (const chunk of body) {
        const buffer = chunk as Buffer;
        let at = 0;
        while (at < buffer.length) {
          const { bytesWritten } = await handle.write(buffer, at, buffer.length - at);
          at += bytesWritten;
        }
        bytes += buffer.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
  return { target, temp, bytes };
};

/**
 * Moves a staged file into place: renamed over `target` with `force`, else linked without
 * replacing a file there (`TargetExists`). The temp file is gone afterwards, whatever happens.
 */
export const placeStaged = async (
  staged: StagedFile,
  options: { readonly force: boolean },
): Promise<void> => {
  try {
    if (options.force) await rename(staged.temp, staged.target);
    else await placeWithoutReplacing(staged.temp, staged.target);
  } catch (error) {
    await removeQuietly(staged.temp);
    throw error;
  }
  await syncDirectory(path.dirname(staged.target));
};

/** Removes a staged file that is not to be placed (its source failed later on). */
export const discardStaged = (staged: StagedFile): Promise<void> => removeQuietly(staged.temp);

/**
 * Writes `body` to `target` so that no partial file is ever seen there: the bytes go to a temp file
 * in the same directory (created 0600, owner-only: restored files hold contact data), which is
 * synced and moved into place only after `body` ended without an error — for a decoded object,
 * after its final chunk authenticated. Any failure removes the temp file. Without `force`, a file
 * already at `target` is never replaced (checked atomically by a hard link where the filesystem
 * has them). Resolves with the number of bytes written.
 */
export const writeFileAtomically = async (
  target: string,
  body: Readable,
  options: { readonly force: boolean },
): Promise<number> => {
  const staged = await stageFile(target, body);
  await placeStaged(staged, options);
  return staged.bytes;
};

const placeWithoutReplacing = async (temp: string, target: string) => {
  try {
    await link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TargetExists(target);
    // A filesystem without hard links: look, then rename (not atomic against a concurrent writer).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    const existing = await open(target, 'r').then(
      async (h) => {
        await h.close();
        return true;
      },
      () => false,
    );
    if (existing) throw new TargetExists(target);
    await rename(temp, target);
    return;
  }
  await unlink(temp);
};
