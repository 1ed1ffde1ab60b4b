/**
 * The computational cost of §4.
 *
 * Operations per sample per epoch, as the paper counts them for a network with input, hidden and
 * output sizes m, n, k: SNN-SBP mn + nk + n; SNN without SBP mn + nk + n + m. (Defined by the
 * paper for 3 layers; for deeper nets we sum the products of consecutive sizes the same way.)
 *
 * The cost of a run = ops per sample × epochs needed to reach a test-error threshold, averaged
 * over 5 thresholds evenly spaced over the error range that both compared runs reach.
 */
import type { SnnRuleName } from '../models/snn/config.js';

export function paperOpsPerSample(layers: number[], rule: SnnRuleName): number {
  let ops = 0;
  for (let k = 0; k + 1 < layers.length; k++) ops += layers[k] * layers[k + 1];
  for (let k = 1; k + 1 < layers.length; k++) ops += layers[k];
  return rule === 'sbp' ? ops : ops + layers[0];
}

/** The energy ANN's (§2) operations per sample: 2(mn + nk), generalised to 2 Σ_k n_k n_{k+1}. */
export function energyAnnOpsPerSample(layers: readonly number[]): number {
  let ops = 0;
  for (let k = 0; k + 1 < layers.length; k++) ops += 2 * layers[k] * layers[k + 1];
  return ops;
}

/** Epochs (1-based) until the error first reaches ≤ threshold, or undefined. */
export function epochsToReach(errors: number[], threshold: number): number | undefined {
  const i = errors.findIndex((e) => e <= threshold);
  return i < 0 ? undefined : i + 1;
}

/**
 * The paper's cost of two runs (per-epoch test errors, ops per sample each): thresholds are 5
 * evenly spaced points between the larger of the two best errors and the smaller of the two
 * first-epoch errors, i.e. the range both runs reach.
 */
export function pairedPaperCost(
  a: { errors: number[]; opsPerSample: number },
  b: { errors: number[]; opsPerSample: number },
): { thresholds: number[]; costA: number; costB: number } {
  const low = Math.max(Math.min(...a.errors), Math.min(...b.errors));
  const high = Math.min(a.errors[0], b.errors[0]);
  const thresholds = Array.from({ length: 5 }, (_, i) => (high <= low ? low : high - ((high - low) * i) / 4));
  const cost = (run: { errors: number[]; opsPerSample: number }): number => {
    const epochs = thresholds.map((t) => epochsToReach(run.errors, t) ?? run.errors.length);
    return (run.opsPerSample * epochs.reduce((s, e) => s + e, 0)) / thresholds.length;
  };
  return { thresholds, costA: cost(a), costB: cost(b) };
}
