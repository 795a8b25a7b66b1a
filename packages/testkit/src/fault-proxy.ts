import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

/** Faults on what the target sends back (the response direction), per connection. */
export interface TcpFaults {
  /** Delay before each chunk is passed on. */
  readonly latencyMs?: number;
  /** Reset the connection (RST) once this many response bytes were passed on. */
  readonly resetAfterBytes?: number;
  /** Flip every bit of the response byte at this offset (0-based, per connection). */
  readonly corruptByteAt?: number;
}

/** Answers instead of the target, for chosen requests (HTTP mode). */
export interface InjectedResponse {
  /** Which request, counting from 1 over the proxy's life. */
  readonly nth: number;
  /** Reset the connection (RST) instead of answering. */
  readonly reset?: boolean;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpFaults extends TcpFaults {
  readonly respond?: readonly InjectedResponse[];
  /**
   * Flip every bit of the request body byte at this offset (0-based, per request) on its way to the
   * target: what a store's body checksum (Content-MD5, a signed payload) must catch.
   */
  readonly corruptRequestByteAt?: number;
}

export interface FaultProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Replaces the faults for new connections (and, in HTTP mode, for new requests). */
  setFaults(faults: HttpFaults): void;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Requests seen so far (HTTP mode). */
  readonly requests: () => number;
  /** `METHOD /path?query` of every request seen so far, in order (HTTP mode; empty for TCP). */
  readonly log: () => readonly string[];
  stop(): Promise<void>;
}

/** Applies TcpFaults to a byte stream. */
const faulty = (faults: TcpFaults, onReset: () => void): Transform => {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let out = chunk;
      if (faults.corruptByteAt !== undefined) {
        const at = faults.corruptByteAt - passed;
        if (at >= 0 && at < out.length) {
          out = Buffer.from(out);
          out[at] = out[at]! ^ 0xff;
        }
      }
      if (faults.resetAfterBytes !== undefined && passed + out.length >= faults.resetAfterBytes) {
        const keep = Math.max(0, faults.resetAfterBytes - passed);
        passed += keep;
        if (keep > 0) this.push(out.subarray(0, keep));
        onReset();
        return callback();
      }
      passed += out.length;
      const go = () => callback(null, out);
      if (faults.latencyMs) setTimeout(go, faults.latencyMs);
      else go();
    },
  });
};

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

const close = (server: Server, sockets: Set<Socket>): Promise<void> =>
  new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });

/**
 * A TCP proxy on loopback in front of `target` that injects faults into what the target sends
 * back: latency, a reset after N bytes, a corrupted byte. Faults apply to connections opened after
 * `setFaults`. For tests only; it talks to loopback addresses only.
 */
export const startTcpFaultProxy = async (
  target: { host: string; port: number },
  faults: TcpFaults = {},
): Promise<FaultProxy> => {
  let current: TcpFaults = faults;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections++;
    sockets.add(client);
    const upstream = createConnection({ host: target.host, port: target.port });
    sockets.add(upstream);
    const reset = () => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(faulty(current, reset)).pipe(client);
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setFaults: (next) => {
      current = next;
    },
    connections: () => connections,
    requests: () => 0,
    log: () => [],
    stop: () => close(server, sockets),
  };
};

export interface HttpFaultProxyOptions {
  /**
   * Pass the client's `Host` header on as it came (the proxy's address) instead of the target's:
   * for clients that sign it (S3 SigV4), against a server that serves any host name.
   */
  readonly keepHost?: boolean;
}

/**
 * An HTTP proxy on loopback in front of `target`: answers chosen requests itself (a 503 for the
 * * second request, a 429 with Retry-After, a reset…) and passes the others through, with the TCP faults
 * applied to the response bodies (and `corruptRequestByteAt` to the request bodies). For tests only.
 */
export const startHttpFaultProxy = async (
  target: { host: string; port: number },
  faults: HttpFaults = {},
  options: HttpFaultProxyOptions = {},
): Promise<FaultProxy> => {
  let current: HttpFaults = faults;
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const log: string[] = [];
  const server = createHttpServer((req, res) => {
    requests++;
    log.push(`${req.method} ${req.url}`);
    const injected = current.respond?.find((r) => r.nth === requests);
    if (injected?.reset) {
      req.socket.resetAndDestroy();
      return;
    }
    if (injected) {
      req.resume();
      res.writeHead(injected.status ?? 500, { 'content-type': 'text/plain', ...injected.headers });
      res.end(injected.body ?? '');
      return;
    }
    const headers: IncomingHttpHeaders = options.keepHost
      ? req.headers
      : { ...req.headers, host: `${target.host}:${target.port}` };
    const upstream = httpRequest(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(faulty(current, () => res.socket?.resetAndDestroy())).pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    if (current.corruptRequestByteAt === undefined) req.pipe(upstream);
    else req.pipe(faulty({ corruptByteAt: current.corruptRequestByteAt }, () => undefined)).pipe(upstream);
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setFaults: (next) => {
      current = next;
    },
    connections: () => connections,
    requests: () => requests,
    log: () => [...log],
    stop: () => close(server, sockets),
  };
};
