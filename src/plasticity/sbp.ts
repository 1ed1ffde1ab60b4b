/**
 * Self-backpropagation, §1.3. Base change D = s⁰_{m−1}ᵀ (s⁺_m − s⁰_m) / (βB), split into
 * D⁺ = max(D, 0) (LTP) and D⁻ = min(D, 0) (LTD). With N(v) = v / sum(v) (v unchanged when
 * sum(v) = 0), range r and fraction f:
 *
 *   1. presynaptic lateral, LTP:  a₁ = 1 + λ_pre  f N(r·rowsum(D⁺));    P1 = diag(a₁) D⁺
 *   2. presynaptic lateral, LTD:  a₂ = 1 + λ_pre  f N(r·|rowsum(D⁻)|);  P2 = diag(a₂) D⁻
 *   3. postsynaptic lateral, LTD: c₃ = 1 + λ_post f N(r·|colsum(D⁻)|);  P3 = D⁻ diag(c₃)
 *   output matrix (m = L):  ΔW = P1 + (P2 + P3)/2
 *   hidden matrix, from the trace of the matrix above (rowsums of its P1, P2 = the change of
 *   each neuron's OUTPUT synapses):
 *   4. back, LTP:  c₄ = 1 + λ_bp f N(r·rowsum(LTP_{m+1}));  P4 = D⁺ diag(c₄)
 *   5. back, LTD:  c₅ = 1 + λ_bp f N(r·rowsum(LTD_{m+1}));  P5 = D⁻ diag(c₅)
 *   ΔW = (P1 + P4)/2 + (P2 + P3 + P5)/3, NaN entries of P1..P5 set to 0.
 *
 * With f = 0 every factor is 1 and ΔW = D exactly.
 */
import { difference, matMul } from '../tensor/index.js';
import type { RuleInput, RuleOutput, SbpFactors, SbpParams, SbpSums, SbpTrace } from './rule.js';

/** N(v) = v / sum(v); v itself when the sum is 0. */
export function normalizeBySum(v: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  if (sum === 0) return v.slice();
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / sum;
  return out;
}

/** 1 + λ f N(r·v): the spread factor of one SBP component. */
export function spreadFactors(v: Float64Array, lambda: number, p: SbpParams): Float64Array {
  const scaled = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) scaled[i] = p.range * v[i];
  const n = normalizeBySum(scaled);
  for (let i = 0; i < n.length; i++) n[i] = 1 + lambda * p.fraction * n[i];
  return n;
}

/**
 * Components 1–5's factors from the sums of D, and the trace the matrix below needs:
 * rowsum(P1) = a₁·rowsum(D⁺), rowsum(P2) = a₂·rowsum(D⁻). c₄ and c₅ only for a hidden matrix
 * (`above` = the trace of the matrix above it).
 */
export function sbpSpread(sums: SbpSums, p: SbpParams, above?: SbpTrace): { factors: SbpFactors; trace: SbpTrace } {
  const { ltpRow, ltdRowAbs, ltdColAbs } = sums;
  const a1 = spreadFactors(ltpRow, p.lambdaPre, p); // presynaptic lateral LTP
  const a2 = spreadFactors(ltdRowAbs, p.lambdaPre, p); // presynaptic lateral LTD
  const c3 = spreadFactors(ltdColAbs, p.lambdaPost, p); // postsynaptic lateral LTD
  const trace: SbpTrace = {
    ltpRowSums: ltpRow.map((s, i) => a1[i] * s),
    ltdRowSums: ltdRowAbs.map((s, i) => -a2[i] * s),
  };
  if (!above) return { factors: { a1, a2, c3 }, trace };
  const c4 = spreadFactors(above.ltpRowSums, p.lambdaBp, p); // back LTP
  const c5 = spreadFactors(above.ltdRowSums, p.lambdaBp, p); // back LTD
  return { factors: { a1, a2, c3, c4, c5 }, trace };
}

/** βB·D = s⁰_{m−1}ᵀ (s⁺_m − s⁰_m), n_pre × n_post. */
export function sbpBaseProduct(input: RuleInput): Float32Array {
  const { preFree, postFree, postNudged } = input;
  return matMul(preFree, difference(postNudged, postFree), { transposeA: true }).data;
}

/** D = s⁰_{m−1}ᵀ (s⁺_m − s⁰_m) / (βB). */
export function sbpBaseChange(input: RuleInput): Float32Array {
  const d = sbpBaseProduct(input);
  const scale = 1 / (input.beta * input.preFree.rows);
  for (let i = 0; i < d.length; i++) d[i] *= scale;
  return d;
}

const zeroIfNaN = (x: number): number => (x === x ? x : 0);

/** True when the matrix of `input` lies below another (components 4 and 5 apply, §1.3). */
export const isHiddenMatrix = (input: RuleInput): boolean => !input.feedsOutput && input.above !== undefined;

/** The first pass over D (n_pre × n_post): rowsum(D⁺), |rowsum(D⁻)| and |colsum(D⁻)|, float64. */
export function sbpSumsOf(D: Float32Array, nPre: number, nPost: number): SbpSums {
  const ltpRow = new Float64Array(nPre);
  const ltdRowAbs = new Float64Array(nPre);
  const ltdColAbs = new Float64Array(nPost);
  for (let i = 0; i < nPre; i++) {
    const base = i * nPost;
    let pos = 0;
    let neg = 0;
    for (let j = 0; j < nPost; j++) {
      const d = D[base + j];
      if (d > 0) pos += d;
      else if (d < 0) {
        neg += d;
        ltdColAbs[j] -= d;
      }
    }
    ltpRow[i] = pos;
    ltdRowAbs[i] = Math.abs(neg);
  }
  return { ltpRow, ltdRowAbs, ltdColAbs };
}

/**
 * The second pass: D becomes ΔW in place, entry by entry, from the spread factors (output matrix:
 * P1 + (P2 + P3)/2; hidden matrix, with c₄ and c₅: (P1 + P4)/2 + (P2 + P3 + P5)/3, NaN → 0).
 */
export function sbpDeltaInPlace(D: Float32Array, nPre: number, nPost: number, factors: SbpFactors): Float32Array {
  const { a1, a2, c3, c4, c5 } = factors;
  if (!c4 || !c5) {
    for (let i = 0; i < nPre; i++) {
      const base = i * nPost;
      for (let j = 0; j < nPost; j++) {
        const d = D[base + j];
        D[base + j] = d > 0 ? a1[i] * d : d < 0 ? (a2[i] * d + d * c3[j]) / 2 : 0;
      }
    }
  } else {
    for (let i = 0; i < nPre; i++) {
      const base = i * nPost;
      for (let j = 0; j < nPost; j++) {
        const d = D[base + j];
        if (d > 0) D[base + j] = (zeroIfNaN(a1[i] * d) + zeroIfNaN(d * c4[j])) / 2;
        else if (d < 0) D[base + j] = (zeroIfNaN(a2[i] * d) + zeroIfNaN(d * c3[j]) + zeroIfNaN(d * c5[j])) / 3;
        else D[base + j] = 0; // also NaN: every P entry is NaN and set to 0
      }
    }
  }
  return D;
}

export function selfBackpropagation(input: RuleInput): RuleOutput {
  const nPre = input.preFree.cols;
  const nPost = input.postFree.cols;
  const D = sbpBaseChange(input);
  const { factors, trace } = sbpSpread(sbpSumsOf(D, nPre, nPost), input.sbp, isHiddenMatrix(input) ? input.above : undefined);
  return { delta: { rows: nPre, cols: nPost, data: sbpDeltaInPlace(D, nPre, nPost, factors) }, trace };
}
