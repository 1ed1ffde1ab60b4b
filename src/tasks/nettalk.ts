/**
 * NETtalk (§5): 189 inputs (7-letter window × 27 symbols), 26 multi-hot outputs (21 articulatory
 * features + stress); paper network [189, 500, 26], batch 1 (§1.6). The primary score is the
 * paper's: 1 − mean cosine distance, an all-zero output row scoring 0 (§1.6). Further scores:
 * phoneme accuracy (nearest valid code, J/G share one), frame accuracy (all 26 units right at 0.5),
 * and the count of all-zero output rows.
 */
import { INPUT_SIZE, TARGET_SIZE } from '../data/nettalk/encode.js';
import { readNettalk } from '../data/nettalk/load.js';
import { nettalkMetrics } from '../data/nettalk/metrics.js';
import type { Task } from './task.js';

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

export const nettalkTask: Task = {
  name: 'nettalk',
  title: 'NETtalk',
  inputSize: INPUT_SIZE,
  outputSize: TARGET_SIZE,
  defaultLayers: [INPUT_SIZE, 500, TARGET_SIZE],
  primaryName: 'score (1 − mean cosine distance)',
  dataHint: 'NETtalk has no embedded default (its licence is non-commercial research): pass --data DIR holding nettalk.data and nettalk.list (get them with `selfprop data fetch nettalk`)',
  async load(source, limits) {
    const { data } = await readNettalk(source, { mode: limits.split ?? 'paper' });
    const take = (d: typeof data.train, limit?: number) =>
      limit === undefined || limit >= d.count
        ? d
        : {
            ...d,
            description: `${d.description} (first ${limit})`,
            count: limit,
            inputs: d.inputs.slice(0, limit * d.inputSize),
            targets: d.targets.slice(0, limit * d.targetSize),
          };
    return { ...data, train: take(data.train, limits.trainLimit), test: take(data.test, limits.testLimit) };
  },
  score(outputs, data, rows) {
    const width = data.targetSize;
    const targets = new Float32Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) targets.set(data.targets.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
    const m = nettalkMetrics(outputs.subarray(0, rows.length * width), targets, rows.length);
    return {
      primary: m.score,
      extra: { phonemeAccuracy: m.accuracy, frameAccuracy: m.frameAccuracy, zeroOutputRows: m.zeroOutputRows },
    };
  },
  epochParts: (values, evalName) => (typeof values.testPhonemeAccuracy === 'number' ? [`${evalName} phonemes ${pct(values.testPhonemeAccuracy)}`] : []),
};
