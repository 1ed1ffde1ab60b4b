/**
 * The §3 spiking MLP's parameters and optimiser state.
 *
 * Initial values (PyTorch `nn.Linear`, as the reference): W_k ~ U(−1/√n_k, 1/√n_k) (n_k × n_{k+1},
 * row = presynaptic), b_{k+1} ~ U(−1/√n_k, 1/√n_k); the fixed SBP feedback R_k of hidden weight k
 * (n_{k+1} × n_out) is Kaiming-uniform, U(−√(6/n_out), √(6/n_out)) (`kaiming_uniform_` of an
 * n_{k+1} × n_out tensor, fan-in n_out). All drawn from the run's stream in that order; R is drawn
 * even when p = 0, so the stream continues the same whatever p.
 *
 * Adam (PyTorch's form): m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
 *   θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
 */
import type { Matrix, RandomStream } from '../../tensor/index.js';
import type { SmlpConfig } from './config.js';

export interface SmlpNetwork {
  readonly config: SmlpConfig;
  /** weights[k]: layer k → layer k+1, n_k × n_{k+1}. */
  readonly weights: Matrix[];
  /** biases[k]: layer k (biases[0], the input layer, is empty). */
  readonly biases: Float32Array[];
  /** feedback[k]: the fixed random R of hidden weight k (k = 0 … L−3), n_{k+1} × n_out. */
  readonly feedback: Matrix[];
  readonly adam: AdamState;
}

export interface AdamState {
  /** First and second moments, one per weight matrix then one per bias of layers 1 … L−1. */
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** Steps taken (float32 holds integers exactly up to 2^24). */
  readonly step: Float32Array;
}

export function initSmlpNetwork(config: SmlpConfig, rng: RandomStream): SmlpNetwork {
  const { layers } = config;
  const weights: Matrix[] = [];
  const biases: Float32Array[] = [new Float32Array(0)];
  for (let k = 0; k + 1 < layers.length; k++) {
    const bound = 1 / Math.sqrt(layers[k]);
    const w = new Float32Array(layers[k] * layers[k + 1]);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniformIn(-bound, bound);
    const b = new Float32Array(layers[k + 1]);
    for (let i = 0; i < b.length; i++) b[i] = rng.uniformIn(-bound, bound);
    weights.push({ rows: layers[k], cols: layers[k + 1], data: w });
    biases.push(b);
  }
  const nOut = layers[layers.length - 1];
  const feedback: Matrix[] = [];
  for (let k = 0; k + 2 < layers.length; k++) {
    const bound = Math.sqrt(6 / nOut);
    const r = new Float32Array(layers[k + 1] * nOut);
    for (let i = 0; i < r.length; i++) r[i] = rng.uniformIn(-bound, bound);
    feedback.push({ rows: layers[k + 1], cols: nOut, data: r });
  }
  const shapes = [...weights.map((w) => w.data.length), ...biases.slice(1).map((b) => b.length)];
  const adam = { m: shapes.map((n) => new Float32Array(n)), v: shapes.map((n) => new Float32Array(n)), step: new Float32Array(1) };
  return { config, weights, biases, feedback, adam };
}

/** The parameters in the order of the Adam moments: weights, then biases of layers 1 … L−1. */
export function parameterArrays(net: SmlpNetwork): Float32Array[] {
  return [...net.weights.map((w) => w.data), ...net.biases.slice(1)];
}

/** The learning rate of an epoch: lr · factor^⌊epoch / decayEpochs⌋ (§3: ×0.1 at epoch 50). */
export function learningRateAt(config: SmlpConfig, epochIndex: number): number {
  return config.learningRate * Math.pow(config.lrDecayFactor, Math.floor(epochIndex / config.lrDecayEpochs));
}

/** One Adam step on every parameter, gradients in the order of `parameterArrays`. */
export function adamStep(net: SmlpNetwork, grads: Float32Array[], lr: number): void {
  const { adamBeta1: b1, adamBeta2: b2, adamEpsilon: eps } = net.config;
  const params = parameterArrays(net);
  const t = net.adam.step[0] + 1;
  net.adam.step[0] = t;
  const stepSize = lr / (1 - Math.pow(b1, t));
  const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
  params.forEach((p, i) => {
    const g = grads[i];
    const m = net.adam.m[i];
    const v = net.adam.v[i];
    for (let j = 0; j < p.length; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      p[j] -= (stepSize * m[j]) / (Math.sqrt(v[j]) / sqrtBc2 + eps);
    }
  });
}
