/** The §1 network as a `Model`: a thin stateful wrapper over the pure phase functions. */
import { paperOpsPerSample } from '../../train/cost.js';
import type { RandomStream } from '../../tensor/index.js';
import type { BatchContext, BatchOutcome, Model } from '../model.js';
import type { SnnConfig } from './config.js';
import { initNetwork, type SnnNetwork, type SnnParameters } from './network.js';
import { evaluateBatch, trainBatch } from './snn.js';
import { initState, stateArrays, type SnnState } from './state.js';
import type { Matrix } from '../../tensor/index.js';

export class SnnModel implements Model {
  readonly network: SnnNetwork;
  readonly state: SnnState;

  constructor(config: SnnConfig, batchSize: number, rng: RandomStream, initial?: SnnParameters) {
    const network = initNetwork(config, rng);
    this.network = initial ? { ...network, weights: initial.weights, biases: initial.biases } : network;
    this.state = initState(config, batchSize);
  }

  get layers(): readonly number[] {
    return this.network.config.layers;
  }

  get parameters(): SnnParameters {
    return this.network;
  }

  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return trainBatch(this.network, this.state, x, y, context.rng, context.epochIndex);
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return evaluateBatch(this.network, this.state, x, y, context.rng);
  }

  checkpointArrays(): (Float32Array | Uint8Array)[] {
    const { weights, biases, inhibitory } = this.network;
    return [...weights.map((w) => w.data), ...biases, ...inhibitory, ...stateArrays(this.state)];
  }

  paperOpsPerSample(): number {
    return paperOpsPerSample(this.network.config.layers, this.network.config.rule);
  }
}
