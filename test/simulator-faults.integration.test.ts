import { rmSync } from 'node:fs';
import path from 'node:path';
import { type FaultSpec, startSimulator } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, runTenant, simulatorEnv, type Tenant } from './helpers.js';

// The simulator's switchable faults reach source-cxone as the right errors, and the runtime
// handles them: retried, throttled, re-authenticated, deduplicated. Every test runs the real
// pipeline (source-cxone → gzip-aes → sink-fs) against a faulty simulator and checks the archive
// and the simulator's request log.

const SEED = 3;
const CONTACTS = 14;
const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
// Small windows, so that a 429 without Retry-After (the runtime then waits a whole window of the
// family's budget) costs a second, not CXone's five minutes.
const BUDGETS = `budgets:
  media-playback: { requests: 1000, per: 1s }
  cxone-acd: { requests: 1000, per: 1s }
`;

const tenants: Tenant[] = [];
afterEach(async () => {
  for (const t of tenants.splice(0)) {
    await t.simulator.stop();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

/** A tenant whose simulator starts with `faults`. */
const faultTenant = async (faults: readonly FaultSpec[]): Promise<Tenant> => {
  const base = await makeTenant(FS_SINK, { contacts: CONTACTS, seed: SEED, extra: BUDGETS });
  await base.simulator.stop();
  const simulator = await startSimulator({
    seed: SEED,
    contacts: CONTACTS,
    recordingSeconds: [1, 6],
    faults,
  });
  const t: Tenant = { ...base, simulator, env: simulatorEnv(simulator) };
  tenants.push(t);
  return t;
};

/** Each contact archived exactly once, and a recording for every master that has one. */
const expectArchivedOnce = (t: Tenant, report: Awaited<ReturnType<typeof runTenant>>) => {
  const { contacts, recordings } = t.simulator.dataset;
  expect(report.failures).toEqual([]);
  expect(report.status).toBe('succeeded');
  expect(report.counts).toMatchObject({ archived: contacts.length, failed: 0 });
  const files = listFiles(path.join(t.dir, 'archive'));
  const records = files.filter((f) => !f.includes('/recording'));
  const recordingFiles = files.filter((f) => f.includes('/recording'));
  // One record object per contact: none lost, none stored twice.
  for (const contact of contacts) {
    expect(records.filter((f) => f.includes(`/${String(contact.contactId)}/`))).toHaveLength(1);
  }
  expect(records).toHaveLength(contacts.length);
  expect(recordingFiles).toHaveLength(recordings.size);
};

const routeLog = (t: Tenant, route: string) => t.simulator.requestLog().filter((e) => e.route === route);

describe('simulator faults end to end: faulty simulator → source-cxone → runtime', () => {
  it('a 429 without Retry-After on Media Playback: the family waits a window, no attempt lost', async () => {
    const t = await faultTenant([
      { route: 'media-playback', kind: 'status', status: 429, after: 2, count: 3 },
    ]);
    const report = await runTenant(t);
    expectArchivedOnce(t, report);
    const throttled = routeLog(t, 'media-playback').filter((e) => e.status === 429);
    expect(throttled).toHaveLength(3);
    expect(throttled.every((e) => e.fault === 'status')).toBe(true);
    expect(report.budgets['media-playback']?.throttled).toBe(3);
    expect(report.budgets['media-playback']?.waits).toBeGreaterThan(0);
  });

  it('a burst of three 503s on the listing: retried, nothing lost', async () => {
    const t = await faultTenant([
      { route: 'contacts-completed', kind: 'status', status: 503, after: 1, count: 3 },
    ]);
    const report = await runTenant(t);
    expectArchivedOnce(t, report);
    const statuses = routeLog(t, 'contacts-completed').map((e) => e.status);
    expect(statuses.slice(0, 5)).toEqual([200, 503, 503, 503, 200]);
  });

  it('connection resets, before a Media Playback answer and in the middle of a recording: retried', async () => {
    const t = await faultTenant([
      { route: 'media-playback', kind: 'reset', after: 1, count: 2 },
      { route: 'media-file', kind: 'reset', afterBytes: 100, after: 1 },
    ]);
    const report = await runTenant(t);
    expectArchivedOnce(t, report);
    expect(routeLog(t, 'media-playback').filter((e) => e.status === 0 && e.fault === 'reset')).toHaveLength(
      2,
    );
    const cut = routeLog(t, 'media-file').filter((e) => e.fault === 'reset');
    expect(cut).toHaveLength(1);
    // The cut recording was fetched again in full: every recording has a whole download logged.
    const wholeDownloads = routeLog(t, 'media-file').filter((e) => e.status === 200 && e.fault === undefined);
    expect(new Set(wholeDownloads.map((e) => e.path)).size).toBe(t.simulator.dataset.recordings.size);
  });

  it('shifted and duplicated listing pages: no contact lost, none archived twice', async () => {
    const t = await faultTenant([
      { route: 'contacts-completed', kind: 'shift', by: 2, after: 1 },
      { route: 'contacts-completed', kind: 'duplicate', by: 1, after: 2 },
    ]);
    const report = await runTenant(t);
    expectArchivedOnce(t, report);
    expect(t.simulator.faults.list().map((f) => f.applied)).toEqual([1, 1]);
    // A second run finds nothing new.
    const again = await runTenant(t);
    expect(again.counts).toMatchObject({ archived: 0, failed: 0 });
  });

  it('a token that expires mid-run: the source gets a new one and the run succeeds', async () => {
    // The token expires at the eighth authorised request, in the middle of the Media Playback calls;
    // the requests in flight with it get 401 too.
    const t = await faultTenant([{ route: '*', kind: 'expire-token', after: 7 }]);
    const report = await runTenant(t);
    expectArchivedOnce(t, report);
    const log = t.simulator.requestLog();
    const expired = log.filter((e) => e.status === 401);
    expect(expired.length).toBeGreaterThanOrEqual(1);
    expect(log.filter((e) => e.bearer)[7]?.status).toBe(401);
    expect(expired.every((e) => e.fault === 'expire-token')).toBe(true);
    // A token request follows the first 401.
    const firstExpiry = log.findIndex((e) => e.status === 401);
    expect(log.slice(firstExpiry).some((e) => e.route === 'token' && e.status === 200)).toBe(true);
    // No bearer token ever went to the media host (the signed recording URLs).
    const media = log.filter((e) => e.route === 'media-file');
    expect(media.length).toBeGreaterThan(0);
    expect(media.every((e) => !e.bearer)).toBe(true);
  });
});
