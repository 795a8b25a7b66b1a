import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type {
  Checksum,
  PluginError,
  PluginErrorTag,
  PutOptions,
  Result,
  ResultAsync,
  Sink,
} from '@cxarchive/core';
import { expect } from 'vitest';
import {
  checksumOf,
  checksumOfStream,
  createCompositeHasher,
  isChecksumAlgorithm,
} from './collect-checksum.js';

/** Helpers of the sink conformance cases. */

const describeError = (error: PluginError): string => `${error._tag}: ${error.message}`;

export const expectOk = async <T>(operation: string, result: ResultAsync<T, PluginError>): Promise<T> => {
  const settled: Result<T, PluginError> = await result;
  if (settled.isErr()) throw new Error(`${operation}: expected success, got ${describeError(settled.error)}`);
  return settled.value;
};

export const expectErr = async <T>(
  operation: string,
  result: ResultAsync<T, PluginError> | PromiseLike<Result<T, PluginError>>,
  tag?: PluginErrorTag,
): Promise<PluginError> => {
  const settled: Result<T, PluginError> = await result;
  if (settled.isOk()) throw new Error(`${operation}: expected ${tag ?? 'an error'}, but it succeeded`);
  if (tag !== undefined)
    expect(settled.error._tag, `${operation}: ${describeError(settled.error)}`).toBe(tag);
  return settled.error;
};

/**
 * Resolves with what `operation` resolves with, or rejects once `ms` have passed: a sink that
 * ignores a signal fails the case with `message` instead of hanging until the test timeout.
 */
export const settlesWithin = <T>(operation: PromiseLike<T>, ms: number, message: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (waited ${ms} ms)`)), ms);
  });
  return Promise.race([Promise.resolve(operation), late]).finally(() => clearTimeout(timer));
};

/** A signal that never aborts, for operations the case does not cancel. */
export const live = (): AbortSignal => new AbortController().signal;

/** The signal of an operation that was cancelled before it started. */
export const alreadyAborted = (): AbortSignal => AbortSignal.abort(new Error('conformance: cancelled'));

export const putOptions = (overrides: Partial<PutOptions> = {}): PutOptions => ({
  signal: live(),
  contentType: 'application/octet-stream',
  metadata: {},
  ...overrides,
});

export const bytesBody = (bytes: Buffer): Readable =>
  Readable.from(bytes.length > 0 ? [bytes] : [], { objectMode: false });

/** A body that records whether anyone ever asked it for data. */
export const watchedBody = (): { body: Readable; wasRead(): boolean } => {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(Buffer.from('must not be read'));
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
};

/** The sink's preferred checksum algorithm, checked to be one core defines. */
export const preferredAlgorithm = (sink: Sink) => {
  expect(Array.isArray(sink.checksums), 'the sink declares `checksums`').toBe(true);
  const [first] = sink.checksums;
  expect(first, 'the sink declares at least one checksum algorithm').toBeDefined();
  for (const algorithm of sink.checksums)
    expect(isChecksumAlgorithm(algorithm), `declared checksum ${algorithm} is one core defines`).toBe(true);
  return first!;
};

/**
 * Checks a checksum a store reported against the bytes sent: in `algorithm` when given (the
 * sink's first declared one for `Stored`), lowercase hex, equal to the hash of the bytes.
 */
export const expectChecksumOf = (
  what: string,
  reported: Checksum | undefined,
  expected: Checksum,
  algorithm: string | undefined = expected.algorithm,
): void => {
  expect(reported, `${what}: a checksum is reported`).toBeDefined();
  expect(reported?.algorithm, `${what}: the checksum is in the sink's first declared algorithm`).toBe(
    algorithm,
  );
  expect(reported?.value, `${what}: the checksum is lowercase hex`).toMatch(/^[0-9a-f]+$/);
  expect(reported?.value, `${what}: the checksum is the hash of the bytes sent`).toBe(expected.value);
};

/** The bytes a checksum is checked against: a buffer, or a factory of the same stream each time. */
export type ChecksumSource = Buffer | (() => Readable);

/**
 * The checksum of `source` in the form `reported` takes: the whole-object digest, or (when the
 * store reported `parts`) the composite over parts of the sink's `checksumPartSize`.
 */
const inReportedForm = async (
  what: string,
  sink: Sink,
  reported: Checksum,
  source: ChecksumSource,
): Promise<Checksum> => {
  if (reported.parts === undefined)
    return Buffer.isBuffer(source)
      ? checksumOf(reported.algorithm, source)
      : (await checksumOfStream(source(), reported.algorithm)).checksum;
  const partSize = sink.checksumPartSize;
  expect(partSize, `${what}: a composite checksum (parts) needs the sink's checksumPartSize`).toBeDefined();
  const hasher = createCompositeHasher(reported.algorithm, partSize!);
  for await (const chunk of Buffer.isBuffer(source) ? [source] : source()) hasher.update(chunk as Buffer);
  return hasher.digest();
};

/**
 * Checks a checksum a store reported against the bytes sent, in whichever form the store gives
 * (whole, or a composite over the sink's parts, as S3 reports a multipart object): in `algorithm`
 * when given (the sink's first declared one for `Stored`).
 */
export const expectChecksumOfBytes = async (
  what: string,
  sink: Sink,
  reported: Checksum | undefined,
  source: ChecksumSource,
  algorithm?: string,
): Promise<void> => {
  expect(reported, `${what}: a checksum is reported`).toBeDefined();
  const expected = await inReportedForm(what, sink, reported!, source);
  expectChecksumOf(what, reported, expected, algorithm ?? expected.algorithm);
  expect(reported?.parts, `${what}: the number of parts`).toBe(expected.parts);
};

/** Like `expectChecksumOfBytes` for a checksum in any algorithm (what `head` may report). */
export const expectChecksumMatches = async (
  what: string,
  sink: Sink,
  reported: Checksum,
  bytes: Buffer,
): Promise<void> => {
  expect(isChecksumAlgorithm(reported.algorithm), `${what}: ${reported.algorithm} is a core algorithm`).toBe(
    true,
  );
  await expectChecksumOfBytes(what, sink, reported, bytes);
};

/** Memory the process holds: the JS heap plus Buffer/ArrayBuffer memory (which lives outside it). */
const memoryInUse = (): number => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

let collectGarbage: (() => void) | undefined;

/**
 * A full garbage collection, so what is measured is what is still held, not garbage waiting to be
 * collected (V8 lets tens of MiB of dead Buffers pile up). Uses `gc` when node runs with
 * `--expose-gc`, else turns the flag on at run time.
 */
const fullGc = (): void => {
  if (collectGarbage === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collectGarbage = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    }
  }
  collectGarbage();
};

/**
 * Tracks how much more memory is held while work runs than before it started: `sample()` collects
 * garbage and measures (the body calls it every `everyBytes` it hands out); `stop()` measures once
 * more and returns the peak growth in bytes. A loose measure ("does not grow with the body"), never
 * a timing.
 */
export const memoryWatch = (): { sample(): void; stop(): Promise<number> } => {
  fullGc();
  const baseline = memoryInUse();
  let peak = baseline;
  // A collection frees a Buffer's memory in a callback that may run a turn later (more so on a
  // busy machine): the body samples on a turn of its own, and the last measure waits a turn.
  const measure = (): void => {
    fullGc();
    peak = Math.max(peak, memoryInUse());
  };
  return {
    sample: () => {
      fullGc();
      measure();
    },
    stop: async () => {
      fullGc();
      await new Promise((resolve) => setImmediate(resolve));
      measure();
      return peak - baseline;
    },
  };
};
