/**
 * Steps (d) and (e) of a batch, §1.2:
 *
 *   (d) b_l += α_{l−1} · mean_over_batch( (s⁺_l − s⁰_l)/β ),  l = 2..L
 *   (e) from the top down, m = L … 2: ΔW by the rule (§1.3), update noise (§1.4), then
 *       W_{m−1} += α_{m−1} ΔW  (Dale's law: constrained update for matrices not leaving the input)
 *
 * The rule's ΔW (and, without noise or Dale's law, the update itself) is the model's
 * `PlasticityLoops` (chosen once when it is built, loops.ts): the rule's own function from
 * plasticity/ (the reference), or SBP's two passes over ΔW in the WebAssembly kernels, bit-identical
 * to plasticity/sbp.ts (loops-wasm.ts).
 */
import { daleUpdate } from '../../plasticity/dale.js';
import { applyUpdateNoise } from '../../plasticity/noise.js';
import { getRule, type RuleDescriptor } from '../../plasticity/registry.js';
import type { RuleInput, SbpTrace } from '../../plasticity/rule.js';
import type { Matrix, RandomStream } from '../../tensor/index.js';
import type { SnnNetwork } from './network.js';

/** W ← W + α·ΔW. */
export interface WeightUpdate {
  readonly weights: Float32Array;
  readonly alpha: number;
}

export interface PlasticityLoops {
  /**
   * ΔW of one matrix by `rule`, and SBP's trace for the matrix below. With `update`, the weights
   * are updated instead (W += α·ΔW) and `delta` is absent.
   */
  delta(rule: RuleDescriptor, input: RuleInput, update?: WeightUpdate): { readonly delta?: Matrix; readonly trace?: SbpTrace };
}

/** W += α·ΔW, the plain update loop. */
export function addScaled(update: WeightUpdate, delta: Float32Array): void {
  const { weights: w, alpha } = update;
  for (let i = 0; i < w.length; i++) w[i] += alpha * delta[i];
}

/** The rules' own functions: the reference. */
export const jsPlasticity: PlasticityLoops = {
  delta(rule, input, update) {
    const out = rule.delta(input);
    if (!update) return out;
    addScaled(update, out.delta.data);
    return { trace: out.trace };
  },
};

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
    for (let r = 0; r < f.length; r += n) for (let j = 0; j < n; j++) change[j] += p[r + j] - f[r + j]; // entry i = r + j, in order
    for (let j = 0; j < n; j++) b[j] += scale * change[j];
  }
}

export function updateWeights(net: SnnNetwork, free: Matrix[], nudged: Matrix[], rng: RandomStream, epochIndex: number, loops: PlasticityLoops): void {
  const { config, weights, inhibitory } = net;
  const rule = getRule(config.rule);
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
    if (config.noise === 'none' && !constrained) {
      above = loops.delta(rule, input, { weights: w.data, alpha }).trace; // ΔW and the update in one pass
      continue;
    }
    const { delta, trace } = loops.delta(rule, input);
    above = trace;
    const d = (delta as Matrix).data;
    applyUpdateNoise(d, config.noise, epochIndex, rng);
    if (constrained) daleUpdate(w, d, alpha, inhibitory[m - 1], config.dale.shrink);
    else addScaled({ weights: w.data, alpha }, d);
  }
}
