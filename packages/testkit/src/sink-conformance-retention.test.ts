import { errAsync, PluginErrors, type Retention, type Sink } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { createMemorySink } from './memory-sink.js';
import { type SinkConformanceCaseId, type SinkFaultHooks, sinkConformanceCases } from './sink-conformance.js';

/** The retention cases of the suite, checked against in-memory sinks with deliberate defects. */

interface Flaws {
  readonly undeclared?: boolean;
  readonly ignores?: boolean;
  readonly earlier?: boolean;
}

/** A memory sink that keeps the retention it is given (or, with a flaw, does not). */
const locking = (flaws: Flaws = {}) => {
  const inner = createMemorySink();
  const kept = new Map<string, Retention>();
  const sink: Sink = {
    ...inner,
    ...(flaws.undeclared ? {} : { capabilities: { retention: true } }),
    put: (key, body, options) =>
      inner.put(key, body, options).map((stored) => {
        const asked = options.retention;
        if (asked !== undefined && !flaws.ignores)
          kept.set(key, {
            mode: asked.mode,
            until: flaws.earlier ? new Date(asked.until.getTime() - 1000) : asked.until,
          });
        return stored;
      }),
  };
  return { sink, held: async (key: string) => kept.get(key) };
};

const run = async (id: SinkConformanceCaseId, faults: SinkFaultHooks): Promise<void> => {
  const cases = sinkConformanceCases().filter((c) => c.id === id);
  expect(cases).toHaveLength(1);
  await cases[0]!.run(createMemorySink(), { faults });
};

describe('the retention case', () => {
  const kept = (flaws?: Flaws) => ({ retention: async () => locking(flaws) });
  it('passes a sink whose store keeps the mode and date asked for', async () => {
    await run('retention', kept());
  });
  const defects: readonly [string, Flaws][] = [
    ['that does not declare the capability', { undeclared: true }],
    ['whose store drops the retention', { ignores: true }],
    ['whose store keeps an earlier date', { earlier: true }],
  ];
  for (const [label, flaws] of defects)
    it(`fails a sink ${label}`, async () => {
      await expect(run('retention', kept(flaws))).rejects.toThrow();
    });
  it('fails a sink whose store keeps another mode', async () => {
    const { sink, held } = locking();
    const other = async (key: string) => {
      const h = await held(key);
      return h && { ...h, mode: 'compliance' as const };
    };
    await expect(run('retention', { retention: async () => ({ sink, held: other }) })).rejects.toThrow(
      'mode',
    );
  });
});

describe('the retention-unavailable case', () => {
  const on = (sink: Sink) => ({ retentionUnavailable: async () => ({ sink, container: 'plain-bucket' }) });
  const refusing = (error = PluginErrors.invalidInput('the bucket "plain-bucket" cannot hold retention')) => {
    const inner = createMemorySink();
    return {
      ...inner,
      capabilities: { retention: true },
      put: (key, body, options) => {
        if (options.retention === undefined) return inner.put(key, body, options);
        body.destroy();
        return errAsync(error);
      },
    } satisfies Sink;
  };
  it('passes a sink refusing InvalidInput naming the bucket, with nothing stored', async () => {
    await run('retention-unavailable', on(refusing()));
  });
  it('fails a sink that stores the object unlocked', async () => {
    const unlocked = { ...createMemorySink(), capabilities: { retention: true } };
    await expect(run('retention-unavailable', on(unlocked))).rejects.toThrow();
  });
  it('fails a sink that refuses Permanent, or without naming the bucket', async () => {
    await expect(
      run('retention-unavailable', on(refusing(PluginErrors.permanent('plain-bucket')))),
    ).rejects.toThrow();
    await expect(
      run('retention-unavailable', on(refusing(PluginErrors.invalidInput('no lock')))),
    ).rejects.toThrow();
  });
  it('fails a sink that stores the object, then refuses', async () => {
    const inner = createMemorySink();
    const leaky: Sink = {
      ...inner,
      capabilities: { retention: true },
      put: (key, body, options) =>
        inner
          .put(key, body, options)
          .andThen(() =>
            errAsync(PluginErrors.invalidInput('the bucket "plain-bucket" cannot hold retention')),
          ),
    };
    await expect(run('retention-unavailable', on(leaky))).rejects.toThrow('nothing is stored');
  });
});
