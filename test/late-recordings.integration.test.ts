// "Done when" of the CXone fidelity issue: a contact whose recording appears only on a later run,
// and a contact that never gets one, archived past the horizon with the report saying why —
// simulator (recordings made available 30 min after they end) → source-cxone → runtime → sink-fs,
// on one clock the test moves.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openSqliteLedger } from '@cxarchive/core/host';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, makeTenant, runTenant, type Tenant } from './helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

describe('late recordings through the runtime', () => {
  it('keeps a contact whose recording is still processing awaiting, archives it with its recording on a later run, and archives one that never gets a recording after the horizon with a note', async () => {
    let clockMs = 0;
    const now = () => new Date(clockMs);
    const t = await makeTenant('  - use: fs\n    with: { root: ./archive }', {
      contacts: 24,
      seed: 11,
      simulator: { recordingDelaySeconds: 1800, now },
      sourceExtra: '    settleLag: 1m\n    recordingHorizon: 96h\n',
    });
    tenants.push(t);
    const { contacts, recordings } = t.simulator.dataset;
    const endOf = (c: (typeof contacts)[number]) =>
      Date.parse(c.contactStartDate) + c.totalDurationSeconds * 1000;
    // The clock stands just after a recorded contact was last updated (so it is listed, past the
    // one-minute settle lag) and before its recording is processed (30 minutes after it ended).
    const updated = (id: string) => Date.parse(contacts.find((c) => c.contactId === id)!.lastUpdateTime);
    const processedAt = (id: string) => Date.parse(recordings.get(id)!.endTime) + 30 * MIN;
    const candidates = [...recordings.keys()]
      .filter((id) => updated(id) + 90_000 < processedAt(id))
      .sort((a, b) => updated(a) - updated(b));
    expect(candidates.length).toBeGreaterThan(0);
    clockMs = updated(candidates.at(-1)!) + 90_000;
    const late = [...recordings.keys()].filter(
      (id) => processedAt(id) > clockMs && updated(id) <= clockMs - MIN,
    );
    expect(late.length).toBeGreaterThan(0);
    const never = contacts.filter(
      (c) =>
        c.contactId === c.masterContactId && c.mediaTypeName === 'Call' && !recordings.has(c.masterContactId),
    );
    expect(never.length).toBeGreaterThan(0);

    const first = await runTenant(t, {}, { now });
    expect(first.status).toBe('succeeded');
    expect(first.counts.awaiting).toBeGreaterThanOrEqual(late.length);
    const ledger = () => openSqliteLedger(path.join(t.dir, '.cxarchive', 'e2e.db'));
    const l1 = ledger();
    for (const id of [...late, ...never.map((c) => c.contactId)])
      expect((await l1.getItem('e2e', 'cxone', String(id)))?.status).toBe('awaiting');
    await l1.close();
    const recordingFiles = () =>
      listFiles(path.join(t.dir, 'archive')).filter((f) => f.includes('/recording'));
    for (const id of late) expect(recordingFiles().some((f) => f.includes(`/${id}/`))).toBe(false);

    // Later every recording is processed and every contact listed: the late ones are archived with them.
    clockMs =
      Math.max(
        ...contacts.map((c) => Date.parse(c.lastUpdateTime)),
        ...[...recordings.keys()].map(processedAt),
      ) +
      2 * MIN;
    const second = await runTenant(t, {}, { now });
    expect(second.status).toBe('succeeded');
    for (const id of late)
      expect(recordingFiles().some((f) => f.includes(`/${id}/recording.mp4`))).toBe(true);
    expect(recordingFiles()).toHaveLength(recordings.size);
    // The contacts without one still wait: it may yet come, until the horizon.
    const l2 = ledger();
    for (const c of never) expect((await l2.getItem('e2e', 'cxone', c.contactId))?.status).toBe('awaiting');
    await l2.close();
    expect(second.notesTotal).toBe(0);

    // Past the horizon (96 h after each ended), they are archived without one, and the report says why.
    clockMs = Math.max(...never.map(endOf)) + 96 * HOUR + MIN;
    const third = await runTenant(t, {}, { now });
    expect(third.status).toBe('succeeded');
    expect(third.counts.awaiting).toBe(0);
    expect(third.notesTotal).toBe(never.length);
    expect(third.notes.map((n) => n.itemId).sort()).toEqual(never.map((c) => String(c.contactId)).sort());
    for (const n of third.notes)
      expect(n.note).toMatch(
        /^archived without a recording: Media Playback had no recording 96 h after the contact ended/,
      );
    const l3 = ledger();
    for (const c of never) {
      const item = await l3.getItem('e2e', 'cxone', String(c.contactId));
      expect(item?.status).toBe('archived');
      expect(item?.note).toMatch(/^archived without a recording/);
    }
    await l3.close();
    // The audit log has the note on the item.archived event.
    const audit = readFileSync(path.join(t.dir, '.cxarchive', 'e2e.audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; itemId?: string; note?: string });
    expect(
      audit.filter((e) => e.type === 'item.archived' && e.note?.startsWith('archived without a recording'))
        .length,
    ).toBe(never.length);
  });
});
