/**
 * The §2 energy ANN's parameters: W_k (layer k → k+1, n_k × n_{k+1}, row = presynaptic) drawn as
 * the SNN's, W ~ Uniform(−1,1)·sqrt(6/(n_k + n_{k+1})) from the run's stream, in the order W_0,
 * W_1, …; biases b_k of every non-input layer, 0 (biases[0], the input's, is empty). Layers are
 * 0-based (0 = input), as in energy.ts. `form` holds the coefficients of the energy the dynamics
 * and the update use (standard with SBP off, the chosen E_θ with SBP on).
 */
import { type Matrix, RandomStream, zeros } from '../../tensor/index.js';
import type { AnnConfig } from './config.js';
import { energyForm, type EnergyForm, type EnergyKind } from './energy.js';

export interface AnnNetwork {
  readonly config: AnnConfig;
  readonly form: EnergyForm;
  /** weights[k]: layer k → layer k+1. */
  readonly weights: Matrix[];
  /** biases[k]: layer k (biases[0], the input layer, is empty and never used). */
  readonly biases: Float32Array[];
}

/** The energy a config's dynamics use: standard with SBP off, `sbpEnergy` with SBP on. */
export function energyKindOf(config: Pick<AnnConfig, 'sbp' | 'sbpEnergy'>): EnergyKind {
  return config.sbp ? config.sbpEnergy : 'standard';
}

export function initAnnNetwork(config: AnnConfig, rng: RandomStream): AnnNetwork {
  const { layers } = config;
  const weights: Matrix[] = [];
  for (let k = 0; k + 1 < layers.length; k++) {
    const w = zeros(layers[k], layers[k + 1]);
    const scale = Math.sqrt(6 / (layers[k] + layers[k + 1]));
    for (let i = 0; i < w.data.length; i++) w.data[i] = rng.uniformIn(-1, 1) * scale;
    weights.push(w);
  }
  const biases = layers.map((n, k) => new Float32Array(k === 0 ? 0 : n));
  return { config, form: energyForm(energyKindOf(config), layers.length, config.theta), weights, biases };
}
