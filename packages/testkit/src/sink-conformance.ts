import type { Sink } from '@cxarchive/core';
import { describe, it } from 'vitest';
import { collect } from './collect.js';
import { generatedStream } from './generated-stream.js';
import {
  abortedSignalCase,
  boundedMemoryCase,
  cancelMidBodyCase,
  checksumCase,
  concurrentCreateCase,
  createOnlyCase,
  emptyObjectCase,
  failingBodyCases,
  getMissingCase,
  headAfterPutCase,
  headMissingCase,
  hostileKeyCases,
  metadataCase,
  nestedKeyCase,
  physicalKeyCase,
  roundTripLarge,
  roundTripSmall,
} from './sink-conformance-cases.js';

export type SinkConformanceCaseId =
  | 'round-trip'
  | 'checksum'
  | 'physical-key'
  | 'empty-object'
  | 'head-missing'
  | 'head-after-put'
  | 'get-missing'
  | 'create-only'
  | 'concurrent-create'
  | 'failing-body'
  | 'cancel-mid-body'
  | 'aborted-signal'
  | 'metadata'
  | 'hostile-key'
  | 'nested-key'
  | 'bounded-memory';

/** What a case knows of the sink under test beyond the `Sink` itself. */
export interface SinkConformanceEnv {
  /** The prefix the sink puts before every key: `Stored.key` must be `prefix + key`. Default ''. */
  readonly prefix?: string;
}

export interface SinkConformanceCase {
  readonly id: SinkConformanceCaseId;
  readonly title: string;
  /** Resolves when the sink conforms; rejects with an assertion error naming what broke. */
  run(sink: Sink, env?: SinkConformanceEnv): Promise<void>;
}

export interface SinkConformanceOptions {
  /** Size of the generated body of the large round trip. Default 1 MiB. */
  readonly largeBodySize?: number;
  /** Size of the body of the `bounded-memory` case. Default 64 MiB. */
  readonly boundedMemoryBodySize?: number;
  /**
   * How long an operation may take to settle once its signal aborted, in ms, before the case fails
   * (instead of hanging until the test timeout). Default 10 000.
   */
  readonly abortSettleMs?: number;
  /** Timeout of each case in milliseconds. Default: vitest's `testTimeout`. */
  readonly timeoutMs?: number;
  /**
   * The sink cannot store `PutOptions.metadata`: say why. The `metadata` case is then registered as
   * skipped with this reason, so the gap stays visible; without it, a sink whose `head` returns no
   * metadata fails that case.
   */
  readonly metadataUnsupported?: string;
  /**
   * Cases a sink knowingly cannot pass (e.g. an emulator without preconditions), each with the
   * reason. They are registered as skipped, with the reason in the title, so the gap stays visible.
   */
  readonly skip?: Readonly<Partial<Record<SinkConformanceCaseId, string>>>;
}

export interface SinkUnderTest {
  readonly sink: Sink;
  /** The prefix the sink puts before every key (see `SinkConformanceEnv`). Default ''. */
  readonly prefix?: string;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

/** The cases of the sink conformance suite, runnable on their own (e.g. to check a deliberately broken sink fails). */
export const sinkConformanceCases = (options: SinkConformanceOptions = {}): SinkConformanceCase[] => {
  const settleMs = options.abortSettleMs ?? 10_000;
  return [
    roundTripSmall('an empty body', Buffer.alloc(0)),
    roundTripSmall('a 1-byte body', Buffer.from([0x2a])),
    roundTripLarge(options.largeBodySize ?? MiB),
    checksumCase('a short text', async () => Buffer.from('cxarchive conformance\n')),
    checksumCase('a 70000-byte generated body', () => collect(generatedStream(70_000, 17))),
    physicalKeyCase,
    emptyObjectCase,
    headMissingCase,
    headAfterPutCase,
    getMissingCase,
    createOnlyCase,
    concurrentCreateCase,
    ...failingBodyCases,
    cancelMidBodyCase(settleMs),
    abortedSignalCase(settleMs),
    metadataCase,
    ...hostileKeyCases,
    nestedKeyCase,
    boundedMemoryCase(options.boundedMemoryBodySize ?? 64 * MiB),
  ];
};

/** Each case with the reason it is skipped, if it is: what `describeSinkConformance` registers. */
export const sinkConformancePlan = (
  options: SinkConformanceOptions = {},
): { readonly testCase: SinkConformanceCase; readonly skipped?: string }[] =>
  sinkConformanceCases(options).map((testCase) => {
    const skipped =
      options.skip?.[testCase.id] ?? (testCase.id === 'metadata' ? options.metadataUnsupported : undefined);
    return skipped === undefined ? { testCase } : { testCase, skipped };
  });

/**
 * Registers the sink conformance suite with vitest. `setup` runs before every case and must give
 * a fresh, empty sink (a new temp dir, bucket or key prefix); `cleanup` runs after it, pass or fail.
 * Start expensive servers in your own `beforeAll`, not in `setup`.
 */
export const describeSinkConformance = (
  name: string,
  setup: () => Promise<SinkUnderTest>,
  options: SinkConformanceOptions = {},
): void => {
  describe(`sink conformance: ${name}`, () => {
    for (const { testCase, skipped } of sinkConformancePlan(options)) {
      if (skipped !== undefined) {
        it.skip(`[${testCase.id}] ${testCase.title} — skipped: ${skipped}`, () => {});
        continue;
      }
      it(
        `[${testCase.id}] ${testCase.title}`,
        async () => {
          const { sink, cleanup, prefix } = await setup();
          try {
            await testCase.run(sink, prefix === undefined ? {} : { prefix });
          } finally {
            await cleanup();
          }
        },
        options.timeoutMs,
      );
    }
  });
};
