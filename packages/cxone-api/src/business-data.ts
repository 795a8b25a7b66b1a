import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import type { CxoneClient } from './client.js';

/**
 * The Business Data API (D-BD; GEN-BD; reference/cxone-fidelity.md §4(c)): write values of
 * business-data fields an administrator defined onto a closed, recorded interaction:
 * `PUT {api}/business-data-manager/v1/business-data/contact/{acdContactId}` (or
 * `…/segment/{segmentId}`), body `[{"name": value}, …]`, answered 204. Errors are a status only
 * (400 a field not defined, a wrong type, an open interaction; 401; 403 without "Update Business
 * Data"; 404 unknown contact). One `business-data` budget request per call.
 */
export type BusinessDataValue = string | number | boolean;

export interface BusinessDataTarget {
  readonly contactId: string | number;
  readonly segmentId?: string;
}

export async function putBusinessData(
  client: CxoneClient,
  apiBase: string,
  target: BusinessDataTarget,
  values: Readonly<Record<string, BusinessDataValue>>,
  signal: AbortSignal,
): Promise<Result<void, PluginError>> {
  const contactId = String(target.contactId);
  if (!/^\d{1,20}$/.test(contactId)) {
    return err(PluginErrors.invalidInput(`Business Data: contact id "${contactId}" is not a number`));
  }
  const entries = Object.entries(values);
  if (entries.length === 0) return err(PluginErrors.invalidInput('Business Data: no values to write'));
  for (const [name, value] of entries) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return err(PluginErrors.invalidInput(`Business Data: ${name} is not a finite number`));
    }
  }
  const segment = target.segmentId === undefined ? '' : `/segment/${encodeURIComponent(target.segmentId)}`;
  const req = {
    family: 'business-data' as const,
    method: 'PUT',
    url: `${apiBase}/business-data-manager/v1/business-data/contact/${contactId}${segment}`,
    headers: { 'Content-Type': 'application/json' },
    // One object per field, as NICE's samples write it (D-BD).
    body: JSON.stringify(entries.map(([name, value]) => ({ [name]: value }))),
    signal,
  };
  const sent = await client.request(req);
  if (sent.isErr()) return err(sent.error);
  const res = sent.value;
  if (res.status === 204 || res.status === 200) {
    await res.body?.cancel().catch(() => {});
    return ok(undefined);
  }
  return err(await client.fail(req, res));
}
