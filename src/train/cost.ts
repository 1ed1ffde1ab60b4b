/**
 * The computational cost of §4.
 *
 * Operations per sample per epoch are each family's (its model's `paperOpsPerSample`: SNN-SBP
 * mn + nk + n, SNN without SBP mn + nk + n + m, energy ANN and spiking MLP 2(mn + nk)).
 *
 * The cost of a run = ops per sample × epochs needed to reach a test-error threshold, averaged
 * over 5 thresholds evenly spaced over the error range that both compared runs reach.
 */
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
