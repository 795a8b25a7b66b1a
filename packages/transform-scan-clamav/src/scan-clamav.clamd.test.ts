import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Dropped, type Item, okAsync, PluginErrors, PluginFailure } from '@cxarchive/core';
import {
  CLAMD_CUSTOM_SIGNATURE,
  CLAMD_EICAR_SIGNATURE,
  type Clamd,
  clamdCustomMarker,
  clamdUnavailable,
  eicarTestFile,
  failingStream,
  startClamd,
} from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachItem, bytesItem, countingStream, pdfWith } from '../test-support/items.js';
import { CHUNK_BYTES, createScanClamav, type ScanSettings } from './index.js';

const unavailable = clamdUnavailable();

/** The record of a transform's answer that kept the item. */
const recordOf = (answer: Item | Dropped | null) => {
  if (answer === null || !('record' in answer)) throw new Error('the item was dropped');
  return answer.record;
};
const suite = unavailable === undefined ? describe : describe.skip;

suite(`scan-clamav against a real clamd${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  let clamd: Clamd;
  let scratch: string;
  beforeAll(async () => {
    // StreamMaxLength 1M so the size limit is reached with a small stream.
    clamd = await startClamd({ streamMaxLength: '1M' });
    scratch = await mkdtemp(path.join(tmpdir(), 'scan-clamav-'));
  }, 600_000);
  afterAll(async () => {
    await clamd?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const bySocket = (): ScanSettings => ({
    address: { socket: clamd.socket },
    connectTimeoutMs: 5000,
    timeoutMs: 30_000,
  });
  const byTcp = (): ScanSettings => ({
    address: { host: clamd.host, port: clamd.port },
    connectTimeoutMs: 5000,
    timeoutMs: 30_000,
  });
  const scan = (settings: ScanSettings, item = bytesItem('form.pdf', pdfWith())) =>
    createScanClamav(settings).apply(item, new AbortController().signal);

  test.each([
    ['unix socket', bySocket],
    ['TCP', byTcp],
  ])('a clean file passes over the %s, with the engine and its version recorded', async (_, settings) => {
    const record = recordOf(
      (await scan(settings(), bytesItem('form.pdf', pdfWith(Buffer.alloc(0), 300_000))))._unsafeUnwrap(),
    );
    expect(record.scan).toEqual({
      engine: 'clamav',
      clean: true,
      version: expect.stringMatching(/^ClamAV \d+\.\d+/),
    });
    // The record is otherwise unchanged.
    expect(record.target).toEqual({ threadId: 'thread-77', channelId: 'chat_9f2c' });
  });

  test('the EICAR test file is refused with the signature name', async () => {
    const error = (await scan(bySocket(), bytesItem('eicar.pdf', eicarTestFile())))._unsafeUnwrapErr();
    expect(error).toEqual({ _tag: 'InvalidInput', message: `malware: ${CLAMD_EICAR_SIGNATURE}` });
  });

  test('a custom signature is found deep in a file, across a chunk boundary', async () => {
    // The marker straddles the boundary between two INSTREAM chunks (and two chunks of the body).
    const infected = pdfWith(clamdCustomMarker(), 400_000, CHUNK_BYTES * 3 - 10);
    const error = (await scan(byTcp(), bytesItem('form.pdf', infected, 50_000)))._unsafeUnwrapErr();
    expect(error).toEqual({ _tag: 'InvalidInput', message: `malware: ${CLAMD_CUSTOM_SIGNATURE}` });
    // The same bytes without the marker are clean.
    const clean = pdfWith(Buffer.alloc(clamdCustomMarker().length, 0x2e), 400_000, CHUNK_BYTES * 3 - 10);
    expect((await scan(byTcp(), bytesItem('form.pdf', clean, 50_000))).isOk()).toBe(true);
  });

  test.each([
    ['unix socket', bySocket],
    ['TCP', byTcp],
  ])(
    "a file over clamd's StreamMaxLength is refused as too large to scan (%s), and is not read to its end",
    async (_, settings) => {
      const body = countingStream(20 * 1024 * 1024);
      const error = (
        await scan(
          settings(),
          attachItem('big.wav', () => okAsync(body.stream)),
        )
      )._unsafeUnwrapErr();
      expect(error.message).toMatch(/^too large to scan: .*StreamMaxLength/);
      expect(error._tag).toBe('InvalidInput');
      expect(body.destroyed()).toBe(true);
      expect(body.produced()).toBeLessThan(20 * 1024 * 1024);
    },
  );

  test("a stream that fails mid-way fails the item with the stream's error; clamd is none the worse", async () => {
    const failure = new PluginFailure(PluginErrors.transient('read ECONNRESET from the bucket'));
    const item = attachItem('form.pdf', () => okAsync(failingStream(300_000, failure)));
    const error = (await scan(bySocket(), item))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Transient', message: 'read ECONNRESET from the bucket' });
    expect((await scan(bySocket())).isOk()).toBe(true);
  });

  test('an abort mid-scan fails transient and ends the stream', async () => {
    const body = countingStream(50 * 1024 * 1024);
    const controller = new AbortController();
    body.stream.on('data', () => {
      if (body.produced() > 256 * 1024) controller.abort();
    });
    const result = await createScanClamav(bySocket()).apply(
      attachItem('big.wav', () => okAsync(body.stream)),
      controller.signal,
    );
    expect(result._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Transient',
      message: 'scan-clamav was cancelled',
    });
    expect(body.destroyed()).toBe(true);
  });

  test('a scanner that is down fails transient (never passes the file), and scans again once it is back', async () => {
    const transform = createScanClamav(bySocket());
    const tcp = createScanClamav(byTcp());
    const file = () => bytesItem('form.pdf', pdfWith());
    await clamd.kill();
    try {
      const down = (await transform.apply(file(), new AbortController().signal))._unsafeUnwrapErr();
      expect(down._tag).toBe('Transient');
      expect(down.message).toMatch(
        /^clamd at unix:.* is unreachable \((ENOENT|ECONNREFUSED)\).*will be tried again$/,
      );
      const refused = (await tcp.apply(file(), new AbortController().signal))._unsafeUnwrapErr();
      expect(refused._tag).toBe('Transient');
      expect(refused.message).toMatch(/is unreachable \(ECONNREFUSED\)/);
      // An infected file is not let through while the scanner is down either.
      const eicar = (
        await transform.apply(bytesItem('e.pdf', eicarTestFile()), new AbortController().signal)
      )._unsafeUnwrapErr();
      expect(eicar._tag).toBe('Transient');
    } finally {
      await clamd.start();
    }
    // The same transform instances, retried as the runtime would: clean passes, EICAR is refused.
    expect(
      recordOf((await transform.apply(file(), new AbortController().signal))._unsafeUnwrap()).scan,
    ).toMatchObject({
      clean: true,
    });
    expect((await tcp.apply(file(), new AbortController().signal)).isOk()).toBe(true);
    const eicar = (
      await transform.apply(bytesItem('e.pdf', eicarTestFile()), new AbortController().signal)
    )._unsafeUnwrapErr();
    expect(eicar.message).toBe(`malware: ${CLAMD_EICAR_SIGNATURE}`);
  });

  test('a socket path where no clamd listens is transient and names the socket', async () => {
    const missing = path.join(scratch, 'no-clamd.sock');
    const error = (
      await scan({ address: { socket: missing }, connectTimeoutMs: 1000, timeoutMs: 5000 })
    )._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toContain(`clamd at unix:${missing} is unreachable (ENOENT)`);
  });
});
