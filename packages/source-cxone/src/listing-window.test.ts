import { describe, expect, it } from 'vitest';
import {
  askedListingWindow,
  checkpointMs,
  formatUpdatedSince,
  listingWindow,
  makeCheckpoint,
  queriedWindow,
  RecentIds,
} from './listing-window.js';

const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);
const settings = { sinceMs: t('2026-10-01T00:00:00Z'), overlapMs: 15 * MIN, settleLagMs: 30 * MIN };

describe('listingWindow', () => {
  it('starts at since on a first run, with the cutoff settleLag before now', () => {
    const w = listingWindow(settings, undefined, t('2026-10-10T12:00:00Z'));
    expect(w.startMs).toBe(t('2026-10-01T00:00:00Z'));
    expect(w.cutoffMs).toBe(t('2026-10-10T11:30:00Z'));
    expect(w.floorMs).toBe(w.startMs);
  });

  it('re-queries from checkpoint − overlap, but the checkpoint floor stays at the checkpoint', () => {
    const w = listingWindow(settings, t('2026-10-05T10:00:00Z'), t('2026-10-10T12:00:00Z'));
    expect(w.startMs).toBe(t('2026-10-05T09:45:00Z'));
    expect(w.floorMs).toBe(t('2026-10-05T10:00:00Z'));
  });

  it('never starts before since, even when the overlap reaches back further', () => {
    const w = listingWindow(settings, t('2026-10-01T00:05:00Z'), t('2026-10-10T12:00:00Z'));
    expect(w.startMs).toBe(settings.sinceMs);
    expect(w.floorMs).toBe(t('2026-10-01T00:05:00Z'));
  });

  it('uses since when since was moved past the checkpoint', () => {
    const w = listingWindow(settings, t('2026-09-01T00:00:00Z'), t('2026-10-10T12:00:00Z'));
    expect(w.startMs).toBe(settings.sinceMs);
    expect(w.floorMs).toBe(settings.sinceMs);
  });

  it('puts the cutoff before the start when nothing has settled yet', () => {
    const w = listingWindow(settings, undefined, t('2026-10-01T00:10:00Z'));
    expect(w.cutoffMs).toBeLessThan(w.startMs);
  });
});

describe('checkpoints', () => {
  it('round-trips through makeCheckpoint', () => {
    const ms = t('2026-10-03T04:05:06.789Z');
    const cp = makeCheckpoint(ms);
    expect(cp).toEqual({ updatedSince: '2026-10-03T04:05:06.789Z' });
    expect(checkpointMs(cp)._unsafeUnwrap()).toBe(ms);
  });

  it('treats a missing checkpoint as a first run and a malformed one as invalid input', () => {
    expect(checkpointMs(undefined)._unsafeUnwrap()).toBeUndefined();
    expect(checkpointMs({ updatedSince: 'soon' })._unsafeUnwrapErr()._tag).toBe('InvalidInput');
    expect(checkpointMs({ somethingElse: 1 })._unsafeUnwrapErr()._tag).toBe('InvalidInput');
  });

  it('formats updatedSince as whole seconds with a literal Z, rounded down', () => {
    expect(formatUpdatedSince(t('2026-10-03T04:05:06.789Z'))).toBe('2026-10-03T04:05:06Z');
    expect(formatUpdatedSince(t('2026-10-03T04:05:06Z'))).toBe('2026-10-03T04:05:06Z');
  });
});

describe('RecentIds', () => {
  it('reports duplicates', () => {
    const ids = new RecentIds(MIN);
    expect(ids.add('a', 1000)).toBe(true);
    expect(ids.add('a', 1000)).toBe(false);
    expect(ids.add('b', 1000)).toBe(true);
  });

  it('forgets ids older than the retention window behind the newest', () => {
    const ids = new RecentIds(MIN);
    ids.add('old', 0);
    ids.add('recent', 10 * MIN);
    ids.add('newest', 10 * MIN + 30_000);
    ids.prune();
    expect(ids.size).toBe(2);
    expect(ids.add('recent', 10 * MIN)).toBe(false);
  });

  it('stays bounded over a long listing', () => {
    const ids = new RecentIds(MIN);
    for (let i = 0; i < 50_000; i++) ids.add(String(i), i * 1000);
    expect(ids.size).toBeLessThan(1100);
  });
});

describe('the window asked for (run --since/--until)', () => {
  const now = t('2026-10-10T12:00:00Z');

  it('lists [since, until) whatever the checkpoint, and no further than the settle cutoff', () => {
    const w = askedListingWindow(
      settings,
      { since: new Date('2026-09-01T00:00:00Z'), until: new Date('2026-09-08T00:00:00Z') },
      now,
    );
    expect(w).toEqual({
      startMs: t('2026-09-01T00:00:00Z'),
      cutoffMs: t('2026-09-08T00:00:00Z') - 1,
      floorMs: t('2026-09-01T00:00:00Z'),
    });
    const open = askedListingWindow(settings, { since: new Date('2026-09-01T00:00:00Z') }, now);
    expect(open.cutoffMs).toBe(t('2026-10-10T11:30:00Z'));
    const late = askedListingWindow(
      settings,
      { since: new Date('2026-10-10T00:00:00Z'), until: new Date('2026-10-11T00:00:00Z') },
      now,
    );
    expect(late.cutoffMs).toBe(t('2026-10-10T11:30:00Z'));
  });

  it('says what a listing queries: the asked window, or the checkpoint less the overlap', () => {
    const asked = queriedWindow(
      settings,
      makeCheckpoint(t('2026-10-05T10:00:00Z')),
      { since: new Date('2026-09-01T00:00:00Z'), until: new Date('2026-09-08T00:00:00Z') },
      now,
    );
    expect(asked._unsafeUnwrap()).toEqual({
      from: '2026-09-01T00:00:00.000Z',
      to: '2026-09-07T23:59:59.999Z',
      field: 'lastUpdateTime',
    });
    const resumed = queriedWindow(settings, makeCheckpoint(t('2026-10-05T10:00:00Z')), undefined, now);
    expect(resumed._unsafeUnwrap()).toEqual({
      from: '2026-10-05T09:45:00.000Z',
      to: '2026-10-10T11:30:00.000Z',
      field: 'lastUpdateTime',
    });
    expect(queriedWindow(settings, { updatedSince: 'soon' }, undefined, now).isErr()).toBe(true);
  });
});
