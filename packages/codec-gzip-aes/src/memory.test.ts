import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Bounded memory (issue 7): a generated 2 GiB input encodes and decodes in a child process whose
 * peak RSS stays well under 200 MB. The child runs the built codec (`dist/`, made by
 * `pnpm exec tsc -b tsconfig.build.json`, which `pnpm test` does first). CXAR_MEMORY_TEST_BYTES
 * overrides the size (2 GiB by default: about 2 s of AES-GCM both ways on two cores).
 */

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('../test-support/memory-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/encode.js', import.meta.url));
const BIG = Number(process.env.CXAR_MEMORY_TEST_BYTES ?? 2 * 1024 ** 3);
const MB = 1_000_000;
const LIMIT = 200 * MB;

const measure = async (bytes: number, compression: string) => {
  const { stdout } = await run(process.execPath, [CHILD, String(bytes), compression], { timeout: 120_000 });
  return JSON.parse(stdout.trim()) as {
    bytes: number;
    seconds: number;
    peakRssBytes: number;
    rssGrowthBytes: number;
    heapGrowthBytes: number;
  };
};

describe('bounded memory', () => {
  it('the codec is built for the child process', () => {
    expect(existsSync(BUILT), 'run pnpm exec tsc -b tsconfig.build.json first').toBe(true);
  });

  it(`${(BIG / 1024 ** 3).toFixed(2)} GiB of recording (no compression) round-trips with peak RSS < 200 MB`, async () => {
    const result = await measure(BIG, 'none');
    expect(result.bytes).toBe(BIG);
    expect(result.peakRssBytes).toBeLessThan(LIMIT);
  }, 180_000);

  it('256 MiB through gzip and through zstd round-trip with peak RSS < 200 MB', async () => {
    for (const compression of ['gzip', 'zstd']) {
      const result = await measure(256 * 1024 ** 2, compression);
      expect(result.bytes).toBe(256 * 1024 ** 2);
      expect(result.peakRssBytes, compression).toBeLessThan(LIMIT);
    }
  }, 180_000);

  it('200 MB through gzip: RSS grows < 64 MB and the JS heap < 32 MB above where they started', async () => {
    const result = await measure(200 * MB, 'gzip');
    expect(result.bytes).toBe(200 * MB);
    // Coalesced writes, zlib's buffers, chunks: a few MiB. A whole object would be 200 MB.
    expect(result.rssGrowthBytes).toBeLessThan(64 * MB);
    expect(result.heapGrowthBytes).toBeLessThan(32 * MB);
  }, 180_000);
});
