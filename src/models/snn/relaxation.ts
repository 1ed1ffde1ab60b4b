/**
 * Phases (b) and (c) of a batch, §1.2: relaxation of the states towards a fixed point, the input
 * s_1 = x clamped. Per iteration, hidden layers in order, then the output:
 *
 *   hidden:  s_l ← σ̃( s_l − ε( s_l − s_{l−1}W_{l−1} − s_{l+1}W_lᵀ − b_l ) )
 *   output:  s_L ← relu( s_L − ε( s_L − s_{L−1}W_{L−1} − b_L [+ β(s_L − y)] ) )
 *
 * The bracketed term is the teacher of the nudged phase (c); the free phase (b) has none. A
 * hidden layer sees the NEW state of the layer below and the OLD state of the layer above, as in
 * the reference. x·W_1 is constant and passed in (`inputDrive`).
 *
 * The per-iteration work is the model's `RelaxationLoops` (chosen once when it is built, loops.ts):
 * the JS loop below (the reference: TF.js products, float64 updates), or the WebAssembly kernels,
 * which relax every network the config allows (2 to 6 layers, any widths) entirely themselves,
 * products included, with no per-iteration TF.js call (loops-wasm.ts).
 */
import { relu, sigmaTilde } from '../../neurons/activation.js';
import { type Matrix, matMul, type Operand, upload } from '../../tensor/index.js';
import type { SnnNetwork } from './network.js';

export interface Teacher {
  readonly target: Matrix;
  readonly beta: number;
}

export interface RelaxationLoops {
  /**
   * Every iteration of the phase at once, when the implementation can do that for this network;
   * false when it cannot (the phase then iterates with `hiddenStep`).
   */
  relaxAll(net: SnnNetwork, states: Matrix[], inputDrive: Matrix, iterations: number, teacher?: Teacher): boolean;
  /** One hidden layer's update: s ← σ̃(s − ε(s − below − above − b)), rows × cols, in place. */
  hiddenStep(s: Float32Array, below: Float32Array, above: Float32Array, b: Float32Array, epsilon: number): void;
}

/** The hidden update of the JS loop: the reference. */
export function hiddenStepJs(s: Float32Array, below: Float32Array, above: Float32Array, b: Float32Array, epsilon: number): void {
  const cols = b.length;
  for (let r = 0; r < s.length / cols; r++) {
    for (let i = r * cols, j = 0; j < cols; i++, j++) {
      const si = s[i];
      s[i] = sigmaTilde(si - epsilon * (si - below[i] - above[i] - b[j]));
    }
  }
}

/** The JS loops of the relaxations: the reference. */
export const jsRelaxation: RelaxationLoops = { relaxAll: () => false, hiddenStep: hiddenStepJs };

/** Relax `states` (index 0 = x, never changed) in place for `iterations` iterations. */
export function relax(net: SnnNetwork, states: Matrix[], inputDrive: Matrix, iterations: number, loops: RelaxationLoops, teacher?: Teacher): void {
  if (loops.relaxAll(net, states, inputDrive, iterations, teacher)) return;
  // W_k and W_kᵀ (k ≥ 1) are uploaded once for all iterations of the phase; W_1 only enters
  // through x·W_1.
  const down = net.weights.map((w, k) => (k === 0 ? undefined : upload(w)));
  const up = net.weights.map((w, k) => (k === 0 ? undefined : upload(w, true)));
  try {
    for (let it = 0; it < iterations; it++) relaxOnce(net, states, inputDrive, down, up, loops, teacher);
  } finally {
    [...down, ...up].forEach((o) => o?.dispose());
  }
}

function relaxOnce(
  net: SnnNetwork,
  states: Matrix[],
  inputDrive: Matrix,
  down: (Operand | undefined)[],
  up: (Operand | undefined)[],
  loops: RelaxationLoops,
  teacher?: Teacher,
): void {
  const { biases } = net;
  const { epsilon } = net.config;
  const last = states.length - 1;
  const driveFromBelow = (k: number): Float32Array => (k === 1 ? inputDrive : matMul(states[k - 1], down[k - 1] as Operand)).data;
  for (let k = 1; k < last; k++) {
    const fromBelow = driveFromBelow(k);
    const fromAbove = matMul(states[k + 1], up[k] as Operand).data;
    loops.hiddenStep(states[k].data, fromBelow, fromAbove, biases[k], epsilon);
  }
  const fromBelow = driveFromBelow(last);
  const { rows, cols, data: s } = states[last];
  const b = biases[last];
  const y = teacher?.target.data;
  const beta = teacher?.beta ?? 0;
  for (let r = 0; r < rows; r++) {
    for (let i = r * cols, j = 0; j < cols; i++, j++) {
      const si = s[i];
      const nudge = y ? beta * (si - y[i]) : 0;
      s[i] = relu(si - epsilon * (si - fromBelow[i] - b[j] + nudge));
    }
  }
}
