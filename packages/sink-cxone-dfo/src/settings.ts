import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import {
  type CxoneConnection,
  durationOption,
  resolveConnection,
  resolveDfoBase,
} from '@cxarchive/cxone-api';
import { DEFAULTS, type DfoSinkOptions } from './schema.js';

/** The sink's options in the units its code works with (secrets stay wrapped). */
export interface DfoSinkSettings {
  readonly connection: CxoneConnection;
  readonly dfoBaseUrl?: string;
  readonly customChannels: ReadonlySet<string>;
  readonly customChannelAuthor: string;
  readonly maxAttachmentBytes: number;
  readonly expiryMarginMs: number;
  readonly uploadTimeoutMs: number;
}

/** Checks what the schema cannot and converts; defaults are applied again for direct calls. */
export const resolveSettings = (options: DfoSinkOptions): Result<DfoSinkSettings, PluginError> => {
  const connection = resolveConnection(options);
  if (connection.isErr()) return err(connection.error);
  const o = { ...DEFAULTS, ...options };
  if (o.dfoBaseUrl !== undefined) {
    const base = resolveDfoBase(o.dfoBaseUrl);
    if (base.isErr()) return err({ ...base.error, path: 'dfoBaseUrl' } as PluginError);
  }
  const channels = o.customChannels ?? [];
  if (!Array.isArray(channels) || channels.some((c) => typeof c !== 'string' || c === '')) {
    return err(PluginErrors.invalidInput('customChannels must be a list of channel ids', 'customChannels'));
  }
  if (typeof o.customChannelAuthor !== 'string' || o.customChannelAuthor === '') {
    return err(PluginErrors.invalidInput('customChannelAuthor must not be empty', 'customChannelAuthor'));
  }
  if (!Number.isSafeInteger(o.maxAttachmentBytes) || o.maxAttachmentBytes < 1) {
    return err(
      PluginErrors.invalidInput('maxAttachmentBytes must be a positive integer', 'maxAttachmentBytes'),
    );
  }
  const margin = durationOption('expiryMargin', o.expiryMargin);
  if (margin.isErr()) return err(margin.error);
  const timeout = durationOption('uploadTimeout', o.uploadTimeout, true);
  if (timeout.isErr()) return err(timeout.error);
  return ok({
    connection: connection.value,
    ...(o.dfoBaseUrl === undefined ? {} : { dfoBaseUrl: o.dfoBaseUrl }),
    customChannels: new Set(channels),
    customChannelAuthor: o.customChannelAuthor,
    maxAttachmentBytes: o.maxAttachmentBytes,
    expiryMarginMs: margin.value,
    uploadTimeoutMs: timeout.value,
  });
};
