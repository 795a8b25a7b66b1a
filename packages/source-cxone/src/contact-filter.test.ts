import { describe, expect, it } from 'vitest';
import { filterParams, isFiltering, passesFilter } from './contact-filter.js';

describe('contact filter', () => {
  it('sends a single id per option to the API, never a list', () => {
    expect(filterParams({ mediaTypes: [4], skills: [1, 2], campaigns: [], teams: [1201] })).toEqual({
      mediaTypeId: 4,
      teamId: 1201,
    });
    expect(filterParams({})).toEqual({});
  });

  it('checks every list locally, numbers or digit strings', () => {
    const record = { mediaTypeId: 4, skillId: '4410001', campaignId: 77001, teamId: 1201 };
    expect(passesFilter(record, {})).toBe(true);
    expect(passesFilter(record, { mediaTypes: [3, 4], skills: [4410001] })).toBe(true);
    expect(passesFilter(record, { mediaTypes: [3] })).toBe(false);
    expect(passesFilter(record, { teams: [1202] })).toBe(false);
    expect(passesFilter({ mediaTypeId: 4 }, { campaigns: [77001] })).toBe(false); // missing field
    expect(isFiltering({ skills: [] })).toBe(false);
    expect(isFiltering({ skills: [1] })).toBe(true);
  });
});
