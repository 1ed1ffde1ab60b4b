import { defineConfig } from 'vitest/config';

/**
 * The fuzzers (test/fuzz/*.fuzz.ts), apart from the normal suite: `npm run fuzz` runs them with
 * SELFPROP_FUZZ_RUNS cases per property. The normal suite runs the same properties with the small
 * default count (test/fuzz/fuzz-smoke.test.ts).
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    pool: 'forks',
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
  },
});
