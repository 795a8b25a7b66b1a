import { describe, expect, it } from 'vitest';
import type { RawRow } from './manifest.js';
import { checkRow } from './row.js';

const raw = (fields: Record<string, unknown>): RawRow => ({
  line: 7,
  offset: 0,
  raw: Buffer.from('x'),
  fields,
});
const problem = (fields: Record<string, unknown>, csv = true) => checkRow(raw(fields), csv).problem;
const base = { file: 'docs/form.pdf', contactNumber: '1234', channelId: 'chat_1' };

describe('checkRow', () => {
  it('takes a valid row, trimming ids, splitting CSV tags on ";" and reading a zoned time', () => {
    const { row } = checkRow(
      raw({
        ...base,
        contactNumber: ' 1234 ',
        tags: 'billing; vip',
        text: ' hello, world ',
        time: '2026-11-30T09:00:00+01:00',
      }),
      true,
    );
    expect(row).toEqual({
      file: 'docs/form.pdf',
      contactNumber: '1234',
      channelId: 'chat_1',
      text: ' hello, world ',
      tags: ['billing', 'vip'],
      time: new Date('2026-11-30T08:00:00Z'),
    });
    expect(checkRow(raw({ ...base, contactNumber: 1234, tags: ['a', 'b'] }), false).row?.tags).toEqual([
      'a',
      'b',
    ]);
    expect(checkRow(raw({ ...base, contactNumber: undefined, threadId: 'th-9' }), true).row?.threadId).toBe(
      'th-9',
    );
  });

  it('refuses each kind of invalid row with what is wrong', () => {
    expect(problem({ ...base, file: undefined })).toBe('the row has no file');
    expect(problem({ ...base, file: '  ' })).toBe('the row has no file');
    expect(problem({ ...base, threadId: 't1' })).toBe(
      'the row has both a contactNumber and a threadId: give exactly one',
    );
    expect(problem({ ...base, contactNumber: undefined })).toBe(
      'the row has neither a contactNumber nor a threadId: give exactly one',
    );
    expect(problem({ ...base, channelId: undefined })).toBe('the row has no channelId');
    expect(problem({ ...base, channelId: '   ' })).toBe('the row has no channelId');
    expect(problem({ ...base, contactNumber: '12a' })).toMatch(/contactNumber "12a" is not a number/);
    expect(problem({ ...base, tags: 'a;;b' })).toBe('tag 2 is empty (tags are separated by ";")');
    expect(problem({ ...base, tags: 'a;' })).toBe('tag 2 is empty (tags are separated by ";")');
    expect(problem({ ...base, tags: 'a;b' }, false)).toBe('tags is not an array of strings');
    expect(problem({ ...base, tags: ['a', 3] }, false)).toBe('tag 2 is not a string');
    expect(problem({ ...base, time: '2026-11-30 09:00' })).toMatch(
      /time is not an ISO 8601 time with a zone/,
    );
    expect(problem({ ...base, time: '2026-11-30T09:00:00' })).toMatch(/with a zone/);
    expect(problem({ ...base, channelId: 5 }, false)).toBe('channelId is not a string');
    expect(problem({ ...base, friendlyName: 'a/b.pdf' })).toMatch(/path separator/);
    expect(problem({ ...base, threadId: undefined, contactNumber: undefined, channelId: 'c\u001b' })).toBe(
      'channelId has a control character',
    );
  });

  it('refuses file paths that could leave the directory or are not relative', () => {
    expect(problem({ ...base, file: '../secret.pdf' })).toBe('the file path leaves the directory ("..")');
    expect(problem({ ...base, file: 'a/../../b.pdf' })).toBe('the file path leaves the directory ("..")');
    expect(problem({ ...base, file: '/etc/passwd' })).toBe(
      'the file path is absolute: give it relative to the directory',
    );
    expect(problem({ ...base, file: 'C:/x.pdf' })).toMatch(/absolute/);
    expect(problem({ ...base, file: 'a\\b.pdf' })).toMatch(/backslash/);
    expect(problem({ ...base, file: './a.pdf' })).toMatch(/empty or "\." segment/);
    expect(problem({ ...base, file: 'a//b.pdf' })).toMatch(/empty or "\." segment/);
  });

  it('passes on what the reader found wrong', () => {
    expect(
      checkRow({ line: 3, offset: 0, raw: Buffer.from('x'), problem: 'the line is not valid JSON' }, false),
    ).toEqual({
      problem: 'the line is not valid JSON',
    });
  });
});
