/**
 * §3 spiking MLP: the forward over K steps, pseudo-backprop (pBP, surrogate-gradient BPTT by
 * autodiff) and the SBP replacement of the hidden-layer gradients, one batch at a time.
 *
 * Forward (§3), layers l = 0 … L−1, weights k = 0 … L−2, s_0^t ~ Bernoulli(x) per step:
 *   v_{k+1}^t = decay·v_{k+1}^{t−1}⊙(1 − s_{k+1}^{t−1}) + sigmoid(s_k^t W_k + b_{k+1}) − 0.1
 *   s_{k+1}^t = H(v_{k+1}^t − θ);   output y = Σ_t s_{L−1}^t / K
 *   loss = mean((y − target)²) [+ energyWeight · (1/(L−2)) Σ_hidden mean_{rows,neurons}(Σ_t s_l^t / K)]
 * (§3 names an "energy regulariser" without defining it; the mean hidden firing rate is our reading.
 * In SBP batches it reaches no weight: the hidden layers are not differentiated there.)
 *
 * pBP batch: every gradient by BPTT through the surrogate ∂s/∂v = 1[|v − θ| < w].
 *
 * SBP batch (§3, decisions of §3.1): autodiff differentiates with respect to the output layer's
 * W_{L−2}, b_{L−1} only, the hidden spikes being constants, so ∂L/∂s_{L−2} (the product through
 * the output weights) is never executed. The per-step output-weight gradient G^t_{L−2} (a hook on
 * each step's product) gives, for each neuron j of the layer below (row j of G^t, an r × c matrix),
 *   sp^t_j = 0.01 · Σ_o |G^t[j,o]| / (r · c)        (r · c = n_hidden · n_out for the output weights)
 * and the gradient of hidden weight k (our layout n_k × n_{k+1}; the spec's diag(sp)·R·Eᵀ·X is its
 * transpose) is
 *   G_k = Σ_t (X_k^t)ᵀ · (E · R_kᵀ) · diag(sp_k^t)  +  hebbianWeight · H_k · diag(Σ_t sp_k^t)
 *   E = target − y (B × n_out), X_k^t = s_k^t (or s_k^{K−1} for all t: `sbpInput: 'last-step'`),
 *   H_k = Σ_{t∈{K−2,K−1}} (s_k^t)ᵀ s_{k+1}^t − Σ_{t∈{0,1}} (s_k^t)ᵀ s_{k+1}^t
 * For deeper nets the spread recurses: sp_{k−1}^t comes from G_k^t of the layer above. Hidden
 * biases get a zero gradient (the output bias too with `freezeOutputBiasInSbp`).
 *
 * Backward MACs executed per batch (B rows, K steps, counted by the products themselves):
 *   pBP: K · [Σ_k n_k B n_{k+1} (weight gradients) + Σ_{k≥1} B n_{k+1} n_k (∂/∂input, not for the data)]
 *   SBP: K · n_{L−2} B n_out (output weights) + Σ_hidden [B n_out n_{k+1} (E·R_kᵀ, once)
 *        + K · n_k B n_{k+1} (1× with 'last-step') + 4 · n_k B n_{k+1} when hebbianWeight > 0]
 * so per-step X saves only the products through the output weights, and the Hebbian term's four
 * dense correlations can cost more than that saving (MNIST 784-500-10: pBP 8.04 M, SBP 9.51 M per
 * sample; without the Hebbian term 7.945 M; 'last-step' X without it 0.497 M).
 *
 * Which batches use SBP: a fraction p; for 0 < p < 1 one uniform draw per training batch from the
 * run's stream (u < p → SBP); p = 0 and p = 1 draw nothing. Then four seed words from the stream
 * for the batch's input spikes (spikes.ts), which the WebAssembly kernels draw the same way.
 *
 * This file is the reference implementation (`kernels: "js"`): TF.js automatic differentiation.
 * The default (`kernels: "wasm"`) runs the same batch in the fused kernels (kernels/smlp.ts), whose
 * gradients agree with these to float32 rounding (test/kernels/smlp.test.ts).
 */
