/**
 * The §2 energies, the cost, and their gradients, derived by hand.
 *
 * Layers k = 0 … L (0 = the clamped input x, L = the output), sizes n_k; W_k is n_k × n_{k+1}
 * (row = presynaptic), b_k is 1 × n_k (b_0, the input's, is absent: zero and never learned, as in
 * the reference, which updates b_1 … b_L only). ρ(s) = clip(s, 0, 1), ρ'(s) = 1 on [0, 1], else 0.
 * One row (example) at a time; every energy here has the one form
 *
 *   E(s) = Σ_{k=0}^{L} q_k ρ(s_k)·ρ(s_k) + Σ_{k=0}^{L} d_k b_k·ρ(s_k) + Σ_{k=0}^{L−1} a_k ρ(s_k) W_k ρ(s_{k+1})ᵀ
 *
 * with per-layer coefficients (q quadratic, d bias, a interaction):
 *
 * - standard E (SBP off):  E = ½ Σ_l ρ(s_l)·ρ(s_l) − Σ_l b_l·ρ(s_l) − Σ_l ρ(s_l)W_lρ(s_{l+1})ᵀ
 *     q_k = ½, d_k = −1, a_k = −1.
 * - "literal" E_θ (SBP on, §2 exactly as written, signs included):
 *     E_θ = Σ_{l=0}^{L−2} [ ρ(s_l)W_lρ(s_{l+1})ᵀ + ρ(s_l)·ρ(s_l) + θ( ρ(s_{l+1})W_{l+1}ρ(s_{l+2})ᵀ + ρ(s_{l+1})·ρ(s_{l+1}) ) ]
 *           + Σ_{l=0}^{L−1} ρ(s_l)·b_l + Σ_{l=0}^{L−1} ρ(s_{l+1})·b_{l+1}.
 *   Collecting terms: W_k appears in the first term for k ≤ L−2 and in the θ term for k ≥ 1;
 *   ρ(s_k)·ρ(s_k) likewise, for k ≤ L−2 and 1 ≤ k ≤ L−1 (never for the output k = L); b_k in the
 *   first bias sum for k ≤ L−1 and in the second for k ≥ 1:
 *     a_k = [k ≤ L−2] + θ[k ≥ 1]          (k = 0 … L−1)
 *     q_k = [k ≤ L−2] + θ[1 ≤ k ≤ L−1]    (k = 0 … L; q_L = 0)
 *     d_k = [k ≤ L−1] + [k ≥ 1]           (d_0 = d_L = 1, hidden 2)
 *   For 3 layers (L = 2): a = [1, θ], q = [1, θ, 0], d = [1, 2, 1]: the output has no quadratic
 *   term (its energy is linear in s_L, so the free phase integrates its drive into the clip bounds)
 *   and W_1 enters with weight θ. It still learns: measured on MNIST (784-500-10, paper defaults,
 *   seed 1) 94.05 / 94.75 % validation after epochs 1 / 2, against 96.47 / 97.19 % for the standard
 *   energy; 99 % of the free output units sit at 0 or 1 (standard: 98 %) and 1 % of rows have
 *   several outputs at 1 (standard: none). Deeper: middle hidden layers get q = 1 + θ, so with
 *   ε = 1 their step s ← s − ε(2q s + …) = −2s + … (θ = ½) overshoots: measured at init on a
 *   784-500-500-10 net, both hidden layers flip by the full range 1 at every iteration.
 *   (The all-plus signs by themselves change nothing: E_θ(s; W, b) = E_θ'(s; −W, −b) for the same
 *   form with minus signs on the interaction and bias terms, and the update is consistent with it,
 *   so a run from W₀ equals the sign-flipped run from −W₀, and the init distribution is symmetric.)
 * - "output-quadratic" (a corrected reading): the literal E_θ plus the output's own quadratic term
 *   ½ ρ(s_L)·ρ(s_L) that the sum over l = 0 … L−2 leaves out (q_L = ½, so that at ε = 1 the output
 *   steps to its drive, s_L ← clip(−θ ρ(s_{L−1})W_{L−1} − b_L), as the 3-layer hidden layer does at
 *   θ = ½: q_1 = θ gives 2q_1 = 1). Everything else as written.
 *   Measured on MNIST (784-500-10, paper defaults, seed 1): 96.19 / 96.93 % validation after
 *   epochs 1 / 2. For 4 or more layers it inherits the literal middle-layer coefficients 1 + θ.
 *
 * Cost and total energy of the nudged phase: C = |s_L − y|² (s_L itself, as written and as the
 * reference), F = E + βC.
 *
 * Gradients (per row; terms whose index leaves 0 … L are absent):
 *   ∂E/∂s_k = ρ'(s_k) ⊙ ( 2 q_k ρ(s_k) + d_k b_k + a_{k−1} ρ(s_{k−1})W_{k−1} + a_k ρ(s_{k+1})W_kᵀ )
 *     from d/ds q ρ(s)² = 2q ρ(s)ρ'(s); d/ds d b ρ(s) = d b ρ'(s); the interaction with the layer
 *     below, a_{k−1} Σ_{ij} ρ(s_{k−1})_i W_{ij} ρ(s_k)_j, gives a_{k−1}(ρ(s_{k−1})W_{k−1})_j ρ'(s_k)_j;
 *     the one with the layer above, a_k Σ_{jm} ρ(s_k)_j W_{jm} ρ(s_{k+1})_m, gives
 *     a_k(ρ(s_{k+1})W_kᵀ)_j ρ'(s_k)_j.
 *   ∂F/∂s_L = ∂E/∂s_L + 2β(s_L − y).
 *   ∂E/∂W_k = a_k ρ(s_k)ᵀ ρ(s_{k+1})   (n_k × n_{k+1} outer product)
 *   ∂E/∂b_k = d_k ρ(s_k).
 *
 * The parameter update (§2) uses them at fixed states, averaged over the B rows of the batch (as
 * the reference, which takes the batch mean of the energies):
 *   W_k −= (α_k/β) · (1/B) Σ_rows [∂E/∂W_k(s^β) − ∂E/∂W_k(s⁰)]
 *        = −(α_k a_k/(βB)) ( ρ(s^β_k)ᵀρ(s^β_{k+1}) − ρ(s⁰_k)ᵀρ(s⁰_{k+1}) )
 *   b_k −= (α_{k−1}/β) · (1/B) Σ_rows d_k (ρ(s^β_k) − ρ(s⁰_k))     (k = 1 … L)
 * Since the input is clamped (s^β_0 = s⁰_0 = x), the k = 0 difference is one product,
 * a_0 ρ(x)ᵀ(ρ(s^β_1) − ρ(s⁰_1)), not two.
 *
 * The functions take any dense matrix (Float32 engine state or Float64 test values) and a matrix
 * product: the engine passes the MAC-counted TF.js `matMul`, the tests a float64 loop.
 */
