/**
 * What the training loop needs of a model family (§1 SNN today; §2 energy ANN and §3 spiking MLP
 * plug in the same way): one batch of training or evaluation, its parameters for export, every
 * array a checkpoint must hold to continue bit for bit, and the §4 operation count.
 */
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

export interface Model {
  readonly layers: readonly number[];
  readonly parameters: ModelParameters;
  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome;
  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome;
  /** Parameters and persistent state, in a fixed order; a checkpoint saves them and restores them in place. */
  checkpointArrays(): (Float32Array | Uint8Array)[];
  /** The paper's operations per sample per epoch (§4). */
  paperOpsPerSample(): number;
}
