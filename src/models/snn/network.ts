/**
 * The §1 network's parameters: weights W_k (layer k → k+1, n_k × n_{k+1}), biases b_k of every
 * non-input layer, and, with Dale's law, which neurons are inhibitory. Layers are 0-based here
 * (0 = input), so the spec's W_l is `weights[l − 1]` and its b_l is `biases[l − 1]`.
 */
import { chooseInhibitory, clipToDale } from '../../plasticity/dale.js';
import { type Matrix, RandomStream, zeros } from '../../tensor/index.js';
import type { SnnConfig } from './config.js';

export interface SnnParameters {
  /** weights[k]: layer k → layer k+1. */
  readonly weights: Matrix[];
  /** biases[k]: layer k (biases[0], the input layer, is empty and never used). */
  readonly biases: Float32Array[];
}

export interface SnnNetwork extends SnnParameters {
  readonly config: SnnConfig;
  /** inhibitory[k][i] = 1 when neuron i of layer k is inhibitory (all 0 without Dale's law). */
  readonly inhibitory: Uint8Array[];
}

/** Weights W ~ Uniform(−1,1)·sqrt(6/(n_k + n_{k+1})), biases 0 (§1.1); Dale's law clips signs. */
export function initNetwork(config: SnnConfig, rng: RandomStream): SnnNetwork {
  const { layers } = config;
  const weights: Matrix[] = [];
  for (let k = 0; k < layers.length - 1; k++) {
    const w = zeros(layers[k], layers[k + 1]);
    const scale = Math.sqrt(6 / (layers[k] + layers[k + 1]));
    for (let i = 0; i < w.data.length; i++) w.data[i] = rng.uniformIn(-1, 1) * scale;
    weights.push(w);
  }
  const biases = layers.map((n, k) => new Float32Array(k === 0 ? 0 : n));
  const inhibitory = layers.map((n) =>
    config.dale.enabled ? chooseInhibitory(n, config.dale.inhibitoryFraction, rng) : new Uint8Array(n),
  );
  if (config.dale.enabled) weights.forEach((w, k) => clipToDale(w, inhibitory[k]));
  return { config, weights, biases, inhibitory };
}
