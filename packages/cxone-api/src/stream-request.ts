import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A request whose body is streamed from an async iterable with backpressure: the next chunk is read
 * only once the socket took the last one. Node's `fetch` does not keep to that for a streamed
 * request body (a 67 MiB body was found held in memory whole), so large uploads go through
 * `node:http(s)` instead; the answer is handed back as a fetch `Response`, so callers decode it as
 * any other. `init.signal` aborts the request and the body.
 */
export const streamRequest = (
  url: string,
  init: {
    readonly method: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: AsyncIterable<Uint8Array>;
    readonly signal?: AbortSignal;
  },
): Promise<Response> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: init.method,
      headers: init.headers,
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
    req.once('response', (res: IncomingMessage) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const status = res.statusCode ?? 0;
      const nullBody = status === 204 || status === 205 || status === 304 || init.method === 'HEAD';
      if (nullBody) res.resume();
      resolve(
        new Response(nullBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), {
          status,
          headers,
        }),
      );
    });
    req.once('error', reject);
    // An answer before the whole body was sent (a refusal) ends the upload; the answer still counts.
    pipeline(Readable.from(init.body, { objectMode: false }), req).catch(reject);
  });
