import { describe, expect, it } from 'vitest';
import { contactEndMs, recordingDueBy } from './recording-lag.js';

const START = '2026-10-02T09:00:00.000Z';
const MIN = 60_000;

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

describe('recordingDueBy', () => {
  const record = { contactStartDate: START, totalDurationSeconds: 600 }; // ends 09:10
  const end = Date.parse(START) + 10 * MIN;

  it('gives the end plus the lag while it has not passed', () => {
    expect(recordingDueBy(record, 30 * MIN, end + 29 * MIN)?.toISOString()).toBe('2026-10-02T09:40:00.000Z');
  });

  it('is undefined once the lag has passed, with no lag, or without dates', () => {
    expect(recordingDueBy(record, 30 * MIN, end + 30 * MIN)).toBeUndefined();
    expect(recordingDueBy(record, 0, end)).toBeUndefined();
    expect(recordingDueBy({}, 30 * MIN, end)).toBeUndefined();
  });
});
