/**
 * The two STDP rules of §1.3 (B = batch rows, β = nudging strength):
 *
 *   differential STDP: ΔW = ( s⁺_{m−1}ᵀ s⁰_m − s⁰_{m−1}ᵀ s⁰_m ) / (βB)
 *   symmetric STDP:    ΔW = ( s⁺_{m−1}ᵀ s⁺_m − s⁰_{m−1}ᵀ s⁰_m ) / (βB)   (equilibrium propagation)
 *
 * Differential STDP is computed as (s⁺_{m−1} − s⁰_{m−1})ᵀ s⁰_m, one product instead of two.
 */
import { difference, matMul, scaleInPlace } from '../tensor/index.js';
import type { RuleInput, RuleOutput } from './rule.js';

export function differentialStdp(input: RuleInput): RuleOutput {
  const { preFree, preNudged, postFree, beta } = input;
  const preChange = difference(preNudged, preFree);
  const delta = matMul(preChange, postFree, { transposeA: true });
  return { delta: scaleInPlace(delta, 1 / (beta * preFree.rows)) };
}

export function symmetricStdp(input: RuleInput): RuleOutput {
  const { preFree, preNudged, postFree, postNudged, beta } = input;
  const nudged = matMul(preNudged, postNudged, { transposeA: true });
  const free = matMul(preFree, postFree, { transposeA: true });
  const scale = 1 / (beta * preFree.rows);
  const d = nudged.data;
  for (let i = 0; i < d.length; i++) d[i] = (d[i] - free.data[i]) * scale;
  return { delta: nudged };
}
