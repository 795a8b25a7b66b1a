import { describe, expect, it } from 'vitest';
import { cancelled, mapGcsError, statusOf, unprotected } from './errors.js';

// Each mapping of mapGcsError on the shapes the SDK throws: an ApiError (`code` is the HTTP status,
// `response.headers` a plain object or a fetch `Headers`). requests.test.ts checks the same mappings
// end to end through the SDK against an HTTP server of our own.
const apiError = (code: number, message: string, headers?: Record<string, string> | Headers) =>
  Object.assign(new Error(message), { code, response: { status: code, headers: headers ?? {} } });

const map = (error: unknown) => mapGcsError(error, 'putting p/a.bin', 'cx-bucket');

describe('mapGcsError', () => {
  it('404 "bucket does not exist" → InvalidInput naming the bucket', () => {
    const mapped = map(apiError(404, 'The specified bucket does not exist.'));
    expect(mapped).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(mapped.message).toContain('"cx-bucket"');
  });
  it('404 for an object → NotFound', () => {
    expect(map(apiError(404, 'No such object: cx-bucket/p/a.bin'))._tag).toBe('NotFound');
  });
  it.each([401, 403])('%i → Auth', (status) => {
    expect(map(apiError(status, 'denied'))._tag).toBe('Auth');
  });
  it('412 → AlreadyExists', () => {
    expect(map(apiError(412, 'At least one of the pre-conditions you specified did not hold.'))._tag).toBe(
      'AlreadyExists',
    );
  });
  it('429 → Throttled with Retry-After (plain headers and fetch Headers)', () => {
    expect(map(apiError(429, 'slow down', { 'retry-after': '3' }))).toMatchObject({
      _tag: 'Throttled',
      retryAfterMs: 3000,
    });
    expect(map(apiError(429, 'slow down', new Headers({ 'Retry-After': '2' })))).toMatchObject({
      _tag: 'Throttled',
      retryAfterMs: 2000,
    });
    const bare = map(apiError(429, 'slow down'));
    expect(bare._tag).toBe('Throttled');
    expect(bare).not.toHaveProperty('retryAfterMs');
  });
  it.each([500, 502, 503, 504, 408])('%i → Transient', (status) => {
    expect(map(apiError(status, 'Backend Error'))._tag).toBe('Transient');
  });
  it('a network error (no status) → Transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(statusOf(refused)).toBeUndefined();
    expect(map(refused)._tag).toBe('Transient');
  });
  it('400 refusing object retention (a bucket without object retention) → InvalidInput naming the bucket', () => {
    const mapped = map(apiError(400, 'Object retention is not enabled for this bucket.'));
    expect(mapped).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(mapped.message).toContain('"cx-bucket"');
    expect(mapped.message).toContain('object retention enabled');
  });
  it('another 4xx → InvalidInput', () => {
    expect(map(apiError(400, 'Invalid argument.'))._tag).toBe('InvalidInput');
  });
  it('an object stored without the protection asked for is Permanent, naming what is missing', () => {
    const error = unprotected('putting p/a.bin', 'the event-based hold');
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('p/a.bin');
    expect(error.message).toContain('the event-based hold');
  });
  it('a cancellation is Transient', () => {
    expect(cancelled('putting p/a.bin')).toMatchObject({ _tag: 'Transient' });
  });
});
