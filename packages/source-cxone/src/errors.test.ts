import { classifyResponse, type ErrorFamily } from '@cxarchive/cxone-api';
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
    ['repeatedNextLink', SourceErrors.repeatedNextLink('https://api/x?skip=1'), 'Permanent'],
    ['downloadNoResponse', SourceErrors.downloadNoResponse(req, 30_000), 'Transient'],
    ['downloadBroke', SourceErrors.downloadBroke(req, 10, false, new TypeError('terminated')), 'Transient'],
    [
      'recordingIncomplete (cut)',
      SourceErrors.recordingIncomplete(req, { problem: 'it ends inside the mdat box', transient: true }, 10),
      'Transient',
    ],
    [
      'recordingIncomplete (uncheckable)',
      SourceErrors.recordingIncomplete(
        req,
        { problem: 'its length cannot be checked', transient: false },
        10,
      ),
      'Permanent',
    ],
    ['unexpectedPartial', SourceErrors.unexpectedPartial(req), 'Transient'],
    ['playAnyMissing', SourceErrors.playAnyMissing({ _tag: 'Auth', message: 'GET x: HTTP 403' }), 'Auth'],
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

/**
 * CXone's error responses per API family (reference/cxone-api.md §7, GEN-MP `ErrorApiResponse` and
 * `ThrottlingApiResponse`, the token endpoint's OAuth body, ACD's `icStatusDescription` header,
 * storage-style media URLs), each mapped into the taxonomy by `@cxarchive/cxone-api`.
 */
describe('error decoding per API family', () => {
  const NOW = Date.parse('2026-11-01T00:00:00Z');
  const playback = {
    method: 'GET',
    url: 'https://api-na1.niceincontact.com/media-playback/v1/contacts?acd-call-id=7',
  };
  const media = { method: 'GET', url: 'https://media.example/media/files/a?signature=s3cr3t' };
  const token = { method: 'POST', url: 'https://cxone.niceincontact.com/auth/token' };
  const acd = {
    method: 'GET',
    url: 'https://api-na1.niceincontact.com/incontactapi/services/v29.0/contacts/completed',
  };
  const classify = (
    family: ErrorFamily,
    request: { method: string; url: string },
    status: number,
    body: unknown = '',
    headers: Record<string, string> = {},
  ) =>
    classifyResponse(
      family,
      request,
      {
        status,
        headers: new Headers(headers),
        bodyText: typeof body === 'string' ? body : JSON.stringify(body),
      },
      { nowMs: NOW },
    );

  it.each([
    [
      'media-playback 401 {internalCode, message}',
      'media-playback',
      401,
      { internalCode: 'Unauthorized', message: 'Invalid token' },
      'Auth',
    ],
    [
      'media-playback 403 (no "Play Any")',
      'media-playback',
      403,
      { internalCode: 'Forbidden', message: 'Access denied' },
      'Auth',
    ],
    [
      'media-playback 404 (no recording)',
      'media-playback',
      404,
      { internalCode: 'NotFound', message: 'No interactions' },
      'NotFound',
    ],
    [
      'media-playback 400',
      'media-playback',
      400,
      { internalCode: 'BadRequest', message: 'acd-call-id' },
      'InvalidInput',
    ],
    [
      'media-playback 500',
      'media-playback',
      500,
      { internalCode: 'InternalError', message: 'boom' },
      'Transient',
    ],
    ['media-playback 502 with an HTML body', 'media-playback', 502, '<html>Bad Gateway</html>', 'Transient'],
    ['media-playback 503', 'media-playback', 503, '', 'Transient'],
    [
      'auth 400 invalid_grant',
      'cxone-auth',
      400,
      { error: 'invalid_grant', error_description: 'bad user' },
      'Auth',
    ],
    [
      'auth 400 invalid_request',
      'cxone-auth',
      400,
      { error: 'invalid_request', error_description: 'grant_type' },
      'InvalidInput',
    ],
    ['auth 401 invalid_client', 'cxone-auth', 401, { error: 'invalid_client' }, 'Auth'],
    ['auth 500', 'cxone-auth', 500, '', 'Transient'],
    ['acd 401', 'cxone-acd', 401, '', 'Auth'],
    ['acd 404', 'cxone-acd', 404, '', 'NotFound'],
    ['acd 500', 'cxone-acd', 500, '', 'Transient'],
    ['media file 403 (expired signature)', 'media-file', 403, 'Request has expired', 'Auth'],
    ['media file 404 (deleted media)', 'media-file', 404, '', 'NotFound'],
    ['media file 410', 'media-file', 410, '', 'NotFound'],
    ['media file 500', 'media-file', 500, '', 'Transient'],
  ] as const)('%s is %s', (_name, family, status, body, tag) => {
    const request =
      family === 'media-playback'
        ? playback
        : family === 'media-file'
          ? media
          : family === 'cxone-auth'
            ? token
            : acd;
    const error = classify(family, request, status, body);
    expect(error._tag).toBe(tag);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).not.toContain('acd-call-id=7');
  });

  it('keeps each family’s own words: {internalCode, message}, {error, error_description}, icStatusDescription', () => {
    expect(
      classify('media-playback', playback, 404, {
        internalCode: 'NotFound',
        message: 'No interactions found',
      }).message,
    ).toMatch(/HTTP 404 NotFound: No interactions found$/);
    expect(
      classify('cxone-auth', token, 400, { error: 'invalid_grant', error_description: 'bad user' }).message,
    ).toMatch(/HTTP 400 invalid_grant: bad user$/);
    expect(classify('cxone-acd', acd, 400, '', { icStatusDescription: 'Invalid startDate' }).message).toMatch(
      /HTTP 400 Invalid startDate$/,
    );
    // A storage service's error body can echo the signed request: never read.
    expect(
      classify('media-file', media, 403, '<Error><StringToSign>s3cr3t</StringToSign></Error>').message,
    ).toBe('GET https://media.example/media/files/a: HTTP 403');
  });

  it('reads Media Playback throttling: 429 {message, route} with Retry-After in seconds or as a date', () => {
    const body = { message: 'Too Many Requests', route: '/media-playback/v1/contacts' };
    const seconds = classify('media-playback', playback, 429, body, { 'retry-after': '120' });
    expect(seconds).toMatchObject({ _tag: 'Throttled', retryAfterMs: 120_000, family: 'media-playback' });
    expect(seconds.message).toContain('Too Many Requests');
    const date = classify('media-playback', playback, 429, body, {
      'retry-after': new Date(NOW + 30_000).toUTCString(),
    });
    expect(date).toMatchObject({ _tag: 'Throttled', retryAfterMs: 30_000 });
    const none = classify('media-playback', playback, 429, body);
    expect(none._tag).toBe('Throttled');
    expect((none as { retryAfterMs?: number }).retryAfterMs).toBeUndefined();
    expect(classify('cxone-acd', acd, 429, '')).toMatchObject({ _tag: 'Throttled', family: 'cxone-acd' });
    // A media URL is storage, not a budgeted family.
    expect((classify('media-file', media, 429, '') as { family?: string }).family).toBeUndefined();
  });

  it('names the "Play Any" permission when Media Playback answers 403', () => {
    const error = SourceErrors.playAnyMissing(
      classify('media-playback', playback, 403, { internalCode: 'Forbidden', message: 'Access denied' }),
    );
    expect(error._tag).toBe('Auth');
    expect(error.message).toMatch(
      /HTTP 403 Forbidden: Access denied — the CXone API user needs the permission "Search & Playback > Player > Play\/download recordings: Play Any"/,
    );
  });
});
