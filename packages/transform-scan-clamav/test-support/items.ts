import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { type Item, okAsync, type PluginError, type ResultAsync } from '@cxarchive/core';

/** An attach-flow item (as validate-media leaves it) whose `file` artifact is opened by `open`. */
export const attachItem = (
  fileName: string,
  open: (signal: AbortSignal) => ResultAsync<Readable, PluginError>,
): Item => ({
  id: `attach/${fileName}`,
  occurredAt: new Date('2026-11-30T10:00:00Z'),
  record: {
    target: { threadId: 'thread-77', channelId: 'chat_9f2c' },
    file: { name: fileName },
    validation: { mimeType: 'application/pdf', extension: 'pdf', size: 0, sha256: '0'.repeat(64) },
  },
  artifacts: [{ name: 'file', open }],
});

/** An item whose file is `bytes`, served in chunks of `chunk` bytes. */
export const bytesItem = (fileName: string, bytes: Buffer, chunk = 16 * 1024): Item =>
  attachItem(fileName, () => {
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += chunk) parts.push(bytes.subarray(at, at + chunk));
    return okAsync(Readable.from(parts, { objectMode: false }));
  });

/** A small one-page PDF, `size` bytes long at least (padded with a comment), with `inside` in it. */
export const pdfWith = (inside: Buffer = Buffer.alloc(0), size = 0, at?: number): Buffer => {
  const head = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%', 'latin1');
  const tail = Buffer.from('\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
  const fill = Math.max(0, size - head.length - tail.length - inside.length);
  const padding = Buffer.alloc(fill, 0x2e);
  const where = Math.min(Math.max(0, (at ?? 0) - head.length), fill);
  return Buffer.concat([head, padding.subarray(0, where), inside, padding.subarray(where), tail]);
};

/**
 * A stream of `size` bytes made on demand in 64 KiB chunks, counting what its consumer took
 * (`produced`) and whether it was ended (`destroyed`).
 */
export const countingStream = (size: number) => {
  let produced = 0;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (produced >= size) return void this.push(null);
      const length = Math.min(64 * 1024, size - produced);
      produced += length;
      this.push(Buffer.alloc(length, 0x41));
    },
  });
  return { stream, produced: () => produced, destroyed: () => stream.destroyed };
};

/** A TCP server on loopback that plays a broken clamd: `behave` gets each connection. */
export const fakeClamd = async (
  behave: (socket: Socket) => void,
): Promise<{ port: number; server: Server; close(): Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
