// A real webhook receiver on a loopback port (http, or https with a certificate made by openssl
// for the test), recording every request and answering as the test scripts it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** What to do with request number `n` (from 1): a status (and headers), or hang without answering. */
export type Reply =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly delayMs?: number }
  | 'hang';

export interface Receiver {
  readonly port: number;
  /** `http://127.0.0.1:port` (or the https/::1 form). */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests arrived. */
  waitFor(count: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  readonly reply?: (n: number, request: ReceivedRequest) => Reply;
  readonly host?: '127.0.0.1' | '::1';
  readonly tls?: { readonly key: string; readonly cert: string };
}

export const startReceiver = async (options: ReceiverOptions = {}): Promise<Receiver> => {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging = new Set<http.ServerResponse>();
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const reply = options.reply?.(requests.length, request) ?? { status: 204 };
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      const send = () => {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end();
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  return {
    port,
    origin: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    waitFor: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** A self-signed certificate for `localhost`, `lake.test` and 127.0.0.1, made by openssl. */
export const selfSignedCertificate = (): { key: string; cert: string; certFile: string } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-webhook-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,DNS:lake.test,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
};

/** Standard Webhooks secrets for tests (whsec_ + base64 of 32 bytes), distinct by `n`. */
export const testSecret = (n: number): string => `whsec_${Buffer.alloc(32, n + 1).toString('base64')}`;
