/**
 * What a §1.3 plasticity rule sees and returns. A rule is a pure function of the two phase
 * states of the layers a weight matrix W_{m−1} connects (row = presynaptic neuron of layer m−1,
 * column = postsynaptic neuron of layer m); it returns ΔW, and SBP also returns a trace for the
 * rule call of the matrix below it (top-down order, §1.2e).
 */
import type { Matrix } from '../tensor/index.js';

/** SBP's parameters (§1.3): range r, fraction f and the three component weights λ. */
export interface SbpParams {
  readonly range: number;
  readonly fraction: number;
  readonly lambdaPre: number;
  readonly lambdaPost: number;
  readonly lambdaBp: number;
}

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

/** The sums of D that SBP's spread factors are made of: rowsum(D⁺), |rowsum(D⁻)|, |colsum(D⁻)|. */
export interface SbpSums {
  readonly ltpRow: Float64Array;
  readonly ltdRowAbs: Float64Array;
  readonly ltdColAbs: Float64Array;
}

/** SBP's spread factors: a₁, a₂ per presynaptic neuron, c₃ (and c₄, c₅ for hidden matrices) per postsynaptic one. */
export interface SbpFactors {
  readonly a1: Float64Array;
  readonly a2: Float64Array;
  readonly c3: Float64Array;
  readonly c4?: Float64Array;
  readonly c5?: Float64Array;
}

export interface RuleOutput {
  /** ΔW, n_pre × n_post. */
  readonly delta: Matrix;
  readonly trace?: SbpTrace;
}

export type PlasticityRule = (input: RuleInput) => RuleOutput;