import {
  backwardMacCounter,
  countedProduct,
  download,
  ops,
  type Matrix,
  type RandomStream,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
} from '../../tensor/index.js';
import type { BatchOutcome } from '../model.js';
import { adamStep, learningRateAt, type SmlpNetwork } from './network.js';
import { layerStep, makeSpikeFunction, type LayerState } from './neurons.js';
import { inputSpikes, seedWords } from './spikes.js';

export type HiddenRule = 'pbp' | 'sbp';

/** The input spikes of a batch (spikes.ts), as one rows × n_0 array per step. */
export function spikeSteps(x: Matrix, timeSteps: number, seeds: ArrayLike<number>): Float32Array[] {
  const all = inputSpikes(x.data, x.rows, x.cols, timeSteps, seeds);
  return Array.from({ length: timeSteps }, (_, t) => all.subarray(t * x.data.length, (t + 1) * x.data.length));
}

interface ForwardResult {
  /** Σ_t s_{L−1}^t / K, B × n_out. */
  output: Tensor2D;
  loss: Tensor;
  /** Spikes of every layer (0 = input) summed over steps and rows. */
  spikeTotals: Tensor[];
}

interface ForwardOptions {
  /** Which products need ∂/∂input in the backward pass. */
  inputGrad: (k: number) => boolean;
  /** Hook on the output layer's per-step weight gradient. */
  onOutputGrad?: (t: number, grad: Tensor2D) => void;
  /** Keep s_k^t for the SBP update (record[k][t]). */
  record?: Tensor2D[][];
}

function forward(net: SmlpNetwork, weights: Tensor2D[], biases: Tensor1D[], input: Tensor2D[], target: Tensor2D, options: ForwardOptions): ForwardResult {
  const { decay, threshold, surrogateWindow, timeSteps, energy, energyWeight, layers } = net.config;
  const spikeFn = makeSpikeFunction(threshold, surrogateWindow);
  const rows = target.shape[0];
  const out = layers.length - 2;
  const states: LayerState[] = layers.slice(1).map((n) => ({ v: ops.zeros(rows, n), spike: ops.zeros(rows, n) }));
  const counts: Tensor[] = layers.map((n) => ops.zeros(rows, n));
  for (let t = 0; t < timeSteps; t++) {
    let a = input[t];
    counts[0] = ops.add(counts[0], a);
    if (options.record) options.record[0].push(ops.keep(a));
    for (let k = 0; k <= out; k++) {
      const step = t;
      const hook = k === out && options.onOutputGrad ? (g: Tensor2D) => options.onOutputGrad!(step, g) : undefined;
      states[k] = layerStep(a, weights[k], biases[k], states[k], decay, spikeFn, { inputGrad: options.inputGrad(k), onWeightGrad: hook });
      a = states[k].spike;
      counts[k + 1] = ops.add(counts[k + 1], a);
      if (options.record && k < out) options.record[k + 1].push(ops.keep(a));
    }
  }
  const output = ops.div(counts[layers.length - 1], ops.scalar(timeSteps)) as Tensor2D;
  let loss: Tensor = ops.mean(ops.square(ops.sub(output, target)));
  if (energy && layers.length > 2) {
    let rate: Tensor = ops.scalar(0);
    for (let l = 1; l < layers.length - 1; l++) rate = ops.add(rate, ops.mean(counts[l]));
    loss = ops.add(loss, ops.mul(ops.scalar(energyWeight / (timeSteps * (layers.length - 2))), rate));
  }
  // Kept: autodiff runs the forward in its own tidy; the caller disposes them (`release`).
  return { output: ops.keep(output), loss, spikeTotals: counts.map((c) => ops.keep(ops.sum(c))) };
}

function release(r: ForwardResult): void {
  ops.dispose([r.output, ...r.spikeTotals]);
}

function uploadAll(net: SmlpNetwork, x: Float32Array[], y: Matrix) {
  const weights = net.weights.map((w) => ops.tensor2d(w.data, w.rows, w.cols));
  const biases = net.biases.slice(1).map((b) => ops.tensor1d(b));
  const input = x.map((s) => ops.tensor2d(s, y.rows, net.config.layers[0]));
  const target = ops.tensor2d(y.data, y.rows, y.cols);
  return { weights, biases, input, target };
}

