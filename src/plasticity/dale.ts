/**
 * Dale's law, §1.4: each neuron is excitatory or inhibitory; its outgoing weights stay ≥ 0
 * (excitatory) or ≤ 0 (inhibitory). At initialisation weights are clipped to their side. During
 * updates of weights not leaving the input layer, an entry whose update would put it on the wrong
 * side of 0 is instead shrunk by `shrink` (10 %) towards 0, so no sign ever flips.
 * (The reference shrinks every entry whose update opposes its sign, flip or not; we follow §1.4.)
 */
import type { Matrix, RandomStream } from '../tensor/index.js';

/** Marks round(fraction·n) randomly chosen neurons inhibitory (1), the rest excitatory (0). */
export function chooseInhibitory(n: number, fraction: number, rng: RandomStream): Uint8Array {
  const flags = new Uint8Array(n);
  const order = rng.permutation(n);
  const count = Math.round(fraction * n);
  for (let k = 0; k < count; k++) flags[order[k]] = 1;
  return flags;
}

/** Clip each row (presynaptic neuron) of W to its side of 0. */
export function clipToDale(weights: Matrix, inhibitory: Uint8Array): void {
  const { rows, cols, data } = weights;
  for (let i = 0; i < rows; i++) {
    const inh = inhibitory[i] === 1;
    for (let j = i * cols, end = j + cols; j < end; j++) {
      if (inh ? data[j] > 0 : data[j] < 0) data[j] = 0;
    }
  }
}

/** W ← W + αΔW, except entries that would cross to the wrong side, which shrink towards 0. */
export function daleUpdate(weights: Matrix, delta: Float32Array, alpha: number, inhibitory: Uint8Array, shrink: number): void {
  const { rows, cols, data } = weights;
  for (let i = 0; i < rows; i++) {
    const inh = inhibitory[i] === 1;
    for (let j = i * cols, end = j + cols; j < end; j++) {
      const proposed = data[j] + alpha * delta[j];
      data[j] = (inh ? proposed > 0 : proposed < 0) ? data[j] * (1 - shrink) : proposed;
    }
  }
}
