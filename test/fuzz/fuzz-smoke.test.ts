/**
 * The reader fuzzers (test/fuzz/*.fuzz.ts) in the normal suite, with the small default count
 * (SELFPROP_FUZZ_RUNS, default 200 cases per property): every reader property runs on every CI
 * run, and `npm run fuzz` runs the same properties with many more cases.
 */
import { allReaderProperties } from './all.js';
import { fuzzRuns } from './harness.js';

allReaderProperties(fuzzRuns());
