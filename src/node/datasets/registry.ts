/**
 * The datasets on disk, one descriptor each: the task it feeds (its sizes, loader and scores, in
 * the core), where it is downloaded from (`selfprop data fetch`), and how `selfprop data info`
 * recognises and checks its files. Adding a dataset = its task, its source, its recogniser and one
 * line here.
 */
import { dvsGestureTask } from '../../tasks/dvsgesture.js';
import { mnistTask } from '../../tasks/mnist.js';
import { nettalkTask } from '../../tasks/nettalk.js';
import type { Task } from '../../tasks/task.js';
import { DVS_GESTURE_SOURCE, MNIST_SOURCE, NETTALK_SOURCE, type DatasetName, type DatasetSource } from '../fetch/sources.js';
import { dvsGestureRecogniser } from './dvsgesture.js';
import { mnistRecogniser } from './mnist.js';
import { nettalkRecogniser } from './nettalk.js';
import type { DatasetRecogniser } from './recognise.js';

export interface DiskDataset {
  readonly name: DatasetName;
  readonly task: Task;
  readonly source: DatasetSource;
  readonly recogniser: DatasetRecogniser;
}

export const DATASETS: Readonly<Record<DatasetName, DiskDataset>> = {
  mnist: { name: 'mnist', task: mnistTask, source: MNIST_SOURCE, recogniser: mnistRecogniser },
  nettalk: { name: 'nettalk', task: nettalkTask, source: NETTALK_SOURCE, recogniser: nettalkRecogniser },
  dvsgesture: { name: 'dvsgesture', task: dvsGestureTask, source: DVS_GESTURE_SOURCE, recogniser: dvsGestureRecogniser },
};

export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

/** Every dataset's download source, by name (`selfprop data fetch`). */
export const SOURCES: Readonly<Record<DatasetName, DatasetSource>> = Object.fromEntries(
  Object.values(DATASETS).map((d) => [d.name, d.source]),
) as Record<DatasetName, DatasetSource>;
