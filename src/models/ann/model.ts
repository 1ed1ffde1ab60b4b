/**
 * The §2 energy ANN as a `Model`: a thin stateful wrapper over its loops (loops.ts: the phases.ts
 * reference or the WebAssembly kernels, chosen once here from the run's `kernels`) that keeps the
 * persistent per-example states of every split (state.ts) and draws the sign of β per training
 * batch from the run's stream. Prediction = argmax s⁰_L (the output is s⁰_L). §4 cost: 2(mn + nk) per sample,
 * generalised to 2 Σ_k n_k n_{k+1}.
 */
import type { Matrix, RandomStream } from '../../tensor/index.js';
import type { ModelBuild } from '../family.js';
import { parameterArrays, SPLITS, type BatchContext, type BatchOutcome, type Model, type ModelParameters, type NamedArray } from '../model.js';
import type { AnnConfig } from './config.js';
import { initAnnNetwork, type AnnNetwork } from './network.js';
import { annLoops, type AnnLoops } from './loops.js';
import type { WasmAnnOptions } from './loops-wasm.js';
import type { BatchResult } from './phases.js';
import { gatherStates, initPersistentStates, scatterStates, type PersistentStates } from './state.js';

/** The energy ANN's §4 operations per sample: 2(mn + nk), generalised to 2 Σ_k n_k n_{k+1}. */
export function annPaperOps(layers: readonly number[]): number {
  let ops = 0;
  for (let k = 0; k + 1 < layers.length; k++) ops += 2 * layers[k] * layers[k + 1];
  return ops;
}

export class AnnModel implements Model {
  readonly network: AnnNetwork;
  readonly states: PersistentStates;
  /** The reference or the WebAssembly kernels, chosen here once from `build.kernels` (loops.ts). */
  readonly loops: AnnLoops;

  /**
   * `build.batchSize` sizes the kernels' buffers (and the memory check); `build.wasm` their
   * options (the dense loops for the bench and tests).
   */
  constructor(config: AnnConfig, build: Pick<ModelBuild, 'rng' | 'rows' | 'kernels' | 'initial'> & { readonly batchSize?: number; readonly wasm?: WasmAnnOptions }) {
    const network = initAnnNetwork(config, build.rng);
    if (build.initial) {
      build.initial.weights.forEach((w, k) => network.weights[k].data.set(w.data));
      build.initial.biases.forEach((b, k) => network.biases[k].set(b));
    }
    this.network = network;
    this.states = initPersistentStates(config.layers, build.rows);
    this.loops = annLoops(config, build.kernels, build.batchSize ?? 1, build.wasm);
  }

  get implementation(): readonly string[] {
    return this.loops.description;
  }

  get layers(): readonly number[] {
    return this.network.config.layers;
  }

  get parameters(): ModelParameters {
    return this.network;
  }

  /** The signed β of a training batch: ±β₀, the sign drawn from the run's stream (§2) unless fixed. */
  drawBeta(rng: RandomStream): number {
    const { beta, betaSign } = this.network.config;
    if (betaSign === 'positive') return beta;
    if (betaSign === 'negative') return -beta;
    return rng.uniform() < 0.5 ? -beta : beta;
  }

  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    const beta = this.drawBeta(context.rng);
    const initial = gatherStates(this.states, this.layers, context.split, context.rows);
    const result = this.loops.trainBatch(this.network, x, y, initial, beta);
    scatterStates(this.states, context.split, context.rows, result.free.slice(1));
    return outcome(result);
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    const initial = gatherStates(this.states, this.layers, context.split, context.rows);
    const result = this.loops.evaluateBatch(this.network, x, y, initial);
    scatterStates(this.states, context.split, context.rows, result.free.slice(1));
    return outcome(result);
  }

  stateArrays(): NamedArray[] {
    const layers = this.layers;
    const { rows, arrays } = this.states;
    return [
      ...parameterArrays(this.network),
      ...SPLITS.flatMap((split) => arrays[split].map((data, i) => ({ name: `state.${split}.s${i + 2}`, shape: [rows[split], layers[i + 1]], data }))),
    ];
  }

  paperOpsPerSample(): number {
    return annPaperOps(this.network.config.layers);
  }
}

function outcome(result: BatchResult): BatchOutcome {
  return { output: result.free[result.free.length - 1], measures: { energy: result.energy, cost: result.cost } };
}
