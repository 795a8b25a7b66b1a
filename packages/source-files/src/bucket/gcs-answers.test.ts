import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsStore } from './gcs.js';
import type { ResolvedGcsBucket } from './options.js';

/**
 * What the GCS SDK makes of the answers real GCS gives that the storage emulator never does (it
 * checks no credentials, makes buckets on demand, never throttles): a loopback server answers the
 * listing with each status and the JSON API's error body, and the store's probe must classify it.
 */
let server: Server;
let answer: { status: number; body: unknown; headers?: Record<string, string> };
let endpoint: string;
const KEY_TEXT = 'a-service-account-key-that-must-not-show';

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const store = () =>
  gcsStore({
    store: 'gcs',
    bucket: 'outbox',
    prefix: 'in/',
    apiEndpoint: endpoint,
    projectId: 'p',
    listPageSize: 10,
  } satisfies ResolvedGcsBucket);

const probeError = async () => {
  try {
    await store().probe(new AbortController().signal);
  } catch (error) {
    return (error as { error: { _tag: string; message: string; path?: string; retryAfterMs?: number } })
      .error;
  }
  throw new Error('the probe did not fail');
};

const gcsError = (code: number, message: string, reason: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason }] },
});

describe('files source on GCS: the answers the emulator never gives', () => {
  it('maps 401 and 403 to Auth, without the message of the answer', async () => {
    answer = { status: 401, body: gcsError(401, `Invalid Credentials ${KEY_TEXT}`, 'authError') };
    const unauthorized = await probeError();
    expect(unauthorized._tag).toBe('Auth');
    expect(unauthorized.message).toContain('gcs bucket "outbox" prefix "in/"');
    expect(unauthorized.message).toContain('HTTP 401');
    expect(unauthorized.message).not.toContain(KEY_TEXT);
    answer = { status: 403, body: gcsError(403, 'denied', 'forbidden') };
    expect((await probeError())._tag).toBe('Auth');
  });

  it('maps a 404 of the listing to a missing bucket (InvalidInput on bucket)', async () => {
    answer = { status: 404, body: gcsError(404, 'The specified bucket does not exist.', 'notFound') };
    const error = await probeError();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'bucket' });
    expect(error.message).toContain('does not exist');
  });

  it('maps 429 to Throttled with its Retry-After, and 500 to Transient', async () => {
    answer = {
      status: 429,
      body: gcsError(429, 'slow down', 'rateLimitExceeded'),
      headers: { 'retry-after': '7' },
    };
    expect(await probeError()).toMatchObject({ _tag: 'Throttled', retryAfterMs: 7000 });
    answer = { status: 500, body: gcsError(500, 'backend', 'backendError') };
    expect((await probeError())._tag).toBe('Transient');
  });
});
