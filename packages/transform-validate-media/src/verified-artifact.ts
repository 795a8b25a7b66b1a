import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type Artifact, PluginErrors, PluginFailure } from '@cxarchive/core';

/**
 * The artifact as validated: its type and size set, and every later read (the scanner's, the
 * upload's) checked against the validated bytes: a stream whose bytes differ (the file changed on
 * disk since) fails with `InvalidInput` at its end, or as soon as it runs past the validated size,
 * so what was scanned and sent is what was validated.
 */
export const verifiedArtifact = (
  artifact: Artifact,
  facts: { readonly mimeType: string; readonly size: number; readonly sha256: string },
): Artifact => ({
  name: artifact.name,
  contentType: facts.mimeType,
  size: facts.size,
  open: (signal) =>
    artifact.open(signal).map((stream) => {
      const hash = createHash('sha256');
      let size = 0;
      const changed = (what: string) =>
        new PluginFailure(
          PluginErrors.permanent(
            `file changed since it was validated (${what}): the next run validates it afresh`,
          ),
        );
      const check = new Transform({
        transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
          size += chunk.length;
          if (size > facts.size) return callback(changed(`more than the ${facts.size} bytes validated`));
          hash.update(chunk);
          callback(null, chunk);
        },
        flush(callback: TransformCallback) {
          if (size !== facts.size) return callback(changed(`${size} bytes, ${facts.size} validated`));
          if (hash.digest('hex') !== facts.sha256) return callback(changed('its SHA-256 differs'));
          callback();
        },
      });
      stream.on('error', (error) => check.destroy(error));
      check.on('close', () => {
        if (!stream.destroyed) stream.destroy();
      });
      return stream.pipe(check);
    }),
});