import type { SbpEnergyName } from './config.js';

export type EnergyKind = 'standard' | SbpEnergyName;

export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array | Float64Array;
}

export type Product<M extends Dense> = (a: M, b: M, options?: { transposeA?: boolean; transposeB?: boolean }) => M;

/** The coefficients of one energy for a net of L + 1 layers (see the module comment). */
export interface EnergyForm {
  readonly kind: EnergyKind;
  /** a_k, k = 0 … L−1. */
  readonly interaction: readonly number[];
  /** q_k, k = 0 … L. */
  readonly quadratic: readonly number[];
  /** d_k, k = 0 … L. */
  readonly bias: readonly number[];
}

export interface EnergyParameters<M extends Dense = Dense> {
  /** weights[k] = W_k, n_k × n_{k+1}. */
  readonly weights: readonly M[];
  /** biases[k] = b_k (biases[0], the input's, is empty). */
  readonly biases: readonly (Float32Array | Float64Array)[];
}

export const rho = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
export const rhoPrime = (v: number): number => (v >= 0 && v <= 1 ? 1 : 0);

const ind = (c: boolean): number => (c ? 1 : 0);

/** The coefficients of `kind` for `layerCount` = L + 1 layers. */
export function energyForm(kind: EnergyKind, layerCount: number, theta: number): EnergyForm {
  const L = layerCount - 1;
  const layers = Array.from({ length: L + 1 }, (_, k) => k);
  const synapses = layers.slice(0, L);
  switch (kind) {
    case 'standard':
      return { kind, interaction: synapses.map(() => -1), quadratic: layers.map(() => 0.5), bias: layers.map(() => -1) };
    case 'literal':
    case 'output-quadratic': {
      const interaction = synapses.map((k) => ind(k <= L - 2) + theta * ind(k >= 1));
      const quadratic = layers.map((k) => ind(k <= L - 2) + theta * ind(k >= 1 && k <= L - 1));
      if (kind === 'output-quadratic') quadratic[L] = 0.5;
      const bias = layers.map((k) => ind(k <= L - 1) + ind(k >= 1));
      return { kind, interaction, quadratic, bias };
    }
  }
}

