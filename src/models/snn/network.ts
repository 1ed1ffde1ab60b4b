/**
 * The §1 network's parameters: weights W_k (layer k → k+1, n_k × n_{k+1}), biases b_k of every
 * non-input layer, and, with Dale's law, which neurons are inhibitory. Layers are 0-based here
 * (0 = input), so the spec's W_l is `weights[l − 1]` and its b_l is `biases[l − 1]`.
 */
import { ConfigError } from '../../errors.js';
import { chooseInhibitory, clipToDale } from '../../plasticity/dale.js';
import { type Matrix, RandomStream, zeros } from '../../tensor/index.js';
import { defaultLearningRates, snnSchema, type SnnConfig, type SnnConfigInput } from './config.js';

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

/** Validate a config and fill in the sizes and learning rates. */
export function resolveSnnConfig(input: SnnConfigInput, defaultLayers: number[]): SnnConfig {
  const parsed = snnSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid SNN config at "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  const layers = parsed.data.layers ?? defaultLayers;
  if (layers.length < 2 || layers.length > 6) {
    throw new ConfigError(`the SNN needs 2 to 6 layers, got ${layers.length}`);
  }
  const learningRates = parsed.data.learningRates ?? defaultLearningRates(layers.length);
  if (learningRates.length !== layers.length - 1) {
    throw new ConfigError(
      `learningRates needs one rate per weight matrix (${layers.length - 1} for layers [${layers.join(',')}]), got ${learningRates.length}`,
    );
  }
  const steps = parsed.data.lif.tMs / parsed.data.lif.dtMs;
  if (Math.abs(steps - Math.round(steps)) > 1e-9) {
    throw new ConfigError(`lif.tMs / lif.dtMs must be a whole number of steps, got ${steps}`);
  }
  return { ...parsed.data, layers, learningRates };
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
