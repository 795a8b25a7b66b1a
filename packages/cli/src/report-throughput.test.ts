import { mkdtempSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AUDIT_GENESIS, sealEntry } from '@cxarchive/core/host';
import { describe, expect, it } from 'vitest';
import { bucketSizeFor, MAX_BUCKETS, throughputOf } from './report-throughput.js';

const START = Date.parse('2026-11-30T08:00:00.000Z');
const who = { tenant: 't', host: 'h', version: '0.1.0' };

/** A log of `events` item events of run r1 spread over `hours`, between another run's, then r1's end. */
const writeLog = async (file: string, events: number, hours: number) => {
  let prev = AUDIT_GENESIS;
  let lines: string[] = [];
  const add = async (fields: Parameters<typeof sealEntry>[1]) => {
    const sealed = sealEntry(prev, fields);
    prev = sealed.hash;
    lines.push(sealed.line);
    if (lines.length >= 1000) {
      await appendFile(file, `${lines.join('\n')}\n`);
      lines = [];
    }
  };
  await writeFile(file, '');
  const span = hours * 3_600_000;
  await add({ ...who, type: 'run.started', runId: 'r1', at: new Date(START).toISOString() });
  for (let i = 0; i < events; i++) {
    const at = new Date(START + Math.floor((i / events) * span)).toISOString();
    const failed = i % 10 === 0;
    await add({
      ...who,
      type: failed ? 'item.failed' : 'item.archived',
      runId: 'r1',
      itemId: `c${i}`,
      at,
      ...(failed
        ? { errorTag: 'NotFound', reason: 'gone' }
        : {
            objects: [
              {
                artifact: 'contact.json',
                sink: 'sinks[0]',
                key: 'k',
                physicalKey: 'k',
                size: 1000,
                sha256: 'a'.repeat(64),
                checksum: { algorithm: 'sha256', value: 'a'.repeat(64) },
              },
            ],
          }),
    } as Parameters<typeof sealEntry>[1]);
    // Another run's events in between are not this run's.
    if (i % 100 === 0) await add({ ...who, type: 'item.archived', runId: 'r0', itemId: `o${i}`, at });
  }
  await add({ ...who, type: 'run.completed', runId: 'r1', at: new Date(START + span).toISOString() });
  await add({
    ...who,
    type: 'item.archived',
    runId: 'r1',
    itemId: 'after-end',
    at: new Date(START + span).toISOString(),
  });
  await appendFile(file, `${lines.join('\n')}\n`);
};

describe('throughput over a run', () => {
  it('picks a round interval that fits a run in at most 120 buckets', () => {
    expect(bucketSizeFor(0)).toBe(100);
    expect(bucketSizeFor(12_000)).toBe(100);
    expect(bucketSizeFor(12_001)).toBe(250);
    expect(bucketSizeFor(3_600_000)).toBe(30_000);
    expect(bucketSizeFor(24 * 3_600_000)).toBe(900_000);
    expect(bucketSizeFor(400 * 86_400_000)).toBe(4 * 86_400_000);
  });

  it("counts a long run's events in a fixed number of buckets, only its own, up to its end", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-throughput-')), 'a.audit.jsonl');
    await writeLog(file, 20_000, 10);
    const t = await throughputOf(file, {
      runId: 'r1',
      startedAt: new Date(START).toISOString(),
      finishedAt: new Date(START + 10 * 3_600_000).toISOString(),
    });
    expect(t.bucketMs).toBe(300_000);
    expect(t.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(t.buckets.length).toBe(120);
    expect(t.events).toBe(20_000);
    expect(t.buckets.reduce((s, b) => s + b.failed, 0)).toBe(2_000);
    expect(t.buckets.reduce((s, b) => s + b.archived, 0)).toBe(18_000);
    expect(t.buckets.reduce((s, b) => s + b.bytes, 0)).toBe(18_000_000);
    // Evenly spread: every bucket has its share.
    for (const b of t.buckets) expect(b.archived + b.failed).toBeGreaterThan(150);
    expect(t.damaged).toBe(0);
  });

  it('counts a damaged line, and events outside the run in its edge buckets', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cxarchive-throughput-')), 'a.audit.jsonl');
    const early = sealEntry(AUDIT_GENESIS, {
      ...who,
      type: 'item.archived',
      runId: 'r1',
      itemId: 'x',
      at: '2020-01-01T00:00:00.000Z',
    });
    const late = sealEntry(early.hash, {
      ...who,
      type: 'item.failed',
      runId: 'r1',
      itemId: 'y',
      at: '2030-01-01T00:00:00.000Z',
    });
    await writeFile(file, `${early.line}\n{"torn\n${late.line}\n`);
    const t = await throughputOf(file, {
      runId: 'r1',
      startedAt: new Date(START).toISOString(),
      finishedAt: new Date(START + 1000).toISOString(),
    });
    expect(t.damaged).toBe(1);
    expect(t.buckets[0]!.archived).toBe(1);
    expect(t.buckets.at(-1)!.failed).toBe(1);
    await expect(
      throughputOf(`${file}.missing`, {
        runId: 'r1',
        startedAt: '2026-01-01T00:00:00Z',
        finishedAt: '2026-01-01T00:00:01Z',
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
