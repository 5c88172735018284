import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the workspace packages from src/ through the "@hubgate/source" export condition; processes the
// tests spawn (the git credential helper, the simulator's and hubgate's bins) run the build in dist/, which
// the global setup brings up to date first (docs/packaging.md).
const conditions = ['@hubgate/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hubgate/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}'],
    globalSetup: ['scripts/vitest-build-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: files that start servers and git processes run two at a time.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
