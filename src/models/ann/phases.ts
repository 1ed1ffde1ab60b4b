/**
 * One batch of the §2 energy ANN: free ("sleep") relaxation, nudged ("wake") relaxation, and the
 * parameter update, over the energy E of the network's `form` (energy.ts).
 *
 *   free, N_s iterations:    s_k ← clip(s_k − ε ∂E/∂s_k, 0, 1)         k = 1 … L at once
 *   nudged, N_w iterations:  s_k ← clip(s_k − ε ∂F/∂s_k, 0, 1), F = E + βC, from s⁰
 *   update:                  W_k −= (α_k/β) mean_rows[∂E/∂W_k(s^β) − ∂E/∂W_k(s⁰)],
 *                            b_k −= (α_{k−1}/β) mean_rows[∂E/∂b_k(s^β) − ∂E/∂b_k(s⁰)]
 *
 * Every layer is updated synchronously, from the same previous state (the reference takes the
 * gradient of E with respect to all layers, then steps them all). The input s_0 = ρ(x) is clamped,
 * so ρ(x)W_0 is computed once per batch and reused by every iteration of both phases and by the
 * energy measure (`inputDrive`); the other weights, and their transposes, are uploaded once per
 * batch. States always lie in [0, 1] (they start at 0 and every step clips), so ρ(s) = s for the
 * products; the fused loops still apply ρ and ρ' as written (`gradientEntry`). Every product goes
 * through the MAC-counted `matMul`.
 *
 * This file is the reference implementation of the model's loops (loops.ts, `kernels: "js"`);
 * loops-wasm.ts runs the same batch on the WebAssembly kernels (src/kernels/ann.ts).
 */
import { type Matrix, matMul, type Operand, upload, zeros, copyMatrix } from '../../tensor/index.js';
import { costPerRow, energyPerRow, gradientEntry, layerGradientCoefficients, parameterGradientDifference, rhoMatrix } from './energy.js';
import type { AnnNetwork } from './network.js';

/** What one batch reuses across the iterations of both phases. */
export interface BatchOperands {
  /** ρ(x)W_0, rows × n_1. */
  readonly inputDrive: Matrix;
  /** down[k] = W_k (k ≥ 1; down[0] unused). */
  readonly down: (Operand | undefined)[];
  /** up[k] = W_kᵀ (k ≥ 1; up[0] unused: the input is clamped). */
  readonly up: (Operand | undefined)[];
  dispose(): void;
}

/** Upload the weights for a batch and compute ρ(x)W_0; `input` must already be ρ(x). */
export function prepareBatch(net: AnnNetwork, input: Matrix): BatchOperands {
  const inputDrive = matMul(input, net.weights[0]);
  const down = net.weights.map((w, k) => (k === 0 ? undefined : upload(w)));
  let up: (Operand | undefined)[] = [];
  try {
    up = net.weights.map((w, k) => (k === 0 ? undefined : upload(w, true)));
  } catch (err) {
    down.forEach((o) => o?.dispose());
    throw err;
  }
  return { inputDrive, down, up, dispose: () => [...down, ...up].forEach((o) => o?.dispose()) };
}

export interface Teacher {
  readonly target: Matrix;
  /** Signed β of F = E + βC. */
  readonly beta: number;
}

/**
 * Relax `states` (index 0 = ρ(x), never changed; 1 … L changed in place) for `iterations`
 * synchronous iterations on E, or on F = E + βC with a teacher.
 */
