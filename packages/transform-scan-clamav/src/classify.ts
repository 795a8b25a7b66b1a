import { fromStreamError, type PluginError, PluginErrors } from '@cxarchive/core';
import { ClamdError } from './clamd-client.js';

/**
 * clamd's failures as plugin errors. Only a verdict refuses a file: a scanner that is down, slow,
 * or in error is `Transient` (the runtime retries; the item never passes unscanned). A file longer
 * than clamd's StreamMaxLength can never be scanned by that clamd: refused, with what to change.
 */
export const classifyScanFailure = (cause: unknown): PluginError => {
  if (!(cause instanceof ClamdError))
    return PluginErrors.transient(
      `scan failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    );
  switch (cause.kind) {
    case 'source':
      return fromStreamError(cause.cause);
    case 'sizeLimit':
      return PluginErrors.invalidInput(
        "too large to scan: the file is longer than clamd's StreamMaxLength (clamd answered INSTREAM size limit exceeded); raise StreamMaxLength in clamd.conf to at least validate-media's maxBytes",
      );
    case 'cancelled':
      return PluginErrors.transient('scan-clamav was cancelled', cause);
    default:
      return PluginErrors.transient(
        `${cause.message}; the file was not scanned and will be tried again`,
        cause,
      );
  }
};
