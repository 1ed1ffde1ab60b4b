/**
 * The §2 energy ANN as a `Model`: a thin stateful wrapper over phases.ts that keeps the persistent
 * per-example states of every split (state.ts) and draws the sign of β per training batch from the
 * run's stream. Prediction = argmax s⁰_L (the output is s⁰_L). §4 cost: 2(mn + nk) per sample,
 * generalised to 2 Σ_k n_k n_{k+1}.
 */
import { energyAnnOpsPerSample } from '../../train/cost.js';
import type { Matrix, RandomStream } from '../../tensor/index.js';
import { NO_ROWS, type BatchContext, type BatchOutcome, type Model, type ModelParameters, type SplitRows } from '../model.js';
import type { EnergyConfig } from './config.js';
import { initEnergyNetwork, type EnergyNetwork } from './network.js';
import { evaluateBatch, trainBatch, type BatchResult } from './phases.js';
import { gatherStates, initPersistentStates, persistentArrays, scatterStates, type PersistentStates } from './state.js';

export class EnergyModel implements Model {
  readonly network: EnergyNetwork;
  readonly states: PersistentStates;

  constructor(config: EnergyConfig, rng: RandomStream, initial?: ModelParameters, rows: SplitRows = NO_ROWS) {
    const network = initEnergyNetwork(config, rng);
    if (initial) {
      initial.weights.forEach((w, k) => network.weights[k].data.set(w.data));
      initial.biases.forEach((b, k) => network.biases[k].set(b));
    }
    this.network = network;
    this.states = initPersistentStates(config.layers, rows);
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
    const result = trainBatch(this.network, x, y, initial, beta);
    scatterStates(this.states, context.split, context.rows, result.free.slice(1));
    return outcome(result);
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    const initial = gatherStates(this.states, this.layers, context.split, context.rows);
    const result = evaluateBatch(this.network, x, y, initial);
    scatterStates(this.states, context.split, context.rows, result.free.slice(1));
    return outcome(result);
  }

  checkpointArrays(): (Float32Array | Uint8Array)[] {
    const { weights, biases } = this.network;
    return [...weights.map((w) => w.data), ...biases, ...persistentArrays(this.states)];
  }

  paperOpsPerSample(): number {
    return energyAnnOpsPerSample(this.network.config.layers);
  }
}

function outcome(result: BatchResult): BatchOutcome {
  return { output: result.free[result.free.length - 1], measures: { energy: result.energy, cost: result.cost } };
}
