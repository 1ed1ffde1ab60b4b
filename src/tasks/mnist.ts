/** MNIST (§5): 784 inputs, 10 classes; paper network [784, 500, 10]. */
import { MNIST_CLASSES, MNIST_PIXELS, readMnist } from '../data/mnist.js';
import { classificationAccuracy } from './metrics.js';
import type { Task } from './task.js';

export const mnistTask: Task = {
  name: 'mnist',
  title: 'MNIST',
  inputSize: MNIST_PIXELS,
  outputSize: MNIST_CLASSES,
  defaultLayers: [MNIST_PIXELS, 500, MNIST_CLASSES],
  primaryName: 'accuracy',
  dataHint: 'pass --data DIR holding the four MNIST IDX files (`selfprop data fetch mnist`)',
  load: (source, options) => readMnist(source, options),
  score(outputs, data, rows) {
    return { primary: classificationAccuracy(outputs, data.labels as Uint8Array, rows, data.targetSize), extra: {} };
  },
  epochParts: () => [],
};
