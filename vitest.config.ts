import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The engine is single-threaded TF.js; a worker per core keeps the suite quick on 2-core CI.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