/** The coefficients that enter ∂E/∂s_k, for the fused update loops. */
export interface LayerGradientCoefficients {
  /** 2 q_k. */
  readonly self: number;
  /** d_k. */
  readonly bias: number;
  /** a_{k−1}, multiplying (ρ(s_{k−1})W_{k−1})_j. */
  readonly below: number;
  /** a_k, multiplying (ρ(s_{k+1})W_kᵀ)_j (0 for the output layer). */
  readonly above: number;
}

export function layerGradientCoefficients(form: EnergyForm, k: number): LayerGradientCoefficients {
  const L = form.quadratic.length - 1;
  return { self: 2 * form.quadratic[k], bias: form.bias[k], below: form.interaction[k - 1], above: k < L ? form.interaction[k] : 0 };
}

/** One entry of ∂E/∂s_k: ρ'(s)(2q ρ(s) + d b + a_{k−1} below + a_k above). */
export function gradientEntry(c: LayerGradientCoefficients, s: number, bias: number, below: number, above: number): number {
  return rhoPrime(s) * (c.self * rho(s) + c.bias * bias + c.below * below + c.above * above);
}

/** ρ(m) as a fresh matrix of the same kind, or m itself when every entry is already in [0, 1]. */
export function rhoMatrix<M extends Dense>(m: M): M {
  const d = m.data;
  let inside = true;
  for (let i = 0; i < d.length && inside; i++) inside = d[i] >= 0 && d[i] <= 1;
  if (inside) return m;
  const out = d.slice();
  for (let i = 0; i < out.length; i++) out[i] = rho(out[i]);
  return { ...m, data: out } as M;
}

/**
 * The products ρ(s_k)W_k, k = 0 … L−1 (`inputDrive`, when given, is ρ(x)W_0, reused).
 */
export function upwardProducts<M extends Dense>(params: EnergyParameters<M>, states: readonly M[], product: Product<M>, inputDrive?: M): M[] {
  return params.weights.map((w, k) => (k === 0 && inputDrive ? inputDrive : product(rhoMatrix(states[k]), w)));
}

/**
 * E of every row, in float64. `up[k]` = ρ(s_k)W_k (from `upwardProducts`). States[0] is the input.
 */
export function energyPerRow(form: EnergyForm, biases: EnergyParameters['biases'], states: readonly Dense[], up: readonly Dense[]): Float64Array {
  const rows = states[0].rows;
  const energies = new Float64Array(rows);
  for (let k = 0; k < states.length; k++) {
    const { cols, data: s } = states[k];
    const q = form.quadratic[k];
    const d = form.bias[k];
    const b = biases[k];
    const hasBias = k > 0 && b.length === cols;
    for (let r = 0; r < rows; r++) {
      let e = 0;
      for (let i = r * cols, j = 0; j < cols; i++, j++) {
        const p = rho(s[i]);
        e += q * p * p;
        if (hasBias) e += d * b[j] * p;
      }
      energies[r] += e;
    }
    if (k < states.length - 1) {
      const a = form.interaction[k];
      const next = states[k + 1];
      const pr = up[k].data;
      for (let r = 0; r < rows; r++) {
        let e = 0;
        for (let i = r * next.cols, j = 0; j < next.cols; i++, j++) e += pr[i] * rho(next.data[i]);
        energies[r] += a * e;
      }
    }
  }
  return energies;
}

/** C = |s_L − y|² of every row. */
export function costPerRow(output: Dense, target: Dense): Float64Array {
  const costs = new Float64Array(output.rows);
  for (let r = 0; r < output.rows; r++) {
    let c = 0;
    for (let i = r * output.cols, j = 0; j < output.cols; i++, j++) {
      const diff = output.data[i] - target.data[i];
      c += diff * diff;
    }
    costs[r] = c;
  }
  return costs;
}

const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