function outcomeOf(output: Tensor, loss: number, spikeTotals: Tensor[], rows: number, extra: Record<string, number>): BatchOutcome {
  const data = download(output);
  const spikes = spikeTotals.map((s) => download(s)[0]);
  return { output: { rows, cols: data.length / Math.max(1, rows), data }, measures: { loss, ...extra }, spikes };
}

/** Forward only (no gradient), the input spikes drawn from `seeds` (spikes.ts). */
export function evaluateBatch(net: SmlpNetwork, x: Matrix, y: Matrix, seeds: ArrayLike<number>): BatchOutcome {
  return evaluateBatchWithSpikes(net, spikeSteps(x, net.config.timeSteps, seeds), y);
}

/** evaluateBatch with given input spikes (spikes[t]: rows × n_0). */
export function evaluateBatchWithSpikes(net: SmlpNetwork, spikes: Float32Array[], y: Matrix): BatchOutcome {
  let outcome: BatchOutcome | undefined;
  ops.tidy(() => {
    const t = uploadAll(net, spikes, y);
    const r = forward(net, t.weights, t.biases, t.input, t.target, { inputGrad: () => false });
    outcome = outcomeOf(r.output, download(r.loss)[0], r.spikeTotals, y.rows, {});
    release(r);
  });
  return outcome!;
}

/** Pick the hidden layers' rule of a training batch (one draw only when 0 < p < 1). */
export function chooseHiddenRule(p: number, rng: RandomStream): HiddenRule {
  if (p <= 0) return 'pbp';
  if (p >= 1) return 'sbp';
  return rng.uniform() < p ? 'sbp' : 'pbp';
}

/** The gradients of one batch, in the order weights then biases of layers 1 … L−1. */
export interface BatchGradients {
  readonly grads: Float32Array[];
  readonly outcome: BatchOutcome;
}

/** Forward + backward of one batch under a given hidden rule, the input spikes drawn from `seeds`; the parameters are not changed. */
export function batchGradients(net: SmlpNetwork, x: Matrix, y: Matrix, seeds: ArrayLike<number>, rule: HiddenRule): BatchGradients {
  return batchGradientsWithSpikes(net, spikeSteps(x, net.config.timeSteps, seeds), y, rule);
}

/** batchGradients with given input spikes (spikes[t]: rows × n_0). */
export function batchGradientsWithSpikes(net: SmlpNetwork, spikes: Float32Array[], y: Matrix, rule: HiddenRule): BatchGradients {
  const { layers } = net.config;
  const out = layers.length - 2;
  const backwardBefore = backwardMacCounter.total;
  let grads: Float32Array[] = [];
  let outcome: BatchOutcome | undefined;
  // Results leave the tidy through the closure (tidy would walk returned typed arrays).
  ops.tidy(() => {
    const t = uploadAll(net, spikes, y);
    let fwd: ForwardResult | undefined;
    let loss: number;
    if (rule === 'pbp') {
      const f = (...p: Tensor[]) => {
        fwd = forward(net, p.slice(0, out + 1) as Tensor2D[], p.slice(out + 1) as Tensor1D[], t.input, t.target, { inputGrad: (k) => k > 0 });
        return fwd.loss;
      };
      const r = ops.valueAndGrads(f)([...t.weights, ...t.biases]);
      grads = r.grads.map(download);
      loss = download(r.value)[0];
    } else {
      // SBP: differentiate the output layer only; the hidden spikes are constants of the graph.
      const record: Tensor2D[][] = layers.slice(0, out + 1).map(() => []);
      const outputSp: Tensor[] = [];
      const f = (wOut: Tensor, bOut: Tensor) => {
        fwd = forward(net, [...t.weights.slice(0, out), wOut as Tensor2D], [...t.biases.slice(0, out), bOut as Tensor1D], t.input, t.target, {
          inputGrad: () => false,
          record,
          // The hook's tensor belongs to the engine; keep only sp^t computed from it.
          onOutputGrad: (step, grad) => void (outputSp[step] = ops.keep(spreadStrength(grad))),
        });
        return fwd.loss;
      };
      const r = ops.valueAndGrads(f)([t.weights[out], t.biases[out]]);
      const error = ops.sub(t.target, fwd!.output) as Tensor2D;
      const hidden = sbpHiddenGradients(net, record, outputSp, error);
      const biasGrads: Float32Array[] = layers.slice(1).map((n) => new Float32Array(n));
      if (!net.config.freezeOutputBiasInSbp) biasGrads[out] = download(r.grads[1]);
      grads = [...hidden.map(download), download(r.grads[0]), ...biasGrads];
      loss = download(r.value)[0];
      ops.dispose([...record.flat(), ...outputSp]);
    }
    const backwardMacs = (backwardMacCounter.total - backwardBefore) / Math.max(1, y.rows);
    outcome = outcomeOf(fwd!.output, loss, fwd!.spikeTotals, y.rows, { backwardMacs, sbpBatch: rule === 'sbp' ? 1 : 0 });
    release(fwd!);
  });
  return { grads, outcome: outcome! };
}

