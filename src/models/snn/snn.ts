/**
 * One batch of the §1 network, the four phases in order (§1.2):
 *   (a) feedforward LIF phase (optional, §1.6) → (b) free relaxation, particles ← s⁰
 *   → (c) nudged relaxation from s⁺ = s⁰ → (d) biases → (e) weights by the rule.
 * Testing runs (a) and (b) only; prediction = argmax s⁰_L (§1.5). Both carry the persistent
 * state along (paper-exact) unless `resetEachBatch` is set. The outcome's measures are the Hopfield
 * energy E at s⁰, the cost C = |s⁰_L − y|² (§1.5) and the hidden layers' mean |s⁰|, means over rows.
 */
import { copyMatrix, type Matrix, type RandomStream } from '../../tensor/index.js';
import type { BatchOutcome } from '../model.js';
import { feedforwardPhase } from './feedforward.js';
import { updateBiases, updateWeights } from './learning.js';
import { hiddenActivity, hopfieldEnergy, squaredCost } from './measures.js';
import type { SnnNetwork } from './network.js';
import { relax } from './relaxation.js';
import type { SnnLoops } from './loops.js';
import { resetState, type SnnState } from './state.js';

export interface FreeStates {
  readonly states: Matrix[];
  readonly inputDrive: Matrix;
  readonly spikes: number[];
}

type Phase = 'feedforward' | 'freeRelaxation' | 'nudgedRelaxation' | 'plasticity' | 'other';

/**
 * Seconds per phase of the batches it times (the bench's breakdown): wall seconds, and CPU seconds
 * of this process when it is given a CPU clock (seconds; Node: from process.cpuUsage()), which other
 * work on the machine disturbs much less.
 */
export class PhaseTimer {
  readonly seconds: Record<Phase, number> = { feedforward: 0, freeRelaxation: 0, nudgedRelaxation: 0, plasticity: 0, other: 0 };
  readonly cpuSeconds: Record<Phase, number> = { feedforward: 0, freeRelaxation: 0, nudgedRelaxation: 0, plasticity: 0, other: 0 };
  private last = 0;
  private lastCpu = 0;
  constructor(private readonly cpuClock?: () => number) {}
  start(): void {
    this.last = performance.now();
    if (this.cpuClock) this.lastCpu = this.cpuClock();
  }
  lap(phase: Phase): void {
    const now = performance.now();
    this.seconds[phase] += (now - this.last) / 1000;
    this.last = now;
    if (this.cpuClock) {
      const cpu = this.cpuClock();
      this.cpuSeconds[phase] += cpu - this.lastCpu;
      this.lastCpu = cpu;
    }
  }
}

/** Phases (a) and (b): the free state s⁰ of a batch; the particles become s⁰. */
export function freePhase(net: SnnNetwork, state: SnnState, x: Matrix, rng: RandomStream, loops: SnnLoops, timer?: PhaseTimer): FreeStates {
  const { config } = net;
  if (x.rows > state.batchSize) throw new RangeError(`batch of ${x.rows} rows, state made for ${state.batchSize}`);
  if (config.resetEachBatch) resetState(state, config);
  const inputDrive = loops.products.inputDrive(x, net.weights[0]);
  timer?.lap('other');
  let states: Matrix[];
  let spikes: number[];
  if (config.feedforward) {
    ({ states, spikes } = feedforwardPhase(net, state, x, inputDrive, rng, loops.feedforward));
  } else {
    // §1.6: without phase (a) the relaxation starts from the particles (the last free state).
    states = [x, ...config.layers.slice(1).map((n, i) => ({ rows: x.rows, cols: n, data: state.layers[i + 1].particles.slice(0, x.rows * n) }))];
    spikes = config.layers.map(() => 0);
  }
  timer?.lap('feedforward');
  relax(net, states, inputDrive, config.freeIterations, loops.relaxation);
  for (let k = 1; k < states.length; k++) state.layers[k].particles.set(states[k].data);
  timer?.lap('freeRelaxation');
  return { states, inputDrive, spikes };
}

/** Sees a training batch's free and nudged states before the update (figures, the playground's SBP factors). */
export type PhaseObserver = (free: readonly Matrix[], nudged: readonly Matrix[]) => void;

export function trainBatch(net: SnnNetwork, state: SnnState, x: Matrix, y: Matrix, rng: RandomStream, epochIndex: number, loops: SnnLoops, timer?: PhaseTimer, observe?: PhaseObserver): BatchOutcome {
  timer?.start();
  const free = freePhase(net, state, x, rng, loops, timer);
  const outcome = measure(net, free, y, loops);
  timer?.lap('other');
  const nudged = free.states.map((s, k) => (k === 0 ? s : copyMatrix(s)));
  relax(net, nudged, free.inputDrive, net.config.nudgeIterations, loops.relaxation, { target: y, beta: net.config.beta });
  timer?.lap('nudgedRelaxation');
  observe?.(free.states, nudged);
  updateBiases(net, free.states, nudged);
  updateWeights(net, free.states, nudged, rng, epochIndex, loops.plasticity);
  timer?.lap('plasticity');
  return outcome;
}

export function evaluateBatch(net: SnnNetwork, state: SnnState, x: Matrix, y: Matrix, rng: RandomStream, loops: SnnLoops): BatchOutcome {
  return measure(net, freePhase(net, state, x, rng, loops), y, loops);
}

function measure(net: SnnNetwork, free: FreeStates, y: Matrix, loops: SnnLoops): BatchOutcome {
  const output = free.states[free.states.length - 1];
  return {
    output: copyMatrix(output),
    measures: { energy: hopfieldEnergy(net, free.states, free.inputDrive, loops.products.product), cost: squaredCost(output, y), hiddenActivity: hiddenActivity(free.states) },
    spikes: free.spikes,
  };
}
