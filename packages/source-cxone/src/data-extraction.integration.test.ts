// recordingCheck: dataExtraction against the simulator's Data Extraction API: one job per UTC day,
// its id durable; Media Playback asked only for the contacts the job lists; the others archived
// without a recording at the horizon; a day not over yet, and a refused job, go to Media Playback.
import {
  type Item,
  type ItemRef,
  type JobStore,
  memoryJobStore,
  type Source,
  sha256OfStream,
} from '@cxarchive/core';
import { demoToken, openRecording, type RunningSimulator, type SimContact } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { live, testContext } from '../test-support/context.js';
import { optionsOn, simulatorStarter } from '../test-support/simulator.js';
import { DAY_MS, dayOf, JOB_PREFIX } from './data-extraction-days.js';
import { createCxoneSource } from './source.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const AFTER = Date.parse('2026-11-01T00:00:00Z');
let clockMs = AFTER;
const now = () => new Date(clockMs);
afterEach(() => {
  clockMs = AFTER;
});

// Source-level tests call without the runtime's budgets, so the simulator's Data Extraction budget
// is lifted here; test/recording-paths.integration.test.ts keeps it through the runtime.
const start = simulatorStarter({
  contacts: 24,
  seed: 3,
  recordingSeconds: [2, 6],
  now,
  budgets: { 'data-extraction': false },
});

const create = (sim: RunningSimulator, jobs: JobStore, extra: Record<string, unknown> = {}): Source => {
  const options = optionsOn(sim, {
    since: '2026-01-01T00:00:00Z',
    requestTimeout: '10s',
    recordingCheck: 'dataExtraction',
    ...extra,
  });
  return createCxoneSource(options, { ...testContext(now), jobs })._unsafeUnwrap();
};

const refOf = (c: SimContact): ItemRef => ({ id: c.contactId, data: { contactId: c.contactId } });
const voiceMasters = (sim: RunningSimulator) =>
  sim.dataset.contacts.filter((c) => c.contactId === c.masterContactId && c.mediaTypeId === 4);
const endOf = (c: SimContact) => Date.parse(c.contactStartDate) + c.totalDurationSeconds * 1000;
const dePosts = (sim: RunningSimulator) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path === '/data-extraction/v1/jobs');
const playbackIds = (sim: RunningSimulator) =>
  sim
    .requestLog()
    .filter((r) => r.path === '/media-playback/v1/contacts')
    .map((r) => r.query['acd-call-id']);

/** Fetches each contact until none is NotYet, moving the clock on by a poll interval each round. */
const fetchAll = async (source: Source, contacts: readonly SimContact[]) => {
  const items = new Map<string, Item>();
  for (let round = 0; round < 60 && items.size < contacts.length; round++) {
    for (const c of contacts) {
      if (items.has(c.contactId)) continue;
      const got = await source.fetch(refOf(c), live());
      if (got.isOk()) items.set(c.contactId, got.value);
      else expect(got.error._tag).toBe('NotYet');
    }
    clockMs += MIN + 1000;
  }
  return items;
};

