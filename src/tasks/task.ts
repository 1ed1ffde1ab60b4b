/**
 * A task: its data's shape, how to load it from a DataSource (a directory, files chosen in a
 * browser), the paper's network for it, and how its outputs are scored. `score` returns the task's
 * primary score (accuracy for classification, the paper's cosine score for NETtalk) and any
 * further named scores.
 */
import type { Dataset, TaskData } from '../data/dataset.js';
import type { DataSource } from '../data/source.js';

export interface Limits {
  readonly trainLimit?: number;
  readonly testLimit?: number;
}

export interface LoadOptions extends Limits {
  /** NETtalk: the paper's window split or the full corpus split by word. */
  readonly split?: 'paper' | 'full';
  /** Called with (done, total) while a long load runs (DVS recordings). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Scores {
  /** The task's primary score in [0, 1]; logged as trainAccuracy / testAccuracy. */
  readonly primary: number;
  /** Further scores, logged with a train/test prefix (e.g. phonemeAccuracy → testPhonemeAccuracy). */
  readonly extra: Record<string, number>;
}

export interface Task {
  readonly name: string;
  /** For humans: "MNIST", "NETtalk", "DVS128 Gesture". */
  readonly title: string;
  /** Inputs per row and outputs (targets) per row. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** The paper's network for the task (§1.1): input, 500 hidden, output. */
  readonly defaultLayers: readonly number[];
  /** What the primary score is, for humans: "accuracy", "score (1 − mean cosine distance)". */
  readonly primaryName: string;
  /** What to say when no data was given and the task has no embedded default. */
  readonly dataHint: string;
  /** Load from a folder of the task's files. */
  load(source: DataSource, options: LoadOptions): Promise<TaskData>;
  /** Score output row i against dataset row `rows[i]`, for i < rows.length. */
  score(outputs: Float32Array, data: Dataset, rows: ArrayLike<number>): Scores;
  /** The task's further scores in an epoch line, e.g. ["test phonemes 64.20 %"]. */
  epochParts(values: Readonly<Record<string, unknown>>, evalName: string): string[];
}
