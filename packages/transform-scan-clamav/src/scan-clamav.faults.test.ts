import type { Socket } from 'node:net';
import { errAsync, okAsync, PluginErrors } from '@cxarchive/core';
import { stallingStream } from '@cxarchive/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { attachItem, bytesItem, countingStream, fakeClamd, pdfWith } from '../test-support/items.js';
import { createScanClamav, parseScanAnswer, scanClamavOf } from './index.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const serve = async (behave: (socket: Socket) => void) => {
  const server = await fakeClamd(behave);
  servers.push(server);
  return server;
};

const scanOn = (port: number, timeoutMs = 500) =>
  createScanClamav({ address: { host: '127.0.0.1', port }, connectTimeoutMs: 1000, timeoutMs });

describe('clamd answers', () => {
  test.each([
    ['stream: OK', { clean: true }],
    ['stream: Win.Test.EICAR_HDB-1 FOUND', { clean: false, signature: 'Win.Test.EICAR_HDB-1' }],
    ['stream: Sig With Spaces FOUND', { clean: false, signature: 'Sig With Spaces' }],
  ])('%s', (answer, verdict) => {
    expect(parseScanAnswer(answer)).toEqual(verdict);
  });
  test.each([
    ['INSTREAM size limit exceeded. ERROR', 'sizeLimit'],
    ["Can't allocate memory ERROR", 'error'],
    ['UNKNOWN COMMAND', 'protocol'],
    ['stream: OKAY', 'protocol'],
  ])('%s is a failure (%s), never a verdict', (answer, kind) => {
    expect(parseScanAnswer(answer)).toMatchObject({ name: 'ClamdError', kind });
  });
});

describe('a scanner that misbehaves never lets a file through', () => {
  test('one that takes the stream and never answers times out (transient)', async () => {
    const { port } = await serve((socket) => socket.resume());
    const error = (
      await scanOn(port, 300).apply(bytesItem('a.pdf', pdfWith()), new AbortController().signal)
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(/^clamd at 127\.0\.0\.1:\d+: no answer after 300 ms/);
  });

  test('one that stops reading holds the upload: the file is read no further than the socket takes', async () => {
    const { port } = await serve((socket) => socket.pause());
    const body = countingStream(100 * 1024 * 1024);
    const error = (
      await scanOn(port, 1500).apply(
        attachItem('big.wav', () => okAsync(body.stream)),
        new AbortController().signal,
      )
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    // Bounded by the kernel's socket buffers and one chunk, not by the file.
    expect(body.produced()).toBeLessThan(16 * 1024 * 1024);
    expect(body.destroyed()).toBe(true);
  });

  test.each([
    [
      'an ERROR',
      'Database reload in progress. ERROR\0',
      /clamd answered: Database reload in progress\. ERROR/,
    ],
    ['no answer at all, closing', '', /closed the connection without an answer/],
    ['something else', 'HELLO\0', /something unexpected: "HELLO"/],
  ])('one that answers %s is transient', async (_, answer, pattern) => {
    const { port } = await serve((socket) => {
      socket.once('data', () => socket.end(answer));
    });
    const error = (
      await scanOn(port).apply(bytesItem('a.pdf', pdfWith()), new AbortController().signal)
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(pattern);
  });

  test('one that drops the connection mid-stream without an answer is transient, and the file is not read on', async () => {
    const { port } = await serve((socket) => {
      let taken = 0;
      socket.on('data', (chunk) => {
        taken += chunk.length;
        if (taken > 256 * 1024) socket.destroy();
      });
    });
    const body = countingStream(64 * 1024 * 1024);
    const error = (
      await scanOn(port, 5000).apply(
        attachItem('big.wav', () => okAsync(body.stream)),
        new AbortController().signal,
      )
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(/closed the connection/);
    expect(body.destroyed()).toBe(true);
    expect(body.produced()).toBeLessThan(64 * 1024 * 1024);
  });

  test('what it receives is INSTREAM framing: the command, length-prefixed chunks, a zero-length end', async () => {
    const received: Buffer[] = [];
    let connections = 0;
    const { port } = await serve((socket) => {
      // The first connection is the scan (a second one asks VERSION, unanswered here).
      if (connections++ > 0) return;
      socket.on('data', (chunk) => {
        received.push(chunk);
        const all = Buffer.concat(received);
        if (all.length >= 4 && all.subarray(-4).equals(Buffer.alloc(4))) socket.end('stream: OK\0');
      });
    });
    const file = pdfWith(Buffer.alloc(0), 150_000);
    expect(
      (await scanOn(port).apply(bytesItem('a.pdf', file, 100_000), new AbortController().signal)).isOk(),
    ).toBe(true);
    const all = Buffer.concat(received);
    expect(all.subarray(0, 10).toString('latin1')).toBe('zINSTREAM\0');
    const payload: Buffer[] = [];
    let at = 10;
    for (;;) {
      const length = all.readUInt32BE(at);
      at += 4;
      if (length === 0) break;
      expect(length).toBeLessThanOrEqual(64 * 1024);
      payload.push(all.subarray(at, at + length));
      at += length;
    }
    expect(at).toBe(all.length);
    expect(Buffer.concat(payload).equals(file)).toBe(true);
  });

  test('an artifact that cannot be opened passes its error on, and nothing is scanned', async () => {
    let connections = 0;
    const { port } = await serve(() => {
      connections++;
    });
    const item = attachItem('gone.pdf', () => errAsync(PluginErrors.notFound('gone.pdf: no such file')));
    const error = (await scanOn(port).apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'NotFound' });
    expect(connections).toBe(0);
  });
});

describe('options', () => {
  const context = { baseDir: '/srv/tenant', now: () => new Date() };
  test('socket and host together are refused', () => {
    const error = scanClamavOf({ socket: '/run/clamd.ctl', host: '127.0.0.1' }, context)._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'socket' });
  });
  test('a relative socket resolves against the pipeline file, and is named in errors', async () => {
    const transform = scanClamavOf(
      { socket: 'run/none.sock', connectTimeout: '1s' },
      context,
    )._unsafeUnwrap();
    const error = (
      await transform.apply(bytesItem('a.pdf', pdfWith()), new AbortController().signal)
    )._unsafeUnwrapErr();
    expect(error.message).toContain('clamd at unix:/srv/tenant/run/none.sock is unreachable');
  });
});

describe('a file stream that stalls', () => {
  test('the scan times out and the stream is ended', async () => {
    const { port } = await serve((socket) => socket.resume());
    const stalled = stallingStream(200_000);
    const error = (
      await scanOn(port, 400).apply(
        attachItem('a.pdf', () => okAsync(stalled.stream)),
        new AbortController().signal,
      )
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(/no answer after 400 ms/);
    expect(stalled.stream.destroyed).toBe(true);
  });
});

describe('the version', () => {
  test('a clamd slow to tell its version does not hold a clean file for the whole timeout', async () => {
    let connections = 0;
    const { port } = await serve((socket) => {
      // The scan is answered; VERSION never is.
      if (connections++ === 0)
        socket.on('data', (chunk) => {
          if (chunk.subarray(-4).equals(Buffer.alloc(4))) socket.end('stream: OK\0');
        });
    });
    // With a 60 s scan timeout, VERSION gives up after 5 s: this test's own 20 s limit would fail otherwise.
    const answer = (
      await scanOn(port, 60_000).apply(bytesItem('a.pdf', pdfWith()), new AbortController().signal)
    )._unsafeUnwrap();
    expect(answer !== null && 'record' in answer ? answer.record.scan : undefined).toEqual({
      engine: 'clamav',
      clean: true,
    });
  }, 20_000);
});
