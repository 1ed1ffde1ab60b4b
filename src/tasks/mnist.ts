/** MNIST (§5): 784 inputs, 10 classes; paper network [784, 500, 10], batch 50. */
import { loadEmbeddedMnist, loadMnistDir } from '../data/mnist.js';
import { classificationAccuracy } from './metrics.js';
import type { Task } from './task.js';

export const mnistTask: Task = {
  name: 'mnist',
  defaultLayers: [784, 500, 10],
  primaryName: 'accuracy',
  defaultBatchSize: 50,
  load: (dir, limits) => (dir === undefined ? loadEmbeddedMnist(limits) : loadMnistDir(dir, limits)),
  score(outputs, data, rows) {
    return { primary: classificationAccuracy(outputs, data.labels as Uint8Array, rows, data.targetSize), extra: {} };
  },
};
