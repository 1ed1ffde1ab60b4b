/** A toy two-class task in 16 inputs (two blobs), learnable in an epoch or two; rows alternate classes. */
import type { Dataset } from '../../src/data/dataset.js';
import { RandomStream } from '../../src/tensor/index.js';

export function toyData(count: number, seed: number): Dataset {
  const rng = RandomStream.fromSeed(seed);
  const inputs = new Float32Array(count * 16);
  const targets = new Float32Array(count * 2);
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const c = r % 2;
    labels[r] = c;
    targets[r * 2 + c] = 1;
    for (let j = 0; j < 16; j++) inputs[r * 16 + j] = Math.min(1, Math.max(0, (j < 8 === (c === 0) ? 0.8 : 0.1) + 0.2 * (rng.uniform() - 0.5)));
  }
  return { description: 'toy', count, inputSize: 16, targetSize: 2, inputs, targets, labels };
}
