/**
 * The one shape every loader returns and every model reads: dense row-major Float32 matrices.
 * A loader never knows about models; a model never reads files (DESIGN.md).
 */
import { ConfigError } from '../errors.js';

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
  /** Rows held out of the training file and evaluated every epoch beside `test` (the §2 protocol). */
  readonly validation?: Dataset;
}

/** Rows start … start+count of a dataset, as views (no copy). */
export function datasetRows(d: Dataset, start: number, count: number, description: string): Dataset {
  const per = d.rowsPerSample ?? 1;
  if (start % per !== 0 || count % per !== 0) throw new RangeError(`datasetRows: rows ${start}+${count} cut a ${per}-row sample`);
  return {
    ...d,
    description,
    count,
    inputs: d.inputs.subarray(start * d.inputSize, (start + count) * d.inputSize),
    targets: d.targets.subarray(start * d.targetSize, (start + count) * d.targetSize),
    ...(d.labels ? { labels: d.labels.subarray(start, start + count) } : {}),
  };
}

/**
 * Hold out the last `rows` training rows as a validation set evaluated every epoch (§2: the energy
 * ANN trains on the first 50,000 MNIST training images and reports the last 10,000).
 */
export function holdOutValidation(data: TaskData, rows: number): TaskData {
  if (rows <= 0) return data;
  const train = data.train;
  if (rows >= train.count) {
    throw new ConfigError(`validationRows: ${rows} validation rows leave no training rows (the training data has ${train.count})`);
  }
  const kept = train.count - rows;
  return {
    ...data,
    train: datasetRows(train, 0, kept, `${train.description}: rows 1–${kept} for training`),
    validation: datasetRows(train, kept, rows, `${train.description}: the last ${rows} rows, held out (validation)`),
  };
}
