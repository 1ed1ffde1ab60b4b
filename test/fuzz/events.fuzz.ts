/**
 * Property-based fuzzing of the event-camera readers (AEDAT 2.0 and 3.1, DVS label CSVs, N-MNIST):
 * see readers.fuzz.ts.
 */
import { fuzzRuns, reportFuzzCounts } from './harness.js';
import { dvsProperties } from './properties/dvs.js';

reportFuzzCounts('event readers');
dvsProperties(fuzzRuns());
