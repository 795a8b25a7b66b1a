import { type BusinessDataValue, businessDataOptions, writeBusinessData } from '../business-data.js';
import type { SimContact } from '../dataset.js';
import { uuidFromString } from '../prng.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { RouteHandler } from '../route.js';
import { checkBearer } from '../tokens.js';
import { legEndMs } from '../transcripts.js';

/**
 * `PUT /business-data-manager/v1/business-data/contact/{acdContactId}` and
 * `…/contact/{acdContactId}/segment/{segmentId}` (D-BD; GEN-BD), body `[{"name": value}, …]` → 204.
 * Errors are a status only (D-BD): 400 for a field not defined, a value of the wrong type, a body
 * that is not such an array, or an interaction not closed; 401 without a valid bearer; 403 without
 * "Update Business Data"; 404 for an unknown contact or segment. The ACD contact id may be any leg
 * of a recorded call: the values land on its master's recording [U]; a contact with no recording
 * (or one not processed yet) is not in the recording system: 404 [U].
 */
export const BUSINESS_DATA_PATH =
  /^\/business-data-manager\/v1\/business-data\/contact\/([^/]+)(?:\/segment\/([^/]+))?$/;

type Parsed = ReadonlyArray<readonly [string, BusinessDataValue]> | undefined;

function parseValues(text: string, fields: Readonly<Record<string, string>>): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const values: [string, BusinessDataValue][] = [];
  for (const item of body) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const entries = Object.entries(item as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    for (const [name, value] of entries) {
      const type = fields[name];
      if (type === undefined || typeof value !== type) return undefined;
      if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
      values.push([name, value as BusinessDataValue]);
    }
  }
  return values;
}

export const businessDataPut: RouteHandler = async ({ req, url, reply, ctx }) => {
  if (!checkBearer(ctx, req).ok) return reply.empty(401);
  const options = businessDataOptions(ctx);
  if (!options.permitted) return reply.empty(403);
  const match = BUSINESS_DATA_PATH.exec(url.pathname);
  const contactId = match?.[1] ?? '';
  const segmentId = match?.[2];
  if (!/^\d{1,20}$/.test(contactId)) return reply.empty(400);
  const position = ctx.dataset.indexOf(contactId);
  if (position === undefined) return reply.empty(404);
  const contact = ctx.dataset.contactAt(position);
  const legs = ctx.dataset.legsOf(contact.masterContactId) as readonly SimContact[];
  const recording = ctx.dataset.recordings.get(contact.masterContactId);
  const now = ctx.nowMs();
  // Business Data works on closed interactions only (D-BD).
  if (now < legEndMs(legs[legs.length - 1] as SimContact)) return reply.empty(400);
  if (recording === undefined) return reply.empty(404);
  if (now < Date.parse(recording.endTime) + ctx.options.recordingDelaySeconds * 1000) return reply.empty(404);
  // Segment ids are those Media Playback gives the call's segments (routes/media-playback.ts).
  if (segmentId !== undefined) {
    const known = legs.some(
      (leg) => uuidFromString(`segment:${recording.id}:${leg.contactId}`) === segmentId,
    );
    if (!known) return reply.empty(404);
  }
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return reply.empty(400);
    throw error;
  }
  const values = parseValues(text, options.fields);
  if (values === undefined) return reply.empty(400);
  writeBusinessData(ctx, contact.masterContactId, values);
  reply.empty(204);
};
