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
  retryBodyCase,
  roundTripLarge,
  roundTripSmall,
} from './sink-conformance-cases.js';
import {
  badCredentialsCase,
  missingContainerCase,
  resetCase,
  throttledCase,
  unavailableCase,
} from './sink-conformance-fault-cases.js';
import { listCase } from './sink-conformance-list-cases.js';
import { retentionCase, retentionUnavailableCase } from './sink-conformance-retention-cases.js';

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
  | 'bounded-memory'
  | 'retry-body'
  | 'missing-container'
  | 'bad-credentials'
  | 'fault-unavailable'
  | 'fault-throttled'
  | 'fault-reset'
  | 'retention'
  | 'retention-unavailable'
  | 'list';

/** Where the suite's HTTP fault proxy listens: what `behindProxy` points the sink at. */
export interface ProxyAddress {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

/** An answer the fault proxy gives instead of the store. */
export interface InjectedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Hooks for the error-classification cases, each optional: a case whose hook is missing is
 * registered as skipped ("the test gave no <member>"), never silently passing. Give a reason in
 * `skip` instead where the store cannot do it (e.g. an emulator that checks no credentials).
 */
export interface SinkFaultHooks {
  /**
   * The same sink pointed at a bucket/container that does not exist, and that name: `put`, `head`
   * and `get` must fail `InvalidInput` or `NotFound` (never `Transient`, never a `null` head), the
   * `put` message naming it.
   */
  missingContainer?(): Promise<{ readonly sink: Sink; readonly container: string }>;
  /** The same sink with credentials the store refuses: `put`, `head` and `get` must fail `Auth`. */
  badCredentials?(): Promise<Sink>;
  /**
   * The sink talking to the store through `proxy` (the suite's `startHttpFaultProxy` in front of
   * `proxyTarget()`), on a fresh, empty bucket/container/prefix. The SDK must not retry by itself:
   * the fault is injected on one request only.
   */
  behindProxy?(proxy: ProxyAddress): Promise<Sink>;
  /** The real server the proxy forwards to; read when a proxy case starts (after `beforeAll`). */
  proxyTarget?(): { readonly host: string; readonly port: number };
  /**
   * The store's answer when it is unavailable, expected to give `Transient`. Default a bare 503; a
   * store whose 503 means "slow down" (S3 `SlowDown`, Azure `ServerBusy`) gives its plain server
   * error here (e.g. 500 `InternalError`) and its 503 as `throttle`.
   */
  readonly unavailable?: InjectedAnswer;
  /**
   * The store's throttling answer, expected to give `Throttled` (default a bare 429). The proxy
   * adds `Retry-After: 7` unless `retryAfter` is false (a store whose throttling carries none):
   * `retryAfterMs` must then be 7000.
   */
  readonly throttle?: InjectedAnswer & { readonly retryAfter?: boolean };
  /**
   * For a sink that declares `capabilities.retention`: the sink on a bucket/container that can hold
   * retention (S3 Object Lock, GCS object retention, Azure version-level immutability), and how to
   * read the retention the store keeps on an object (by the sink's logical key) behind its back.
   */
  retention?(): Promise<{
    readonly sink: Sink;
    held(
      key: string,
    ): Promise<{ readonly mode: 'governance' | 'compliance'; readonly until: Date } | undefined>;
  }>;
  /**
   * The sink on a bucket/container that cannot hold retention, and its name: a put asking for
   * retention must fail `InvalidInput` naming it and leave nothing.
   */
  retentionUnavailable?(): Promise<{ readonly sink: Sink; readonly container: string }>;
}

/** What a case knows of the sink under test beyond the `Sink` itself. */
export interface SinkConformanceEnv {
  /** The prefix the sink puts before every key: `Stored.key` must be `prefix + key`. Default ''. */
  readonly prefix?: string;
  /** The test's fault hooks (see `SinkConformanceOptions.faults`). */
  readonly faults?: SinkFaultHooks;
  /** The page size the sink's `list` was made with, if the setup chose one (see `SinkUnderTest`). */
  readonly listPageSize?: number;
}

export interface SinkConformanceCase {
  readonly id: SinkConformanceCaseId;
  readonly title: string;
  /** The fault hook the case needs: without it the case is skipped, saying so. */
  readonly needs?:
    | 'missingContainer'
    | 'badCredentials'
    | 'behindProxy'
    | 'retention'
    | 'retentionUnavailable';
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
   * The sink has no `list`: say why. The `list` case is then registered as skipped with this
   * reason; without it, a sink without `list` fails that case.
   */
  readonly listUnsupported?: string;
  /**
   * Cases a sink knowingly cannot pass (e.g. an emulator without preconditions), each with the
   * reason. They are registered as skipped, with the reason in the title, so the gap stays visible.
   */
  readonly skip?: Readonly<Partial<Record<SinkConformanceCaseId, string>>>;
  /** Hooks for the error-classification cases (see `SinkFaultHooks`). */
  readonly faults?: SinkFaultHooks;
}

export interface SinkUnderTest {
  readonly sink: Sink;
  /** The prefix the sink puts before every key (see `SinkConformanceEnv`). Default ''. */
  readonly prefix?: string;
  /**
   * The most objects one page of the sink's `list` holds, when the setup made the sink with a small
   * page (a test seam of the sink): the `list` case then puts more than two pages' worth and checks
   * every page's size. Without it, the case still follows `next` to the last page.
   */
  readonly listPageSize?: number;
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
    retryBodyCase,
    missingContainerCase,
    badCredentialsCase,
    unavailableCase,
    throttledCase,
    resetCase,
    retentionCase,
    retentionUnavailableCase,
    listCase(settleMs),
  ];
};

/** Each case with the reason it is skipped, if it is: what `describeSinkConformance` registers. */
export const sinkConformancePlan = (
  options: SinkConformanceOptions = {},
): { readonly testCase: SinkConformanceCase; readonly skipped?: string }[] =>
  sinkConformanceCases(options).map((testCase) => {
    const skipped =
      options.skip?.[testCase.id] ??
      (testCase.id === 'metadata' ? options.metadataUnsupported : undefined) ??
      (testCase.id === 'list' ? options.listUnsupported : undefined) ??
      (testCase.needs !== undefined && options.faults?.[testCase.needs] === undefined
        ? `the test gave no ${testCase.needs}`
        : undefined);
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
          const { sink, cleanup, prefix, listPageSize } = await setup();
          try {
            await testCase.run(sink, {
              ...(prefix === undefined ? {} : { prefix }),
              ...(listPageSize === undefined ? {} : { listPageSize }),
              ...(options.faults === undefined ? {} : { faults: options.faults }),
            });
          } finally {
            await cleanup();
          }
        },
        options.timeoutMs,
      );
    }
  });
};
