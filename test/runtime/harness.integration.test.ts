// The run harness: interruption, leases, notifiers, budgets, the report and the ledger file.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  errAsync,
  type Notifier,
  okAsync,
  type PipelineEvent,
  PluginErrors,
  processHost,
  ResultAsync,
  type Sink,
  unlockTenant,
} from '@cxarchive/core/host';
import {
  createMemorySink,
  createMemorySource,
  createScriptedSink,
  type MemoryItemSpec,
} from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

const items = (n: number): MemoryItemSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${String(i + 1).padStart(3, '0')}`,
    artifacts: [{ name: 'recording.wav', bytes: 'x'.repeat(1000), contentType: 'audio/wav' }],
  }));

/**
 * A sink whose puts wait (reading nothing) until released or cancelled; counts what it stored.
 * `waiting` resolves once a put waits at the gate.
 */
const gatedSink = (inner: Sink) => {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let someoneWaits: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => {
    someoneWaits = resolve;
  });
  let storedAfterAbort = 0;
  const sink: Sink = {
    checksums: inner.checksums,
    put(key, body, options) {
      someoneWaits();
      return ResultAsync.fromPromise(
        new Promise<void>((resolve, reject) => {
          if (options.signal.aborted) return reject(new Error('cancelled'));
          options.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
          gate.then(resolve);
        }),
        () => PluginErrors.transient('put cancelled'),
      ).andThen(() => {
        if (options.signal.aborted) storedAfterAbort++;
        return inner.put(key, body, options);
      });
    },
    head: (key, signal) => inner.head(key, signal),
    get: (key, signal) => inner.get(key, signal),
  };
  return {
    sink,
    waiting,
    /** Opens the gate and lets every put it held run on (their continuations are microtasks). */
    open: async () => {
      open();
      await gate;
      await new Promise((resolve) => setImmediate(resolve));
    },
    storedAfterAbort: () => storedAfterAbort,
  };
};

describe('the run harness', () => {
  it('an interrupted run cancels in-flight puts, reports interrupted, and writes nothing after it returns', async () => {
    const inner = createMemorySink();
    const gated = gatedSink(inner);
    const f = fixture({ source: createMemorySource(items(6)), sinks: [gated.sink] });
    const stop = new AbortController();
    const running = f.run({ signal: stop.signal });
    await gated.waiting;
    stop.abort();
    const report = await running;
    expect(report.status).toBe('interrupted');
    expect(report.error?.errorTag).toBe('Interrupted');
    const keysAtReturn = inner.keys();
    await gated.open();
    expect(inner.keys()).toEqual(keysAtReturn);
    expect(gated.storedAfterAbort()).toBe(0);
    // the items in flight stay pending, and the next run finishes them
    const next = await fixture({ source: createMemorySource(items(6)), sinks: [inner], dir: f.dir }).run();
    expect(next.status).toBe('succeeded');
    expect(next.counts.archived).toBe(6);
  });

  it('refuses a second run of the tenant while the first holds the lease, naming the holder', async () => {
    const gated = gatedSink(createMemorySink());
    const f = fixture({ source: createMemorySource(items(2)), sinks: [gated.sink] });
    const first = f.run();
    // the first run holds the lease once it has announced itself
    while (!f.events.some((e) => e.type === 'run.started')) await new Promise((r) => setImmediate(r));
    const second = fixture({ source: createMemorySource(items(2)), sinks: [createMemorySink()], dir: f.dir });
    await expect(second.run()).rejects.toThrow(/another run \(.*pid \d+ on .*\) is archiving tenant acme/);
    await gated.open();
    expect((await first).status).toBe('succeeded');
  });

  it('takes over an expired lease of a run on another host and marks that run abandoned; refuses a live one', async () => {
    const f = fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] });
    mkdirSync(path.dirname(f.ledgerFile()), { recursive: true });
    const past = new Date(Date.now() - 60_000);
    await f.withLedger(async (l) => {
      await l.recordRun('dead-run', 'acme', past);
      await l.acquireLease(
        'acme',
        {
          runId: 'dead-run',
          pid: 1,
          host: 'elsewhere',
          since: past.toISOString(),
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        },
        past,
      );
    });
    expect((await f.run()).status).toBe('succeeded');
    const Database = createRequire(path.resolve('packages/core/package.json'))('better-sqlite3');
    const db = new Database(f.ledgerFile(), { readonly: true });
    expect(db.prepare("SELECT status FROM runs WHERE run_id = 'dead-run'").get()).toEqual({
      status: 'abandoned',
    });
    db.close();

    const g = fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] });
    mkdirSync(path.dirname(g.ledgerFile()), { recursive: true });
    await g.withLedger(async (l) => {
      await l.acquireLease(
        'acme',
        {
          runId: 'live-run',
          pid: 1,
          host: 'elsewhere',
          since: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
        new Date(),
      );
    });
    await expect(g.run()).rejects.toThrow(/live-run, pid 1 on elsewhere/);
    const never = fixture({ source: createMemorySource([]), sinks: [createMemorySink()] });
    expect(await unlockTenant(never.prepared)).toBeUndefined();
    expect(existsSync(never.ledgerFile())).toBe(false);
    const removed = await unlockTenant(g.prepared);
    expect(removed?.runId).toBe('live-run');
    expect((await g.run()).status).toBe('succeeded');
  });

  it('takes over at once a lease whose holder process on this host is gone', async () => {
    const f = fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] });
    mkdirSync(path.dirname(f.ledgerFile()), { recursive: true });
    await f.withLedger((l) =>
      l.acquireLease(
        'acme',
        {
          runId: 'killed',
          pid: 2 ** 22 + 1,
          host: processHost(),
          since: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
        new Date(),
      ),
    );
    expect((await f.run()).status).toBe('succeeded');
  });

  it('a failing notifier never fails the run; a slow one drops what overflows its queue and the report counts it', async () => {
    const failing: Notifier = { notify: () => errAsync(PluginErrors.permanent('webhook refused')) };
    let release: () => void = () => undefined;
    const slowGate = new Promise<void>((r) => {
      release = r;
    });
    const seen: PipelineEvent[] = [];
    const slow: Notifier = {
      notify: (event) => ResultAsync.fromSafePromise(slowGate.then(() => void seen.push(event))),
    };
    const f = fixture({
      source: createMemorySource(items(20)),
      sinks: [createMemorySink()],
      notifiers: [failing, slow],
    });
    // The slow notifier takes nothing until the run has emitted its last event: its queue overflows
    // however fast or slow the machine is.
    const report = await f.run({
      notifierQueueSize: 5,
      onEvent: (e) => {
        f.events.push(e);
        if (e.type === 'run.completed') release();
      },
    });
    expect(report.status).toBe('succeeded');
    expect(report.counts.archived).toBe(20);
    const [n0, n1] = report.notifiers;
    expect(n0).toMatchObject({ label: 'notifiers[0]', delivered: 0, failed: 22 });
    expect(n1!.dropped).toBeGreaterThan(0);
    expect(seen.at(-1)?.type).toBe('run.completed');
    expect(report.warnings.some((w) => w.startsWith('notifiers[1]:') && w.includes('dropped'))).toBe(true);
    // the audit log has every event whatever the notifiers did
    expect(f.audit().filter((e) => e.type === 'item.archived')).toHaveLength(20);
  });

  it('run.completed carries the status and the error', async () => {
    const events: PipelineEvent[] = [];
    const notifier: Notifier = { notify: (e) => okAsync(void events.push(e)) };
    const source = createMemorySource(items(2), { script: { page: () => PluginErrors.auth('expired key') } });
    await fixture({ source, sinks: [createMemorySink()], notifiers: [notifier] }).run();
    const done = events.find((e) => e.type === 'run.completed');
    expect(done).toMatchObject({ status: 'failed', error: { errorTag: 'Auth' } });
  });

  it('a scaled-down API budget makes items wait, never fail, and the report shows the waits', async () => {
    // The source spends one `media-playback` request per artifact open; the budget allows 3 per 200 ms.
    let ctxBudget: ((family: string) => { take(signal: AbortSignal): Promise<void> }) | undefined;
    const inner = createMemorySource(items(8));
    const source = {
      ...inner,
      pages: inner.pages.bind(inner),
      fetch: (ref: Parameters<typeof inner.fetch>[0], signal: AbortSignal) =>
        ResultAsync.fromSafePromise(ctxBudget!('media-playback').take(signal)).andThen(() =>
          inner.fetch(ref, signal),
        ),
    };
    const f = fixture({
      source: {
        instance: (context) => {
          ctxBudget = (family) => context.budget(family);
          return source;
        },
        budgets: [{ family: 'media-playback', requests: 150, per: '5m' }],
      },
      sinks: [createMemorySink()],
      config: { budgets: { 'media-playback': { requests: 3, per: '200ms' } }, concurrency: 8 },
    });
    const report = await f.run();
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ archived: 8, failed: 0 });
    expect(report.budgets['media-playback']).toMatchObject({ requests: 3, taken: 8 });
    expect(report.budgets['media-playback']!.waits).toBeGreaterThan(0);
  });

  it('an unwritable --report path is a warning; the run result stands', async () => {
    const f = fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] });
    const blocker = path.join(f.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const report = await f.run({ reportFile: path.join(blocker, 'r.json') });
    expect(report.status).toBe('succeeded');
    expect(report.warnings.some((w) => w.includes('the report could not be written'))).toBe(true);
    const proc = await fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] }).run({
      reportFile: '/proc/nope/r.json',
    });
    expect(proc.status).toBe('succeeded');
    expect(proc.warnings.some((w) => w.includes('/proc/nope/r.json'))).toBe(true);
  });

  it('the ledger is created readable by its owner only, and keeps no item content', async () => {
    const f = fixture({
      source: createMemorySource([
        { id: 'c1', record: { id: 'c1', name: 'Ada Lovelace', phone: '+15550100' } },
      ]),
      sinks: [createMemorySink()],
    });
    await f.run();
    expect(statSync(f.ledgerFile()).mode & 0o077).toBe(0);
    const bytes = (await import('node:fs')).readFileSync(f.ledgerFile());
    expect(bytes.includes('Ada Lovelace')).toBe(false);
  });

  it('a corrupt ledger names the file and what to do', async () => {
    const f = fixture({ source: createMemorySource(items(1)), sinks: [createMemorySink()] });
    mkdirSync(path.dirname(f.ledgerFile()), { recursive: true });
    writeFileSync(f.ledgerFile(), Buffer.alloc(8192, 0x41));
    await expect(f.run()).rejects.toThrow(
      new RegExp(
        `the ledger ${f.ledgerFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be used: it is damaged or not a ledger .*move it aside to start a new one`,
      ),
    );
  });

  it('a sink that stalls is cancelled when the run stops, and the run still returns', async () => {
    const hanging = createScriptedSink(createMemorySink(), { put: () => 'hang' });
    let putStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      putStarted = resolve;
    });
    const sink: Sink = {
      ...hanging,
      put: (key, body, options) => {
        putStarted();
        return hanging.put(key, body, options);
      },
    };
    const stop = new AbortController();
    const running = fixture({ source: createMemorySource(items(2)), sinks: [sink] }).run({
      signal: stop.signal,
    });
    await started;
    stop.abort();
    expect((await running).status).toBe('interrupted');
  });

  it('retries failed sinks only: a sink that already holds the object is not written again', async () => {
    const a = createMemorySink();
    const b = createScriptedSink(createMemorySink(), {
      put: (_key, attempt) => (attempt === 1 ? PluginErrors.transient('503') : undefined),
    });
    const report = await fixture({ source: createMemorySource(items(2)), sinks: [a, b] }).run();
    expect(report.status).toBe('succeeded');
    expect(report.retries).toBeGreaterThan(0);
    expect(a.keys()).toHaveLength(4);
  });
});
