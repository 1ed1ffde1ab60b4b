/**
 * The §2 energy ANN's hot loops behind one interface: a training batch (free relaxation, energy
 * measure, nudged relaxation, update) and an evaluation batch (free relaxation, measure). Two
 * implementations, chosen ONCE when a model is built from the run's `kernels` setting — never a
 * global switch read inside a phase, as the SNN's (models/snn/loops.ts):
 *
 * - the reference (`kernels: "js"`): phases.ts, TF.js products and JS loops;
 * - the WebAssembly kernels (`kernels: "wasm"`, loops-wasm.ts): the whole batch in the kernels
 *   of src/kernels/ann.ts, with sparse presynaptic paths.
 *
 * Where a configuration is outside what the kernels support, the model runs the reference and its
 * `description` says why (the run log prints it); where the kernels cannot load at all, building
 * the model throws KernelUnavailableError (nothing falls back silently).
 */
import { annKernelBytes, ANN_KERNEL_MAX_BYTES } from '../../kernels/ann.js';
import type { Matrix } from '../../tensor/index.js';
import type { KernelsSetting } from '../family.js';
import type { AnnConfig } from './config.js';
import type { AnnNetwork } from './network.js';
import { evaluateBatch, trainBatch, type BatchResult } from './phases.js';
import { wasmAnnLoops, type WasmAnnOptions } from './loops-wasm.js';

export interface AnnLoops {
  /**
   * A training batch from `initial` (layers 1 … L, not modified): s⁰ after N_s free iterations,
   * the mean E and C at s⁰, s^β after N_w nudged iterations with signed β, and the update of the
   * network's weights and biases in place.
   */
  trainBatch(net: AnnNetwork, x: Matrix, y: Matrix, initial: readonly Matrix[], beta: number): BatchResult;
  /** An evaluation batch: the free phase and the measures at s⁰; the network is not changed. */
  evaluateBatch(net: AnnNetwork, x: Matrix, y: Matrix, initial: readonly Matrix[]): BatchResult;
  /** What runs each part, one line each (the model's `implementation`). */
  readonly description: readonly string[];
}

const REFERENCE_LINE = 'relaxations, energy and update: TF.js products, JS loops (the reference)';

/** The reference implementation: phases.ts. */
export const JS_ANN_LOOPS: AnnLoops = { trainBatch, evaluateBatch, description: [REFERENCE_LINE] };

/** Why the kernels cannot run a configuration (they run every other), or undefined. */
export function wasmAnnUnsupported(config: Pick<AnnConfig, 'layers'>, batchRows: number): string | undefined {
  const bytes = annKernelBytes(config.layers, batchRows);
  if (bytes > ANN_KERNEL_MAX_BYTES) {
    return `layers [${config.layers.join(',')}] with batches of ${batchRows} need ${(bytes / 2 ** 30).toFixed(1)} GiB of kernel memory, more than the ${ANN_KERNEL_MAX_BYTES / 2 ** 30} GiB the kernels allow themselves`;
  }
  return undefined;
}

/**
 * The loops a model of `config` runs on: the reference, or the kernels (for batches of up to
 * `batchRows` rows, the trainer's batch size; larger ones make the kernel's buffers grow).
 */
export function annLoops(config: AnnConfig, kernels: KernelsSetting, batchRows = 1, options: WasmAnnOptions = {}): AnnLoops {
  if (kernels === 'js') return JS_ANN_LOOPS;
  const why = wasmAnnUnsupported(config, batchRows);
  if (why) return { ...JS_ANN_LOOPS, description: [`${REFERENCE_LINE}: the WebAssembly kernels do not run this configuration (${why})`] };
  return wasmAnnLoops(config, options);
}
