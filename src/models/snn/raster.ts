/**
 * A spike raster of one sample (for figures): the sample's free state is computed first from a
 * fresh state (phases a and b, so that its particles are its own, as after a training batch), then
 * phase (a) runs once more step by step and records which neuron of which layer spiked at which
 * step (spike_l = s_l > V_th, §1.2a), with the LIF and blend steps of neurons/lif.ts. Analog drive
 * (the paper-exact mode), on the JS loops; STP, when on, is left out of the recorded pass.
 */
import { sigmaTilde } from '../../neurons/activation.js';
import { blendStep, lifStep } from '../../neurons/lif.js';
import { matMul, RandomStream, type Matrix } from '../../tensor/index.js';
import type { RasterSpike } from '../family.js';
import { lifParamsOf, stepCount } from './feedforward.js';
import type { SnnNetwork } from './network.js';
import { JS_LOOPS } from './loops.js';
import { freePhase } from './snn.js';
import { initState } from './state.js';

export type { RasterSpike } from '../family.js';

export function recordSpikeRaster(net: SnnNetwork, input: Float32Array): RasterSpike[] {
  const { config } = net;
  const layers = config.layers;
  const x: Matrix = { rows: 1, cols: layers[0], data: input };
  const state = initState({ ...config, stp: { ...config.stp, enabled: false } }, 1);
  freePhase({ ...net, config: { ...config, stp: { ...config.stp, enabled: false }, resetEachBatch: false } }, state, x, RandomStream.fromSeed(0), JS_LOOPS);
  const steps = stepCount(config);
  const params = layers.map((_, k) => (k === 0 ? undefined : lifParamsOf(net, k)));
  const inputDrive = matMul(x, net.weights[0]).data;
  const spikes: RasterSpike[] = [];
  const activity: Float32Array[] = layers.map((n, k) => (k === 0 ? input : new Float32Array(n)));
  const fired = new Float32Array(Math.max(...layers));
  for (let step = 1; step <= steps; step++) {
    for (let k = 1; k < layers.length; k++) {
      const n = layers[k];
      const drive = k === 1 ? inputDrive : matMul({ rows: 1, cols: layers[k - 1], data: activity[k - 1] }, net.weights[k - 1]).data;
      const current = new Float32Array(n);
      for (let j = 0; j < n; j++) current[j] = sigmaTilde(drive[j] + net.biases[k][j]);
      const layer = state.layers[k];
      const v = layer.v.subarray(0, n);
      lifStep(current, { v, g: layer.g.subarray(0, n) }, params[k]!, 1);
      blendStep(v, layer.particles.subarray(0, n), step / steps, config.lif.vTh, { into: fired, offset: 0, kind: 'spikes' });
      for (let j = 0; j < n; j++) {
        if (fired[j] === 1) spikes.push({ layer: k, neuron: j, step });
        activity[k][j] = sigmaTilde(v[j]);
      }
    }
  }
  return spikes;
}
