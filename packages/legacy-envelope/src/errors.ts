import { isPluginError, isPluginFailure, type PluginError, PluginErrors } from '@cxarchive/core';

/** What went wrong with a legacy envelope, for callers that branch on it (and for tests). */
export type LegacyErrorCode =
  /** The envelope file is larger than the configured cap. */
  | 'too-large'
  /** The file (envelope or passphrase) cannot be read: missing, not a regular file, no permission. */
  | 'unreadable'
  /** The envelope is not one JSON object. */
  | 'not-json'
  /** A field is missing, not a string, not base64, or of the wrong length. */
  | 'bad-field'
  /** AES-GCM authentication failed: the passphrase is wrong or the envelope was altered. */
  | 'auth'
  /** The authenticated plaintext is not gzip, or a line in it is not usable. */
  | 'bad-plaintext'
  /** The passphrase file is empty or too long. */
  | 'bad-passphrase-file'
  /** The restore target exists already. */
  | 'exists';

/**
 * An error about one envelope (or the passphrase file). Messages name the file as the caller gave
 * it and never carry the passphrase, key material or plaintext.
 */
export class LegacyEnvelopeError extends Error {
  readonly code: LegacyErrorCode;
  constructor(code: LegacyErrorCode, message: string) {
    super(message);
    this.name = 'LegacyEnvelopeError';
    this.code = code;
  }
}

/** The errno code of a node fs error (`ENOENT`, …), if it is one. */
export const errnoCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A file that cannot be read, as a LegacyEnvelopeError naming it and the errno code only. */
export const unreadable = (what: string, file: string, error: unknown): LegacyEnvelopeError => {
  const code = errnoCode(error);
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : (code ?? (error instanceof Error ? error.message : String(error)));
  return new LegacyEnvelopeError('unreadable', `cannot read ${what} ${file}: ${why}`);
};

/**
 * Maps an error of this package to the plugin error taxonomy — the one place the source does it.
 * Everything about the envelope's content is InvalidInput (retrying cannot help); a missing file is
 * NotFound; an I/O failure of an unknown kind is Transient.
 */
export const toPluginError = (error: unknown): PluginError => {
  if (isPluginFailure(error)) return error.error;
  if (isPluginError(error)) return error;
  if (error instanceof LegacyEnvelopeError) {
    if (error.code === 'unreadable')
      return error.message.endsWith('no such file')
        ? PluginErrors.notFound(error.message)
        : PluginErrors.invalidInput(error.message);
    return PluginErrors.invalidInput(error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return PluginErrors.transient(`legacy envelope: ${message}`, { code: errnoCode(error) });
};
