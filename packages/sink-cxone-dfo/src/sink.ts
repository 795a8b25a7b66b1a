import {
  type AttachmentSink,
  err,
  errAsync,
  ok,
  type PluginContext,
  type PluginError,
  type Result,
  ResultAsync,
  SecretScrubber,
  type Sink,
} from '@cxarchive/core';
import { createCxoneClient, createDfoApi } from '@cxarchive/cxone-api';
import { confirmAttachment } from './confirm.js';
import { notAnObjectStore } from './errors.js';
import type { DfoSinkOptions } from './schema.js';
import { type DfoSentAttachment, sendAttachment } from './send.js';
import { resolveSettings } from './settings.js';
import { createTags } from './tags.js';
import { uploadAttachment } from './upload.js';

/**
 * The attach flow's destination. It is an `AttachmentSink`; since a `sink` plugin's instance is typed
 * `Sink`, it also carries `Sink`'s members, each refusing: it stores no archive objects.
 */
export type DfoSink = AttachmentSink & Sink;

export interface DfoSinkDependencies {
  /** Replaces fetch for the JSON calls (tests); uploads then go through it too. */
  readonly fetchImpl?: typeof fetch;
}

const wrap = <T>(run: () => Promise<Result<T, PluginError>>): ResultAsync<T, PluginError> =>
  new ResultAsync(run());

export const createDfoSink = (
  options: DfoSinkOptions,
  context: Pick<PluginContext, 'now' | 'budget'>,
  dependencies: DfoSinkDependencies = {},
): Result<DfoSink, PluginError> => {
  const resolved = resolveSettings(options);
  if (resolved.isErr()) return err(resolved.error);
  const settings = resolved.value;
  const { connection } = settings;
  const now = () => context.now();
  // The client registers the credentials (in every encoding) and each token it obtains, and scrubs
  // every error detail with them; URLs in details are cut to origin and path (no signatures).
  const client = createCxoneClient({
    issuer: connection.issuer,
    ...(connection.apiBaseUrl === undefined ? {} : { apiBaseUrl: connection.apiBaseUrl }),
    credentials: connection.credentials,
    requestTimeoutMs: connection.requestTimeoutMs,
    tokenRefreshSkewMs: connection.tokenRefreshSkewMs,
    now,
    scrubber: new SecretScrubber(),
    budget: (family, signal) => context.budget(family).take(signal),
    ...(dependencies.fetchImpl === undefined ? {} : { fetchImpl: dependencies.fetchImpl }),
  });
  const dfo = createDfoApi(client, {
    ...(settings.dfoBaseUrl === undefined ? {} : { dfoBaseUrl: settings.dfoBaseUrl }),
    uploadTimeoutMs: settings.uploadTimeoutMs,
  });
  const tags = createTags(client, dfo);
  const sendDeps = {
    dfo,
    tags,
    now,
    expiryMarginMs: settings.expiryMarginMs,
    customChannels: settings.customChannels,
    customChannelAuthor: settings.customChannelAuthor,
  };
  return ok({
    attachments: true,
    upload: (target, body, signal) =>
      wrap(() =>
        uploadAttachment({ dfo, maxAttachmentBytes: settings.maxAttachmentBytes }, target, body, signal),
      ),
    send: (target, uploaded, signal) => wrap(() => sendAttachment(sendDeps, target, uploaded, signal)),
    confirm: (target, sent, signal) =>
      wrap(() => confirmAttachment(dfo, tags, target, sent as DfoSentAttachment, signal)),
    checksums: [],
    put: (_key, body) => {
      body.destroy();
      return errAsync(notAnObjectStore());
    },
    head: () => errAsync(notAnObjectStore()),
    get: () => errAsync(notAnObjectStore()),
    close: async () => client.close(),
  });
};
