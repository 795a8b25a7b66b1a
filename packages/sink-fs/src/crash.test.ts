import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextFor, objectEntries, recordingLogger } from '../test-support/helpers.js';
import plugin from './index.js';
import { TEMP_DIR } from './temp-files.js';

const SUPPORT = fileURLToPath(new URL('../test-support/', import.meta.url));
/** The child runs the TypeScript sources directly: it needs type stripping and `module.registerHooks`. */
const NO_TYPESCRIPT =
  (process.features as { typescript?: unknown }).typescript === undefined ||
  typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function'
    ? `this node (${process.version}) cannot run TypeScript sources in a child process (needs 22.15+)`
    : undefined;

/** Starts the put-forever child on `root` and resolves once its bytes sit in a temp file. */
const startWriter = async (root: string) => {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@cxarchive/source',
      '--experimental-transform-types',
      '--disable-warning=ExperimentalWarning',
      '--import',
      pathToFileURL(path.join(SUPPORT, 'ts-hook.mjs')).href,
      path.join(SUPPORT, 'put-forever.ts'),
      root,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before writing: ${stderr}`)));
  });
  return { child, line };
};

describe('a writer killed with SIGKILL mid-write', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cxarchive-sink-fs-crash-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it.skipIf(NO_TYPESCRIPT !== undefined)(
    `leaves a temp file that the next create of the sink removes, and logs${
      NO_TYPESCRIPT === undefined ? '' : ` — skipped: ${NO_TYPESCRIPT}`
    }`,
    async () => {
      const root = path.join(base, 'archive');
      const { child, line } = await startWriter(root);
      expect(line).toBe('writing 524288');
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');

      const tempDir = path.join(root, TEMP_DIR);
      const left = await readdir(tempDir);
      expect(left, 'the killed writer left its temp file').toHaveLength(1);
      expect(left[0]).toContain(`~${child.pid}~`);
      expect((await stat(path.join(tempDir, left[0]!))).size).toBe(524_288);
      expect(await objectEntries(root), 'and no object').toEqual([
        'acme',
        'acme/2026',
        'acme/2026/10',
        'acme/2026/10/01',
        'acme/2026/10/01/1',
      ]);

      const logger = recordingLogger();
      const sink = (await plugin.create({ root: 'archive' }, contextFor(base, logger)))._unsafeUnwrap();
      expect(await readdir(tempDir)).toEqual([]);
      expect(logger.entries).toContainEqual({
        level: 'info',
        message: 'fs sink: removed temp files left by crashed writers',
        fields: { root: 'archive', count: 1, bytes: 524_288 },
      });
      await sink.close?.();
      expect(await readdir(root)).toEqual(['acme']);
    },
  );
});
