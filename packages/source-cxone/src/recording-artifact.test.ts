import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ok, PluginFailure } from '@cxarchive/core';
import { afterEach, describe, expect, it } from 'vitest';
import { live } from '../test-support/context.js';
import { wavOf } from '../test-support/media-bodies.js';
import { MediaLink } from './media-link.js';
import { createRecordingArtifact } from './recording-artifact.js';

/** A real HTTP server on loopback, scripted per test: the download goes over a real socket. */
const servers: Server[] = [];
const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

const artifact = (url: string, timeoutMs = 5000, contentType?: string, size?: number) =>
  createRecordingArtifact({
    name: 'recording.bin',
    ...(contentType === undefined ? {} : { contentType }),
    ...(size === undefined ? {} : { size }),
    link: new MediaLink({
      url: `${url}/f/a.wav?signature=s3cr3t`,
      obtainedAtMs: Date.now(),
      renewUrl: async () => ok(`${url}/f/a.wav?signature=fresh`),
      now: () => new Date(),
      timeoutMs,
      maxUrlAgeMs: 120_000,
    }),
    timeoutMs,
    scrub: (error) => error,
  });

/** Consumes a stream the way the runtime does (pipeline into a sink); resolves with what failed it. */
const drain = async (stream: NodeJS.ReadableStream): Promise<{ bytes: number; failure: unknown }> => {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  const failure = await pipeline(stream, sink).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { bytes, failure };
};

describe('a recording download over a real connection', () => {
  it('destroys the stream with PluginFailure(Transient) when the server cuts the body after N bytes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': 100_000 });
      res.write(wavOf(99_956).subarray(0, 40_000), () => res.socket?.destroy());
    });
    const stream = (await artifact(url).open(live()))._unsafeUnwrap();
    const { bytes, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(PluginFailure);
    const error = (failure as PluginFailure).error;
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/f\/a\.wav: the recording download broke after 40000 bytes/,
    );
    expect(error.message).not.toContain('s3cr3t');
    expect(bytes).toBe(40_000);
  });

  it('destroys the stream with PluginFailure(Transient) when the body stalls for the request timeout', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': 100_000 });
      res.write(wavOf(99_956).subarray(0, 1000)); // …and nothing more
    });
    const stream = (await artifact(url, 100).open(live()))._unsafeUnwrap();
    const { failure } = await drain(stream);
    expect((failure as PluginFailure).error).toMatchObject({ _tag: 'Transient' });
    expect((failure as PluginFailure).message).toContain('stalled after 1000 bytes');
  });

  it('streams a whole body that matches its Content-Length', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': 300_044 });
      res.end(wavOf(300_000));
    });
    const { bytes, failure } = await drain(
      (await artifact(url, 5000, 'audio/wav').open(live()))._unsafeUnwrap(),
    );
    expect(failure).toBeUndefined();
    expect(bytes).toBe(300_044);
  });

  it('fails Transient, before the end is passed on, when a body without Content-Length is closed after 100 000 bytes; the next attempt, whole, succeeds', async () => {
    const whole = wavOf(3_600_000);
    let attempt = 0;
    const url = await serve((_req, res) => {
      attempt += 1;
      res.writeHead(200, { 'content-type': 'audio/wav' }); // chunked: no Content-Length
      if (attempt === 1)
        res.end(whole.subarray(0, 100_000)); // a clean end, no transport error
      else res.end(whole);
    });
    const recording = artifact(url, 5000, 'audio/wav');
    let ended = false;
    const first = (await recording.open(live()))._unsafeUnwrap();
    first.once('end', () => {
      ended = true;
    });
    const cut = await drain(first);
    expect(cut.failure).toBeInstanceOf(PluginFailure);
    const error = (cut.failure as PluginFailure).error;
    expect(error._tag).toBe('Transient');
    expect(error.message).toMatch(
      /the recording is not whole after 100000 bytes: it ends inside the "data" chunk: 100000 of 3600044 bytes$/,
    );
    expect(ended).toBe(false);
    const second = await drain((await recording.open(live()))._unsafeUnwrap());
    expect(second.failure).toBeUndefined();
    expect(second.bytes).toBe(whole.length);
  });

  it('fails Transient when the body ends short of the size the server gave earlier (no Content-Length now)', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(5000, 1));
    });
    const { failure } = await drain(
      (await artifact(url, 5000, undefined, 6000).open(live()))._unsafeUnwrap(),
    );
    expect((failure as PluginFailure).error).toMatchObject({ _tag: 'Transient' });
    expect((failure as PluginFailure).message).toContain('it ended after 5000 of 6000 bytes');
  });

  it('refuses (Permanent) a body of a format it cannot check whose length nothing gives', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(Buffer.alloc(5000, 0xff));
    });
    const { failure } = await drain((await artifact(url, 5000, 'audio/mpeg').open(live()))._unsafeUnwrap());
    expect((failure as PluginFailure).error).toMatchObject({ _tag: 'Permanent' });
    expect((failure as PluginFailure).message).toContain('its length cannot be checked');
  });

  it('fails Transient when the content type promises MP4 and the body is something else', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mp4', 'content-length': 1044 });
      res.end(wavOf(1000));
    });
    const { failure, bytes } = await drain(
      (await artifact(url, 5000, 'audio/mp4').open(live()))._unsafeUnwrap(),
    );
    expect((failure as PluginFailure).message).toContain(
      'its content type promises MP4 but the body is not one',
    );
    expect(bytes).toBe(0);
  });

  it('destroys the stream and closes the connection when the signal aborts mid-body', async () => {
    let serverSawClose: (() => void) | undefined;
    const closed = new Promise<void>((resolve) => {
      serverSawClose = resolve;
    });
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const timer = setInterval(() => res.write(Buffer.alloc(1024, 3)), 5);
      res.on('close', () => {
        clearInterval(timer);
        serverSawClose?.();
      });
    });
    const controller = new AbortController();
    const stream = (await artifact(url).open(controller.signal))._unsafeUnwrap();
    stream.once('data', () => controller.abort());
    stream.resume();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(stream.destroyed).toBe(true);
    expect(stream.errored).toBeNull();
    await closed; // the server saw the client go away: the connection was released
  });

  it('fails open() as aborted, sending nothing, when the signal has already aborted', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests += 1;
      res.end();
    });
    const controller = new AbortController();
    controller.abort();
    const error = (await artifact(url).open(controller.signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Transient' });
    expect(error.message).toMatch(/: aborted$/);
    expect(requests).toBe(0);
  });
});
