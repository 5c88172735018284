import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: files that start servers and git processes run two at a time.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
