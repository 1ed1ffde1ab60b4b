/**
 * A task: where its data comes from, the paper's network size and batch size for it, and how its
 * outputs are scored. `score` returns the task's primary score (accuracy for classification, the
 * paper's cosine score for NETtalk) and any further named scores.
 */
import type { Dataset, TaskData } from '../data/dataset.js';

export interface Limits {
  readonly trainLimit?: number;
  readonly testLimit?: number;
}

export interface Scores {
  /** The task's primary score in [0, 1]; logged as trainAccuracy / testAccuracy. */
  readonly primary: number;
  /** Further scores, logged with a train/test prefix (e.g. phonemeAccuracy → testPhonemeAccuracy). */
  readonly extra: Record<string, number>;
}

export interface Task {
  readonly name: string;
  /** What the primary score is, for humans: "accuracy", "score (1 − mean cosine distance)". */
  readonly primaryName: string;
  readonly defaultLayers: number[];
  readonly defaultBatchSize: number;
  /** Load from a directory, or from the embedded default when `dir` is undefined. */
  load(dir: string | undefined, limits: Limits, split?: 'paper' | 'full'): TaskData | Promise<TaskData>;
  /** Score output row i against dataset row `rows[i]`, for i < rows.length. */
  score(outputs: Float32Array, data: Dataset, rows: ArrayLike<number>): Scores;
}
