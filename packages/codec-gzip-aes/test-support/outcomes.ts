import { expect } from 'vitest';
import type { DecodeOutcome } from './helpers.js';

/** Asserts a Permanent stream failure and returns how many plaintext bytes came out before it. */
export const streamFailure = (outcome: DecodeOutcome, message: RegExp, plaintext: Buffer): number => {
  if (outcome.ok || outcome.stage !== 'stream')
    throw new Error(`expected a stream failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.error._tag).toBe('Permanent');
  expect(outcome.error.message).toMatch(message);
  // Whatever came out before the failure is authenticated plaintext: a prefix of the original.
  expect(outcome.emitted.equals(plaintext.subarray(0, outcome.emitted.length))).toBe(true);
  return outcome.emitted.length;
};

/** Asserts a failure of the decode result (before any plaintext) with this tag and message. */
export const headerFailure = (outcome: DecodeOutcome, tag: string, message: RegExp): void => {
  if (outcome.ok || outcome.stage !== 'header')
    throw new Error(`expected a header failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.error._tag).toBe(tag);
  expect(outcome.error.message).toMatch(message);
};

export const withByte = (bytes: Buffer, offset: number, value: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[offset] = value;
  return copy;
};

export const flip = (bytes: Buffer, offset: number): Buffer =>
  withByte(bytes, offset, (bytes[offset] ?? 0) ^ 0x01);

export const join = (...pieces: Buffer[]): Buffer => Buffer.concat(pieces);
