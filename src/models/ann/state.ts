/**
 * Persistent per-example states (§2): every example of every split (train, validation, test) keeps
 * its own hidden and output state s_1 … s_L from one epoch to the next, as the reference's
 * "persistent particles". They start at 0. A batch gathers the states of its rows, relaxes them,
 * and stores the free end state s⁰ back. A row beyond the allocated rows (e.g. `selfprop eval`
 * with other limits than the run's) starts from zeros and is not stored.
 */
import { SPLITS, type Split, type SplitRows } from '../model.js';
import { type Matrix, zeros } from '../../tensor/index.js';

export interface PersistentStates {
  readonly rows: SplitRows;
  /** arrays[split][k − 1]: layer k's states of every row of the split, rows × n_k row-major. */
  readonly arrays: Readonly<Record<Split, Float32Array[]>>;
}

export function initPersistentStates(layers: readonly number[], rows: SplitRows): PersistentStates {
  const perSplit = (n: number) => layers.slice(1).map((size) => new Float32Array(n * size));
  return { rows, arrays: { train: perSplit(rows.train), validation: perSplit(rows.validation), test: perSplit(rows.test) } };
}

/** The states of `rows` of `split`, one batch matrix per layer k = 1 … L (zeros for unallocated rows). */
export function gatherStates(p: PersistentStates, layers: readonly number[], split: Split, rows: Int32Array): Matrix[] {
  const allocated = p.rows[split];
  return p.arrays[split].map((source, i) => {
    const n = layers[i + 1];
    const m = zeros(rows.length, n);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (row >= 0 && row < allocated) m.data.set(source.subarray(row * n, (row + 1) * n), r * n);
    }
    return m;
  });
}

/** Store batch states (layers 1 … L) back for the allocated rows of `split`. */
export function scatterStates(p: PersistentStates, split: Split, rows: Int32Array, states: readonly Matrix[]): void {
  const allocated = p.rows[split];
  p.arrays[split].forEach((target, i) => {
    const { cols: n, data } = states[i];
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (row >= 0 && row < allocated) target.set(data.subarray(r * n, (r + 1) * n), row * n);
    }
  });
}
