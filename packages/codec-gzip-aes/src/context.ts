import { type CodecContext, err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { CXAR_CONTEXT_VERSION, MAX_U16 } from './constants.js';

/**
 * The context stored in every header: what the object is. Bound into every chunk (through the
 * header digest) and into the wrapped DEK (its AAD). No PII, no key id (the key id lives in the
 * key slot, which a rewrap replaces).
 */
export interface CxarContext {
  readonly v: typeof CXAR_CONTEXT_VERSION;
  readonly tenant: string;
  readonly objectKey: string;
  readonly itemId: string;
  readonly artifact: string;
  readonly contentType?: string;
}

const REQUIRED_FIELDS = [
  'tenant',
  'objectKey',
  'itemId',
  'artifact',
] as const satisfies readonly (keyof CodecContext & keyof CxarContext)[];

/** Builds the context and its exact bytes (the bytes, not the object, are what is stored and authenticated). */
export const buildContext = (
  ctx: CodecContext,
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

const ALLOWED_FIELDS: ReadonlySet<string> = new Set(['v', ...REQUIRED_FIELDS, 'contentType']);

/** JSON tokens: strings, punctuation, and everything else (numbers, literals) up to a delimiter. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\],:]|[^\s{}[\],:"]+/g;

/** The first member name that occurs twice in the top-level object, if any. */
const duplicateMember = (text: string): string | undefined => {
  const seen = new Set<string>();
  let depth = 0;
  let expectName = false;
  for (const match of text.matchAll(TOKEN)) {
    const token = match[0];
    if (token === '{' || token === '[') {
      depth += 1;
      expectName = token === '{' && depth === 1;
    } else if (token === '}' || token === ']') depth -= 1;
    else if (token === ',') expectName = depth === 1;
    else if (expectName && depth === 1 && token.startsWith('"')) {
      expectName = false;
      const name = JSON.parse(token) as string;
      if (seen.has(name)) return name;
      seen.add(name);
    }
  }
  return undefined;
};

/**
 * Parses stored context bytes (verbatim; never re-serialised): a UTF-8 JSON object with exactly
 * the v1 members (`v` = 1, non-empty strings `tenant`, `objectKey`, `itemId`, `artifact`, and an
 * optional string `contentType`), no other member and no member twice.
 */
export const parseContext = (bytes: Buffer): Result<CxarContext, PluginError> => {
  let value: unknown;
  let text: string;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    return err(PluginErrors.invalidInput('header context is not UTF-8 JSON'));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return err(PluginErrors.invalidInput('header context is not a JSON object'));
  const record = value as Record<string, unknown>;
  if (record.v !== CXAR_CONTEXT_VERSION)
    return err(PluginErrors.invalidInput(`header context has unsupported version ${String(record.v)}`));
  for (const field of REQUIRED_FIELDS) {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0)
      return err(PluginErrors.invalidInput(`header context lacks a string "${field}"`));
  }
  if (record.contentType !== undefined && typeof record.contentType !== 'string')
    return err(PluginErrors.invalidInput('header context has a non-string "contentType"'));
  const unknown = Object.keys(record).find((name) => !ALLOWED_FIELDS.has(name));
  if (unknown !== undefined)
    return err(PluginErrors.invalidInput(`header context has an unknown member ${JSON.stringify(unknown)}`));
  const twice = duplicateMember(text);
  if (twice !== undefined)
    return err(PluginErrors.invalidInput(`header context has the member ${JSON.stringify(twice)} twice`));
  return ok(record as unknown as CxarContext);
};

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const missing = (fields: readonly string[]): PluginError =>
  PluginErrors.invalidInput(`decode needs the full expected context (missing ${fields.join(', ')})`);

/**
 * The required fields of the caller's expected context, checked before any byte is read: a decode
 * without the full context is a defect of the caller, never a pass.
 */
export const requireExpectedContext = (expected: CodecContext): Result<void, PluginError> => {
  // A JavaScript caller may pass nothing at all: that is every field missing, not a crash.
  const given: Partial<CodecContext> = typeof expected === 'object' && expected !== null ? expected : {};
  const absent = REQUIRED_FIELDS.filter((field) => !isNonEmptyString(given[field]));
  if (given.contentType !== undefined && typeof given.contentType !== 'string')
    return err(PluginErrors.invalidInput('decode context: "contentType" must be a string'));
  return absent.length === 0 ? ok(undefined) : err(missing(absent));
};

const shown = (value: string | undefined): string => (value === undefined ? 'none' : JSON.stringify(value));

const mismatch = (field: keyof CodecContext, stored: string | undefined, expected: string | undefined) =>
  PluginErrors.invalidInput(
    `context mismatch: ${field} (the object was written for ${shown(stored)}, expected ${shown(expected)})`,
    field,
  );

/**
 * The stored context must equal the caller's expected one, field by field (an object moved to
 * another key fails here). `contentType` is part of it when it was bound: then the caller must give
 * it; a content type the object was not written with is a mismatch too.
 */
export const checkContext = (stored: CxarContext, expected: CodecContext): Result<void, PluginError> => {
  const required = requireExpectedContext(expected);
  if (required.isErr()) return required;
  for (const field of REQUIRED_FIELDS)
    if (expected[field] !== stored[field]) return err(mismatch(field, stored[field], expected[field]));
  if (stored.contentType !== undefined && expected.contentType === undefined)
    return err(missing(['contentType']));
  if (stored.contentType !== expected.contentType)
    return err(mismatch('contentType', stored.contentType, expected.contentType));
  return ok(undefined);
};
