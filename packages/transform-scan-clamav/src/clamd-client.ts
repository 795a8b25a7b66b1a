import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * A client for clamd's socket protocol (clamd(8)): `zINSTREAM` streams the bytes as chunks, each a
 * 4-byte big-endian length then the data, ended by a zero length; clamd answers one NUL-terminated
 * line: `stream: OK`, `stream: <signature> FOUND`, `INSTREAM size limit exceeded. ERROR` (past
 * its StreamMaxLength) or `<message> ERROR`. `zVERSION` answers `ClamAV <engine>[/<db>/<date>]`.
 */

/** Where clamd listens: its unix socket (LocalSocket), or host and port (TCPSocket). */
export type ClamdAddress = { readonly socket: string } | { readonly host: string; readonly port: number };

export type Verdict = { readonly clean: true } | { readonly clean: false; readonly signature: string };

export type ClamdFailure =
  /** Could not connect, or the connection broke before an answer. */
  | 'unreachable'
  /** No connection in time, or no answer in time. */
  | 'timeout'
  /** clamd refused the stream as longer than its StreamMaxLength. */
  | 'sizeLimit'
  /** clamd answered `… ERROR`. */
  | 'error'
  /** An answer that is none of the above. */
  | 'protocol'
  | 'cancelled'
  /** The bytes to scan failed while being read: `cause` is the stream's own error. */
  | 'source';

export class ClamdError extends Error {
  readonly kind: ClamdFailure;
  constructor(kind: ClamdFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClamdError';
    this.kind = kind;
  }
}

export interface ClamdCallOptions {
  readonly signal: AbortSignal;
  /** Most time to connect. */
  readonly connectTimeoutMs: number;
  /** Most time for the whole call, from connecting to the answer. */
  readonly timeoutMs: number;
}

/** clamd's own limit on a chunk is its StreamMaxLength; 64 KiB keeps each write small. */
export const CHUNK_BYTES = 64 * 1024;
/** An answer is one short line; anything longer is not clamd. */
const MAX_ANSWER_BYTES = 4096;

export const describeAddress = (address: ClamdAddress): string =>
  'socket' in address ? `unix:${address.socket}` : `${address.host}:${address.port}`;

/** Parses an INSTREAM answer (without its NUL). */
export const parseScanAnswer = (answer: string): Verdict | ClamdError => {
  if (answer === 'stream: OK') return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(answer);
  if (found) return { clean: false, signature: found[1]! };
  if (answer.startsWith('INSTREAM size limit exceeded'))
    return new ClamdError('sizeLimit', `clamd refused the stream: ${answer}`);
  if (answer.endsWith('ERROR')) return new ClamdError('error', `clamd answered: ${answer}`);
  return new ClamdError(
    'protocol',
    `clamd answered something unexpected: ${JSON.stringify(answer.slice(0, 200))}`,
  );
};

/**
 * One call on a fresh connection: `talk` writes the command (and a body), the answer is read up to
 * its NUL. Settles once: on the answer, on a failure, on a timeout or on an abort, and the socket is
 * destroyed whatever happens. An answer that arrives while the body is still being written (clamd
 * stops reading past StreamMaxLength) wins over the write failing.
 */
