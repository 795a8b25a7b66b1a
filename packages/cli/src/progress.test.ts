import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

const streamOf = (isTTY: boolean) => {
  const chunks: string[] = [];
  const stream = { isTTY, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { chunks, stream };
};

// Events carry hostile item ids; the display must not show them, nor any control sequence of theirs.
const hostile = 'x\n\u001b[2Jforged\u202e';
const event = (type: string) => ({ type, itemId: hostile, reason: hostile }) as never;

describe('createProgress', () => {
  it('rewrites one line on a terminal with only its own control sequences', () => {
    const { chunks, stream } = streamOf(true);
    const progress = createProgress(stream);
    progress.onEvent(event('item.archived'));
    progress.onEvent(event('item.failed'));
    progress.onEvent(event('item.started'));
    progress.finish();
    expect(chunks).toEqual([
      '\r\u001b[2Karchived 1 · failed 0 · skipped 0',
      '\r\u001b[2Karchived 1 · failed 1 · skipped 0',
      '\r\u001b[2K',
    ]);
    expect(chunks.join('')).not.toContain('forged');
  });

  it('writes plain lines every n items elsewhere', () => {
    const { chunks, stream } = streamOf(false);
    const progress = createProgress(stream, 2);
    for (const type of ['item.archived', 'item.skipped', 'item.failed']) progress.onEvent(event(type));
    progress.finish();
    expect(chunks).toEqual(['archived 1 · failed 0 · skipped 1\n']);
  });
});
