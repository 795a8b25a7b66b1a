import { fromStreamError, type PluginError, PluginErrors } from '@cxarchive/core';

/**
 * Every failure this sink can meet is classified here, once, and each mapping has a test
 * (`errors.test.ts`). Messages name keys and the root as the user wrote it: never an absolute
 * path, never object content.
 */

/** The errno code of a node fs error (`EEXIST`, `ENOENT`, …), or `ABORT_ERR` for an aborted call. */
export const errnoCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const AUTH = new Set(['EACCES', 'EPERM', 'EROFS']);
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const TRANSIENT = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

/**
 * An operation stopped because its `AbortSignal` aborted (the run is being interrupted).
 * Transient: nothing is wrong, the work was just not done.
 */
export const cancelled = (what: string): PluginError =>
  PluginErrors.transient(`cas sink: ${what} was cancelled`);

/**
 * A node fs error → the taxonomy. `what` says what was being done, naming the key
 * (`writing t/2026/…/contact.json.cxar`). The cause keeps the errno code and syscall only.
 */
export const mapFsError = (error: unknown, what: string): PluginError => {
  const code = errnoCode(error) ?? 'unknown';
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  const cause = { code, syscall: typeof syscall === 'string' ? syscall : undefined };
  if (code === 'ABORT_ERR') return cancelled(what);
  if (code === 'EEXIST') return PluginErrors.alreadyExists(`cas sink: ${what}: it already exists`);
  if (code === 'ENOENT') return PluginErrors.notFound(`cas sink: ${what}: no such file`);
  if (AUTH.has(code)) return PluginErrors.auth(`cas sink: ${what}: permission denied (${code})`);
  // A full disk needs an operator, not a retry seconds later.
  if (NO_SPACE.has(code)) return PluginErrors.permanent(`cas sink: ${what}: no space left (${code})`, cause);
  if (TRANSIENT.has(code)) return PluginErrors.transient(`cas sink: ${what}: I/O error (${code})`, cause);
  const detail = code === 'unknown' && error instanceof Error ? error.name : code;
  return PluginErrors.permanent(`cas sink: ${what}: failed (${detail})`, cause);
};

/**
 * Why copying a put's body into the store stopped, when several things happen at once: the
 * store's own write error (`storeError`) is the root cause; then the cancellation (aborting
 * destroys the body, which ends the copy with a premature close); then the body's own error
 * (`cause`), classified by core's `fromStreamError` (a tagged failure keeps its tag).
 */
export const copyFailure = (
  cause: unknown,
  context: { readonly storeError: unknown; readonly signal: AbortSignal; readonly key: string },
): PluginError => {
  if (context.storeError !== undefined) return mapFsError(context.storeError, `writing ${context.key}`);
  if (context.signal.aborted) return cancelled(`put of ${context.key}`);
  return fromStreamError(cause);
};

/** The body's length differs from the `size` the caller announced: the put stores nothing. */
export const sizeMismatch = (key: string, announced: number, received: number): PluginError =>
  PluginErrors.invalidInput(
    `cas sink: the body of ${key} had ${received} bytes, not the ${announced} announced; nothing stored`,
  );

/** Core's `objectKeyProblem` found the key unsafe: refused before any I/O. */
export const unsafeKey = (problem: string): PluginError =>
  PluginErrors.invalidInput(`cas sink: invalid object key: ${problem}`);

/** A second put of a key: create-only. The existing object's checksum helps the runtime adopt it. */
export const keyTaken = (key: string, sha256: string | undefined): PluginError =>
  PluginErrors.alreadyExists(
    `cas sink: ${key} already exists`,
    sha256 === undefined ? undefined : { algorithm: 'sha256', value: sha256 },
  );

/** An index entry that does not parse: someone edited the store by hand, or the disk lied. */
export const corruptEntry = (key: string, why: string): PluginError =>
  PluginErrors.permanent(`cas sink: the index entry of ${key} is corrupt (${why})`);

/** `get` of a key the index does not hold. */
export const noObject = (key: string): PluginError => PluginErrors.notFound(`cas sink: no object at ${key}`);

/** One key is a directory prefix of another (`a/b` and `a/b/c`): the index cannot hold both. */
export const keyConflict = (key: string): PluginError =>
  PluginErrors.permanent(`cas sink: ${key} collides with another key (one is a path prefix of the other)`);

/** The index names a blob that is not there (deleted by hand?). */
export const missingBlob = (key: string, sha256: string): PluginError =>
  PluginErrors.permanent(`cas sink: ${key} names blob sha256:${sha256}, which is missing from the store`);

/** The blob's bytes no longer hash to its address. */
export const corruptBlob = (key: string, sha256: string, why: string): PluginError =>
  PluginErrors.permanent(`cas sink: the blob of ${key} (sha256:${sha256}) is corrupt: ${why}`);

/** `create` could not make the root. InvalidInput at `root`: the user has to pick another. */
export const rootFailure = (error: unknown, rootLabel: string): PluginError =>
  PluginErrors.invalidInput(
    `cas sink: cannot create the store at "${rootLabel}" (${errnoCode(error) ?? 'unknown error'})`,
    'root',
  );
