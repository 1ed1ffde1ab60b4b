/**
 * The §3 spiking MLP as a `Model`, on one of two implementations chosen when it is built:
 * - `kernels: "wasm"` (default): the fused, event-driven WebAssembly kernels (kernels/smlp.ts) —
 *   spike-driven sums of weight rows, BPTT written out by hand, the SBP update from the spikes,
 *   Adam fused; the parameters and Adam state live in the kernel's memory (the network's arrays
 *   are views of it);
 * - `kernels: "js"`: TF.js automatic differentiation (smlp.ts), the reference.
 * Both draw the same rule and the same input spikes from the run's stream for a batch.
 * §4 cost: the paper's surrogate-gradient SNN costs 2(mn + nk) per sample for 3 layers; generalised
 * here to 2 Σ_k n_k n_{k+1} over consecutive layers.
 */
import { kernelModule } from '../../kernels/index.js';
import { SmlpKernel } from '../../kernels/smlp.js';
import { backwardMacCounter, macCounter, type Matrix } from '../../tensor/index.js';
import type { ModelBuild } from '../family.js';
import { parameterArrays, type BatchContext, type BatchOutcome, type Model, type ModelParameters, type NamedArray } from '../model.js';
import type { SmlpConfig } from './config.js';
import { initSmlpNetwork, learningRateAt, type SmlpNetwork } from './network.js';
import { chooseHiddenRule, evaluateBatch, trainBatch, type HiddenRule } from './smlp.js';
import { seedWords } from './spikes.js';

export class SmlpModel implements Model {
  readonly network: SmlpNetwork;
  readonly implementation: readonly string[];
  /** The WebAssembly kernel (`kernels: "wasm"`), whose `profile` switch times each kernel entry (the bench uses it). */
  readonly kernel?: SmlpKernel;

  constructor(config: SmlpConfig, build: Pick<ModelBuild, 'rng' | 'initial'> & Partial<Pick<ModelBuild, 'kernels' | 'batchSize'>>) {
    const drawn = initSmlpNetwork(config, build.rng);
    if (build.initial) {
      build.initial.weights.forEach((w, k) => drawn.weights[k].data.set(w.data));
      build.initial.biases.forEach((b, k) => drawn.biases[k].set(b));
    }
    if ((build.kernels ?? 'wasm') === 'wasm') {
      const kernel = SmlpKernel.create(kernelModule('smlp'), { layers: config.layers, batchSize: build.batchSize ?? 100, timeSteps: config.timeSteps }, config);
      // the kernel's memory holds the parameters and Adam's state: copy the drawn values in, keep views
      kernel.weights.forEach((w, k) => w.set(drawn.weights[k].data));
      kernel.biases.forEach((b, k) => b.set(drawn.biases[k]));
      kernel.feedback.forEach((r, k) => r.set(drawn.feedback[k].data));
      this.network = {
        config,
        weights: drawn.weights.map((w, k) => ({ rows: w.rows, cols: w.cols, data: kernel.weights[k] })),
        biases: kernel.biases,
        feedback: drawn.feedback.map((r, k) => ({ rows: r.rows, cols: r.cols, data: kernel.feedback[k] })),
        adam: kernel.adam,
      };
      this.kernel = kernel;
      this.implementation = ['forward, backward and Adam: WebAssembly event-driven kernels (sums of the rows of active neurons, BPTT by hand)'];
    } else {
      this.network = drawn;
      this.implementation = ['forward and backward: TF.js automatic differentiation (the reference)'];
    }
  }

  get layers(): readonly number[] {
    return this.network.config.layers;
  }

  get parameters(): ModelParameters {
    return this.network;
  }

  trainBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    return this.trainBatchWith(x, y, context, chooseHiddenRule(this.network.config.sbpFraction, context.rng));
  }

  /** A training batch with the hidden rule given (tests, experiments): the same draws otherwise. */
  trainBatchWith(x: Matrix, y: Matrix, context: BatchContext, rule: HiddenRule): BatchOutcome {
    if (!this.kernel) return trainBatch(this.network, x, y, context.rng, context.epochIndex, rule);
    const r = this.kernel.trainBatch(x.data, y.data, x.rows, rule, learningRateAt(this.network.config, context.epochIndex), seedWords(context.rng));
    macCounter.add(r.ops.forward + r.ops.backward);
    backwardMacCounter.add(r.ops.backward);
    return {
      output: { rows: x.rows, cols: y.cols, data: r.output },
      measures: { loss: r.loss, backwardMacs: r.ops.backwardDense / x.rows, backwardOps: r.ops.backward / x.rows, sbpBatch: rule === 'sbp' ? 1 : 0 },
      spikes: r.spikes,
    };
  }

  evaluateBatch(x: Matrix, y: Matrix, context: BatchContext): BatchOutcome {
    if (!this.kernel) return evaluateBatch(this.network, x, y, seedWords(context.rng));
    const r = this.kernel.evaluateBatch(x.data, y.data, x.rows, seedWords(context.rng));
    macCounter.add(r.ops.forward);
    return { output: { rows: x.rows, cols: y.cols, data: r.output }, measures: { loss: r.loss }, spikes: r.spikes };
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