/** sp_j = 0.01 · Σ_i |G[j, i]| / (rows · cols) of a weight gradient G (rows = the neurons j). */
function spreadStrength(g: Tensor2D): Tensor {
  const [rows, cols] = g.shape;
  return ops.mul(ops.sum(ops.abs(g), 1), ops.scalar(0.01 / (rows * cols)));
}

/**
 * The SBP gradients of the hidden weights k = L−3 … 0 (module comment): from the per-step gradient
 * of the weight above, sp^t (`outputSp`: those of the output weights, from the autodiff hook); then Σ_t (X_k^t)ᵀ·(E·R_kᵀ)·diag(sp^t) + hebbianWeight·H_k·diag(Σ_t sp^t).
 */
export function sbpHiddenGradients(net: SmlpNetwork, record: Tensor2D[][], outputSp: Tensor[], error: Tensor2D): Tensor2D[] {
  const { layers, timeSteps: K, hebbianWeight, sbpInput } = net.config;
  const out = layers.length - 2;
  const nOut = layers[layers.length - 1];
  const grads: Tensor2D[] = new Array(out);
  let aboveStepGrads: Tensor2D[] = [];
  for (let k = out - 1; k >= 0; k--) {
    const nPre = layers[k];
    const nPost = layers[k + 1];
    const sp = k === out - 1 ? outputSp : aboveStepGrads.map(spreadStrength);
    const feedback = ops.tensor2d(net.feedback[k].data, nPost, nOut);
    const spread = countedProduct(error, feedback, { transposeB: true, backward: true }); // E·R_kᵀ, B × n_post
    const lastStep = sbpInput === 'last-step' ? countedProduct(record[k][K - 1], spread, { transposeA: true, backward: true }) : undefined;
    const stepGrads: Tensor2D[] = [];
    let total = ops.zeros(nPre, nPost) as Tensor;
    let spTotal = ops.zeros(1, nPost) as Tensor;
    for (let t = 0; t < K; t++) {
      const p = lastStep ?? countedProduct(record[k][t], spread, { transposeA: true, backward: true });
      const g = ops.mul(p, sp[t]) as Tensor2D;
      total = ops.add(total, g);
      spTotal = ops.add(spTotal, sp[t]);
      if (k > 0) stepGrads.push(g);
    }
    if (hebbianWeight > 0) {
      const corr = (t: number) => countedProduct(record[k][t], record[k + 1][t], { transposeA: true, backward: true });
      const late = ops.add(corr(K - 1), corr(Math.max(0, K - 2)));
      const early = ops.add(corr(0), corr(Math.min(1, K - 1)));
      total = ops.add(total, ops.mul(ops.mul(ops.sub(late, early), spTotal), ops.scalar(hebbianWeight)));
    }
    grads[k] = total as Tensor2D;
    aboveStepGrads = stepGrads;
  }
  return grads;
}

/** One training batch: choose the hidden rule, compute the gradients, one Adam step. */
export function trainBatch(net: SmlpNetwork, x: Matrix, y: Matrix, rng: RandomStream, epochIndex: number, rule?: HiddenRule): BatchOutcome {
  const chosen = rule ?? chooseHiddenRule(net.config.sbpFraction, rng);
  const { grads, outcome } = batchGradients(net, x, y, seedWords(rng), chosen);
  adamStep(net, grads, learningRateAt(net.config, epochIndex));
  return outcome;
}
