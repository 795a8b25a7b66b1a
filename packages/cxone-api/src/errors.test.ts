import { SecretScrubber } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import {
  abortedError,
  bodyReadError,
  classifyResponse,
  errorFromResponse,
  networkError,
  unexpectedBody,
} from './errors.js';

const NOW = Date.parse('2026-10-10T12:00:00Z');
const acdReq = {
  method: 'GET',
  url: 'https://api-na1.niceincontact.com/incontactapi/services/v29.0/contacts/completed?updatedSince=2026&skip=0',
};
const tokenReq = { method: 'POST', url: 'https://cxone.niceincontact.com/auth/token' };
const mediaReq = {
  method: 'GET',
  url: 'https://api-na1.niceincontact.com/media-playback/v1/contacts?acd-call-id=1&media-type=voice-only',
};
const fileReq = { method: 'GET', url: 'https://media.example.com/f/1.wav?expires=1&signature=deadbeef' };

const facts = (status: number, bodyText = '', headers: Record<string, string> = {}) => ({
  status,
  headers: new Headers(headers),
  bodyText,
});

describe('token endpoint {error, error_description}', () => {
  it('maps invalid_client (401) to Auth with the description', () => {
    const e = classifyResponse(
      'cxone-auth',
      tokenReq,
      facts(
        401,
        JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' }),
      ),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('Auth');
    expect(e.message).toBe(
      'POST https://cxone.niceincontact.com/auth/token: HTTP 401 invalid_client: Client authentication failed',
    );
  });

  it('maps invalid_grant (400: wrong access key) to Auth, not InvalidInput', () => {
    const e = classifyResponse(
      'cxone-auth',
      tokenReq,
      facts(400, JSON.stringify({ error: 'invalid_grant' })),
      {
        nowMs: NOW,
      },
    );
    expect(e._tag).toBe('Auth');
    expect(e.message).toContain('invalid_grant');
  });

  it('maps other 400s (unsupported_grant_type) to InvalidInput', () => {
    const e = classifyResponse(
      'cxone-auth',
      tokenReq,
      facts(400, JSON.stringify({ error: 'unsupported_grant_type' })),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('InvalidInput');
  });

  it('maps a 503 with an error code to Transient', () => {
    const e = classifyResponse(
      'cxone-auth',
      tokenReq,
      facts(503, JSON.stringify({ error: 'invalid_client' })),
      {
        nowMs: NOW,
      },
    );
    expect(e._tag).toBe('Transient');
  });
});

describe('ACD API (icStatusDescription header)', () => {
  it('maps 401 to Auth with the header text and no query string', () => {
    const e = classifyResponse(
      'cxone-acd',
      acdReq,
      facts(401, '', { icStatusDescription: 'Invalid token' }),
      {
        nowMs: NOW,
      },
    );
    expect(e).toEqual({
      _tag: 'Auth',
      message:
        'GET https://api-na1.niceincontact.com/incontactapi/services/v29.0/contacts/completed: HTTP 401 Invalid token',
    });
  });

  it('maps 500 to Transient and 400 to InvalidInput', () => {
    expect(classifyResponse('cxone-acd', acdReq, facts(500), { nowMs: NOW })._tag).toBe('Transient');
    const bad = classifyResponse(
      'cxone-acd',
      acdReq,
      facts(400, '', { icStatusDescription: 'Invalid updatedSince' }),
      { nowMs: NOW },
    );
    expect(bad._tag).toBe('InvalidInput');
    expect(bad.message).toContain('Invalid updatedSince');
  });

  it('maps 406 (Accept not JSON) to InvalidInput', () => {
    const e = classifyResponse(
      'cxone-acd',
      acdReq,
      facts(406, '', { icStatusDescription: 'No known way to render data' }),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('InvalidInput');
  });

  it('maps 429 with Retry-After seconds to Throttled with the delay', () => {
    const e = classifyResponse('cxone-acd', acdReq, facts(429, '', { 'Retry-After': '7' }), { nowMs: NOW });
    expect(e).toMatchObject({ _tag: 'Throttled', retryAfterMs: 7000 });
  });

  it('maps 429 with an HTTP-date Retry-After against the injected clock', () => {
    const e = classifyResponse(
      'cxone-acd',
      acdReq,
      facts(429, '', { 'Retry-After': new Date(NOW + 12_000).toUTCString() }),
      { nowMs: NOW },
    );
    expect(e).toMatchObject({ _tag: 'Throttled', retryAfterMs: 12_000 });
  });

  it('maps 429 without Retry-After to Throttled without a delay', () => {
    const e = classifyResponse('cxone-acd', acdReq, facts(429), { nowMs: NOW });
    expect(e._tag).toBe('Throttled');
    expect(e).not.toHaveProperty('retryAfterMs');
  });
});

describe('Media Playback {internalCode, message}', () => {
  it('maps 404 to NotFound with the body text', () => {
    const e = classifyResponse(
      'media-playback',
      mediaReq,
      facts(404, JSON.stringify({ internalCode: 'NotFound', message: 'No interactions found' })),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('NotFound');
    expect(e.message).toBe(
      'GET https://api-na1.niceincontact.com/media-playback/v1/contacts: HTTP 404 NotFound: No interactions found',
    );
  });

  it('maps 403 (missing Play Any permission) to Auth', () => {
    const e = classifyResponse(
      'media-playback',
      mediaReq,
      facts(403, JSON.stringify({ internalCode: 'Forbidden', message: 'no permission' })),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('Auth');
  });

  it('maps the throttling body {message, route} to Throttled', () => {
    const e = classifyResponse(
      'media-playback',
      mediaReq,
      facts(429, JSON.stringify({ message: 'Too Many Requests', route: '/media-playback' })),
      { nowMs: NOW },
    );
    expect(e._tag).toBe('Throttled');
    expect(e.message).toContain('Too Many Requests');
  });

  it('falls back to the status when the body is not the documented shape', () => {
    const e = classifyResponse('media-playback', mediaReq, facts(502, '<html>Bad gateway</html>'), {
      nowMs: NOW,
    });
    expect(e).toEqual({
      _tag: 'Transient',
      message: 'GET https://api-na1.niceincontact.com/media-playback/v1/contacts: HTTP 502',
    });
  });
});

describe('the export and digital families, each in its own body shape', () => {
  const api = 'https://api-na1.niceincontact.com';
  const dfo = 'https://api-de-na1.niceincontact.com/dfo/3.0';

  it('media-download {code, message}: 404 NOT_FOUND is NotFound, 400 INVALID_REQUEST InvalidInput, 500 Transient', () => {
    const req = { method: 'GET', url: `${api}/media-download/v1/status/r-1` };
    const e = classifyResponse(
      'media-download',
      req,
      facts(404, JSON.stringify({ code: 'NOT_FOUND', message: 'no such request' })),
      { nowMs: NOW },
    );
    expect(e).toMatchObject({
      _tag: 'NotFound',
      message: expect.stringMatching(/HTTP 404 NOT_FOUND: no such request$/),
    });
    expect(
      classifyResponse(
        'media-download',
        req,
        facts(400, '{"code":"INVALID_REQUEST","message":"too many entityIds"}'),
        { nowMs: NOW },
      ),
    ).toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringMatching(/INVALID_REQUEST: too many entityIds/),
    });
    expect(
      classifyResponse('media-download', req, facts(500, '{"code":"SQS_PUBLISH_FAILED","message":"x"}'), {
        nowMs: NOW,
      })._tag,
    ).toBe('Transient');
  });

  it('Data Extraction {message} (top level or under error), and a 429 is Throttled for the family with its delay', () => {
    const req = { method: 'POST', url: `${api}/data-extraction/v1/jobs` };
    expect(
      classifyResponse('data-extraction', req, facts(400, '{"message":"range over 14 days"}'), { nowMs: NOW })
        .message,
    ).toMatch(/HTTP 400 range over 14 days$/);
    expect(
      classifyResponse('data-extraction', req, facts(400, '{"error":{"message":"bad entity"}}'), {
        nowMs: NOW,
      }).message,
    ).toMatch(/HTTP 400 bad entity$/);
    expect(
      classifyResponse('data-extraction', req, facts(429, '', { 'retry-after': '30' }), { nowMs: NOW }),
    ).toMatchObject({
      _tag: 'Throttled',
      family: 'data-extraction',
      retryAfterMs: 30_000,
    });
  });

  it('Business Data gives a status only: 400 (a field not defined) is InvalidInput, 403 (no Update Business Data) Auth, 404 NotFound', () => {
    const req = { method: 'PUT', url: `${api}/business-data-manager/v1/business-data/contact/7` };
    expect(classifyResponse('business-data', req, facts(400), { nowMs: NOW })).toMatchObject({
      _tag: 'InvalidInput',
      message: `PUT ${api}/business-data-manager/v1/business-data/contact/7: HTTP 400`,
    });
    expect(classifyResponse('business-data', req, facts(403), { nowMs: NOW })._tag).toBe('Auth');
    expect(classifyResponse('business-data', req, facts(404), { nowMs: NOW })._tag).toBe('NotFound');
  });

  it('DFO {errors:[{field, message, errorCode}]}: every error named, the field and code kept', () => {
    const req = { method: 'POST', url: `${dfo}/channels/chat_1/outbound` };
    const body = JSON.stringify({
      errors: [
        { field: 'attachments[0].url', message: 'Attachment expired', errorCode: 'AttachmentExpired' },
        { message: 'Second problem' },
      ],
      uid: 'u-1',
    });
    expect(classifyResponse('dfo', req, facts(400, body), { nowMs: NOW })).toMatchObject({
      _tag: 'InvalidInput',
      message: `POST ${dfo}/channels/chat_1/outbound: HTTP 400 AttachmentExpired attachments[0].url Attachment expired; Second problem`,
    });
    expect(classifyResponse('dfo', req, facts(503, 'not json'), { nowMs: NOW })).toMatchObject({
      _tag: 'Transient',
      message: `POST ${dfo}/channels/chat_1/outbound: HTTP 503`,
    });
  });
});

describe('media-file (signed media URLs): status only', () => {
  it('never repeats the body (it can echo the signed request) nor the query string', async () => {
    const res = new Response(
      '<Error><Code>SignatureDoesNotMatch</Code><StringToSign>signature=deadbeef</StringToSign></Error>',
      { status: 403 },
    );
    const e = await errorFromResponse('media-file', fileReq, res, { nowMs: NOW });
    expect(e).toEqual({ _tag: 'Auth', message: 'GET https://media.example.com/f/1.wav: HTTP 403' });
    expect(e.message).not.toContain('deadbeef');
  });

  it('maps 404 to NotFound', () => {
    expect(classifyResponse('media-file', fileReq, facts(404), { nowMs: NOW })._tag).toBe('NotFound');
  });
});

describe('errorFromResponse', () => {
  it('reads the family body from a real Response', async () => {
    const res = new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'bad key' }), {
      status: 400,
    });
    const e = await errorFromResponse('cxone-auth', tokenReq, res, { nowMs: NOW });
    expect(e).toEqual({
      _tag: 'Auth',
      message: 'POST https://cxone.niceincontact.com/auth/token: HTTP 400 invalid_grant: bad key',
    });
  });

  it('reduces URLs inside a body message to origin and path', async () => {
    const res = new Response(
      JSON.stringify({ internalCode: 'Gone', message: 'see https://x.example/f.wav?signature=abc now' }),
      { status: 410 },
    );
    const e = await errorFromResponse('media-playback', mediaReq, res, { nowMs: NOW });
    expect(e.message).toContain('see https://x.example/f.wav now');
    expect(e.message).not.toContain('signature');
  });

  it('bounds a huge body message', async () => {
    const res = new Response(JSON.stringify({ internalCode: 'X', message: 'y'.repeat(100_000) }), {
      status: 500,
    });
    const e = await errorFromResponse('media-playback', mediaReq, res, { nowMs: NOW });
    expect(e._tag).toBe('Transient');
    expect(e.message.length).toBeLessThan(500);
  });
});

