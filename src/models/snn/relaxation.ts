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
 * Where the WebAssembly SIMD kernels load (src/kernels, the default), a network with one hidden
 * layer and a narrow output (the paper's) relaxes entirely in them, the small products included,
 * in float32 (they agree with the loops below to float32 rounding, test/models/snn/kernels.test.ts);
 * deeper networks keep the TF.js products and take only σ̃ from the kernels. The loops below are
 * the reference and the fallback.
 */
import { type NeuronKernels, neuronKernels } from '../../kernels/index.js';
import { relu, sigmaTilde } from '../../neurons/activation.js';
import { macCounter, type Matrix, matMul, type Operand, upload } from '../../tensor/index.js';
import type { SnnNetwork } from './network.js';

export interface Teacher {
  readonly target: Matrix;
  readonly beta: number;
}

/** Widest output layer the kernel relaxes itself (with one hidden layer). */
const KERNEL_MAX_OUTPUT = 64;

/** Relax `states` (index 0 = x, never changed) in place for `iterations` iterations. */
export function relax(net: SnnNetwork, states: Matrix[], inputDrive: Matrix, iterations: number, teacher?: Teacher): void {
  const kernels = neuronKernels();
  if (kernels && states.length === 3 && states[2].cols <= KERNEL_MAX_OUTPUT) {
    // One hidden layer, narrow output (the paper's networks): all iterations in the kernel,
    // products included (counted as the matMuls below would count them).
    const [, hidden, output] = states;
    kernels.relaxOneHidden(
      hidden.data, output.data, inputDrive.data, net.weights[1].data, net.biases[1], net.biases[2],
      hidden.rows, iterations, net.config.epsilon, teacher && { target: teacher.target.data, beta: teacher.beta },
    );
    macCounter.add(2 * iterations * hidden.rows * hidden.cols * output.cols);
    return;
  }
  // W_k and W_kᵀ (k ≥ 1) are uploaded once for all iterations of the phase; W_1 only enters
  // through x·W_1.
  const down = net.weights.map((w, k) => (k === 0 ? undefined : upload(w)));
  const up = net.weights.map((w, k) => (k === 0 ? undefined : upload(w, true)));
  try {
    for (let it = 0; it < iterations; it++) relaxOnce(net, states, inputDrive, down, up, kernels, teacher);
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
  kernels: NeuronKernels | undefined,
  teacher?: Teacher,
): void {
  const { biases } = net;
  const { epsilon } = net.config;
  const last = states.length - 1;
  const driveFromBelow = (k: number): Float32Array => (k === 1 ? inputDrive : matMul(states[k - 1], down[k - 1] as Operand)).data;
  for (let k = 1; k < last; k++) {
    const fromBelow = driveFromBelow(k);
    const fromAbove = matMul(states[k + 1], up[k] as Operand).data;
    const { rows, cols, data: s } = states[k];
    const b = biases[k];
    if (kernels) {
      for (let r = 0; r < rows; r++) {
        for (let i = r * cols, j = 0; j < cols; i++, j++) {
          const si = s[i];
          s[i] = si - epsilon * (si - fromBelow[i] - fromAbove[i] - b[j]);
        }
      }
      kernels.sigmaTilde(s);
    } else {
      for (let r = 0; r < rows; r++) {
        for (let i = r * cols, j = 0; j < cols; i++, j++) {
          const si = s[i];
          s[i] = sigmaTilde(si - epsilon * (si - fromBelow[i] - fromAbove[i] - b[j]));
        }
      }
    }
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
