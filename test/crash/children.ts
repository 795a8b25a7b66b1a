// Starts `child-run.mjs` (one archive run in its own process, from the built packages) and
// collects how it ended.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child-run.mjs', import.meta.url));

/**
 * The data every crash test archives: 8 items of 3 objects (record, notes, a recording of 200 to
 * 210 kB: four chunks, so `mid-upload` is mid-upload).
 */
export const DATA = { seed: 20261130, count: 8, bigSize: 200_000 } as const;
/**
 * The batch record layout, as the batch crash tests run it: records in batches of `batchSize`
 * (one per day), and the seeded items on `days` days, so batches have several members.
 */
export interface BatchLayout {
  readonly records: 'batch';
  readonly batchSize: number;
  readonly days: number;
}
/** 8 items on 2 days (5 and 3): three batches, two full ones sealed mid-run, one at the end. */
export const BATCH_LAYOUT: BatchLayout = { records: 'batch', batchSize: 3, days: 2 };
export const SINK_ROOTS = ['archive-a', 'archive-b'] as const;
export const SINK_LABELS = ['sinks[0]', 'sinks[1]'] as const;

export interface ChildOptions {
  readonly dir: string;
  /** Default: identity. */
  readonly codec?: 'identity' | 'gzip-aes';
  /**
   * `<step>:<itemId|*>:<kill|throw>[:<nth>]`, read by core's test fault hook; the child adds
   * `#batch` targets and ledger steps (child-faults.mjs).
   */
  readonly fault?: string;
  readonly chunkDelayMs?: number;
  /** Items from this index on stall in their recording until the run stops. */
  readonly stallFrom?: number;
  /** The sinks do not take the recordings of items from this index on (until the run is stopped). */
  readonly stallPutsFrom?: number;
  /** The sinks do not take batch objects (until the run is stopped). */
  readonly stallBatchPuts?: boolean;
  /** The source's `acknowledge` of this item never answers (until the run is stopped). */
  readonly stallAcknowledgeOf?: string;
  /** Item id → ms: its acknowledgement answers after this long (a slow write-back API). */
  readonly ackDelays?: Readonly<Record<string, number>>;
  /** Wire SIGINT to the run's AbortSignal. */
  readonly sigint?: boolean;
  /** Stay alive this long after `runPipeline` returned. */
  readonly lingerMs?: number;
  readonly concurrency?: number;
  /** Default: the per-item layout (each item on a day of its own). */
  readonly layout?: BatchLayout;
}

/** What the child wrote when `runPipeline` returned or refused to start. */
export interface ChildReport {
  readonly runId?: string;
  readonly status?: string;
  readonly counts?: Record<string, number>;
  readonly error?: { errorTag: string; reason: string } | null;
  readonly warnings?: string[];
  readonly failures?: unknown[];
  readonly retries?: number;
  /** Sink root → snapshot taken the moment runPipeline returned. */
  readonly roots?: Record<string, Record<string, string>>;
  readonly setupError?: string;
  readonly crash?: string;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From `run.started` on stdout (printed before any item is processed). */
  readonly runId?: string;
  /** The child's process id (what the seeded source writes beside each acknowledgement). */
  readonly pid?: number;
  readonly report?: ChildReport;
}

export interface RunningChild {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
}

let counter = 0;

export const startChild = (options: ChildOptions): RunningChild => {
  const resultFile = path.join(options.dir, `result-${process.pid}-${++counter}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, CXARCHIVE_TEST_HOOKS: '1' };
  delete env.CXARCHIVE_TEST_FAULT;
  delete env.NODE_OPTIONS;
  env.NODE_COMPILE_CACHE = path.join(tmpdir(), 'cxarchive-crash-compile-cache');
  if (options.fault) env.CXARCHIVE_TEST_FAULT = options.fault;
  const args = {
    dir: options.dir,
    ...DATA,
    sinkRoots: SINK_ROOTS,
    resultFile,
    ...(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs }),
    ...(options.stallFrom === undefined ? {} : { stallFrom: options.stallFrom }),
    ...(options.stallPutsFrom === undefined ? {} : { stallPutsFrom: options.stallPutsFrom }),
    ...(options.stallBatchPuts ? { stallBatchPuts: true } : {}),
    ...(options.stallAcknowledgeOf === undefined ? {} : { stallAcknowledgeOf: options.stallAcknowledgeOf }),
    ...(options.ackDelays === undefined ? {} : { ackDelays: options.ackDelays }),
    ...(options.sigint ? { sigint: true } : {}),
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.codec === undefined ? {} : { codec: options.codec }),
    ...(options.layout === undefined ? {} : { layout: options.layout }),
  };
  const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const runId = /^run\.started (\S+)$/m.exec(stdout)?.[1];
      const report = existsSync(resultFile)
        ? (JSON.parse(readFileSync(resultFile, 'utf8')) as ChildReport)
        : undefined;
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ...(runId ? { runId } : {}),
        ...(child.pid === undefined ? {} : { pid: child.pid }),
        ...(report ? { report } : {}),
      });
    });
  });
  return { process: child, exited };
};

export const runChild = (options: ChildOptions): Promise<ChildExit> => startChild(options).exited;

/** One line for a failure message: how a child ended. */
export const describeExit = (e: ChildExit): string =>
  `exit ${e.code ?? e.signal}${e.report?.status ? `, status ${e.report.status}` : ''}${
    e.report?.setupError ? `, refused: ${e.report.setupError}` : ''
  }${e.report?.crash ? `, crashed: ${e.report.crash}` : ''}${
    e.report?.error ? `, error: ${e.report.error.reason}` : ''
  }${e.stderr.trim() ? `; stderr: ${e.stderr.trim().slice(-600)}` : ''}`;

/** Runs `task` over `items`, `width` at a time, results in order. */
export const pool = async <T, R>(items: readonly T[], width: number, task: (t: T) => Promise<R>) => {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
};

/** Waits (polling every 10 ms) until `ready()` holds, for at most `timeoutMs`. */
export const waitFor = async (what: string, ready: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** At most `width` tasks at once, across every caller (tests running concurrently share it). */
export const limiter = (width: number) => {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <R>(task: () => Promise<R>): Promise<R> => {
    if (running >= width) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
};
