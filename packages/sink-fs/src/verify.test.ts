import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyFile } from './verify.js';

const digest = (text: string) => ({
  size: Buffer.byteLength(text),
  sha256: createHash('sha256').update(text).digest('hex'),
});

describe('verifyFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cxarchive-verify-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('accepts a file that holds what was written', async () => {
    const file = path.join(dir, 'ok');
    await writeFile(file, 'archived bytes');
    expect((await verifyFile(file, digest('archived bytes'), 'k/ok'))._unsafeUnwrap()).toEqual(
      digest('archived bytes'),
    );
  });

  it('detects a corrupted file of the same size', async () => {
    const file = path.join(dir, 'flipped');
    await writeFile(file, 'archived bytez');
    const error = (await verifyFile(file, digest('archived bytes'), 'k/flipped'))._unsafeUnwrapErr();
    expect(error._tag).toBe('Permanent');
    expect(error.message).toContain('verification failed for k/flipped');
    expect(error.message).not.toContain('archived');
  });

  it('detects a truncated file', async () => {
    const file = path.join(dir, 'short');
    await writeFile(file, 'archived');
    const error = (await verifyFile(file, digest('archived bytes'), 'k/short'))._unsafeUnwrapErr();
    expect(error.message).toMatch(/wrote 14 bytes .* read back 8 bytes/);
  });

  it('reports a vanished file as a failed verification', async () => {
    const error = (await verifyFile(path.join(dir, 'gone'), digest('x'), 'k/gone'))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Permanent' });
    expect(error.message).toContain('the file is gone');
  });
});
