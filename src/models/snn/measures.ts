/**
 * Per-batch measures, §1.5, at the free state s⁰ (before the weight update), averaged over rows:
 *   Hopfield energy E = Σ_l ½|s_l|² − Σ_l s_l·b_l − Σ_l (s_l W_l)·s_{l+1}   (input layer included)
 *   cost C = |s_L − y|²   (the products s_l W_l: the model's ProductLoops, TF.js by default)
 *   hidden activity = mean |s⁰_l| over the hidden neurons (l = 2..L−1; 0 without hidden layers):
 *     σ̃ is close to linear (σ̃(z) ≈ z/2) for |z| ≪ 1, so a small value says the hidden layers
 *     still compute an almost linear function of the input.
 */
import { type Matrix, matMul } from '../../tensor/index.js';
import type { SnnNetwork } from './network.js';

export function hopfieldEnergy(net: SnnNetwork, states: Matrix[], inputDrive: Matrix, product: (a: Matrix, w: Matrix) => Matrix = matMul): number {
  const rows = states[0].rows;
  let total = 0;
  for (let k = 0; k < states.length; k++) {
    const s = states[k].data;
    for (let i = 0; i < s.length; i++) total += 0.5 * s[i] * s[i];
    if (k > 0) {
      const b = net.biases[k];
      const n = b.length;
      for (let r = 0; r < s.length; r += n) for (let j = 0; j < n; j++) total -= s[r + j] * b[j]; // entry i = r + j, in order
    }
    if (k < states.length - 1) {
      const sw = k === 0 ? inputDrive : product(states[k], net.weights[k]);
      const next = states[k + 1].data;
      for (let i = 0; i < next.length; i++) total -= sw.data[i] * next[i];
    }
  }
  return total / rows;
}

export function squaredCost(output: Matrix, target: Matrix): number {
  let total = 0;
  for (let i = 0; i < output.data.length; i++) {
    const d = output.data[i] - target.data[i];
    total += d * d;
  }
  return total / output.rows;
}

export function hiddenActivity(states: Matrix[]): number {
  let total = 0;
  let count = 0;
  for (let k = 1; k < states.length - 1; k++) {
    const s = states[k].data;
    for (let i = 0; i < s.length; i++) total += Math.abs(s[i]);
    count += s.length;
  }
  return count === 0 ? 0 : total / count;
}
