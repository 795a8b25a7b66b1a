import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Logger, PluginContext, PutOptions, Sink } from '@cxarchive/core';
import { memoryJobStore } from '@cxarchive/core';
import plugin from '../src/index.js';

/** Test helpers shared by the fs sink's tests (not part of the package build). */

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A logger that keeps what it is told. */
export const recordingLogger = (): Logger & { readonly entries: LogEntry[] } => {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      entries.push(fields === undefined ? { level, message } : { level, message, fields });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

export const contextFor = (baseDir: string, logger: Logger = recordingLogger()): PluginContext => ({
  tenant: 'acme',
  baseDir,
  label: 'sinks[0]',
  logger,
  jobs: memoryJobStore(),
  now: () => new Date('2026-10-01T00:00:00Z'),
  budget: (family) => {
    throw new Error(`the fs sink declares no budget, yet asked for ${family}`);
  },
});

export const makeSink = async (
  baseDir: string,
  root: string,
  extra: Record<string, unknown> = {},
  logger?: Logger,
): Promise<Sink> => {
  const created = await plugin.create({ root, ...extra }, contextFor(baseDir, logger));
  return created._unsafeUnwrap();
};

export const live = (): AbortSignal => new AbortController().signal;

export const putOptions = (overrides: Partial<PutOptions> = {}): PutOptions => ({
  signal: live(),
  contentType: 'application/octet-stream',
  metadata: {},
  ...overrides,
});

export const bytes = (text: string): Readable => Readable.from([Buffer.from(text)], { objectMode: false });

/** Every entry below `dir`, `/`-separated and sorted. */
export const allEntries = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true })).map((entry) => entry.split(path.sep).join('/')).sort();

/** Entries below `dir` that are not the sink's (empty) temp directory or what it holds. */
export const objectEntries = async (dir: string): Promise<string[]> =>
  (await allEntries(dir)).filter(
    (entry) => entry !== '.cxarchive~tmp' && !entry.startsWith('.cxarchive~tmp/'),
  );

/** The temp files in the sink's temp directory under `root`. */
export const tempFiles = async (root: string): Promise<string[]> =>
  readdir(path.join(root, '.cxarchive~tmp')).catch(() => []);
