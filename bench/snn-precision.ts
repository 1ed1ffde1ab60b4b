/**
 * `npm run bench -- snn --compare-precision [--batches N] [--data DIR]`: what `lif.precision: "fast"`
 * changes against the exact path, on N MNIST training batches (default 200 × 50) from one init.
 *
 * Two measures:
 *   - same state: before every batch the exact network's weights and state are copied and its
 *     free phase (a)+(b) is run on the fast loops; the spike counts of each layer and the
 *     predictions (argmax of s⁰_L) are compared with the exact path's free phase of the same batch,
 *     so the differences are those of one batch's arithmetic;
 *   - own trajectories: the fast network trains on its own from the same init; its predictions and
 *     spikes are compared batch by batch with the exact network's (what a training run sees).
 */
import type { TaskData } from '../src/data/dataset.js';
import { resolveSnnConfig, type SnnConfig } from '../src/models/snn/config.js';
import { snnLoops } from '../src/models/snn/loops.js';
import { initNetwork, type SnnNetwork } from '../src/models/snn/network.js';
import { freePhase, trainBatch } from '../src/models/snn/snn.js';
import { initState, type SnnState } from '../src/models/snn/state.js';
import { type Matrix, RandomStream } from '../src/tensor/index.js';

const argmax = (m: Matrix, r: number): number => {
  let best = 0;
  for (let j = 1; j < m.cols; j++) if (m.data[r * m.cols + j] > m.data[r * m.cols + best]) best = j;
  return best;
};
const cloneNet = (net: SnnNetwork, config: SnnConfig): SnnNetwork => ({
  config, inhibitory: net.inhibitory, weights: net.weights.map((w) => ({ ...w, data: w.data.slice() })), biases: net.biases.map((b) => b.slice()),
});
const cloneState = (s: SnnState): SnnState => ({ batchSize: s.batchSize, layers: s.layers.map((l) => ({ v: l.v.slice(), g: l.g.slice(), particles: l.particles.slice() })) });

export interface PrecisionComparison {
  batches: number;
  rows: number;
  sameState: { predictionsDiffering: number; spikesExact: number[]; spikesFast: number[]; spikeCountAbsDiff: number[]; maxOutputAbsDiff: number };
  ownTrajectories: { predictionsDiffering: number; spikesExact: number[]; spikesFast: number[]; maxWeightAbsDiff: number[] };
}

export function comparePrecision(data: TaskData, batches: number, batchSize = 50): PrecisionComparison {
  const layers = [data.train.inputSize, 500, data.train.targetSize];
  const exactConfig = resolveSnnConfig({ rule: 'sbp' }, layers);
  const fastConfig = resolveSnnConfig({ rule: 'sbp', lif: { precision: 'fast' } }, layers);
  const exactNet = initNetwork(exactConfig, RandomStream.fromSeed(1));
  const fastNet = cloneNet(exactNet, fastConfig);
  const exactState = initState(exactConfig, batchSize);
  const fastState = initState(fastConfig, batchSize);
  const exactLoops = snnLoops(exactConfig, 'wasm');
  const fastLoops = snnLoops(fastConfig, 'wasm');
  const rng = RandomStream.fromSeed(2);
  const L = layers.length;
  const zero = () => new Array<number>(L).fill(0);
  const same = { predictionsDiffering: 0, spikesExact: zero(), spikesFast: zero(), spikeCountAbsDiff: zero(), maxOutputAbsDiff: 0 };
  const own = { predictionsDiffering: 0, spikesExact: zero(), spikesFast: zero(), maxWeightAbsDiff: zero() };
  const n = data.train.inputSize;
  const t = data.train.targetSize;
  const count = Math.min(batches, Math.floor(data.train.count / batchSize));
  for (let b = 0; b < count; b++) {
    const x: Matrix = { rows: batchSize, cols: n, data: data.train.inputs.slice(b * batchSize * n, (b + 1) * batchSize * n) };
    const y: Matrix = { rows: batchSize, cols: t, data: data.train.targets.slice(b * batchSize * t, (b + 1) * batchSize * t) };
    // the same state and weights, fast arithmetic for this batch's free phase
    const probe = freePhase(cloneNet(exactNet, fastConfig), cloneState(exactState), x, rng, fastLoops);
    const exact = trainBatch(exactNet, exactState, x, y, rng, 0, exactLoops);
    const probeOut = probe.states[L - 1];
    for (let r = 0; r < batchSize; r++) if (argmax(probeOut, r) !== argmax(exact.output, r)) same.predictionsDiffering++;
    for (let i = 0; i < probeOut.data.length; i++) same.maxOutputAbsDiff = Math.max(same.maxOutputAbsDiff, Math.abs(probeOut.data[i] - exact.output.data[i]));
    const exactSpikes = exact.spikes ?? zero();
    for (let k = 0; k < L; k++) {
      same.spikesExact[k] += exactSpikes[k];
      same.spikesFast[k] += probe.spikes[k];
      same.spikeCountAbsDiff[k] += Math.abs(probe.spikes[k] - exactSpikes[k]);
    }
    // the fast network on its own trajectory
    const fast = trainBatch(fastNet, fastState, x, y, rng, 0, fastLoops);
    for (let r = 0; r < batchSize; r++) if (argmax(fast.output, r) !== argmax(exact.output, r)) own.predictionsDiffering++;
    for (let k = 0; k < L; k++) {
      own.spikesExact[k] += exactSpikes[k];
      own.spikesFast[k] += (fast.spikes ?? zero())[k];
    }
  }
  exactNet.weights.forEach((w, k) => {
    let m = 0;
    for (let i = 0; i < w.data.length; i++) m = Math.max(m, Math.abs(w.data[i] - fastNet.weights[k].data[i]));
    own.maxWeightAbsDiff[k] = m;
  });
  return { batches: count, rows: count * batchSize, sameState: same, ownTrajectories: { ...own, maxWeightAbsDiff: own.maxWeightAbsDiff.slice(0, L - 1) } };
}
