/**
 * The §2 energy ANN's loops on the WebAssembly SIMD kernels (src/kernels/ann.ts), one kernel
 * instance per model: every batch — ρ(x)W_0, all N_s free and N_w nudged iterations, the energy's
 * products and the update of every W_k and b_k — runs in the kernels, no TF.js call, for every
 * layer count the config allows (3 to 6) and every energy form (the coefficients of net.form).
 * The measures at s⁰: the mean E from the kernel (energy.ts's float64 energyPerRow, the same sums
 * in the same order over the kernel's states and products) and the mean C by costPerRow.
 *
 * Sparse presynaptic paths (the default): ρ(x)W_0 and the W_0 update a_0ρ(x)ᵀ(ρ(s^β_1) − ρ(s⁰_1))
 * from the nonzero inputs only, and the relaxations' products from the nonzero states only;
 * `sparse: false` runs the dense loops in the same order (bit-identical; the reference of the
 * sparse path, for tests and the bench). The MAC counter gets the MACs executed.
 */
import { AnnKernels, type AnnKernelSettings } from '../../kernels/ann.js';
import type { Matrix } from '../../tensor/index.js';
import type { AnnConfig } from './config.js';
import { costPerRow, layerGradientCoefficients, rhoMatrix } from './energy.js';
import type { AnnLoops } from './loops.js';
import type { AnnNetwork } from './network.js';
import type { BatchResult } from './phases.js';

export interface WasmAnnOptions {
  /** Skip zero presynaptic entries (default true); false: the dense reference loops of the kernels. */
  readonly sparse?: boolean;
}

/** The kernels' view of a network's form and dynamics (read at every batch: nothing is cached). */
function settingsOf(net: AnnNetwork): AnnKernelSettings {
  const { form, config } = net;
  return {
    epsilon: config.epsilon,
    sleepIterations: config.sleepIterations,
    wakeIterations: config.wakeIterations,
    coefficients: config.layers.map((_, k) => (k === 0 ? undefined : layerGradientCoefficients(form, k))),
    interaction: form.interaction,
    quadratic: form.quadratic,
    bias: form.bias,
    learningRates: config.learningRates,
  };
}

const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

export function wasmAnnLoops(config: AnnConfig, options: WasmAnnOptions = {}): AnnLoops & { readonly kernels: AnnKernels } {
  const kernels = new AnnKernels(config.layers, { sparse: options.sparse });
  const layers = config.layers;
  const sparse = kernels.sparse;

  function run(net: AnnNetwork, x: Matrix, y: Matrix, initial: readonly Matrix[], beta: number | undefined): BatchResult {
    const sizes = net.config.layers;
    if (sizes.length !== layers.length || sizes.some((n, k) => n !== layers[k])) {
      throw new RangeError(`ann kernels: built for layers [${layers.join(',')}], given a network of [${sizes.join(',')}]`);
    }
    const rows = x.rows;
    const out = kernels.run(
      {
        weights: net.weights.map((w) => w.data),
        biases: net.biases,
        x: x.data,
        rows,
        initial: initial.map((m) => m.data),
        teacher: beta === undefined ? undefined : { target: y.data, beta },
      },
      settingsOf(net),
    );
    const input = out.inputInRange ? x : rhoMatrix(x);
    const free: Matrix[] = [input, ...out.free.map((data, k) => ({ rows, cols: sizes[k + 1], data }))];
    const nudged = out.nudged && [input, ...out.nudged.map((data, k) => ({ rows, cols: sizes[k + 1], data }))];
    // E at s⁰ from the kernel (energyPerRow's float64 sums over its products), C here
    return { free, nudged, energy: mean(out.energies), cost: mean(costPerRow(free[free.length - 1], y)) };
  }

  const L = layers.length - 1;
  return {
    kernels,
    trainBatch: (net, x, y, initial, beta) => run(net, x, y, initial, beta),
    evaluateBatch: (net, x, y, initial) => run(net, x, y, initial, undefined),
    description: [
      `relaxations: WebAssembly SIMD, all N_s free and N_w nudged iterations of a batch in the kernel (${L + 1} layers, products fused${sparse ? ', zero states skipped' : ''})`,
      sparse
        ? 'ρ(x)W₀ and the W₀ update: WebAssembly, from the nonzero inputs only (sparse presynaptic path)'
        : 'ρ(x)W₀ and the W₀ update: WebAssembly, dense (every input; the sparse path\'s reference)',
      'update of W_k, b_k and the energy measure: WebAssembly (the energy in float64, as energy.ts)',
    ],
  };
}
