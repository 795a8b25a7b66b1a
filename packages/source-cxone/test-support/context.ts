import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryJobStore, type PluginContext, silentLogger } from '@cxarchive/core';
import plugin from '../src/index.js';

export interface TestContext extends PluginContext {
  /** Every `budget(family).take()` in order. */
  readonly taken: string[];
}

/**
 * A plugin context for the source's tests. Its budgets never wait, but they record every take,
 * and asking for a family the plugin did not declare throws, as core's does.
 */
export const testContext = (now: () => Date): TestContext => {
  const declared = new Set((plugin.budgets ?? []).map((b) => b.family));
  const taken: string[] = [];
  return {
    tenant: 't',
    baseDir: mkdtempSync(join(tmpdir(), 'source-cxone-')),
    label: 'source',
    logger: silentLogger,
    now,
    jobs: memoryJobStore(now),
    taken,
    budget: (family) => {
      if (!declared.has(family)) throw new Error(`budget(${family}): not declared by the plugin`);
      return {
        take: async (signal) => {
          signal.throwIfAborted();
          taken.push(family);
        },
      };
    },
  };
};

/** A signal that never aborts. */
export const live = (): AbortSignal => new AbortController().signal;
