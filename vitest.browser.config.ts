import { defineConfig } from 'vitest/config';

/**
 * The dashboard in a real browser: `npm run test:e2e`. Needs Chromium at /usr/bin/chromium (or
 * CHROMIUM_PATH); the global setup starts the local runner with the demo feeds.
 */
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    globalSetup: ['tests/browser/global-setup.ts'],
    // One runner, one browser: the tests share the runner's data, so they run one after another.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
