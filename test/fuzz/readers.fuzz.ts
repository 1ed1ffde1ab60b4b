/**
 * Property-based fuzzing of the readers of user-supplied bytes (IDX, gzip, MNIST, NETtalk, .npy,
 * weights, safetensors, checkpoints, run configs): for any input a reader returns a valid result
 * or throws a one-line SelfpropError. `SELFPROP_FUZZ_RUNS` sets the cases per property (default
 * 200); `npm run fuzz` runs this file and events.fuzz.ts (in parallel) with many more.
 */
import { fuzzRuns, reportFuzzCounts } from './harness.js';
import { idxProperties } from './properties/idx.js';
import { nettalkProperties } from './properties/nettalk.js';
import { trainProperties } from './properties/train.js';

reportFuzzCounts('file readers');
const runs = fuzzRuns();
idxProperties(runs);
nettalkProperties(runs);
trainProperties(runs);
