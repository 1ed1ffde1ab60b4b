/**
 * The §1 network's loops on the WebAssembly SIMD kernels (src/kernels/neurons.ts), one kernel
 * instance per model. What each piece supports, and what runs otherwise (the `description` lines
 * say it for a model):
 *
 * - products: x·W₁ (once per batch, reused by phase (a), both relaxations and the energy) and the
 *   energy's other products, in the kernel, summed as TF.js's matMul sums them (bit-identical to
 *   the JS path for finite weights) with the terms of zero inputs left out (81 % of MNIST pixels,
 *   182 of NETtalk's 189 inputs). Every configuration.
 * - feedforward (a): σ̃ of the currents always; the LIF + blend loop of a layer in analog drive
 *   without STP (the paper-exact mode) — `lif.precision` "exact": float64, V, g and spikes
 *   bit-identical to the JS loop; "fast": float32 on four lanes — fused with the product of each
 *   step's activity and the next layer's weights when that layer has ≤ 64 neurons (the output).
 *   With STP or spike drive the LIF steps run in the JS loop (lifLayerSteps), σ̃ still in the
 *   kernel; a wider next layer takes its product from TF.js (one product of the stacked steps).
 * - relaxations (b, c): every network the config allows (2 to 6 layers, any widths) relaxes
 *   entirely in the kernel, products included (summed as TF.js sums them, zero terms skipped),
 *   the updates in float32 (the JS loop: float64).
 * - plasticity (e): SBP's product, its two passes over ΔW and the update (when there is no noise
 *   and no Dale constraint), bit-identical to plasticity/sbp.ts; the STDP rules' products, ΔW and
 *   update, bit-identical to plasticity/stdp.ts + the JS update; both from the presynaptic rows
 *   that are nonzero in the batch only. Any other rule runs its JS function.
 */
import { lifOnThreads, type LifThreads } from '../../kernels/lif-threads.js';
import { NeuronKernels } from '../../kernels/neurons.js';
import { isHiddenMatrix, sbpSpread } from '../../plasticity/sbp.js';
import type { SnnConfig } from './config.js';
import { lifLayerSteps, type FeedforwardLoops, type LifLayerJob, type LifLayerResult } from './feedforward.js';
import { jsPlasticity, type PlasticityLoops } from './learning.js';
import type { ProductLoops, SnnLoops } from './loops.js';
import { hiddenStepJs, type RelaxationLoops } from './relaxation.js';

/**
 * Neuron-steps of a LIF layer below which it runs on this thread even with helpers: sending a slice
 * and waiting for it costs a few tenths of a millisecond, about what the 10-neuron output layer of
 * a 50-row batch takes (50 × 10 × 100 steps); the hidden layers (50 × 500 × 100) are 50× more.
 */
export const MIN_THREADED_NEURON_STEPS = 250_000;

/** Widest layer whose product the LIF kernel fuses (the output layers: 10 to 26 neurons). */
export const KERNEL_MAX_COLS = 64;

/**
 * With `threads`, a LIF layer of more than one row runs as row slices on this thread and the
 * helpers (kernels/lif-threads.ts: bit-identical to one thread); the other phases stay on this one.
 */
