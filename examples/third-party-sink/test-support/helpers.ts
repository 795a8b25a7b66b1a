import { Readable } from 'node:stream';
import type { PluginContext, PutOptions, Sink } from '@cxarchive/core';
import { memoryJobStore, silentLogger } from '@cxarchive/core';
import plugin from '../src/index.js';
import { type CasSinkOptions, DEFAULTS } from '../src/schema.js';

/** Test helpers shared by this package's tests (not part of the build). */

export const contextFor = (baseDir: string): PluginContext => ({
  tenant: 'acme',
  baseDir,
  label: 'sinks[0]',
  logger: silentLogger,
  jobs: memoryJobStore(),
  now: () => new Date('2026-10-01T00:00:00Z'),
  budget: (family) => {
    throw new Error(`the cas sink declares no budget, yet asked for ${family}`);
  },
});

/** Options as core hands them to `create`: validated, defaults applied. */
export const optionsFor = (root: string, overrides: Partial<CasSinkOptions> = {}): CasSinkOptions => ({
  root,
  ...DEFAULTS,
  ...overrides,
});

/** Creates the sink through the plugin's own `create`, as the runtime does. */
export const makeSink = async (
  baseDir: string,
  root: string,
  overrides: Partial<CasSinkOptions> = {},
): Promise<Sink> => (await plugin.create(optionsFor(root, overrides), contextFor(baseDir)))._unsafeUnwrap();

export const live = (): AbortSignal => new AbortController().signal;

export const putOptions = (overrides: Partial<PutOptions> = {}): PutOptions => ({
  signal: live(),
  contentType: 'application/octet-stream',
  metadata: {},
  ...overrides,
});

export const bytes = (content: string | Buffer): Readable =>
  Readable.from([Buffer.isBuffer(content) ? content : Buffer.from(content)], { objectMode: false });
