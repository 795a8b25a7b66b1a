import {
  type DecodeContext,
  type EncodeContext,
  err,
  ok,
  type PluginError,
  PluginErrors,
  type Result,
} from '@cxarchive/core';
import { CXAR_CONTEXT_VERSION, MAX_U16 } from './constants.js';

/**
 * The context stored in every header: what the object is and which key protects it. Bound into
 * the wrapped DEK (tenant, key id) and, through the header digest, into every chunk. No PII.
 */
export interface CxarContext {
  readonly v: typeof CXAR_CONTEXT_VERSION;
  readonly tenant: string;
  readonly keyId: string;
  readonly objectKey: string;
  readonly itemId: string;
  readonly artifact: string;
  readonly contentType?: string;
}

const REQUIRED_FIELDS = ['tenant', 'objectKey', 'itemId', 'artifact'] as const;
const CHECKED_FIELDS = [
  'tenant',
  'objectKey',
  'itemId',
  'artifact',
] as const satisfies readonly (keyof DecodeContext & keyof CxarContext)[];

/** Builds the context and its exact bytes (the bytes, not the object, are what is stored and authenticated). */
export const buildContext = (
  ctx: EncodeContext,
  keyId: string,
): Result<{ context: CxarContext; bytes: Buffer }, PluginError> => {
  for (const field of REQUIRED_FIELDS) {
    const value: unknown = ctx[field];
    if (typeof value !== 'string' || value.length === 0)
      return err(PluginErrors.invalidInput(`encode context: "${field}" must be a non-empty string`));
  }
  if (ctx.contentType !== undefined && typeof ctx.contentType !== 'string')
    return err(PluginErrors.invalidInput('encode context: "contentType" must be a string'));
  const context: CxarContext = {
    v: CXAR_CONTEXT_VERSION,
    tenant: ctx.tenant,
    keyId,
    objectKey: ctx.objectKey,
    itemId: ctx.itemId,
    artifact: ctx.artifact,
    ...(ctx.contentType === undefined ? {} : { contentType: ctx.contentType }),
  };
  const bytes = Buffer.from(JSON.stringify(context), 'utf8');
  if (bytes.length > MAX_U16)
    return err(PluginErrors.invalidInput(`encode context is ${bytes.length} bytes, more than ${MAX_U16}`));
  return ok({ context, bytes });
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses stored context bytes (verbatim; never re-serialised). */
export const parseContext = (bytes: Buffer): Result<CxarContext, PluginError> => {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    return err(PluginErrors.invalidInput('header context is not UTF-8 JSON'));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return err(PluginErrors.invalidInput('header context is not a JSON object'));
  const record = value as Record<string, unknown>;
  if (record.v !== CXAR_CONTEXT_VERSION)
    return err(PluginErrors.invalidInput(`header context has unsupported version ${String(record.v)}`));
  for (const field of [...REQUIRED_FIELDS, 'keyId'] as const) {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0)
      return err(PluginErrors.invalidInput(`header context lacks a string "${field}"`));
  }
  if (record.contentType !== undefined && typeof record.contentType !== 'string')
    return err(PluginErrors.invalidInput('header context has a non-string "contentType"'));
  return ok(record as unknown as CxarContext);
};

/** Every field the caller gives must equal the stored one (an object moved to another key fails here). */
export const checkContext = (stored: CxarContext, expected: DecodeContext): Result<void, PluginError> => {
  for (const field of CHECKED_FIELDS) {
    const want = expected[field];
    if (want !== undefined && want !== stored[field])
      return err(
        PluginErrors.invalidInput(
          `context mismatch: ${field} (the object was written for ${JSON.stringify(stored[field])}, ` +
            `expected ${JSON.stringify(want)})`,
          field,
        ),
      );
  }
  return ok(undefined);
};
