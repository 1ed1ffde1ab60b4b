/** Scores of a model's outputs against a dataset's rows. */

/** Index of the largest entry of row r (first one on ties). */
export function argmaxRow(values: Float32Array, r: number, cols: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = values[r * cols + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** Fraction of output rows i whose argmax equals the label of dataset row `rows[i]`. */
export function classificationAccuracy(outputs: Float32Array, labels: Uint8Array, rows: ArrayLike<number>, cols: number): number {
  if (rows.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < rows.length; i++) if (argmaxRow(outputs, i, cols) === labels[rows[i]]) correct++;
  return correct / rows.length;
}
