import { type PluginError, PluginErrors } from '@cxarchive/core';

/** An error raised inside the sink that is already classified; unwrapped by `classify`. */
export class SinkFailure extends Error {
  readonly error: PluginError;
  constructor(error: PluginError) {
    super(error.message);
    this.name = 'SinkFailure';
    this.error = error;
  }
}

/** The errno code of a node fs error (`EEXIST`, `ENOENT`, …), if it is one. */
export const errnoCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const AUTH = new Set(['EACCES', 'EPERM', 'EROFS']);
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const TRANSIENT = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

/**
 * Maps a node fs error to the plugin error taxonomy — the one place this sink does it.
 * `what` says what was being done and names the object relative to the sink root
 * (e.g. `writing t/2026/…/contact.json.cxar`); messages never carry absolute paths or content.
 * The cause keeps only the errno code and syscall.
 */
export const mapFsError = (error: unknown, what: string): PluginError => {
  const code = errnoCode(error) ?? 'unknown';
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  const cause = { code, syscall: typeof syscall === 'string' ? syscall : undefined };
  if (code === 'EEXIST') return PluginErrors.alreadyExists(`fs sink: ${what}: the object already exists`);
  if (code === 'ENOENT') return PluginErrors.notFound(`fs sink: ${what}: no such object`);
  if (AUTH.has(code))
    return PluginErrors.auth(`fs sink: ${what}: permission denied on the sink root (${code})`);
  if (NO_SPACE.has(code)) return PluginErrors.permanent(`fs sink: ${what}: no space left (${code})`, cause);
  if (TRANSIENT.has(code)) return PluginErrors.transient(`fs sink: ${what}: I/O error (${code})`, cause);
  const detail = code === 'unknown' && error instanceof Error ? error.name : code;
  return PluginErrors.permanent(`fs sink: ${what}: failed (${detail})`, cause);
};

/** Classifies anything caught inside the sink: already-classified failures pass through, the rest are fs errors. */
export const classify = (error: unknown, what: string): PluginError =>
  error instanceof SinkFailure ? error.error : mapFsError(error, what);
