/**
 * DVS128 Gesture (§5): each gesture segment binned into 100 frames of 32×32 (the 128×128 sensor
 * pooled 4×4, polarities merged); paper network [1024, 500, 11]. The SNN sees one frame
 * per row (a segment's frames are consecutive rows carrying the segment's label) and a segment is
 * classified by the argmax of its frames' summed outputs. The reference's flattening with its row
 * index error (§1.6) is not reproduced. Primary score: per-segment accuracy; also per-frame.
 */
import { DataFormatError } from '../errors.js';
import { GESTURE_CLASS_COUNT } from '../data/dvsgesture/labels.js';
import { framesAsRows, loadDvsGesture } from '../data/dvsgesture/load.js';
import type { Dataset } from '../data/dataset.js';
import { argmaxRow, classificationAccuracy } from './metrics.js';
import type { Task } from './task.js';

export const GESTURE_FRAMES = 100;
/** One frame: the 128 × 128 sensor pooled 4 × 4, polarities merged. */
const FRAME_INPUTS = 32 * 32;

export const dvsGestureTask: Task = {
  name: 'dvsgesture',
  title: 'DVS128 Gesture',
  inputSize: FRAME_INPUTS,
  outputSize: GESTURE_CLASS_COUNT,
  defaultLayers: [FRAME_INPUTS, 500, GESTURE_CLASS_COUNT],
  primaryName: 'per-segment accuracy',
  dataHint: 'DVS128 Gesture has no embedded default: pass --data DIR holding the DvsGesture recordings (see `selfprop data fetch dvsgesture`)',
  async load(source, limits) {
    // `selfprop data fetch dvsgesture --dir DIR` unpacks to DIR/DvsGesture; accept either folder.
    const dir = (await source.folder('DvsGesture')) ?? source;
    const data = await loadDvsGesture(dir, { frames: GESTURE_FRAMES, onProgress: limits.onProgress });
    // The official split is by subject: a folder without a user of one side has no such set.
    for (const [split, users] of [['train', '1–23'], ['test', '24–29']] as const) {
      if (data[split].count === 0) throw new DataFormatError(dir.name, `no gesture segment of the ${split === 'train' ? 'training' : 'test'} users ${users} (userNN_<lighting>.aedat with their _labels.csv): the official split has no ${split === 'train' ? 'training' : 'test'} set here`);
    }
    const rows = (d: Dataset, limit?: number): Dataset => {
      const segments = limit === undefined ? d.count : Math.min(d.count, Math.ceil(limit / GESTURE_FRAMES));
      const kept: Dataset = { ...d, count: segments, inputs: d.inputs.subarray(0, segments * d.inputSize), targets: d.targets.subarray(0, segments * d.targetSize), labels: d.labels?.subarray(0, segments) };
      return framesAsRows(kept, GESTURE_FRAMES);
    };
    return { ...data, train: rows(data.train, limits.trainLimit), test: rows(data.test, limits.testLimit) };
  },
  score(outputs, data, rows) {
    const labels = data.labels as Uint8Array;
    const width = data.targetSize;
    const perFrame = classificationAccuracy(outputs, labels, rows, width);
    const group = data.rowsPerSample ?? 1;
    const sums = new Map<number, Float32Array>();
    for (let i = 0; i < rows.length; i++) {
      const sample = Math.floor(rows[i] / group);
      let sum = sums.get(sample);
      if (!sum) sums.set(sample, (sum = new Float32Array(width)));
      for (let j = 0; j < width; j++) sum[j] += outputs[i * width + j];
    }
    let correct = 0;
    for (const [sample, sum] of sums) if (argmaxRow(sum, 0, width) === labels[sample * group]) correct++;
    return { primary: sums.size === 0 ? 0 : correct / sums.size, extra: { frameAccuracy: perFrame } };
  },
  epochParts: () => [],
};
