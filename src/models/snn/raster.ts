/**
 * A spike raster of one sample (for figures): the sample's free state is computed first from a
 * fresh state (phases a and b, so that its particles are its own, as after a training batch), then
 * phase (a) runs once more step by step and records which neuron of which layer spiked at which
 * step (spike_l = s_l > V_th, §1.2a). Analog drive (the paper-exact mode); STP, when on, is left out
 * of the recorded pass.
 */
import { sigmaTilde } from '../../neurons/activation.js';
import { lifStep } from '../../neurons/lif.js';
import { matMul, RandomStream, type Matrix } from '../../tensor/index.js';
import { lifParamsOf, stepCount } from './feedforward.js';
import type { SnnNetwork } from './network.js';
import { freePhase } from './snn.js';
import { initState } from './state.js';

export interface RasterSpike {
  /** 1 = the first hidden layer. */
  readonly layer: number;
  readonly neuron: number;
  /** 1 … K. */
  readonly step: number;
}

export function recordSpikeRaster(net: SnnNetwork, input: Float32Array): RasterSpike[] {
  const { config } = net;
  const layers = config.layers;
  const x: Matrix = { rows: 1, cols: layers[0], data: input };
  const state = initState({ ...config, stp: { ...config.stp, enabled: false } }, 1);
  freePhase({ ...net, config: { ...config, stp: { ...config.stp, enabled: false }, resetEachBatch: false } }, state, x, RandomStream.fromSeed(0));
  const steps = stepCount(config);
  const params = layers.map((_, k) => (k === 0 ? undefined : lifParamsOf(net, k)));
  const inputDrive = matMul(x, net.weights[0]).data;
  const spikes: RasterSpike[] = [];
  const activity: Float32Array[] = layers.map((n, k) => (k === 0 ? input : new Float32Array(n)));
  for (let step = 1; step <= steps; step++) {
    const lambda = step / steps;
    for (let k = 1; k < layers.length; k++) {
      const n = layers[k];
      const drive = k === 1 ? inputDrive : matMul({ rows: 1, cols: layers[k - 1], data: activity[k - 1] }, net.weights[k - 1]).data;
      const current = new Float32Array(n);
      for (let j = 0; j < n; j++) current[j] = sigmaTilde(drive[j] + net.biases[k][j]);
      const layer = state.layers[k];
      lifStep(current, layer, params[k]!, 1);
      for (let j = 0; j < n; j++) {
        const s = lambda * layer.v[j] + (1 - lambda) * layer.particles[j];
        if (s > config.lif.vTh) spikes.push({ layer: k, neuron: j, step });
        layer.v[j] = s;
        activity[k][j] = sigmaTilde(s);
      }
    }
  }
  return spikes;
}
