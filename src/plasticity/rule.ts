/**
 * What a §1.3 plasticity rule sees and returns. A rule is a pure function of the two phase
 * states of the layers a weight matrix W_{m−1} connects (row = presynaptic neuron of layer m−1,
 * column = postsynaptic neuron of layer m); it returns ΔW, and SBP also returns a trace for the
 * rule call of the matrix below it (top-down order, §1.2e).
 */
import type { Matrix } from '../tensor/index.js';
import type { SbpParams } from './sbp.js';

export interface RuleInput {
  /** s⁰_{m−1}: free state of the presynaptic layer (batch × n_pre). */
  readonly preFree: Matrix;
  /** s⁺_{m−1}: nudged state of the presynaptic layer. */
  readonly preNudged: Matrix;
  /** s⁰_m: free state of the postsynaptic layer (batch × n_post). */
  readonly postFree: Matrix;
  /** s⁺_m: nudged state of the postsynaptic layer. */
  readonly postNudged: Matrix;
  /** β of the nudged phase. */
  readonly beta: number;
  /** True when W_{m−1} feeds the output layer (m = L). */
  readonly feedsOutput: boolean;
  /** What the rule call of the matrix above (W_m) left for this one; absent for the top matrix. */
  readonly above?: SbpTrace;
  readonly sbp: SbpParams;
}

/**
 * Row sums of LTP_m = P1 and LTD_m = P2 of a matrix: one number per presynaptic neuron, i.e. per
 * neuron j of layer m−1, measuring how strongly j's OUTPUT synapses changed (§1.3, 4 and 5).
 */
export interface SbpTrace {
  readonly ltpRowSums: Float64Array;
  readonly ltdRowSums: Float64Array;
}

export interface RuleOutput {
  /** ΔW, n_pre × n_post. */
  readonly delta: Matrix;
  readonly trace?: SbpTrace;
}

export type PlasticityRule = (input: RuleInput) => RuleOutput;

/** x ← x · factor, elementwise. */
export function scaleInPlace(m: Matrix, factor: number): Matrix {
  const d = m.data;
  for (let i = 0; i < d.length; i++) d[i] *= factor;
  return m;
}

/** a − b as a new matrix (same shapes). */
export function difference(a: Matrix, b: Matrix): Matrix {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { rows: a.rows, cols: a.cols, data: out };
}
