import { describe, expect, it } from 'vitest';
import { SourceErrors } from './errors.js';

const req = { method: 'GET', url: 'https://media.example.com/f/1.wav?signature=abc' };
const details = { method: 'GET', url: 'https://api-na1.example.com/incontactapi/services/v29.0/contacts/7' };

describe('SourceErrors: the source’s own failures, each with its tag', () => {
  it.each([
    ['badRef', SourceErrors.badRef('x'), 'InvalidInput'],
    ['noStartDate', SourceErrors.noStartDate('7'), 'InvalidInput'],
    ['contactNotFound', SourceErrors.contactNotFound('7', details), 'NotFound'],
    ['recordingNotYet', SourceErrors.recordingNotYet('7', new Date('2026-10-20T00:30:00Z')), 'NotYet'],
    ['badMediaUrl', SourceErrors.badMediaUrl('7', 'must be https'), 'Permanent'],
    ['recordingGone', SourceErrors.recordingGone('7', 'recording.wav'), 'NotFound'],
    [
      'foreignNextLink',
      SourceErrors.foreignNextLink('https://evil.example/x?t=1', 'https://api'),
      'Permanent',
    ],
    ['repeatedNextLink', SourceErrors.repeatedNextLink('https://api/x?skip=1'), 'Permanent'],
    ['downloadNoResponse', SourceErrors.downloadNoResponse(req, 30_000), 'Transient'],
    ['downloadBroke', SourceErrors.downloadBroke(req, 10, false, new TypeError('terminated')), 'Transient'],
    ['downloadShort', SourceErrors.downloadShort(req, 10, 20), 'Transient'],
  ])('%s is %s', (_name, error, tag) => {
    expect(error._tag).toBe(tag);
    expect(error.message).not.toMatch(/signature=|\?t=|\?skip=/);
  });

  it('NotYet carries the time to look again', () => {
    const at = new Date('2026-10-20T00:30:00Z');
    expect(SourceErrors.recordingNotYet('7', at)).toEqual({
      _tag: 'NotYet',
      message: 'contact 7: Media Playback has no recording yet; looking again after 2026-10-20T00:30:00.000Z',
      retryAt: at,
    });
  });

  it('names where the ref is wrong', () => {
    expect(SourceErrors.badRef('x')).toMatchObject({ path: 'ref.data.contactId' });
    expect(SourceErrors.noStartDate('7')).toMatchObject({ path: 'contactStartDate' });
  });

  it('tells a stalled download from a broken one', () => {
    expect(SourceErrors.downloadBroke(req, 5, true, new Error('aborted')).message).toBe(
      'GET https://media.example.com/f/1.wav: the recording download stalled after 5 bytes',
    );
    expect(SourceErrors.downloadBroke(req, 5, false, new TypeError('terminated')).message).toBe(
      'GET https://media.example.com/f/1.wav: the recording download broke after 5 bytes (terminated)',
    );
  });
});
