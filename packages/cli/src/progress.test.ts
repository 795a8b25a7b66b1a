import { describe, expect, it, vi } from 'vitest';
import { createProgress, formatBytes, formatDuration } from './progress.js';

const streamOf = (isTTY: boolean) => {
  const chunks: string[] = [];
  const stream = { isTTY, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { chunks, stream };
};

// Events carry hostile item ids; the display must not show them, nor any control sequence of theirs.
const hostile = 'x\n\u001b[2Jforged\u202e';
const event = (type: string, size = 0) =>
  ({ type, itemId: hostile, reason: hostile, objects: [{ size, key: hostile }] }) as never;

/** A clock the test moves. */
const clock = (start = Date.UTC(2026, 11, 1, 2, 0, 0)) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('createProgress', () => {
  it('rewrites one line on a terminal with only its own control sequences', () => {
    const { chunks, stream } = streamOf(true);
    const c = clock();
    const progress = createProgress(stream, 25, { now: c.now });
    progress.onListed({ items: 4, total: 10 });
    c.advance(1000);
    progress.onEvent(event('item.archived', 2048));
    c.advance(1000);
    progress.onEvent(event('item.failed'));
    progress.onEvent(event('item.started'));
    progress.finish();
    expect(chunks).toEqual([
      '\r\u001b[2Klisted 4 of ~10 · archived 1 · failed 0 · skipped 0 · 2.0 KiB · 1.0 items/s · 2.0 KiB/s · ETA 9s',
      '\r\u001b[2Klisted 4 of ~10 · archived 1 · failed 1 · skipped 0 · 2.0 KiB · 1.0 items/s · 1.0 KiB/s · ETA 8s',
      '\r\u001b[2K',
    ]);
    expect(chunks.join('')).not.toContain('forged');
  });

  it('redraws a terminal line at most ten times a second', () => {
    const { chunks, stream } = streamOf(true);
    const c = clock();
    const progress = createProgress(stream, 25, { now: c.now });
    for (let i = 0; i < 50; i++) {
      progress.onEvent(event('item.skipped'));
      c.advance(10);
    }
    // 500 ms of events: the first draw, then one every 100 ms.
    expect(chunks.length).toBe(5);
  });

  it('writes timestamped plain lines every n items elsewhere, and after a quiet spell', () => {
    const { chunks, stream } = streamOf(false);
    const c = clock();
    const progress = createProgress(stream, 2, { now: c.now, everyMs: 10_000 });
    for (const type of ['item.archived', 'item.skipped', 'item.failed']) progress.onEvent(event(type));
    c.advance(11_000);
    progress.onEvent(event('item.awaiting'));
    progress.finish();
    expect(chunks).toEqual([
      '2026-12-01T02:00:00.000Z listed 0 · archived 1 · failed 0 · skipped 1 · 0 B · 2000.0 items/s\n',
      '2026-12-01T02:00:11.000Z listed 0 · archived 1 · failed 1 · skipped 1 · awaiting 1 · 0 B · 0.4 items/s\n',
    ]);
  });

  it('names the API families whose budget made the run wait since the last line', () => {
    const { chunks, stream } = streamOf(false);
    const c = clock();
    const progress = createProgress(stream, 1, { now: c.now });
    const waits = { 'cxone-acd': { waits: 0, waitedMs: 0 }, 'cxone-media': { waits: 0, waitedMs: 0 } };
    progress.onBudgets(() => waits);
    c.advance(1000);
    progress.onEvent(event('item.archived'));
    waits['cxone-media'] = { waits: 2, waitedMs: 1500 };
    c.advance(1000);
    progress.onEvent(event('item.archived'));
    c.advance(1000);
    progress.onEvent(event('item.archived'));
    expect(chunks[0]).not.toContain('throttled');
    expect(chunks[1]).toContain('· throttled: cxone-media 2s');
    expect(chunks[1]).not.toContain('cxone-acd');
    expect(chunks[2]).not.toContain('throttled');
  });

  it('live: redraws every second while nothing settles (a throttled wait shows), until finished', () => {
    vi.useFakeTimers();
    try {
      const { chunks, stream } = streamOf(true);
      const c = clock();
      const progress = createProgress(stream, 25, { now: c.now, live: true });
      const waits = { 'cxone-media': { waits: 0, waitedMs: 0 } };
      progress.onBudgets(() => waits);
      c.advance(1000);
      vi.advanceTimersByTime(1000);
      waits['cxone-media'] = { waits: 1, waitedMs: 4000 };
      c.advance(1000);
      vi.advanceTimersByTime(1000);
      expect(chunks).toHaveLength(2);
      expect(chunks[1]).toContain('throttled: cxone-media 4s');
      progress.finish();
      vi.advanceTimersByTime(5000);
      expect(chunks).toHaveLength(3);
      expect(chunks[2]).toBe('\r\u001b[2K');
    } finally {
      vi.useRealTimers();
    }
  });

  it('formats bytes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(300 * 1024 * 1024 * 1024)).toBe('300 GiB');
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h05m');
  });
});
