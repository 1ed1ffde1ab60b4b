/**
 * The §3 spiking MLP as a `Model`: a thin stateful wrapper over the pure batch functions of
 * smlp.ts. §4 cost: the paper's surrogate-gradient SNN costs 2(mn + nk) per sample for 3 layers;
 * generalised here to 2 Σ_k n_k n_{k+1} over consecutive layers.
 */
import type { Matrix, RandomStream } from '../../tensor/index.js';
import type { BatchContext, BatchOutcome, Model, ModelParameters } from '../model.js';
import type { SmlpConfig } from './config.js';
import { initSmlpNetwork, type SmlpNetwork } from './network.js';
import { evaluateBatch, trainBatch, type HiddenRule } from './smlp.js';

export class SmlpModel implements Model {
  readonly network: SmlpNetwork;

  constructor(config: SmlpConfig, rng: RandomStream, initial?: ModelParameters) {
    const network = initSmlpNetwork(config, rng);
    if (initial) {
      initial.weights.forEach((w, k) => network.weights[k].data.set(w.data));
      initial.biases.forEach((b, k) => network.biases[k].set(b));
    }
    this.network = network;
  }

  get layers(): readonly number[] {
    return this.network.config.layers;
  }

  get parameters(): ModelParameters {
    return this.network;
  }

  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return trainBatch(this.network, x, y, context.rng, context.epochIndex);
  }

  /** A training batch with the hidden rule forced (tests, experiments). */
  trainBatchWith(x: Matrix, y: Matrix, context: BatchContext, rule: HiddenRule): BatchOutcome {
    return trainBatch(this.network, x, y, context.rng, context.epochIndex, rule);
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return evaluateBatch(this.network, x, y, context.rng);
  }

  checkpointArrays(): (Float32Array | Uint8Array)[] {
    const { weights, biases, feedback, adam } = this.network;
    return [...weights.map((w) => w.data), ...biases, ...feedback.map((r) => r.data), ...adam.m, ...adam.v, adam.step];
  }

  paperOpsPerSample(): number {
    const l = this.network.config.layers;
    let ops = 0;
    for (let k = 0; k + 1 < l.length; k++) ops += 2 * l[k] * l[k + 1];
    return ops;
  }
}
