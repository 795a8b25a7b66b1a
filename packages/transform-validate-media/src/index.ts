import {
  type Artifact,
  definePlugin,
  err,
  errAsync,
  fromStreamError,
  type Item,
  type JsonObject,
  ok,
  okAsync,
  type PluginError,
  PluginErrors,
  type Result,
  ResultAsync,
  type Transform,
} from '@cxarchive/core';
import { compileAllow, fileTypeKnows } from './allow.js';
import { formatBytes } from './bytes.js';
import { claimedType, DEFAULT_ALLOW, type MediaType } from './catalog.js';
import { decide, extensionOf } from './decide.js';
import { readMedia } from './read-media.js';
import { configSchema, DEFAULT_MAX_BYTES, type ValidateMediaOptions } from './schema.js';
import { verifiedArtifact } from './verified-artifact.js';

export { type AllowProblem, compileAllow, fileTypeKnows } from './allow.js';
export { formatBytes } from './bytes.js';
export { CATALOG, DEFAULT_ALLOW, type MediaType } from './catalog.js';
export { decide, extensionOf } from './decide.js';
export { type MediaRead, readMedia, SNIFF_BYTES } from './read-media.js';
export { configSchema, DEFAULT_MAX_BYTES, type ValidateMediaOptions } from './schema.js';
export { verifiedArtifact } from './verified-artifact.js';

/** The artifact of an attach-flow item that holds the file's bytes. */
export const FILE_ARTIFACT = 'file';

/** What validate-media adds to the record: `record.validation`. */
export interface Validation {
  readonly mimeType: string;
  readonly extension: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ValidateMediaSettings {
  readonly maxBytes: number;
  readonly allowed: ReadonlyMap<string, MediaType>;
}

const fileOf = (item: Item): { name: string; size?: number } | undefined => {
  const file = item.record.file;
  if (typeof file !== 'object' || file === null || Array.isArray(file)) return undefined;
  const { name, size } = file as JsonObject;
  if (typeof name !== 'string' || name === '') return undefined;
  return typeof size === 'number' ? { name, size } : { name };
};

const friendlyNameOf = (item: Item): string | undefined => {
  const name = item.record.friendlyName;
  return typeof name === 'string' && name !== '' ? name : undefined;
};

const refuse = (reason: string): PluginError => PluginErrors.invalidInput(reason);

/** The transform: one streamed pass over the `file` artifact, then the verdict. */
export const createValidateMedia = (settings: ValidateMediaSettings): Transform => ({
  apply(item: Item, signal: AbortSignal): ResultAsync<Item | null, PluginError> {
    if (signal.aborted) return errAsync(PluginErrors.transient('validate-media was cancelled'));
    const file = fileOf(item);
    if (file === undefined)
      return errAsync(PluginErrors.invalidInput('item has no record.file.name: not an attach-flow item'));
    const artifact = item.artifacts.find((a) => a.name === FILE_ARTIFACT);
    if (artifact === undefined)
      return errAsync(
        PluginErrors.invalidInput(`item has no "${FILE_ARTIFACT}" artifact: not an attach-flow item`),
      );
    const { maxBytes } = settings;
    const cap = `cap ${formatBytes(maxBytes)}`;
    if (file.size !== undefined && file.size > maxBytes)
      return errAsync(refuse(`too large: ${formatBytes(file.size)} (${cap})`));
    const claimed = claimedType(extensionOf(file.name), fileTypeKnows);
    return artifact.open(signal).andThen((stream) =>
      ResultAsync.fromPromise(
        readMedia(stream, { maxBytes, checkText: claimed?.text === true, signal }),
        (cause) =>
          signal.aborted
            ? PluginErrors.transient('validate-media was cancelled', cause)
            : fromStreamError(cause),
      ).andThen((read) => {
        if (read.kind === 'tooLarge')
          return errAsync(refuse(`too large: more than ${maxBytes} bytes (${cap})`));
        if (read.size === 0) return errAsync(refuse('empty file'));
        const verdict = decide(
          { fileName: file.name, detected: read.detected, text: read.text },
          settings.allowed,
          fileTypeKnows,
        );
        if (!verdict.ok) return errAsync(refuse(verdict.reason));
        // The name the customer sees, when it has an extension, must not claim another type either.
        const friendly = friendlyNameOf(item);
        if (friendly !== undefined && friendly !== file.name && extensionOf(friendly) !== '') {
          const shown = decide(
            { fileName: friendly, detected: read.detected, text: read.text },
            settings.allowed,
            fileTypeKnows,
          );
          if (!shown.ok)
            return errAsync(refuse(`${shown.reason} (record.friendlyName, the name the customer sees)`));
        }
        const validation: Validation = {
          mimeType: verdict.mimeType,
          extension: verdict.extension,
          size: read.size,
          sha256: read.sha256,
        };
        const artifacts: Artifact[] = item.artifacts.map((a) =>
          a === artifact ? verifiedArtifact(a, validation) : a,
        );
        return okAsync<Item | null, PluginError>({
          ...item,
          record: { ...item.record, validation: { ...validation } },
          artifacts,
        });
      }),
    );
  },
});

/** Compiles the options as `create` receives them (validated by core against the schema). */
export const validateMediaOf = (options: ValidateMediaOptions): Result<Transform, PluginError> => {
  const allowed = compileAllow(options.allow ?? DEFAULT_ALLOW);
  if (allowed.isErr()) return err(PluginErrors.invalidInput(allowed.error.message, allowed.error.path));
  return ok(createValidateMedia({ maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, allowed: allowed.value }));
};

export default definePlugin<'transform', ValidateMediaOptions>({
  kind: 'transform',
  name: 'validate-media',
  apiVersion: 2,
  configSchema,
  create: (config) => validateMediaOf(config),
});
