/**
 * What the training loop needs of a model family (§1 SNN, §2 energy ANN, §3 spiking MLP): one
 * batch of training or evaluation, its parameters for export, every array a checkpoint must hold to
 * continue bit for bit (named, with its shape), and the §4 operation count.
 */
import type { LifThreads } from '../kernels/lif-threads.js';
import type { Matrix, RandomStream } from '../tensor/index.js';

export interface BatchContext {
  readonly rng: RandomStream;
  /** 0-based epoch index (update noise, schedules). */
  readonly epochIndex: number;
  /** The dataset row of each batch row (for models that keep per-example state). */
  readonly rows: Int32Array;
  /** Which dataset the rows index (per-example state is kept per split). */
  readonly split: Split;
}

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** Rows of each split, for models that keep per-example state (§2); sizes their state arrays. */
export type SplitRows = Readonly<Record<Split, number>>;

export const NO_ROWS: SplitRows = { train: 0, validation: 0, test: 0 };

export interface BatchOutcome {
  /** The model's answer, rows × n_out. */
  readonly output: Matrix;
  /** Per-batch measures averaged over rows (e.g. energy, cost); logged as train<Name>/test<Name>. */
  readonly measures: Readonly<Record<string, number>>;
  /** Spikes emitted per layer in this batch, for spiking models. */
  readonly spikes?: readonly number[];
}

export interface ModelParameters {
  /** weights[k]: layer k → layer k+1 (W<k+1> in files). */
  readonly weights: Matrix[];
  /** biases[k]: layer k (biases[0], the input layer, is empty). */
  readonly biases: Float32Array[];
}

/** One array of a model's state, as a checkpoint stores it. */
export interface NamedArray {
  /** Unique within the model, e.g. "W1", "b2", "state.train.s1", "adam.m.W1". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Uint8Array;
}

export interface Model {
  readonly layers: readonly number[];
  readonly parameters: ModelParameters;
  /** What runs the model's hot loops, one line per phase or part (for the run log). */
  readonly implementation: readonly string[];
  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome;
  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome;
  /**
   * Parameters and persistent state, in a fixed order, each named with its shape: a checkpoint
   * saves them and restores them in place (by name).
   */
  stateArrays(): NamedArray[];
  /** The paper's operations per sample per epoch (§4). */
  paperOpsPerSample(): number;
  /**
   * Run the hot loops that can on these helper threads too (before the first batch; results
   * bit-identical to one thread). Absent where a family has no threaded loops.
   */
  useThreads?(threads: LifThreads): void;
}

/** Names and shapes for a model's weights W1 … and biases b1 … (b1, the input's, is empty). */
export function parameterArrays(p: ModelParameters): NamedArray[] {
  return [
    ...p.weights.map((w, k) => ({ name: `W${k + 1}`, shape: [w.rows, w.cols], data: w.data })),
    ...p.biases.map((b, k) => ({ name: `b${k + 1}`, shape: [b.length], data: b })),
  ];
}