const call = (
  address: ClamdAddress,
  options: ClamdCallOptions,
  talk: (socket: Socket, settled: AbortSignal) => Promise<void>,
): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    const where = describeAddress(address);
    const done = new AbortController();
    const socket = 'socket' in address ? connect(address.socket) : connect(address.port, address.host);
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: { answer: string } | { error: ClamdError }) => {
      if (done.signal.aborted) return;
      done.abort();
      for (const timer of timers) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if ('answer' in outcome) resolve(outcome.answer);
      else reject(outcome.error);
    };
    const answered = () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf(0);
      return (end === -1 ? all : all.subarray(0, end)).toString('utf8').trim();
    };
    const onAbort = () => finish({ error: new ClamdError('cancelled', 'the scan was cancelled') });
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    timers.push(
      setTimeout(() => {
        if (!connected)
          finish({
            error: new ClamdError(
              'timeout',
              `clamd at ${where}: no connection after ${options.connectTimeoutMs} ms`,
            ),
          });
      }, options.connectTimeoutMs),
      setTimeout(
        () =>
          finish({
            error: new ClamdError('timeout', `clamd at ${where}: no answer after ${options.timeoutMs} ms`),
          }),
        options.timeoutMs,
      ),
    );
    socket.on('connect', () => {
      connected = true;
      talk(socket, done.signal).catch((error: unknown) => {
        if (error instanceof ClamdError) finish({ error });
        // A failed write: clamd closed its end. Its answer (if any) comes with 'end'.
      });
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (chunk.includes(0)) finish({ answer: answered() });
      else if (received > MAX_ANSWER_BYTES)
        finish({
          error: new ClamdError(
            'protocol',
            `clamd at ${where}: an answer longer than ${MAX_ANSWER_BYTES} bytes`,
          ),
        });
    });
    socket.on('end', () => {
      if (received > 0) finish({ answer: answered() });
      else
        finish({
          error: new ClamdError('unreachable', `clamd at ${where} closed the connection without an answer`),
        });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A write that fails because clamd already answered and closed: let the answer decide.
      if (received > 0) return finish({ answer: answered() });
      const code = error.code === undefined ? '' : ` (${error.code})`;
      if (connected && (error.code === 'EPIPE' || error.code === 'ECONNRESET'))
        return finish({
          error: new ClamdError(
            'unreachable',
            `clamd at ${where} closed the connection while receiving the stream${code}, without an answer (clamd does so past its StreamMaxLength, or when it stops)`,
            { cause: error },
          ),
        });
      finish({
        error: new ClamdError('unreachable', `clamd at ${where} is unreachable${code}: ${error.message}`, {
          cause: error,
        }),
      });
    });
    socket.on('close', () => {
      if (received > 0) finish({ answer: answered() });
      else
        finish({
          error: new ClamdError('unreachable', `clamd at ${where} closed the connection without an answer`),
        });
    });
  });

/**
 * Writes `data`, waiting for the socket to drain when its buffer is full (bounded memory). Each
 * write first lets the event loop read what clamd sent: past its StreamMaxLength clamd answers and
 * closes at once, and a write into the closed socket (EPIPE) would destroy it, and its unread
 * answer with it.
 */
const write = async (socket: Socket, data: Buffer, settled: AbortSignal): Promise<void> => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (settled.aborted) throw new Error('settled');
  if (!socket.write(data)) await once(socket, 'drain', { signal: settled });
};

const lengthOf = (n: number): Buffer => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(n);
  return header;
};

/**
 * Streams `body` to clamd with INSTREAM and returns its verdict. Holds one chunk at a time: the next
 * is read only when the socket has taken the last. `body` is destroyed once the call is over,
 * whether it was read to its end or not.
 */
export const scanStream = async (
  address: ClamdAddress,
  body: Readable,
  options: ClamdCallOptions,
): Promise<Verdict> => {
  try {
    const answer = await call(address, options, async (socket, settled) => {
      await write(socket, Buffer.from('zINSTREAM\0', 'latin1'), settled);
      try {
        for await (const chunk of body) {
          const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
          for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
            const piece = bytes.subarray(at, at + CHUNK_BYTES);
            await write(socket, Buffer.concat([lengthOf(piece.length), piece]), settled);
          }
        }
      } catch (error) {
        if (settled.aborted) return;
        // The body's own failure; a failed write instead is left to the socket's events.
        if (body.errored)
          throw new ClamdError('source', 'the bytes to scan failed while being read', {
            cause: body.errored,
          });
        throw error;
      }
      await write(socket, lengthOf(0), settled);
    });
    const verdict = parseScanAnswer(answer);
    if (verdict instanceof ClamdError) throw verdict;
    return verdict;
  } finally {
    if (!body.destroyed) body.destroy();
  }
};

/** Asks clamd its version: `ClamAV 1.4.6/27474/Sat Nov 29 09:24:02 2026` (the database part only with official databases). */
export const clamdVersion = async (address: ClamdAddress, options: ClamdCallOptions): Promise<string> => {
  const answer = await call(address, options, (socket, settled) =>
    write(socket, Buffer.from('zVERSION\0', 'latin1'), settled),
  );
  if (!answer.startsWith('ClamAV '))
    throw new ClamdError('protocol', `clamd answered VERSION with ${JSON.stringify(answer.slice(0, 200))}`);
  return answer;
};