describe('recordingCheck: dataExtraction', () => {
  it('asks Media Playback only for the contacts a day’s job lists, archives the others without a recording and a note', async () => {
    const sim = await start();
    const masters = voiceMasters(sim);
    const { recordings } = sim.dataset;
    const recorded = masters.filter((c) => recordings.has(c.contactId));
    const unrecorded = masters.filter((c) => !recordings.has(c.contactId));
    expect(recorded.length).toBeGreaterThan(2);
    expect(unrecorded.length).toBeGreaterThan(0);
    const jobs = memoryJobStore(now);
    const items = await fetchAll(create(sim, jobs), masters);
    expect(items.size).toBe(masters.length);
    for (const c of recorded) {
      const item = items.get(c.contactId)!;
      expect(item.artifacts).toHaveLength(1);
      const stream = (await item.artifacts[0]!.open(live()))._unsafeUnwrap();
      expect((await sha256OfStream(stream)).sha256).toBe(
        (await sha256OfStream(openRecording(sim.dataset, c.contactId))).sha256,
      );
    }
    for (const c of unrecorded) {
      const item = items.get(c.contactId)!;
      expect(item.artifacts).toEqual([]);
      expect(item.record.recordings).toEqual([]);
      expect((item.record.recordingAbsence as { reason: string }).reason).toMatch(
        /^Data Extraction \(recording-interaction-metadata\) listed no recording for the contact 24 h after it ended/,
      );
      expect(item.note).toMatch(/^archived without a recording: Data Extraction/);
    }
    // The saving: Media Playback was asked for the recorded contacts only.
    expect(new Set(playbackIds(sim))).toEqual(new Set(recorded.map((c) => c.contactId)));
    // One job per day, each durable in the store under its day.
    const days = new Set(masters.map((c) => dayOf(Date.parse(c.contactStartDate))));
    expect(dePosts(sim)).toHaveLength(days.size);
    const stored = (await jobs.list({ prefix: JOB_PREFIX })).jobs.map((j) => j.key);
    expect(stored.sort()).toEqual([...days].map((d) => `${JOB_PREFIX}${d}`).sort());
    // Two jobs never ran at once: the simulator refused none.
    expect(sim.requests.some((r) => r.path.startsWith('/data-extraction/') && r.status === 409)).toBe(false);
  });

  it('a run after a crash polls the job it submitted, never submits it again', async () => {
    const sim = await start();
    const c = voiceMasters(sim).find((m) => sim.dataset.recordings.has(m.contactId))!;
    const jobs = memoryJobStore(now);
    const first = await create(sim, jobs).fetch(refOf(c), live());
    expect(first._unsafeUnwrapErr()._tag).toBe('NotYet');
    expect(first._unsafeUnwrapErr().message).toMatch(/Data Extraction job of .* is still running/);
    expect(dePosts(sim)).toHaveLength(1);
    clockMs += 2 * MIN;
    // A new instance (the next run) with the same durable store.
    const item = (await create(sim, jobs).fetch(refOf(c), live()))._unsafeUnwrap();
    expect(item.artifacts).toHaveLength(1);
    expect(dePosts(sim)).toHaveLength(1);
    const polls = sim.requests.filter(
      (r) => r.method === 'GET' && r.path.startsWith('/data-extraction/v1/jobs/'),
    );
    expect(polls.length).toBeGreaterThan(0);
    // A job older than 24 h is replaced by a new one.
    clockMs += DAY_MS;
    expect((await create(sim, jobs).fetch(refOf(c), live()))._unsafeUnwrapErr()._tag).toBe('NotYet');
    expect(dePosts(sim)).toHaveLength(2);
  });

  it('before the horizon an unlisted contact waits; at the horizon a newer job is asked for before it is archived without one', async () => {
    const sim = await start();
    const c = voiceMasters(sim).find((m) => !sim.dataset.recordings.has(m.contactId))!;
    const dayEnd = Date.parse(`${dayOf(Date.parse(c.contactStartDate))}T00:00:00Z`) + DAY_MS;
    clockMs = Math.max(dayEnd, endOf(c)) + 31 * MIN;
    const jobs = memoryJobStore(now);
    const source = create(sim, jobs);
    expect((await source.fetch(refOf(c), live()))._unsafeUnwrapErr()._tag).toBe('NotYet');
    clockMs += 2 * MIN;
    const waiting = (await source.fetch(refOf(c), live()))._unsafeUnwrapErr() as {
      retryAt?: Date;
      message: string;
    };
    expect(waiting.message).toMatch(/Data Extraction lists no recording for it yet/);
    expect(waiting.retryAt?.getTime()).toBe(endOf(c) + 24 * HOUR);
    expect(dePosts(sim)).toHaveLength(1);
    // At the horizon, the day's job is older than it: a new one is submitted, then trusted.
    clockMs = endOf(c) + 24 * HOUR;
    expect((await source.fetch(refOf(c), live()))._unsafeUnwrapErr()._tag).toBe('NotYet');
    expect(dePosts(sim)).toHaveLength(2);
    clockMs += 2 * MIN;
    const item = (await source.fetch(refOf(c), live()))._unsafeUnwrap();
    expect(item.note).toMatch(/^archived without a recording: Data Extraction/);
    expect(playbackIds(sim)).toEqual([]);
  });

  it('a day not over yet (+ recordingLag) goes to Media Playback without any Data Extraction request', async () => {
    const sim = await start();
    const c = voiceMasters(sim).find((m) => sim.dataset.recordings.has(m.contactId))!;
    const dayEnd = Date.parse(`${dayOf(Date.parse(c.contactStartDate))}T00:00:00Z`) + DAY_MS;
    clockMs = Math.min(dayEnd + 29 * MIN, Math.max(endOf(c) + 31 * MIN, Date.parse(c.lastUpdateTime)));
    const item = (await create(sim, memoryJobStore(now)).fetch(refOf(c), live()))._unsafeUnwrap();
    expect(item.artifacts).toHaveLength(1);
    expect(playbackIds(sim)).toEqual([c.contactId]);
    expect(sim.requests.filter((r) => r.path.startsWith('/data-extraction/'))).toEqual([]);
  });

  it('a job refused because another caller’s job runs (one caller per tenant): Media Playback is asked instead', async () => {
    const sim = await start();
    // Another caller of the tenant starts a job first.
    const token = await demoToken(sim);
    const other = await fetch(`${sim.url}/data-extraction/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        entityName: 'recording-interaction-metadata',
        version: '7',
        startDate: '2026-10-01',
        endDate: '2026-10-02',
      }),
    });
    expect(other.status).toBe(202);
    const masters = voiceMasters(sim);
    const jobs = memoryJobStore(now);
    const source = create(sim, jobs);
    for (const c of masters) {
      const got = await source.fetch(refOf(c), live());
      expect(got.isOk()).toBe(true);
      expect(got._unsafeUnwrap().artifacts.length).toBe(sim.dataset.recordings.has(c.contactId) ? 1 : 0);
    }
    expect(dePosts(sim).map((r) => r.status)).toContain(409);
    expect((await jobs.list({ prefix: JOB_PREFIX })).jobs).toEqual([]);
    expect(new Set(playbackIds(sim))).toEqual(new Set(masters.map((c) => c.contactId)));
  });
});
