import type { Readable } from 'node:stream';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import type { ApiRequest, CxoneClient, JsonAnswer } from './client.js';
import { bodyReadError, unexpectedBody } from './errors.js';
import { trimBase, urlProblem } from './urls.js';

/**
 * The digital (DFO 3.0) API: temporary attachments, messages on threads, contacts, custom fields
 * and message notes (reference/cxone-fidelity.md §4; GEN-ATT, GEN-MSG, GEN-DCON; SDK-DIG, SDK-URI).
 * It lives on its own host, `https://api-de-{area}.{domain}/dfo/3.0` (SDK-CFG
 * `getDfoApiBaseUri`, see `dfoBaseFromConfiguration`), takes the same bearer token as the rest, and
 * answers errors as `{errors: [{field?, message, parameters?, errorCode?}], uid?}`, decoded through
 * the `dfo` family. Every request counts against the `dfo` budget.
 */

const DFO_PATH = '/dfo/3.0';

export interface DfoApiOptions {
  /**
   * The DFO base (`https://api-de-na1.niceincontact.com`, with or without `/dfo/3.0`); default:
   * derived from tenant discovery. Must be https (plain http only to a loopback host).
   */
  readonly dfoBaseUrl?: string;
  /** Bounds one attachment upload (headers and body); default: the client's request timeout. */
  readonly uploadTimeoutMs?: number;
}

/** POST /attachments/temporary's answer (GEN-ATT; `uId` per SDK-DIG `CXoneFileUploadResponse`). */
export interface TemporaryAttachment {
  readonly id: string;
  readonly url: string;
  /** ISO 8601: the URL must be referenced by a message before then. */
  readonly expireAt: string;
  readonly uId?: string;
}

export interface UploadInput {
  /**
   * The file's bytes: a stream, or a function opening one (then a 401 can be retried with a new
   * token; a single stream, once read, cannot be sent twice). Base64-encoded as it is read.
   */
  readonly content: Readable | (() => Readable);
  readonly mimeType: string;
  /** The file's size in bytes, when known: the request then carries its exact `Content-Length`. */
  readonly size?: number;
}

export interface MessageContent {
  readonly type: 'TEXT' | 'PLUGIN' | 'QUICK_REPLIES' | 'LIST_PICKER' | 'RICH_LINK' | 'ADAPTIVE_CARD';
  readonly payload: Readonly<Record<string, unknown>>;
  readonly fallbackText?: string;
  readonly postback?: string;
}

/** POST /channels/{channelId}/outbound's body (SDK-DIG `CXoneDigitalReplyRequest`). */
export interface OutboundMessage {
  readonly thread: { readonly idOnExternalPlatform: string };
  readonly messageContent: MessageContent;
  readonly recipients: readonly {
    readonly idOnExternalPlatform: string;
    readonly name?: string;
    readonly isPrimary?: boolean;
    readonly isPrivate?: boolean;
  }[];
  readonly attachments?: readonly {
    readonly friendlyName: string;
    readonly url: string;
    readonly isInline?: boolean;
  }[];
  readonly replyToMessage?: { readonly id?: string; readonly idOnExternalPlatform?: string };
}

/** POST /channels/{channelId}/messages's body (GEN-MSG `NewMessage`), for a custom channel. */
export interface ChannelMessage {
  readonly idOnExternalPlatform: string;
  readonly direction: 'inbound' | 'outbound';
  readonly createdAtWithMilliseconds: string;
  readonly thread: { readonly idOnExternalPlatform: string; readonly threadName?: string };
  readonly messageContent: MessageContent;
  readonly authorEndUserIdentity: { readonly idOnExternalPlatform: string; readonly [key: string]: unknown };
  readonly attachments?: readonly { readonly friendlyName: string; readonly url: string }[];
}

/**
 * `{consumerContact, message}` (GEN-MSG). `created`: a new message (always for an outbound send;
 * for a custom-channel message, false when one with that `idOnExternalPlatform` already existed,
 * which the API answers 200 rather than 201).
 */
export interface MessageResult {
  readonly consumerContact?: Record<string, unknown>;
  readonly message: Record<string, unknown> & { readonly id: string };
  readonly created: boolean;
}

