/**
 * The one shape every loader returns and every model reads: dense row-major Float32 matrices.
 * A loader never knows about models; a model never reads files (DESIGN.md).
 */
export interface Dataset {
  /** Where the rows come from, said plainly, e.g. "MNIST t10k (official test set), 10,000 images". */
  readonly description: string;
  readonly count: number;
  readonly inputSize: number;
  readonly targetSize: number;
  /** count × inputSize, row-major, values in [0, 1]. */
  readonly inputs: Float32Array;
  /** count × targetSize, row-major (one-hot for classification, multi-hot for NETtalk). */
  readonly targets: Float32Array;
  /** Class index per row, for classification tasks. */
  readonly labels?: Uint8Array;
  /** Consecutive rows that form one sample (the frames of a DVS gesture segment); default 1. */
  readonly rowsPerSample?: number;
}

/** A task's data as a model trains and evaluates on it. */
export interface TaskData {
  readonly train: Dataset;
  /** The held-out rows. `evalKind` says honestly what they are. */
  readonly test: Dataset;
  /** "test": an official test set; "validation": rows held out of a training set. */
  readonly evalKind: 'test' | 'validation';
}
