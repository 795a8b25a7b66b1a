import { type PluginError, PluginErrors } from '@cxarchive/core';

/** The errno code of a node fs error (`EEXIST`, `ENOENT`, …), if it is one. */
export const errnoCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const AUTH = new Set(['EACCES', 'EPERM', 'EROFS']);
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const TRANSIENT = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

/** How the sink names its root in messages when the caller does not say: never an absolute path. */
export const DEFAULT_ROOT_LABEL = 'the sink root';

/**
 * Maps a node fs error to the plugin error taxonomy — the one place this sink does it.
 * `what` says what was being done and names the object relative to the sink root
 * (e.g. `writing t/2026/…/contact.json.cxar`); `root` is the root as the user wrote it, for the
 * errors that are about the root as a whole (a full disk). Messages never carry absolute paths
 * the user did not write, nor content. The cause keeps only the errno code and syscall.
 *
 * A full disk (`ENOSPC`, `EDQUOT`) is `Permanent`: retrying it seconds later like a network blip
 * only fills the retry budget; the operator has to free space.
 */
export const mapFsError = (error: unknown, what: string, root: string = DEFAULT_ROOT_LABEL): PluginError => {
  const code = errnoCode(error) ?? 'unknown';
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  const cause = { code, syscall: typeof syscall === 'string' ? syscall : undefined };
  if (code === 'EEXIST') return PluginErrors.alreadyExists(`fs sink: ${what}: the object already exists`);
  if (code === 'ENOENT') return PluginErrors.notFound(`fs sink: ${what}: no such object`);
  if (AUTH.has(code))
    return PluginErrors.auth(`fs sink: ${what}: permission denied on the sink root (${code})`);
  if (NO_SPACE.has(code))
    return PluginErrors.permanent(`fs sink: ${what}: no space left on ${root} (${code})`, cause);
  if (code === 'EXDEV')
    return PluginErrors.permanent(
      `fs sink: ${what}: ${root} spans more than one filesystem (EXDEV); keep the whole root on one filesystem`,
      cause,
    );
  if (TRANSIENT.has(code)) return PluginErrors.transient(`fs sink: ${what}: I/O error (${code})`, cause);
  const detail = code === 'unknown' && error instanceof Error ? error.name : code;
  return PluginErrors.permanent(`fs sink: ${what}: failed (${detail})`, cause);
};

/**
 * An operation stopped because its `AbortSignal` aborted (the run is being interrupted). Transient:
 * the work was not done, and a later run does it.
 */
export const cancelled = (what: string): PluginError =>
  PluginErrors.transient(`fs sink: ${what} was cancelled`);

/** The body's length differs from the `size` the caller announced: the put stores nothing. */
export const sizeMismatch = (key: string, announced: number, received: number): PluginError =>
  PluginErrors.invalidInput(
    `fs sink: the body of ${key} had ${received} bytes, not the ${announced} announced; nothing stored`,
  );