export interface MessageStatus {
  readonly status: 'delivered' | 'seen' | 'failed';
  readonly updatedAt: string;
  readonly reason?: string;
}

export interface CustomField {
  readonly ident: string;
  readonly value: string;
}

/** GEN-DCON `MessageDetail`, as far as callers rely on it; every other field is kept. */
export type MessageDetail = Record<string, unknown> & {
  readonly id: string;
  readonly attachments?: readonly { readonly friendlyName: string; readonly url: string }[];
};

export interface ContactMessages {
  readonly hits: number;
  readonly data: readonly MessageDetail[];
}

export interface DfoApi {
  /** The DFO base, `…/dfo/3.0` without a trailing slash. */
  base(signal: AbortSignal): Promise<Result<string, PluginError>>;
  uploadTemporaryAttachment(
    input: UploadInput,
    signal: AbortSignal,
  ): Promise<Result<TemporaryAttachment, PluginError>>;
  sendOutbound(
    channelId: string,
    message: OutboundMessage,
    signal: AbortSignal,
  ): Promise<Result<MessageResult, PluginError>>;
  createChannelMessage(
    channelId: string,
    message: ChannelMessage,
    signal: AbortSignal,
  ): Promise<Result<MessageResult, PluginError>>;
  updateMessageStatus(
    channelId: string,
    idOnExternalPlatform: string,
    status: MessageStatus,
    signal: AbortSignal,
  ): Promise<Result<void, PluginError>>;
  getContact(
    contactNumber: string,
    signal: AbortSignal,
  ): Promise<Result<Record<string, unknown>, PluginError>>;
  listContactMessages(
    contactNumber: string,
    signal: AbortSignal,
  ): Promise<Result<ContactMessages, PluginError>>;
  putCustomFields(
    contactNumber: string,
    fields: readonly CustomField[],
    signal: AbortSignal,
  ): Promise<Result<void, PluginError>>;
  deleteCustomField(
    contactNumber: string,
    ident: string,
    signal: AbortSignal,
  ): Promise<Result<void, PluginError>>;
  addMessageNote(
    messageId: string,
    content: string,
    signal: AbortSignal,
  ): Promise<Result<Record<string, unknown>, PluginError>>;
  listCustomFieldDefinitions(
    signal: AbortSignal,
  ): Promise<Result<readonly Record<string, unknown>[], PluginError>>;
}

/** A configured DFO base (with or without `/dfo/3.0`), checked by the URL rule; the base ending in `/dfo/3.0`. */
export const resolveDfoBase = (raw: string): Result<string, PluginError> => {
  const problem = urlProblem(raw);
  if (problem !== undefined) return err(PluginErrors.invalidInput(`dfoBaseUrl ${problem}`));
  const base = trimBase(raw);
  return ok(base.endsWith(DFO_PATH) ? base : `${base}${DFO_PATH}`);
};

const seg = (value: string) => encodeURIComponent(value);

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/** The base64 length of `size` bytes. */
const base64Length = (size: number) => 4 * Math.ceil(size / 3);

/** What the upload body counted: the source's bytes, and whether the source ended at another size. */
interface BodyCount {
  bytes: number;
  /** Set only once the source itself ran past `size` (`long`) or ended short of it (`short`). */
  mismatch?: 'long' | 'short';
}

/**
 * The upload body as a stream: the JSON prefix, the base64 of `source` as it is read (three bytes
 * at a time carried between chunks), the suffix. Counts the bytes read into `counted`.
 */
async function* uploadBody(
  source: Readable,
  prefix: Buffer,
  suffix: Buffer,
  counted: BodyCount,
  size: number | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    yield prefix;
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      counted.bytes += bytes.length;
      if (size !== undefined && counted.bytes > size) {
        counted.mismatch = 'long';
        throw new RangeError('more bytes than the size given');
      }
      const joined = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
      const whole = joined.length - (joined.length % 3);
      if (whole > 0) yield Buffer.from(joined.subarray(0, whole).toString('base64'), 'latin1');
      carry = Buffer.from(joined.subarray(whole));
    }
    if (carry.length > 0) yield Buffer.from(carry.toString('base64'), 'latin1');
    // The request announced a Content-Length from `size`: a shorter body must fail, not hang.
    if (size !== undefined && counted.bytes !== size) {
      counted.mismatch = 'short';
      throw new RangeError('fewer bytes than the size given');
    }
    yield suffix;
  } finally {
    source.destroy();
  }
}