export function wasmLoops(config: SnnConfig, threads?: LifThreads): SnnLoops {
  const kernels = new NeuronKernels();
  const lifInKernel = !config.stp.enabled && config.drive === 'analog';
  const fast = config.lif.precision === 'fast';
  const stdp = config.rule === 'stdp-symmetric' || config.rule === 'stdp-differential';
  const ruleInKernel = config.rule === 'sbp' || stdp;

  const products: ProductLoops = {
    inputDrive: (x, w) => kernels.product(x, w),
    product: (a, w) => kernels.product(a, w),
  };

  const feedforward: FeedforwardLoops = {
    squash(z, bias) {
      const n = bias.length;
      for (let i = 0; i < z.length; i += n) {
        for (let j = 0; j < n; j++) z[i + j] += bias[j];
      }
      return kernels.sigmaTilde(z);
    },
    lifLayer(job: LifLayerJob): LifLayerResult {
      if (!lifInKernel) return lifLayerSteps(job);
      const fuse = job.next !== undefined && job.next.cols <= KERNEL_MAX_COLS;
      const record = { stack: job.record === 'activity' && !fuse, next: fuse ? job.next : undefined };
      if (threads && threads.helpers > 0 && job.rows > 1 && job.rows * job.params.vRev.length * job.steps >= MIN_THREADED_NEURON_STEPS) {
        return lifOnThreads(kernels, threads, { ...job, record, fast });
      }
      const run = job.varying
        ? kernels.lifVaryingDrive(job.current, job.state, job.particles, job.params, job.rows, job.steps, job.final, record, fast)
        : kernels.lifConstantDrive(job.current, job.state, job.particles, job.params, job.rows, job.steps, job.final, record, fast);
      return { spikes: run.spikes, stack: run.stack, drive: run.drive };
    },
  };

  const relaxation: RelaxationLoops = {
    relaxAll(net, states, inputDrive, iterations, teacher) {
      kernels.relax(
        states.map((s) => s.data), net.config.layers, net.weights.map((w) => w.data), net.biases, inputDrive.data,
        states[0].rows, iterations, net.config.epsilon, teacher && { target: teacher.target.data, beta: teacher.beta },
      );
      return true;
    },
    // not reached (relaxAll takes every network); the JS update, should it be
    hiddenStep: hiddenStepJs,
  };

  const plasticity: PlasticityLoops = {
    delta(rule, input, update) {
      const nPre = input.preFree.cols;
      const nPost = input.postFree.cols;
      const scale = 1 / (input.beta * input.preFree.rows);
      if (rule.name === 'sbp') {
        const hidden = isHiddenMatrix(input);
        const pass = kernels.sbpBegin(input.preFree, input.postFree, input.postNudged, scale);
        const { factors, trace } = sbpSpread(pass.sums, input.sbp, hidden ? input.above : undefined);
        const delta = pass.finish(factors, hidden, update);
        return update ? { trace } : { delta: { rows: nPre, cols: nPost, data: delta as Float32Array }, trace };
      }
      if (rule.name === 'stdp-symmetric' || rule.name === 'stdp-differential') {
        const kind = rule.name === 'stdp-symmetric' ? 'symmetric' : 'differential';
        const { delta } = kernels.stdp(kind, input.preFree, input.preNudged, input.postFree, input.postNudged, scale, update);
        return update ? {} : { delta: { rows: nPre, cols: nPost, data: delta as Float32Array } };
      }
      return jsPlasticity.delta(rule, input, update);
    },
  };

  const description = [
    'products (x·W₁, energy): WebAssembly, zero inputs skipped, summed as TF.js (bit-identical)',
    lifInKernel
      ? `feedforward: WebAssembly σ̃ and LIF loop, ${fast ? 'fast (float32 ×4, 1/g_leak)' : 'exact (float64, bit-identical V/g/spikes)'}, product with next layers of ≤ ${KERNEL_MAX_COLS} fused (wider: TF.js)${threads && threads.helpers > 0 ? `; LIF layers as row slices on ${threads.helpers + 1} threads (layers of ${MIN_THREADED_NEURON_STEPS / 1000}k neuron-steps or more a batch)` : ''}`
      : `feedforward: WebAssembly σ̃, JS LIF loop (the LIF kernel has no ${config.stp.enabled ? 'STP' : 'spike drive'}${threads && threads.helpers > 0 ? '; one thread' : ''})`,
    `relaxations: WebAssembly (${config.layers.length} layers, products fused, summed as TF.js, zero terms skipped; float32 updates)`,
    ruleInKernel
      ? `plasticity: WebAssembly ${stdp ? `${config.rule} products, ΔW and update` : 'SBP passes, product and update'} (zero presynaptic rows skipped, bit-identical)`
      : `plasticity: JS (no kernel for ${config.rule})`,
  ];
  return { products, feedforward, relaxation, plasticity, description };
}
