/**
 * The §1 network's hot loops behind one interface per phase: the LIF phase (a), the relaxations
 * (b, c) and the rule's ΔW (e). Each has the JS reference implementation (feedforward.ts,
 * relaxation.ts, learning.ts over neurons/ and plasticity/) and a WebAssembly one
 * (loops-wasm.ts), chosen ONCE when a model is built from the run's `kernels` setting — never a
 * global switch read inside a phase. The WebAssembly implementation says what it supports; where
 * a configuration is outside that, the phase runs on the JS loops and the choice says so (the run
 * log prints it).
 */
import type { SnnConfig } from './config.js';
import { jsFeedforward, type FeedforwardLoops } from './feedforward.js';
import { jsPlasticity, type PlasticityLoops } from './learning.js';
import { wasmLoops } from './loops-wasm.js';
import { jsRelaxation, type RelaxationLoops } from './relaxation.js';

export type KernelsSetting = 'wasm' | 'js';

export interface SnnLoops {
  readonly feedforward: FeedforwardLoops;
  readonly relaxation: RelaxationLoops;
  readonly plasticity: PlasticityLoops;
  /** What runs each phase, one line each, e.g. "relaxation: WebAssembly (one hidden layer, products fused)". */
  readonly description: readonly string[];
}

export const JS_LOOPS: SnnLoops = {
  feedforward: jsFeedforward,
  relaxation: jsRelaxation,
  plasticity: jsPlasticity,
  description: ['feedforward, relaxations, plasticity: JS loops (the reference)'],
};

/** The loops a model of `config` runs on: the JS reference, or the kernels where they apply. */
export function snnLoops(config: SnnConfig, kernels: KernelsSetting): SnnLoops {
  return kernels === 'js' ? JS_LOOPS : wasmLoops(config);
}
