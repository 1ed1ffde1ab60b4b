/**
 * The §1 network's hot loops behind one interface per phase: the LIF phase (a), the relaxations
 * (b, c), the rule's ΔW (e), and the products with the weights outside them (x·W₁, computed once
 * per batch and reused by (a), (b), (c) and the energy; the energy's other products). Each has the JS reference implementation (feedforward.ts,
 * relaxation.ts, learning.ts over neurons/ and plasticity/) and a WebAssembly one
 * (loops-wasm.ts), chosen ONCE when a model is built from the run's `kernels` setting — never a
 * global switch read inside a phase. The WebAssembly implementation says what it supports; where
 * a configuration is outside that, the phase runs on the JS loops and the choice says so (the run
 * log prints it).
 */
import type { SnnConfig } from './config.js';
import { jsFeedforward, type FeedforwardLoops } from './feedforward.js';
import { jsPlasticity, type PlasticityLoops } from './learning.js';
import type { LifThreads } from '../../kernels/lif-threads.js';
import { wasmLoops } from './loops-wasm.js';
import { jsRelaxation, type RelaxationLoops } from './relaxation.js';
import { type Matrix, matMul } from '../../tensor/index.js';

export type KernelsSetting = 'wasm' | 'js';

/** The products of a batch outside the phases' own loops. */
export interface ProductLoops {
  /** x·W₁ (rows × n₁): the input drive of the batch, for phase (a), both relaxations and the energy. */
  inputDrive(x: Matrix, w: Matrix): Matrix;
  /** a·W, any other product of a state with a weight matrix (the energy measure). */
  product(a: Matrix, w: Matrix): Matrix;
}

/** TF.js's matMul: the reference. */
export const jsProducts: ProductLoops = { inputDrive: (x, w) => matMul(x, w), product: (a, w) => matMul(a, w) };

export interface SnnLoops {
  readonly products: ProductLoops;
  readonly feedforward: FeedforwardLoops;
  readonly relaxation: RelaxationLoops;
  readonly plasticity: PlasticityLoops;
  /** What runs each phase, one line each, e.g. "relaxation: WebAssembly (one hidden layer, products fused)". */
  readonly description: readonly string[];
}

export const JS_LOOPS: SnnLoops = {
  products: jsProducts,
  feedforward: jsFeedforward,
  relaxation: jsRelaxation,
  plasticity: jsPlasticity,
  description: ['feedforward, relaxations, plasticity: JS loops (the reference, float64)', 'products (x·W₁, energy): TF.js'],
};

/**
 * The loops a model of `config` runs on: the JS reference, or the kernels where they apply (with
 * `threads`, the LIF phase on several threads; the JS loops run on one).
 */
export function snnLoops(config: SnnConfig, kernels: KernelsSetting, threads?: LifThreads): SnnLoops {
  if (kernels === 'js') return threads && threads.helpers > 0 ? { ...JS_LOOPS, description: [...JS_LOOPS.description, 'threads: none (the JS loops run on one thread)'] } : JS_LOOPS;
  return wasmLoops(config, threads);
}
