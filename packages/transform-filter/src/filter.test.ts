import type { JsonObject } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { compileFilter } from './filter.js';
import type { FilterOptions } from './schema.js';

/** A contacts/completed record as source-cxone archives it (v33.0 names; values of the simulator's catalog). */
const contact = (over: JsonObject = {}): JsonObject => ({
  contactId: 702_100_000_849,
  skillId: 4_410_002,
  skillName: 'Inbound Support',
  campaignId: 77_002,
  campaignName: 'Support',
  mediaTypeId: 4,
  mediaTypeName: 'Call',
  isOutbound: false,
  totalDurationSeconds: 168,
  tags: [
    { contactId: 702_100_000_849, tagId: 6_001, tagName: 'vip' },
    { contactId: 702_100_000_849, tagId: 6_002, tagName: 'complaint' },
  ],
  ...over,
});

const decide = (options: FilterOptions) => compileFilter(options)._unsafeUnwrap();
const kept = (options: FilterOptions, record: JsonObject) => decide(options)(record).keep;

describe('predicates', () => {
  it('mediaType: by name in any case, or by id', () => {
    expect(kept({ keep: [{ mediaType: ['call'] }] }, contact())).toBe(true);
    expect(kept({ keep: [{ mediaType: ['Chat', 'Email'] }] }, contact())).toBe(false);
    expect(kept({ keep: [{ mediaType: [4] }] }, contact())).toBe(true);
    expect(kept({ keep: [{ mediaType: [3] }] }, contact())).toBe(false);
    // A name is not an id: "4" matches a mediaTypeName "4", not mediaTypeId 4.
    expect(kept({ keep: [{ mediaType: ['4'] }] }, contact())).toBe(false);
  });

  it('skill and campaign: by name or id; a digit-string id in the record matches too', () => {
    expect(kept({ keep: [{ skill: ['INBOUND SUPPORT'] }] }, contact())).toBe(true);
    expect(kept({ keep: [{ skill: [4_410_001] }] }, contact())).toBe(false);
    expect(kept({ keep: [{ skill: [4_410_002] }] }, contact({ skillId: '4410002' }))).toBe(true);
    expect(kept({ keep: [{ campaign: ['Support'] }] }, contact())).toBe(true);
    expect(kept({ keep: [{ campaign: ['Sales', 77_003] }] }, contact())).toBe(false);
  });

  it('direction: isOutbound false is inbound, true outbound, absent neither', () => {
    expect(kept({ keep: [{ direction: 'inbound' }] }, contact())).toBe(true);
    expect(kept({ keep: [{ direction: 'outbound' }] }, contact())).toBe(false);
    expect(kept({ keep: [{ direction: 'outbound' }] }, contact({ isOutbound: true }))).toBe(true);
    const { isOutbound: _, ...without } = contact();
    expect(kept({ keep: [{ direction: 'inbound' }] }, without)).toBe(false);
    expect(kept({ keep: [{ direction: 'outbound' }] }, without)).toBe(false);
  });

  it('duration: totalDurationSeconds within min and max, both ends included', () => {
    const at = (seconds: number) => contact({ totalDurationSeconds: seconds });
    const range = { keep: [{ duration: { min: '30s', max: '3m' } }] };
    expect(kept(range, at(29))).toBe(false);
    expect(kept(range, at(30))).toBe(true);
    expect(kept(range, at(180))).toBe(true);
    expect(kept(range, at(181))).toBe(false);
    expect(kept({ keep: [{ duration: { min: '1h' } }] }, at(3599))).toBe(false);
    expect(kept({ keep: [{ duration: { max: '500ms' } }] }, at(0))).toBe(true);
    expect(kept(range, contact({ totalDurationSeconds: '60' }))).toBe(false);
  });

  it('tags: any, all and none of the tag names, in any case', () => {
    expect(kept({ keep: [{ tags: { any: ['VIP', 'renewal'] } }] }, contact())).toBe(true);
    expect(kept({ keep: [{ tags: { any: ['renewal'] } }] }, contact())).toBe(false);
    expect(kept({ keep: [{ tags: { all: ['vip', 'complaint'] } }] }, contact())).toBe(true);
    expect(kept({ keep: [{ tags: { all: ['vip', 'renewal'] } }] }, contact())).toBe(false);
    expect(kept({ keep: [{ tags: { none: ['follow-up'] } }] }, contact())).toBe(true);
    expect(kept({ keep: [{ tags: { none: ['complaint'] } }] }, contact())).toBe(false);
    // A contact without tags has none of them, and not any.
    expect(kept({ keep: [{ tags: { none: ['vip'] } }] }, contact({ tags: [] }))).toBe(true);
    expect(kept({ keep: [{ tags: { any: ['vip'] } }] }, contact({ tags: null }))).toBe(false);
    // Plain string tags are read too.
    expect(kept({ keep: [{ tags: { all: ['vip'] } }] }, contact({ tags: ['vip'] }))).toBe(true);
  });
});

