import { defineConfig } from 'vitest/config';

/** Suites that read ../shared (corpus feeds, labelled eval set): `npm run test:acceptance`. */
export default defineConfig({
  test: {
    include: ['tests/acceptance/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
