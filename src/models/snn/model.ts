/** The §1 network as a `Model`: a thin stateful wrapper over the pure phase functions. */
import type { LifThreads } from '../../kernels/lif-threads.js';
import { getRule } from '../../plasticity/registry.js';
import type { Matrix } from '../../tensor/index.js';
import type { ModelBuild } from '../family.js';
import { parameterArrays, type BatchContext, type BatchOutcome, type Model, type NamedArray } from '../model.js';
import type { SnnConfig } from './config.js';
import { snnLoops, type SnnLoops } from './loops.js';
import { initNetwork, type SnnNetwork, type SnnParameters } from './network.js';
import { evaluateBatch, trainBatch, type PhaseObserver, type PhaseTimer } from './snn.js';
import { initState, type SnnState } from './state.js';

/**
 * The §4 operations per sample of the §1 network (m, n, k = input, hidden, output sizes): SNN-SBP
 * mn + nk + n; without SBP mn + nk + n + m. The paper defines them for 3 layers; deeper nets sum
 * the products of consecutive sizes and the hidden sizes the same way.
 */
export function snnPaperOps(layers: readonly number[], rule: string): number {
  let ops = 0;
  for (let k = 0; k + 1 < layers.length; k++) ops += layers[k] * layers[k + 1];
  for (let k = 1; k + 1 < layers.length; k++) ops += layers[k];
  return getRule(rule).paperCost === 'with-sbp' ? ops : ops + layers[0];
}

export class SnnModel implements Model {
  readonly network: SnnNetwork;
  readonly state: SnnState;
  private hotLoops: SnnLoops;
  /** When set, trainBatch adds each phase's seconds to it (the bench). */
  timer?: PhaseTimer;
  /** When set, sees every training batch's free and nudged states before the update. */
  observe?: PhaseObserver;

  private readonly kernels: ModelBuild['kernels'];

  constructor(config: SnnConfig, build: Pick<ModelBuild, 'rng' | 'batchSize' | 'kernels' | 'initial'>) {
    const network = initNetwork(config, build.rng);
    this.network = build.initial ? { ...network, weights: build.initial.weights, biases: build.initial.biases } : network;
    this.state = initState(config, build.batchSize);
    this.kernels = build.kernels;
    this.hotLoops = snnLoops(config, build.kernels);
  }

  /** The LIF phase on helper threads as well (kernels "wasm", analog drive without STP; see loops-wasm.ts). */
  useThreads(threads: LifThreads): void {
    this.hotLoops = snnLoops(this.network.config, this.kernels, threads);
  }

  get loops(): SnnLoops {
    return this.hotLoops;
  }

  get layers(): readonly number[] {
    return this.network.config.layers;
  }

  get parameters(): SnnParameters {
    return this.network;
  }

  get implementation(): readonly string[] {
    return this.loops.description;
  }

  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return trainBatch(this.network, this.state, x, y, context.rng, context.epochIndex, this.loops, this.timer, this.observe);
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return evaluateBatch(this.network, this.state, x, y, context.rng, this.loops);
  }

  stateArrays(): NamedArray[] {
    const { inhibitory } = this.network;
    const rows = this.state.batchSize;
    const shape = (a: ArrayLike<number>, n: number) => (a.length === 0 ? [0] : [rows, n]);
    const layers = this.network.config.layers;
    return [
      ...parameterArrays(this.network),
      ...inhibitory.map((flags, k) => ({ name: `inhibitory${k + 1}`, shape: [flags.length], data: flags })),
      ...this.state.layers.flatMap((l, k) => [
        { name: `v${k + 1}`, shape: shape(l.v, layers[k]), data: l.v },
        { name: `g${k + 1}`, shape: shape(l.g, layers[k]), data: l.g },
        { name: `particles${k + 1}`, shape: shape(l.particles, layers[k]), data: l.particles },
        ...(l.stp
          ? [
              { name: `stp.u${k + 1}`, shape: shape(l.stp.u, layers[k]), data: l.stp.u },
              { name: `stp.x${k + 1}`, shape: shape(l.stp.x, layers[k]), data: l.stp.x },
              { name: `stp.j${k + 1}`, shape: shape(l.stp.j, layers[k]), data: l.stp.j },
            ]
          : []),
      ]),
    ];
  }

  paperOpsPerSample(): number {
    return snnPaperOps(this.network.config.layers, this.network.config.rule);
  }
}