/** The mean over rows of E. */
export function meanEnergy<M extends Dense>(form: EnergyForm, params: EnergyParameters<M>, states: readonly M[], product: Product<M>, inputDrive?: M): number {
  return mean(energyPerRow(form, params.biases, states, upwardProducts(params, states, product, inputDrive)));
}

export const meanCost = (output: Dense, target: Dense): number => mean(costPerRow(output, target));

/**
 * ∂E/∂s_k for k = 1 … L (index 0, the clamped input, is empty), in float64; with `teacher`, ∂F/∂s
 * for F = E + βC. For tests and references: the engine fuses the same `gradientEntry` into its
 * update loops.
 */
export function stateGradients<M extends Dense>(
  form: EnergyForm,
  params: EnergyParameters<M>,
  states: readonly M[],
  product: Product<M>,
  teacher?: { target: Dense; beta: number },
): Float64Array[] {
  const L = states.length - 1;
  const up = upwardProducts(params, states, product);
  const grads: Float64Array[] = [new Float64Array(0)];
  for (let k = 1; k <= L; k++) {
    const c = layerGradientCoefficients(form, k);
    const below = up[k - 1].data;
    const above = k < L ? product(rhoMatrix(states[k + 1]), params.weights[k], { transposeB: true }).data : undefined;
    const { rows, cols, data: s } = states[k];
    const b = params.biases[k];
    const g = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let i = r * cols, j = 0; j < cols; i++, j++) {
        g[i] = gradientEntry(c, s[i], b[j], below[i], above ? above[i] : 0);
        if (k === L && teacher) g[i] += 2 * teacher.beta * (s[i] - teacher.target.data[i]);
      }
    }
    grads.push(g);
  }
  return grads;
}

export interface ParameterGradients {
  /** weights[k]: mean over rows of ∂E/∂W_k(A) − ∂E/∂W_k(B), n_k × n_{k+1} row-major. */
  readonly weights: (Float32Array | Float64Array)[];
  /** biases[k]: mean over rows of ∂E/∂b_k(A) − ∂E/∂b_k(B) (biases[0] empty). */
  readonly biases: Float64Array[];
}

/**
 * (1/B) Σ_rows [∂E/∂θ(A) − ∂E/∂θ(B)] for every W_k and b_k, states held fixed (B = undefined gives
 * the gradient at A alone). When A and B share the same input matrix (clamped), the k = 0
 * difference is the single product a_0 ρ(x)ᵀ(ρ(A_1) − ρ(B_1)). The weight differences come in the
 * product's precision (float32 from the engine's `matMul`, float64 from a float64 product).
 */
export function parameterGradientDifference<M extends Dense>(
  form: EnergyForm,
  params: EnergyParameters<M>,
  a: readonly M[],
  b: readonly M[] | undefined,
  product: Product<M>,
): ParameterGradients {
  const rows = a[0].rows;
  const weights: (Float32Array | Float64Array)[] = [];
  for (let k = 0; k < params.weights.length; k++) {
    const coef = form.interaction[k] / rows;
    let g: Float32Array | Float64Array;
    if (b && k === 0 && a[0] === b[0]) {
      const pa = rhoMatrix(a[1]).data;
      const pb = rhoMatrix(b[1]).data;
      const diff = pa.slice();
      for (let i = 0; i < diff.length; i++) diff[i] = pa[i] - pb[i];
      g = product(rhoMatrix(a[0]), { ...a[1], data: diff } as M, { transposeA: true }).data;
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    } else {
      g = product(rhoMatrix(a[k]), rhoMatrix(a[k + 1]), { transposeA: true }).data;
      const gb = b ? product(rhoMatrix(b[k]), rhoMatrix(b[k + 1]), { transposeA: true }).data : undefined;
      for (let i = 0; i < g.length; i++) g[i] = coef * (g[i] - (gb ? gb[i] : 0));
    }
    weights.push(g);
  }
  const biases: Float64Array[] = [new Float64Array(0)];
  for (let k = 1; k < a.length; k++) {
    const { cols } = a[k];
    const sa = a[k].data;
    const sb = b?.[k].data;
    const acc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let i = r * cols, j = 0; j < cols; i++, j++) acc[j] += rho(sa[i]) - (sb ? rho(sb[i]) : 0);
    }
    for (let j = 0; j < cols; j++) acc[j] = (form.bias[k] * acc[j]) / rows;
    biases.push(acc);
  }
  return { weights, biases };
}
