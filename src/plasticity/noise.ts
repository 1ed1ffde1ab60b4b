/**
 * Update noise, §1.4 (off by default):
 *   "norm":    ΔW ← ΔW ⊙ 1.01·Uniform(0,1), elementwise
 *   "poisson": ΔW ← ΔW · (1 + 0.1·PoissonPMF(e; mean 1)), e = 0-based epoch index (the
 *              reference indexes poisspdf(0:numepochs, 1) with its 1-based epoch).
 */
import type { RandomStream } from '../tensor/index.js';

export type NoiseKind = 'none' | 'norm' | 'poisson';

export function poissonPmf(k: number, mean: number): number {
  let factorial = 1;
  for (let i = 2; i <= k; i++) factorial *= i;
  return (Math.exp(-mean) * mean ** k) / factorial;
}

export function applyUpdateNoise(delta: Float32Array, kind: NoiseKind, epochIndex: number, rng: RandomStream): void {
  if (kind === 'norm') {
    for (let i = 0; i < delta.length; i++) delta[i] *= 1.01 * rng.uniform();
  } else if (kind === 'poisson') {
    const factor = 1 + 0.1 * poissonPmf(epochIndex, 1);
    for (let i = 0; i < delta.length; i++) delta[i] *= factor;
  }
}