describe('failures without a response', () => {
  it('maps a timeout to Transient', () => {
    const cause = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const e = networkError(acdReq, cause, 30_000);
    expect(e._tag).toBe('Transient');
    expect(e.message).toBe(
      'GET https://api-na1.niceincontact.com/incontactapi/services/v29.0/contacts/completed: timed out after 30000 ms',
    );
  });

  it('maps a refused connection to Transient with its code', () => {
    const cause = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const e = networkError(fileReq, cause);
    expect(e).toEqual({
      _tag: 'Transient',
      message: 'GET https://media.example.com/f/1.wav: network error (ECONNREFUSED)',
    });
  });

  it('maps an unparsable success body to Permanent and a broken one to Transient', () => {
    expect(bodyReadError(acdReq, new SyntaxError('Unexpected token'))._tag).toBe('Permanent');
    expect(bodyReadError(acdReq, new TypeError('terminated'))._tag).toBe('Transient');
    expect(unexpectedBody(acdReq, 'no completedContacts array').message).toContain(
      'no completedContacts array',
    );
  });
});

describe('secrets in error details: scrubbed before they are cut to length', () => {
  const secret = 'access-key-secret-value-0123456789';

  it('scrubs a secret that the 300-character cut would have split', () => {
    const scrubber = new SecretScrubber();
    scrubber.add(secret);
    const body = JSON.stringify({
      error: 'invalid_grant',
      error_description: `${'x'.repeat(270)} ${secret}`,
    });
    const e = classifyResponse('cxone-auth', tokenReq, facts(400, body), { nowMs: NOW, scrubber });
    expect(e._tag).toBe('Auth');
    expect(e.message).toContain('[redacted]');
    for (let n = 4; n <= secret.length; n++) expect(e.message).not.toContain(secret.slice(0, n));
  });

  it('cuts a long detail after scrubbing, and never leaves a bearer token prefix', async () => {
    const token = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ tenantId: 'x'.repeat(400) })).toString('base64url')}.sig`;
    const res = new Response(JSON.stringify({ internalCode: 'X', message: `${'y'.repeat(250)} ${token}` }), {
      status: 500,
    });
    const e = await errorFromResponse('media-playback', mediaReq, res, { nowMs: NOW });
    expect(e.message).not.toContain('eyJ');
    expect(e.message.endsWith('[redacted]')).toBe(true);
  });

  it('scrubs the icStatusDescription header of the ACD API', () => {
    const scrubber = new SecretScrubber();
    scrubber.add(secret);
    const e = classifyResponse(
      'cxone-acd',
      acdReq,
      facts(400, '', { icStatusDescription: `bad ${secret}` }),
      {
        nowMs: NOW,
        scrubber,
      },
    );
    expect(e.message).toContain('bad [redacted]');
  });
});

describe('Throttled carries the family', () => {
  it.each(['cxone-auth', 'cxone-acd', 'media-playback'] as const)('%s', (family) => {
    const e = classifyResponse(family, acdReq, facts(429, '', { 'Retry-After': '2' }), { nowMs: NOW });
    expect(e).toEqual({ _tag: 'Throttled', message: expect.any(String), retryAfterMs: 2000, family });
  });

  it('but not for a signed media URL, which is no budgeted family', () => {
    const e = classifyResponse('media-file', fileReq, facts(429), { nowMs: NOW });
    expect(e).toEqual({ _tag: 'Throttled', message: 'GET https://media.example.com/f/1.wav: HTTP 429' });
  });
});

describe('abortedError', () => {
  it('is a Transient naming the request without its query string', () => {
    expect(abortedError(fileReq)).toEqual({
      _tag: 'Transient',
      message: 'GET https://media.example.com/f/1.wav: aborted',
    });
  });
});
