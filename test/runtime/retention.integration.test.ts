// The pipeline's `retention:` reaches every put of every sink, and a sink that cannot keep it is
// refused at start (a promise about every object is never silently skipped).
import type { PutOptions, Sink } from '@cxarchive/core/host';
import { createMemorySink, createMemorySource } from '@cxarchive/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from './fixture.js';

/** A memory sink that declares retention and remembers what each put asked for. */
const retainingSink = () => {
  const inner = createMemorySink();
  const asked: PutOptions['retention'][] = [];
  const sink: Sink = {
    checksums: inner.checksums,
    capabilities: { retention: true },
    put: (key, body, options) => {
      asked.push(options.retention);
      return inner.put(key, body, options);
    },
    head: (key, signal) => inner.head(key, signal),
    get: (key, signal) => inner.get(key, signal),
  };
  return { sink, asked };
};

describe('retention', () => {
  it('every object is written with the mode and a retain-until the period after the write', async () => {
    const { sink, asked } = retainingSink();
    const now = new Date('2026-11-30T12:00:00Z');
    const report = await fixture({
      source: createMemorySource([{ id: 'c1', artifacts: [{ name: 'r.wav', bytes: 'x' }] }]),
      sinks: [sink],
      config: { retention: { mode: 'compliance', period: '2557d' } },
    }).run({ now: () => now });
    expect(report.status).toBe('succeeded');
    expect(asked).toHaveLength(2);
    for (const r of asked) {
      expect(r?.mode).toBe('compliance');
      expect(r?.until.toISOString()).toBe(new Date(now.getTime() + 2557 * 86_400_000).toISOString());
    }
  });

  it('refuses to start when a sink cannot keep objects under retention, naming it', async () => {
    const { sink } = retainingSink();
    const f = fixture({
      source: createMemorySource([{ id: 'c1' }]),
      sinks: [sink, createMemorySink()],
      config: { retention: { mode: 'governance', period: '30d' } },
    });
    await expect(f.run()).rejects.toThrow(/sinks\[1\] \(test-sink\) cannot keep objects under retention/);
  });

  it('passes no retention when the pipeline asks for none', async () => {
    const { sink, asked } = retainingSink();
    await fixture({ source: createMemorySource([{ id: 'c1' }]), sinks: [sink] }).run();
    expect(asked).toEqual([undefined]);
  });
});