export function relax(net: AnnNetwork, states: Matrix[], ops: BatchOperands, iterations: number, teacher?: Teacher): void {
  const L = states.length - 1;
  const { epsilon } = net.config;
  const coefficients = states.map((_, k) => (k === 0 ? undefined : layerGradientCoefficients(net.form, k)));
  for (let it = 0; it < iterations; it++) {
    // Every product from the previous state first, then every layer steps.
    const below: Float32Array[] = [];
    const above: Float32Array[] = [];
    for (let k = 1; k <= L; k++) {
      below[k] = (k === 1 ? ops.inputDrive : matMul(states[k - 1], ops.down[k - 1] as Operand)).data;
      if (k < L) above[k] = matMul(states[k + 1], ops.up[k] as Operand).data;
    }
    for (let k = 1; k <= L; k++) {
      const c = coefficients[k]!;
      const { rows, cols, data: s } = states[k];
      const b = net.biases[k];
      const fromBelow = below[k];
      const fromAbove = above[k];
      const y = k === L ? teacher?.target.data : undefined;
      const twoBeta = 2 * (teacher?.beta ?? 0);
      for (let r = 0; r < rows; r++) {
        for (let i = r * cols, j = 0; j < cols; i++, j++) {
          const si = s[i];
          let g = gradientEntry(c, si, b[j], fromBelow[i], fromAbove ? fromAbove[i] : 0);
          if (y) g += twoBeta * (si - y[i]);
          const v = si - epsilon * g;
          s[i] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
}

/** Mean E and mean C of the batch at `states` (the inputs' drive reused). */
export function measure(net: AnnNetwork, states: Matrix[], ops: BatchOperands, target: Matrix): { energy: number; cost: number } {
  const up = states.slice(0, -1).map((s, k) => (k === 0 ? ops.inputDrive : matMul(s, ops.down[k] as Operand)));
  const energies = energyPerRow(net.form, net.biases, states, up);
  const costs = costPerRow(states[states.length - 1], target);
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return { energy: mean(energies), cost: mean(costs) };
}

/**
 * The §2 update with states held fixed: θ −= (α/β) mean_rows[∂E/∂θ(s^β) − ∂E/∂θ(s⁰)] for every
 * W_k (α_k) and b_k (α_{k−1}, k = 1 … L), β signed. `free[0]` and `nudged[0]` must be the same
 * (clamped) input matrix.
 */
export function updateParameters(net: AnnNetwork, free: Matrix[], nudged: Matrix[], beta: number): void {
  const g = parameterGradientDifference(net.form, net, nudged, free, matMul);
  const rates = net.config.learningRates;
  net.weights.forEach((w, k) => {
    const step = rates[k] / beta;
    const d = g.weights[k];
    const data = w.data;
    for (let i = 0; i < data.length; i++) data[i] -= step * d[i];
  });
  for (let k = 1; k < net.biases.length; k++) {
    const step = rates[k - 1] / beta;
    const d = g.biases[k];
    const b = net.biases[k];
    for (let j = 0; j < b.length; j++) b[j] -= step * d[j];
  }
}

export interface BatchResult {
  /** s⁰: [ρ(x), s⁰_1, …, s⁰_L]. */
  readonly free: Matrix[];
  /** s^β (training only). */
  readonly nudged?: Matrix[];
  /** Mean E and C at s⁰ (before the update). */
  readonly energy: number;
  readonly cost: number;
}

/** The batch's states [ρ(x), s_1 … s_L] from the initial states of layers 1 … L (copied). */
function batchStates(x: Matrix, initial: readonly Matrix[]): Matrix[] {
  return [rhoMatrix(x), ...initial.map((m) => copyMatrix(m))];
}

/** A training batch: free phase, measures at s⁰, nudged phase with signed β, update. */
export function trainBatch(net: AnnNetwork, x: Matrix, y: Matrix, initial: readonly Matrix[], beta: number): BatchResult {
  const free = batchStates(x, initial);
  const ops = prepareBatch(net, free[0]);
  try {
    relax(net, free, ops, net.config.sleepIterations);
    const { energy, cost } = measure(net, free, ops, y);
    const nudged = [free[0], ...free.slice(1).map((m) => copyMatrix(m))];
    relax(net, nudged, ops, net.config.wakeIterations, { target: y, beta });
    updateParameters(net, free, nudged, beta);
    return { free, nudged, energy, cost };
  } finally {
    ops.dispose();
  }
}

/** An evaluation batch: the free phase only; prediction = argmax s⁰_L. */
export function evaluateBatch(net: AnnNetwork, x: Matrix, y: Matrix, initial: readonly Matrix[]): BatchResult {
  const free = batchStates(x, initial);
  const ops = prepareBatch(net, free[0]);
  try {
    relax(net, free, ops, net.config.sleepIterations);
    return { free, ...measure(net, free, ops, y) };
  } finally {
    ops.dispose();
  }
}

/** Zero states for layers 1 … L of a batch of `rows` (tests, references). */
export function zeroStates(layers: readonly number[], rows: number): Matrix[] {
  return layers.slice(1).map((n) => zeros(rows, n));
}
