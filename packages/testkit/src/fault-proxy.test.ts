import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startHttpFaultProxy, startTcpFaultProxy } from './fault-proxy.js';

const BODY = Buffer.alloc(256 * 1024, 7);
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-length': String(BODY.length) });
  res.end(BODY);
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** GET through the proxy: status and body, or the error that cut it. */
const get = (
  proxy: FaultProxy,
): Promise<{ status?: number; body: Buffer; error?: string; headers?: Record<string, unknown> }> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const req = request(`${proxy.url}/x`, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }),
      );
      res.on('error', (e) =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks), error: e.message }),
      );
    });
    req.on('error', (e) => resolve({ body: Buffer.concat(chunks), error: e.message }));
    req.end();
  });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each([
  ['tcp', startTcpFaultProxy],
  ['http', startHttpFaultProxy],
] as const)('the %s fault proxy', (_mode, start) => {
  it('passes bytes through unchanged without faults, and with latency', async () => {
    const proxy = await start({ host: '127.0.0.1', port });
    expect(sha((await get(proxy)).body)).toBe(sha(BODY));
    proxy.setFaults({ latencyMs: 1 });
    const slow = await get(proxy);
    expect(slow.status).toBe(200);
    expect(sha(slow.body)).toBe(sha(BODY));
    await proxy.stop();
  });

  it('resets the connection after N bytes: the client gets an error and no more than N bytes', async () => {
    const proxy = await start({ host: '127.0.0.1', port }, { resetAfterBytes: 50_000 });
    const cut = await get(proxy);
    expect(cut.error).toBeDefined();
    expect(cut.body.length).toBeLessThanOrEqual(50_000);
    await proxy.stop();
  });

  it('corrupts the byte at an offset', async () => {
    const proxy = await start({ host: '127.0.0.1', port }, { corruptByteAt: 1000 });
    const got = await get(proxy);
    expect(got.body.length).toBe(BODY.length);
    expect(sha(got.body)).not.toBe(sha(BODY));
    await proxy.stop();
  });
});

describe('the http fault proxy', () => {
  it('corrupts the request body byte at an offset on its way to the target', async () => {
    const seen: string[] = [];
    const echo = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(sha(Buffer.concat(chunks)));
        res.end();
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as { port: number }).port;
    const proxy = await startHttpFaultProxy(
      { host: '127.0.0.1', port: echoPort },
      { corruptRequestByteAt: 70_000 },
    );
    const post = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(`${proxy.url}/x`, { method: 'PUT', agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(BODY);
      });
    await post();
    proxy.setFaults({});
    await post();
    expect(seen[0]).not.toBe(sha(BODY));
    expect(seen[1]).toBe(sha(BODY));
    await proxy.stop();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('answers the Nth request itself (a 503, a 429 with Retry-After) and passes the others', async () => {
    const proxy = await startHttpFaultProxy(
      { host: '127.0.0.1', port },
      {
        respond: [
          { nth: 2, status: 503 },
          { nth: 3, status: 429, headers: { 'retry-after': '7' } },
        ],
      },
    );
    const answers = [await get(proxy), await get(proxy), await get(proxy), await get(proxy)];
    expect(answers.map((a) => a.status)).toEqual([200, 503, 429, 200]);
    expect(answers[2]!.headers?.['retry-after']).toBe('7');
    expect(proxy.requests()).toBe(4);
    expect(proxy.log()).toEqual(['GET /x', 'GET /x', 'GET /x', 'GET /x']);
    await proxy.stop();
  });
});
