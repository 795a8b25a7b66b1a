import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadPipeline } from './load-pipeline.js';
import { MAX_PIPELINE_FILE_BYTES, readPipelineFile } from './read-pipeline-file.js';

const VALID = `version: 1
tenant: acme
source:
  use: cxone
codec:
  use: gzip-aes
sinks:
  - use: fs
    with: { root: ./archive }
`;

const dir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-read-'));

const refusal = async (file: string) => {
  const error = await loadPipeline({ file, env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const issue = (error as ConfigError).issues[0]!;
  expect((error as ConfigError).issues).toHaveLength(1);
  return issue;
};

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('reading the pipeline file', () => {
  it.skipIf(!existsSync('/dev/zero'))(
    'refuses a device instead of reading it until memory runs out',
    async () => {
      const issue = await refusal('/dev/zero');
      expect(issue).toMatchObject({
        file: '/dev/zero',
        message: 'is a character device, not a pipeline file',
      });
      expect(issue.hint).toMatch(/only regular files are read/);
    },
  );

  it.skipIf(!existsSync('/dev/zero'))('refuses a link to a device', async () => {
    const link = path.join(dir(), 'archive.pipeline.yaml');
    symlinkSync('/dev/zero', link);
    expect((await refusal(link)).message).toBe('is a character device, not a pipeline file');
  });

  it.skipIf(!hasMkfifo)('refuses a FIFO without waiting for a writer', async () => {
    const fifo = path.join(dir(), 'archive.pipeline.yaml');
    execFileSync('mkfifo', [fifo]);
    expect((await refusal(fifo)).message).toBe('is a named pipe (FIFO), not a pipeline file');
  });

  it('refuses a directory where the pipeline file should be', async () => {
    const root = dir();
    mkdirSync(path.join(root, 'archive.pipeline.yaml'));
    // Given the directory, the pipeline file name inside it is taken, and it is a directory too.
    const issue = await refusal(root);
    expect(issue).toMatchObject({
      file: path.join(root, 'archive.pipeline.yaml'),
      message: 'is a directory, not a pipeline file',
    });
    await expect(readPipelineFile(root)).rejects.toThrow(/is a directory/);
  });

  it('refuses a file over 1 MiB, saying the limit, and reads one of exactly 1 MiB', async () => {
    const root = dir();
    const big = path.join(root, 'big.yaml');
    const padded = (size: number) => `${VALID}#${'x'.repeat(size - VALID.length - 2)}\n`;
    writeFileSync(big, padded(MAX_PIPELINE_FILE_BYTES + 1));
    const issue = await refusal(big);
    expect(issue.message).toBe('is 1.0 MiB, over the 1 MiB limit for a pipeline file');
    expect(issue.hint).toMatch(/right file/);
    const edge = path.join(root, 'edge.yaml');
    writeFileSync(edge, padded(MAX_PIPELINE_FILE_BYTES));
    const loaded = await loadPipeline({ file: edge, env: {} });
    expect(loaded.config.tenant).toBe('acme');
    const huge = path.join(root, 'huge.yaml');
    writeFileSync(huge, Buffer.alloc(5 * MAX_PIPELINE_FILE_BYTES, 0x20));
    expect((await refusal(huge)).message).toBe('is 5.0 MiB, over the 1 MiB limit for a pipeline file');
  });

  it('reads multi-byte text whole across read chunks', async () => {
    const file = path.join(dir(), 'archive.pipeline.yaml');
    const text = `# ${'é'.repeat(70_000)}\n${VALID}`;
    writeFileSync(file, text);
    expect(await readPipelineFile(file)).toBe(text);
  });

  it('says plainly when a file vanished or cannot be read', async () => {
    const root = dir();
    await expect(readPipelineFile(path.join(root, 'gone.yaml'))).rejects.toThrow(/no such file/);
    const locked = path.join(root, 'locked.yaml');
    writeFileSync(locked, VALID, { mode: 0o000 });
    const canRead = (() => {
      try {
        execFileSync('cat', [locked], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!canRead) await expect(readPipelineFile(locked)).rejects.toThrow(/permission denied/);
  });
});
