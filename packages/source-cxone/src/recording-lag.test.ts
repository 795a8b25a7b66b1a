import { describe, expect, it } from 'vitest';
import { contactEndMs, missingRecording } from './recording-lag.js';

const START = '2026-10-02T09:00:00.000Z';
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('contactEndMs', () => {
  it('is the start plus the total duration', () => {
    expect(contactEndMs({ contactStartDate: START, totalDurationSeconds: 300 })).toBe(
      Date.parse(START) + 300_000,
    );
  });

  it('falls back to lastUpdateTime, then to the start', () => {
    expect(contactEndMs({ contactStartDate: START, lastUpdateTime: '2026-10-02T10:00:00Z' })).toBe(
      Date.parse('2026-10-02T10:00:00Z'),
    );
    expect(contactEndMs({ contactStartDate: START, totalDurationSeconds: 'n/a' })).toBe(Date.parse(START));
    expect(contactEndMs({})).toBeUndefined();
  });
});

describe('missingRecording: wait until the horizon, then archive without one', () => {
  const record = { contactStartDate: START, totalDurationSeconds: 600 };
  const end = Date.parse(START) + 10 * MIN;

  it('waits until recordingLag after the end first', () => {
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + MIN)).toEqual({
      kind: 'wait',
      retryAt: new Date(end + 30 * MIN),
    });
  });

  it('then looks again at intervals that double with the age, never later than the horizon', () => {
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + 30 * MIN)).toEqual({
      kind: 'wait',
      retryAt: new Date(end + HOUR),
    });
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + 8 * HOUR)).toEqual({
      kind: 'wait',
      retryAt: new Date(end + 16 * HOUR),
    });
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + 16 * HOUR)).toEqual({
      kind: 'wait',
      retryAt: new Date(end + 24 * HOUR),
    });
    // Never sooner than five minutes from now, even with no lag.
    expect(missingRecording(record, 0, 24 * HOUR, end)).toEqual({
      kind: 'wait',
      retryAt: new Date(end + 5 * MIN),
    });
  });

  it('looks about seven times in the default 24 h', () => {
    let now = end;
    let looks = 0;
    for (;;) {
      looks += 1;
      const m = missingRecording(record, 30 * MIN, 24 * HOUR, now);
      if (m.kind === 'final') break;
      expect(m.retryAt.getTime()).toBeGreaterThan(now);
      now = m.retryAt.getTime();
    }
    expect(looks).toBeLessThanOrEqual(9);
  });

  it('is final at the horizon, saying why, the same on every later run', () => {
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + 30 * HOUR)).toEqual(
      missingRecording(record, 30 * MIN, 24 * HOUR, end + 24 * HOUR),
    );
    expect(missingRecording(record, 30 * MIN, 24 * HOUR, end + 24 * HOUR)).toEqual({
      kind: 'final',
      reason: 'Media Playback had no recording 24 h after the contact ended (ended 2026-10-02T09:10:00.000Z)',
    });
    expect(missingRecording(record, 30 * MIN, 0, end)).toMatchObject({ kind: 'final' });
    expect(missingRecording({}, 30 * MIN, 24 * HOUR, end)).toMatchObject({
      kind: 'final',
      reason: expect.stringContaining('no end time'),
    });
  });
});
