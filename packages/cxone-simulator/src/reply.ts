import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { serialiseBody } from './raw-json.js';

/** Writes responses and reports the status the moment the head is written (for the request log). */
export interface Reply {
  json(status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
  text(status: number, body: string, headers?: OutgoingHttpHeaders): void;
  empty(status: number, headers?: OutgoingHttpHeaders): void;
  /** Streams a body; resolves when it is sent or the client went away. */
  stream(status: number, headers: OutgoingHttpHeaders, body: Readable): Promise<void>;
  readonly sent: boolean;
}

export interface ReplyOptions {
  /**
   * A connection-reset fault: after this many body bytes the connection is cut (the head, with the
   * full `Content-Length`, is sent first).
   */
  readonly cutAfterBytes?: number;
}

/** Writes `bytes`, then destroys the connection once they are flushed. */
const writeAndCut = (res: ServerResponse, bytes: Uint8Array): Promise<void> =>
  new Promise((resolve) => {
    const cut = () => {
      res.destroy();
      resolve();
    };
    if (bytes.length === 0) cut();
    else res.write(bytes, cut);
  });

/** Sends at most `limit` bytes of `body`, then cuts the connection. */
async function streamAndCut(res: ServerResponse, body: Readable, limit: number): Promise<void> {
  let sent = 0;
  try {
    for await (const chunk of body) {
      const part = (chunk as Buffer).subarray(0, limit - sent);
      sent += part.length;
      if (sent >= limit) {
        await writeAndCut(res, part);
        return;
      }
      await new Promise<void>((resolve) => res.write(part, () => resolve()));
    }
  } finally {
    body.destroy();
  }
  res.destroy();
}

export function createReply(
  res: ServerResponse,
  onHead: (status: number) => void,
  options: ReplyOptions = {},
): Reply {
  const cutAt = options.cutAfterBytes;
  const end = (payload: Buffer): void => {
    if (cutAt === undefined) res.end(payload);
    else void writeAndCut(res, payload.subarray(0, cutAt));
  };
  let sent = false;
  const head = (status: number, headers: OutgoingHttpHeaders): void => {
    if (sent) throw new Error('response already sent');
    sent = true;
    onHead(status);
    res.writeHead(status, headers);
  };
  return {
    get sent() {
      return sent;
    },
    json(status, body, headers = {}) {
      const payload = serialiseBody(body);
      head(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
        ...headers,
      });
      end(payload);
    },
    text(status, body, headers = {}) {
      const payload = Buffer.from(body);
      head(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': payload.length,
        ...headers,
      });
      end(payload);
    },
    empty(status, headers = {}) {
      head(status, status === 204 || status === 304 ? headers : { 'content-length': 0, ...headers });
      res.end();
    },
    async stream(status, headers, body) {
      head(status, headers);
      if (cutAt !== undefined) {
        await streamAndCut(res, body, cutAt);
        return;
      }
      try {
        await pipeline(body, res);
      } catch {
        // The client went away mid-stream; pipeline has destroyed both ends.
      }
    },
  };
}

/** The same reply, with every JSON body passed through `map` first (listing faults rewrite pages). */
export function mapJson(reply: Reply, map: (status: number, body: unknown) => unknown): Reply {
  return {
    get sent() {
      return reply.sent;
    },
    json: (status, body, headers) => reply.json(status, map(status, body), headers),
    text: (status, body, headers) => reply.text(status, body, headers),
    empty: (status, headers) => reply.empty(status, headers),
    stream: (status, headers, body) => reply.stream(status, headers, body),
  };
}
