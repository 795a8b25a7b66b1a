import { describe, expect, it } from 'vitest';
import { parseRecord } from './record.js';

describe('parseRecord', () => {
  it('takes the id from contactId and the date from contactStart', () => {
    expect(parseRecord('{"contactId": 12, "contactStart": "2024-03-04T09:15:02.000Z", "x": [1]}')).toEqual({
      ok: true,
      id: '12',
      occurredAt: new Date('2024-03-04T09:15:02.000Z'),
      record: { contactId: 12, contactStart: '2024-03-04T09:15:02.000Z', x: [1] },
    });
  });

  it('accepts contactStartDate with an offset, and a string id', () => {
    const parsed = parseRecord('{"contactId": "c-7", "contactStartDate": "2024-03-04T12:02:45+02:00"}');
    expect(parsed).toMatchObject({ ok: true, id: 'c-7', occurredAt: new Date('2024-03-04T10:02:45Z') });
  });

  it.each([
    ['{"contactStart": "2024-01-01T00:00:00Z"}', 'the record has no contactId'],
    [
      '{"contactId": "", "contactStart": "2024-01-01T00:00:00Z"}',
      'neither a non-empty string nor an integer',
    ],
    [
      '{"contactId": 1.5, "contactStart": "2024-01-01T00:00:00Z"}',
      'neither a non-empty string nor an integer',
    ],
    ['{"contactId": 12345678901234567890, "contactStart": "x"}', 'too large to keep exactly'],
    ['{"contactId": 3}', 'record 3 has no start time (contactStart or contactStartDate)'],
    ['{"contactId": 3, "contactStart": "yesterday"}', 'record 3 has a contactStart that is not a date'],
    ['{"contactId": 3, "contactStart": 1709543702}', 'record 3 has a contactStart that is not a date'],
    ['{"contactId": 3, "contactStart": "2024-01-01T00:00:00Z", "d": NaN}', 'the line is not JSON'],
    ['[1, 2]', 'the line is not a JSON object'],
  ])('refuses %s with a reason', (line, problem) => {
    const parsed = parseRecord(line);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});