/**
 * The caller's content did not match the size it gave: only said when the source itself ran past
 * the size or ended short of it, never of a body cut midway by the transport or an abort.
 */
const sizeMismatch = (counted: BodyCount, size: number): PluginError =>
  PluginErrors.invalidInput(
    counted.mismatch === 'long'
      ? `the attachment's content was more than the ${size} bytes given as its size`
      : `the attachment's content was ${counted.bytes} bytes, not the ${size} given as its size`,
  );

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

export const createDfoApi = (client: CxoneClient, options: DfoApiOptions = {}): DfoApi => {
  const configured = options.dfoBaseUrl === undefined ? undefined : resolveDfoBase(options.dfoBaseUrl);

  const base = async (signal: AbortSignal): Promise<Result<string, PluginError>> => {
    if (configured !== undefined) return configured;
    const tenant = await client.tenant(signal);
    if (tenant.isErr()) return err(tenant.error);
    if (tenant.value.dfoBase === undefined) {
      return err(
        PluginErrors.permanent(
          "tenant discovery names no area/domain for the digital (DFO) API; set dfoBaseUrl (e.g. 'https://api-de-na1.niceincontact.com')",
        ),
      );
    }
    return resolveDfoBase(tenant.value.dfoBase);
  };

  /** One JSON call: `expect` lists the success statuses (a 200/201 with a body, or `empty` ones). */
  const call = async (
    method: string,
    path: string,
    signal: AbortSignal,
    body?: unknown,
    empty: readonly number[] = [],
  ): Promise<Result<JsonAnswer & { url: string }, PluginError>> => {
    const root = await base(signal);
    if (root.isErr()) return err(root.error);
    const url = `${root.value}${path}`;
    const req: ApiRequest & { empty: readonly number[] } = {
      family: 'dfo',
      method,
      url,
      signal,
      empty,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: JSON_HEADERS }),
    };
    const answer = await client.requestJson(req);
    return answer.map((a) => ({ ...a, url }));
  };

  const noBody = async (
    method: string,
    path: string,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<Result<void, PluginError>> => {
    const answer = await call(method, path, signal, body, [200, 201, 204]);
    return answer.map(() => undefined);
  };

  const messageResult = (
    answer: JsonAnswer & { url: string },
    method: string,
    created: boolean,
  ): Result<MessageResult, PluginError> => {
    const message = asObject(answer.body?.message);
    if (message === undefined || typeof message.id !== 'string') {
      return err(unexpectedBody({ method, url: answer.url }, 'no message.id'));
    }
    const consumerContact = asObject(answer.body?.consumerContact);
    return ok({
      message: message as MessageResult['message'],
      created,
      ...(consumerContact === undefined ? {} : { consumerContact }),
    });
  };

  return {
    base,

    async uploadTemporaryAttachment(input, signal) {
      const root = await base(signal);
      if (root.isErr()) return err(root.error);
      const url = `${root.value}/attachments/temporary`;
      const prefix = Buffer.from(`{"mimeType":${JSON.stringify(input.mimeType)},"content":"`);
      const suffix = Buffer.from('"}');
      const counted: BodyCount = { bytes: 0 };
      let opened: Readable | undefined;
      let used = false;
      const open = (): AsyncIterable<Uint8Array> | undefined => {
        if (typeof input.content === 'function') {
          opened?.destroy();
          opened = input.content();
        } else {
          if (used) return undefined;
          opened = input.content;
        }
        used = true;
        counted.bytes = 0;
        delete counted.mismatch;
        return uploadBody(opened, prefix, suffix, counted, input.size);
      };
      try {
        const answer = await client.requestJson({
          family: 'dfo',
          method: 'POST',
          url,
          headers: JSON_HEADERS,
          bodyStream: open,
          ...(input.size === undefined
            ? {}
            : { bodyLength: prefix.length + base64Length(input.size) + suffix.length }),
          ...(options.uploadTimeoutMs === undefined ? {} : { timeoutMs: options.uploadTimeoutMs }),
          signal,
        });
        // A body cut midway (the connection failed, the signal aborted, the server answered early)
        // is the transport's error or the server's answer, not a size that lied.
        if (input.size !== undefined && counted.mismatch !== undefined && answer.isErr()) {
          return err(sizeMismatch(counted, input.size));
        }
        if (answer.isErr()) return err(answer.error);
        const body = answer.value.body ?? {};
        const { id, url: fileUrl, expireAt, uId } = body;
        if (typeof id !== 'string' || typeof fileUrl !== 'string' || typeof expireAt !== 'string') {
          return err(unexpectedBody({ method: 'POST', url }, 'no id, url or expireAt'));
        }
        if (Number.isNaN(Date.parse(expireAt)))
          return err(unexpectedBody({ method: 'POST', url }, 'expireAt is not a date'));
        return ok({ id, url: fileUrl, expireAt, ...(typeof uId === 'string' ? { uId } : {}) });
      } finally {
        opened?.destroy();
      }
    },

    async sendOutbound(channelId, message, signal) {
      const answer = await call('POST', `/channels/${seg(channelId)}/outbound`, signal, message);
      return answer.isErr() ? err(answer.error) : messageResult(answer.value, 'POST', true);
    },

    async createChannelMessage(channelId, message, signal) {
      const answer = await call('POST', `/channels/${seg(channelId)}/messages`, signal, message);
      return answer.isErr()
        ? err(answer.error)
        : messageResult(answer.value, 'POST', answer.value.status === 201);
    },

    updateMessageStatus: (channelId, idOnExternalPlatform, status, signal) =>
      noBody(
        'PUT',
        `/channels/${seg(channelId)}/messages/${seg(idOnExternalPlatform)}/status`,
        signal,
        status,
      ),

    async getContact(contactNumber, signal) {
      const answer = await call('GET', `/contacts/${seg(contactNumber)}`, signal);
      return answer.map((a) => a.body ?? {});
    },

    async listContactMessages(contactNumber, signal) {
      const answer = await call('GET', `/contacts/${seg(contactNumber)}/messages`, signal);
      if (answer.isErr()) return err(answer.error);
      const { hits, data } = answer.value.body ?? {};
      if (!Array.isArray(data) || !data.every((m) => typeof asObject(m)?.id === 'string')) {
        return err(
          unexpectedBody({ method: 'GET', url: answer.value.url }, 'data is not a list of messages'),
        );
      }
      return ok({ hits: typeof hits === 'number' ? hits : data.length, data: data as MessageDetail[] });
    },

    putCustomFields: (contactNumber, fields, signal) =>
      noBody('PUT', `/contacts/${seg(contactNumber)}/custom-fields`, signal, fields),

    deleteCustomField: (contactNumber, ident, signal) =>
      noBody('DELETE', `/contacts/${seg(contactNumber)}/custom-fields/${seg(ident)}`, signal),

    async addMessageNote(messageId, content, signal) {
      const answer = await call('POST', `/messages/${seg(messageId)}/notes`, signal, { content });
      return answer.map((a) => a.body ?? {});
    },

    async listCustomFieldDefinitions(signal) {
      // A plain JSON array (GEN `getContactCustomFieldDefinitions`), which `requestJson` does not take.
      const root = await base(signal);
      if (root.isErr()) return err(root.error);
      const req: ApiRequest = {
        family: 'dfo',
        url: `${root.value}/contacts/custom-field-definitions`,
        signal,
      };
      const sent = await client.request(req);
      if (sent.isErr()) return err(sent.error);
      if (sent.value.status !== 200) return err(await client.fail(req, sent.value));
      let list: unknown;
      try {
        list = JSON.parse(await sent.value.text());
      } catch (cause) {
        return err(bodyReadError({ method: 'GET', url: req.url }, cause));
      }
      if (!Array.isArray(list))
        return err(unexpectedBody({ method: 'GET', url: req.url }, 'expected a JSON array'));
      return ok(list.filter((d): d is Record<string, unknown> => asObject(d) !== undefined));
    },
  };
};
