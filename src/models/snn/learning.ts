/**
 * Steps (d) and (e) of a batch, §1.2:
 *
 *   (d) b_l += α_{l−1} · mean_over_batch( (s⁺_l − s⁰_l)/β ),  l = 2..L
 *   (e) from the top down, m = L … 2: ΔW by the rule (§1.3), update noise (§1.4), then
 *       W_{m−1} += α_{m−1} ΔW  (Dale's law: constrained update for matrices not leaving the input)
 */
import { daleUpdate } from '../../plasticity/dale.js';
import { applyUpdateNoise } from '../../plasticity/noise.js';
import { PLASTICITY_RULES } from '../../plasticity/registry.js';
import type { SbpTrace } from '../../plasticity/rule.js';
import type { Matrix, RandomStream } from '../../tensor/index.js';
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
  let above: SbpTrace | undefined;
  for (let m = free.length - 1; m >= 1; m--) {
    const { delta, trace } = rule({
      preFree: free[m - 1],
      preNudged: nudged[m - 1],
      postFree: free[m],
      postNudged: nudged[m],
      beta: config.beta,
      feedsOutput: m === free.length - 1,
      above,
      sbp: config.sbp,
    });
    above = trace;
    applyUpdateNoise(delta.data, config.noise, epochIndex, rng);
    const w = weights[m - 1];
    const alpha = config.learningRates[m - 1];
    if (config.dale.enabled && m - 1 >= 1) {
      daleUpdate(w, delta.data, alpha, inhibitory[m - 1], config.dale.shrink);
    } else {
      const wd = w.data;
      const d = delta.data;
      for (let i = 0; i < wd.length; i++) wd[i] += alpha * d[i];
    }
  }
}
