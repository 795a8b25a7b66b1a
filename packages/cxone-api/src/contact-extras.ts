import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import type { CxoneClient } from './client.js';
import { unexpectedBody } from './errors.js';

/**
 * Read-only details of an ACD contact (GEN-REP; reference/cxone-api.md §3), each one `cxone-acd`
 * budget request: `GET {api}/incontactapi/services/vNN.0/contacts/{contactId}/state-history`,
 * `/disposition` and `/custom-data`. Entries are handed back as the API sent them (unknown
 * fields kept). An unknown contact is `NotFound` (404, message in `icStatusDescription`).
 */
export interface ContactExtrasContext {
  readonly client: CxoneClient;
  readonly apiBase: string;
  /** The ACD API version of the path, e.g. `v33.0`. */
  readonly version: string;
  readonly signal: AbortSignal;
}

export interface CustomDataItem {
  readonly name: string;
  readonly value: string;
}

const urlOf = (
  ctx: ContactExtrasContext,
  contactId: string | number,
  what: string,
): Result<string, PluginError> => {
  const id = String(contactId);
  if (!/^v\d{1,3}\.0$/.test(ctx.version)) {
    return err(PluginErrors.invalidInput(`ACD API version "${ctx.version}" is not of the form v33.0`));
  }
  if (!/^\d{1,20}$/.test(id)) return err(PluginErrors.invalidInput(`contact id "${id}" is not a number`));
  return ok(`${ctx.apiBase}/incontactapi/services/${ctx.version}/contacts/${id}/${what}`);
};

const get = async (
  ctx: ContactExtrasContext,
  contactId: string | number,
  what: string,
  empty: number[] = [],
) => {
  const url = urlOf(ctx, contactId, what);
  if (url.isErr()) return err(url.error);
  const answer = await ctx.client.requestJson({
    family: 'cxone-acd',
    url: url.value,
    signal: ctx.signal,
    empty,
  });
  return answer.map((a) => ({ url: url.value, body: a.body }));
};

const objects = (list: unknown): Record<string, unknown>[] =>
  Array.isArray(list)
    ? list.filter(
        (x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x),
      )
    : [];

/** The contact's states in order (`contactStateHistory`); 204 (nothing recorded) is an empty list. */
export async function getStateHistory(
  ctx: ContactExtrasContext,
  contactId: string | number,
): Promise<Result<Record<string, unknown>[], PluginError>> {
  const answer = await get(ctx, contactId, 'state-history', [204]);
  if (answer.isErr()) return err(answer.error);
  const { url, body } = answer.value;
  if (body === undefined) return ok([]);
  if (!Array.isArray(body.contactStateHistory))
    return err(unexpectedBody({ method: 'GET', url }, 'no contactStateHistory array'));
  return ok(objects(body.contactStateHistory));
}

/**
 * The contact's disposition (`{dispositionId, dispositionName, dispositionByAgendId, notes,
 * lastUpdated}`, the misspelling as published), or undefined when it has none (204).
 */
export async function getDisposition(
  ctx: ContactExtrasContext,
  contactId: string | number,
): Promise<Result<Record<string, unknown> | undefined, PluginError>> {
  const answer = await get(ctx, contactId, 'disposition', [204]);
  return answer.map((a) => a.body);
}

/** The contact's custom data (`contactCustomData:[{name, value}]`); 204 is an empty list. */
export async function getCustomData(
  ctx: ContactExtrasContext,
  contactId: string | number,
): Promise<Result<CustomDataItem[], PluginError>> {
  const answer = await get(ctx, contactId, 'custom-data', [204]);
  if (answer.isErr()) return err(answer.error);
  const { url, body } = answer.value;
  if (body === undefined) return ok([]);
  const list = body.contactCustomData ?? body.ContactCustomData;
  if (!Array.isArray(list)) return err(unexpectedBody({ method: 'GET', url }, 'no contactCustomData array'));
  return ok(
    objects(list).flatMap((o) =>
      typeof o.name === 'string'
        ? [{ name: o.name, value: o.value === null || o.value === undefined ? '' : String(o.value) }]
        : [],
    ),
  );
}
