import type { JsonObject } from '@cxarchive/core';

/**
 * Which contacts the source archives, by id: media types (`mediaTypeId`: 1 Email, 3 Chat,
 * 4 Phone Call, 5 Voice Mail, 6 Work Time, 7 SMS, 8 Social, 9 Digital, per NP), skills, campaigns,
 * teams. An empty or absent list does not filter.
 *
 * `contacts/completed` filters on one id per parameter (`mediaTypeId`, `skillId`, `campaignId`,
 * `teamId`: GEN-REP `completedContactDetails`). A list of one id is therefore sent to the API, and a
 * longer list is applied to the listed records here. The listed records are checked against every
 * list in any case, so an API that ignores a parameter still archives only what was asked for.
 */
export interface ContactFilter {
  readonly mediaTypes?: readonly number[];
  readonly skills?: readonly number[];
  readonly campaigns?: readonly number[];
  readonly teams?: readonly number[];
}

const FIELDS = [
  ['mediaTypes', 'mediaTypeId'],
  ['skills', 'skillId'],
  ['campaigns', 'campaignId'],
  ['teams', 'teamId'],
] as const;

/** The query parameters the API filters on: one per option holding exactly one id. */
export const filterParams = (filter: ContactFilter): Record<string, number> => {
  const params: Record<string, number> = {};
  for (const [option, parameter] of FIELDS) {
    const ids = filter[option];
    if (ids !== undefined && ids.length === 1) params[parameter] = ids[0] as number;
  }
  return params;
};

/** Whether the filter selects anything at all (an unfiltered listing needs no local check). */
export const isFiltering = (filter: ContactFilter): boolean =>
  FIELDS.some(([option]) => (filter[option]?.length ?? 0) > 0);

/** Whether an archive record passes every list (an id given as a digit string counts too). */
export const passesFilter = (record: JsonObject, filter: ContactFilter): boolean =>
  FIELDS.every(([option, field]) => {
    const ids = filter[option];
    if (ids === undefined || ids.length === 0) return true;
    const value = record[field];
    const id = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    return ids.includes(id);
  });
