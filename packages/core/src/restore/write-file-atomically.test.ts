import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TargetExists, writeFileAtomically } from './write-file-atomically.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'cxarchive-atomic-'));

/** Chunks, then (optionally) a failure, as a decoded object whose last chunk fails authentication. */
const body = (chunks: string[], failure?: Error) =>
  Readable.from(
    (async function* () {
      for (const c of chunks) yield Buffer.from(c);
      if (failure) throw failure;
    })(),
  );

describe('writeFileAtomically', () => {
  it('writes the file owner-only and leaves nothing else', async () => {
    const d = dir();
    const target = path.join(d, 'contact.json');
    expect(await writeFileAtomically(target, body(['{"a":', '1}\n']), { force: false })).toBe(8);
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(['contact.json']);
  });

  it('leaves no file, not even a partial one, when the body fails after some chunks', async () => {
    const d = dir();
    const target = path.join(d, 'recording.wav');
    await expect(
      writeFileAtomically(target, body(['chunk 0', 'chunk 1'], new Error('chunk 2 failed authentication')), {
        force: false,
      }),
    ).rejects.toThrow('chunk 2 failed authentication');
    expect(readdirSync(d)).toEqual([]);
  });

  it('never replaces an existing file without force, and replaces it with force', async () => {
    const d = dir();
    const target = path.join(d, 'contact.json');
    writeFileSync(target, 'mine');
    await expect(writeFileAtomically(target, body(['new']), { force: false })).rejects.toThrow(TargetExists);
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(readdirSync(d)).toEqual(['contact.json']);
    await writeFileAtomically(target, body(['new']), { force: true });
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(d)).toEqual(['contact.json']);
  });

  it('keeps the existing file when a forced write fails', async () => {
    const d = dir();
    const target = path.join(d, 'contact.json');
    writeFileSync(target, 'mine');
    await expect(
      writeFileAtomically(target, body(['half'], new Error('truncated')), { force: true }),
    ).rejects.toThrow('truncated');
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(readdirSync(d)).toEqual(['contact.json']);
  });
});
