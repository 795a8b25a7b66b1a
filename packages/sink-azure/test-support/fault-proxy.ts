import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with the next requests: pass them to Azurite, or answer with a fault. */
export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'status'; readonly status: number; readonly code: string; readonly retryAfter?: string }
  | { readonly kind: 'reset' };

/**
 * An HTTP proxy on loopback in front of Azurite that can answer with a 5xx/429 (with
 * x-ms-error-code and Retry-After, as Azure does) or reset the connection, so the sink meets
 * those answers through the real SDK. `fault` applies to every request until changed.
 */
export const startFaultProxy = async (
  target: URL,
): Promise<{ url: string; fault: Fault; close(): Promise<void> }> => {
  const state: { url: string; fault: Fault; close(): Promise<void> } = {
    url: '',
    fault: { kind: 'pass' },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const fault = state.fault;
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, {
        'x-ms-error-code': fault.code,
        'content-type': 'application/xml',
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`,
      );
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}${target.pathname}`;
  const close = state.close;
  state.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return state;
};