describe('rules', () => {
  it('a rule holds when every predicate in it holds (and)', () => {
    const both = { keep: [{ mediaType: ['Call'], direction: 'outbound' as const }] };
    expect(kept(both, contact())).toBe(false);
    expect(kept(both, contact({ isOutbound: true }))).toBe(true);
  });

  it('a list holds when any rule in it holds (or)', () => {
    const either = { keep: [{ mediaType: ['Chat'] }, { skill: ['Inbound Support'] }] };
    expect(kept(either, contact())).toBe(true);
    expect(kept(either, contact({ skillName: 'Web Chat' }))).toBe(false);
  });

  it('drops what a drop rule matches, naming the rule and its predicates but no value', () => {
    const options = {
      drop: [{ skill: ['Inbound Sales'] }, { campaign: ['Support'], duration: { max: '5m' } }],
    };
    expect(decide(options)(contact())).toEqual({
      keep: false,
      reason: 'drop[1] matched (campaign, duration)',
    });
    expect(decide(options)(contact({ campaignName: 'Renewals' }))).toEqual({ keep: true });
  });

  it('drops what no keep rule matches', () => {
    expect(decide({ keep: [{ mediaType: ['Chat'] }, { mediaType: ['Email'] }] })(contact())).toEqual({
      keep: false,
      reason: 'no keep rule matched (2)',
    });
  });

  it('a drop wins over a keep', () => {
    const options = { keep: [{ mediaType: ['Call'] }], drop: [{ tags: { any: ['complaint'] } }] };
    expect(decide(options)(contact())).toEqual({ keep: false, reason: 'drop[0] matched (tags)' });
    expect(decide(options)(contact({ tags: [] }))).toEqual({ keep: true });
  });
});

describe('options a schema cannot check', () => {
  it('refuses a range whose min is above its max, naming the rule', () => {
    const compiled = compileFilter({
      keep: [{ mediaType: ['Call'] }],
      drop: [{ duration: { min: '10m', max: '30s' } }],
    });
    expect(compiled._unsafeUnwrapErr()).toEqual({
      path: 'drop[0].duration',
      message: 'drop[0].duration: min (10m) is longer than max (30s), so nothing would match: swap them',
    });
  });

  it('refuses what the schema refuses too, for a caller that skipped it', () => {
    expect(compileFilter({})._unsafeUnwrapErr().message).toMatch(/keep rules, drop rules or both/);
    expect(compileFilter({ keep: [] })._unsafeUnwrapErr()).toMatchObject({ path: 'keep' });
    expect(compileFilter({ keep: [{}] })._unsafeUnwrapErr()).toMatchObject({ path: 'keep[0]' });
    expect(compileFilter({ keep: [{ skil: ['x'] } as never] })._unsafeUnwrapErr()).toMatchObject({
      path: 'keep[0].skil',
      message: expect.stringMatching(/unknown predicate "skil"/),
    });
    expect(compileFilter({ drop: [{ duration: { min: 'soon' } }] })._unsafeUnwrapErr()).toMatchObject({
      path: 'drop[0].duration.min',
    });
    expect(compileFilter({ drop: [{ tags: {} }] })._unsafeUnwrapErr()).toMatchObject({
      path: 'drop[0].tags',
    });
    expect(compileFilter({ drop: [{ direction: 'sideways' as never }] })._unsafeUnwrapErr()).toMatchObject({
      path: 'drop[0].direction',
    });
  });
});
