import { describe, expect, it } from 'vitest';
import { jsonBytes, RawJson, rawJsonArray, serialiseBody } from './raw-json.js';

const raw = (...values: unknown[]) => rawJsonArray(values.map((value) => Buffer.from(JSON.stringify(value))));

describe('serialiseBody', () => {
  it('writes the same bytes as JSON.stringify, raw arrays copied in as they are', () => {
    const records = [{ id: 1, name: 'Zoë «x»', tags: [] }, { id: 2, nested: { a: [1, null] } }, 'text', 3];
    const body = {
      totalRecords: 4,
      skipped: undefined,
      lastPollTime: new Date(Date.UTC(2026, 9, 1)),
      _links: { self: 'http://127.0.0.1/x?a=1', next: null },
      completedContacts: raw(...records),
      after: [raw(5)],
    };
    const expected = JSON.stringify({ ...body, completedContacts: records, after: [[5]] });
    expect(serialiseBody(body).toString('utf8')).toBe(expected);
    expect(serialiseBody({ completedContacts: raw() }).toString('utf8')).toBe('{"completedContacts":[]}');
  });

  it('keeps the raw array when a body is rewritten by spreading it (as listing faults do)', () => {
    const body = { totalRecords: 2, completedContacts: raw({ a: 1 }, { b: 'é' }) };
    const rewritten = { ...body, totalRecords: 7 };
    expect(Array.isArray(rewritten.completedContacts)).toBe(true);
    expect(serialiseBody(rewritten).toString('utf8')).toBe(
      '{"totalRecords":7,"completedContacts":[{"a":1},{"b":"é"}]}',
    );
  });

  it('serialises bodies without raw arrays exactly as JSON.stringify', () => {
    for (const body of [
      { a: 1, b: [1, 2], c: 'ü' },
      [1, 'x'],
      'plain',
      42,
      null,
      { nested: { completedContacts: [1] } },
    ]) {
      expect(serialiseBody(body).toString('utf8')).toBe(JSON.stringify(body));
    }
  });

  it('gives the same JSON through JSON.stringify elsewhere: each element parses its text back', () => {
    const array = raw({ contactId: 1 }, [true]);
    expect(array[0]).toBeInstanceOf(RawJson);
    expect(JSON.stringify({ page: array })).toBe('{"page":[{"contactId":1},[true]]}');
  });
});

describe('jsonBytes', () => {
  it('encodes ASCII and non-ASCII text as UTF-8', () => {
    for (const text of ['{"a":"plain"}', '{"a":"Zoë"}', '{"a":"\u{1f600}"}', '']) {
      expect(jsonBytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });
});
