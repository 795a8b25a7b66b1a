import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPORT_FILE_PATH } from './media-download-url.js';
import { MEDIA_FILE_PATH } from './routes/media-files.js';

/**
 * The media origin: a second listener (another port) that serves the signed media file URLs and
 * export files (Data Extraction results, media-download archives) and nothing else, as real `fileToPlayUrl`s point at a storage host rather than the API host
 * (reference/cxone-fidelity.md §2.7, finding 6). Media requests go to the simulator's own request
 * handler (so the request log and faults see them); anything else is a plain 404 here, and the API
 * origin refuses media paths (routes/media-files.ts).
 */
export interface MediaOrigin {
  /** 'http://127.0.0.1:PORT' of the media listener. */
  readonly url: string;
  close(): Promise<void>;
}

const originOf = (address: AddressInfo): string =>
  address.family === 'IPv6'
    ? `http://[${address.address}]:${address.port}`
    : `http://${address.address}:${address.port}`;

export async function listenMediaOrigin(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<MediaOrigin> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (MEDIA_FILE_PATH.test(path) || EXPORT_FILE_PATH.test(path)) {
      handle(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 9 });
    res.end('Not Found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const listening =
    address.address === '0.0.0.0'
      ? { ...address, address: '127.0.0.1' }
      : address.address === '::'
        ? { ...address, address: '::1' }
        : address;
  let closing: Promise<void> | undefined;
  return {
    url: originOf(listening),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
