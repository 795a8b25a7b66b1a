import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Writes responses and reports the status the moment the head is written (for the request log). */
export interface Reply {
  json(status: number, body: unknown, headers?: OutgoingHttpHeaders): void;
  text(status: number, body: string, headers?: OutgoingHttpHeaders): void;
  empty(status: number, headers?: OutgoingHttpHeaders): void;
  /** Streams a body; resolves when it is sent or the client went away. */
  stream(status: number, headers: OutgoingHttpHeaders, body: Readable): Promise<void>;
  readonly sent: boolean;
}

export function createReply(res: ServerResponse, onHead: (status: number) => void): Reply {
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
      const payload = Buffer.from(JSON.stringify(body));
      head(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
        ...headers,
      });
      res.end(payload);
    },
    text(status, body, headers = {}) {
      const payload = Buffer.from(body);
      head(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': payload.length,
        ...headers,
      });
      res.end(payload);
    },
    empty(status, headers = {}) {
      head(status, status === 204 || status === 304 ? headers : { 'content-length': 0, ...headers });
      res.end();
    },
    async stream(status, headers, body) {
      head(status, headers);
      try {
        await pipeline(body, res);
      } catch {
        // The client went away mid-stream; pipeline has destroyed both ends.
      }
    },
  };
}
