import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@cxarchive/source'] },
  ssr: { resolve: { conditions: ['@cxarchive/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
