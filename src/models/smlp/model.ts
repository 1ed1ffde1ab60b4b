/**
 * The §3 spiking MLP as a `Model`: a thin stateful wrapper over the pure batch functions of
 * smlp.ts. §4 cost: the paper's surrogate-gradient SNN costs 2(mn + nk) per sample for 3 layers;
 * generalised here to 2 Σ_k n_k n_{k+1} over consecutive layers.
 */
import type { Matrix } from '../../tensor/index.js';
import type { ModelBuild } from '../family.js';
import { parameterArrays, type BatchContext, type BatchOutcome, type Model, type ModelParameters, type NamedArray } from '../model.js';
import type { SmlpConfig } from './config.js';
import { initSmlpNetwork, type SmlpNetwork } from './network.js';
import { evaluateBatch, trainBatch, type HiddenRule } from './smlp.js';

export class SmlpModel implements Model {
  readonly network: SmlpNetwork;

  readonly implementation = ['forward and backward: TF.js (automatic differentiation)'];

  constructor(config: SmlpConfig, build: Pick<ModelBuild, 'rng' | 'initial'>) {
    const network = initSmlpNetwork(config, build.rng);
    if (build.initial) {
      build.initial.weights.forEach((w, k) => network.weights[k].data.set(w.data));
      build.initial.biases.forEach((b, k) => network.biases[k].set(b));
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

  stateArrays(): NamedArray[] {
    const { weights, biases, feedback, adam } = this.network;
    // The Adam moments follow parameterArrays (network.ts): every weight, then the biases of layers 2 … L.
    const moments = [...weights.map((w, k) => ({ name: `W${k + 1}`, shape: [w.rows, w.cols] })), ...biases.slice(1).map((b, k) => ({ name: `b${k + 2}`, shape: [b.length] }))];
    return [
      ...parameterArrays(this.network),
      ...feedback.map((r, k) => ({ name: `feedback${k + 1}`, shape: [r.rows, r.cols], data: r.data })),
      ...adam.m.map((data, i) => ({ name: `adam.m.${moments[i].name}`, shape: moments[i].shape, data })),
      ...adam.v.map((data, i) => ({ name: `adam.v.${moments[i].name}`, shape: moments[i].shape, data })),
      { name: 'adam.step', shape: [1], data: adam.step },
    ];
  }

  paperOpsPerSample(): number {
    const l = this.network.config.layers;
    let ops = 0;
    for (let k = 0; k + 1 < l.length; k++) ops += 2 * l[k] * l[k + 1];
    return ops;
  }
}
