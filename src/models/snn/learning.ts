/**
 * Steps (d) and (e) of a batch, §1.2:
 *
 *   (d) b_l += α_{l−1} · mean_over_batch( (s⁺_l − s⁰_l)/β ),  l = 2..L
 *   (e) from the top down, m = L … 2: ΔW by the rule (§1.3), update noise (§1.4), then
 *       W_{m−1} += α_{m−1} ΔW  (Dale's law: constrained update for matrices not leaving the input)
 *
 * Where the WebAssembly kernels load (src/kernels), SBP's loops over ΔW (and, without update noise
 * or Dale's law, the update itself) run in them: the same float64 arithmetic in the same order as
 * plasticity/sbp.ts and the loop below, so the weights are bit-identical either way (a test checks).
 */
import { type NeuronKernels, neuronKernels } from '../../kernels/index.js';
import { daleUpdate } from '../../plasticity/dale.js';
import { applyUpdateNoise } from '../../plasticity/noise.js';
import { PLASTICITY_RULES } from '../../plasticity/registry.js';
import { difference, type RuleInput, type RuleOutput, type SbpTrace } from '../../plasticity/rule.js';
import { type SbpSums, sbpSpread, selfBackpropagation } from '../../plasticity/sbp.js';
import { type Matrix, matMul, type RandomStream } from '../../tensor/index.js';
import type { SnnNetwork } from './network.js';

export function updateBiases(net: SnnNetwork, free: Matrix[], nudged: Matrix[]): void {
  const { beta, learningRates } = net.config;
  for (let k = 1; k < free.length; k++) {
    const b = net.biases[k];
    const n = b.length;
    const rows = free[k].rows;
    const scale = learningRates[k - 1] / (beta * rows);
    const change = new Float64Array(n);
    const f = free[k].data;
    const p = nudged[k].data;
    for (let i = 0; i < f.length; i++) change[i % n] += p[i] - f[i];
    for (let j = 0; j < n; j++) b[j] += scale * change[j];
  }
}

export function updateWeights(net: SnnNetwork, free: Matrix[], nudged: Matrix[], rng: RandomStream, epochIndex: number): void {
  const { config, weights, inhibitory } = net;
  const rule = PLASTICITY_RULES[config.rule];
  const kernels = rule === selfBackpropagation ? neuronKernels() : undefined;
  let above: SbpTrace | undefined;
  for (let m = free.length - 1; m >= 1; m--) {
    const input: RuleInput = {
      preFree: free[m - 1],
      preNudged: nudged[m - 1],
      postFree: free[m],
      postNudged: nudged[m],
      beta: config.beta,
      feedsOutput: m === free.length - 1,
      above,
      sbp: config.sbp,
    };
    const w = weights[m - 1];
    const alpha = config.learningRates[m - 1];
    const constrained = config.dale.enabled && m - 1 >= 1;
    if (kernels && config.noise === 'none' && !constrained) {
      above = sbpInKernels(kernels, input, { weights: w.data, alpha }).trace; // ΔW and the update in one pass
      continue;
    }
    const { delta, trace } = kernels ? sbpInKernels(kernels, input) : rule(input);
    above = trace;
    applyUpdateNoise(delta.data, config.noise, epochIndex, rng);
    if (constrained) {
      daleUpdate(w, delta.data, alpha, inhibitory[m - 1], config.dale.shrink);
    } else {
      const wd = w.data;
      const d = delta.data;
      for (let i = 0; i < wd.length; i++) wd[i] += alpha * d[i];
    }
  }
}

/**
 * plasticity/sbp.ts's selfBackpropagation with its two loops over the n_pre × n_post entries in the
 * kernels; D, the sums, the spread factors and the trace are its own. With `update`, the kernels
 * also apply W += αΔW and ΔW is not returned (delta is then empty).
 */
function sbpInKernels(kernels: NeuronKernels, input: RuleInput, update?: { weights: Float32Array; alpha: number }): RuleOutput & { trace: SbpTrace } {
  const { preFree, postFree, postNudged, beta, above, sbp: p } = input;
  const nPre = preFree.cols;
  const nPost = postFree.cols;
  const hidden = !input.feedsOutput && above !== undefined;
  const product = matMul(preFree, difference(postNudged, postFree), { transposeA: true }).data; // βB·D, as sbpBaseChange
  let trace: SbpTrace | undefined;
  const spread = (sums: SbpSums) => {
    const out = sbpSpread(sums, p, hidden ? above : undefined);
    trace = out.trace;
    return out.factors;
  };
  kernels.selfBackpropagation(product, nPre, nPost, 1 / (beta * preFree.rows), hidden, spread, update);
  if (!trace) throw new Error('SBP kernel returned without computing the spread factors');
  return { delta: update ? { rows: 0, cols: 0, data: new Float32Array(0) } : { rows: nPre, cols: nPost, data: product }, trace };
}
