/**
 * The §1 network's loops on the WebAssembly SIMD kernels (src/kernels/neurons.ts), one kernel
 * instance per model. What each phase supports, and what runs otherwise:
 *
 * - feedforward (a): σ̃ of the currents always; the LIF + blend loop of a layer in analog drive
 *   without STP (the paper-exact mode), fused with the product of each step's activity and the
 *   next layer's weights when that layer has ≤ 64 neurons (the output). With STP or spike drive
 *   the LIF steps run in the JS loop (lifLayerSteps), σ̃ still in the kernel.
 * - relaxations (b, c): a network with one hidden layer and ≤ 64 outputs (the paper's) relaxes
 *   entirely in the kernel, its small products included, in float32; deeper or wider networks keep
 *   the TF.js products and take σ̃ of the hidden layers from the kernel.
 * - plasticity (e): SBP's two passes over ΔW (and the update when there is no noise and no Dale
 *   constraint), bit-identical to plasticity/sbp.ts; the STDP rules run their JS functions.
 */
import { NeuronKernels } from '../../kernels/neurons.js';
import { sbpBaseProduct, isHiddenMatrix, sbpSpread } from '../../plasticity/sbp.js';
import type { SnnConfig } from './config.js';
import { lifLayerSteps, type FeedforwardLoops, type LifLayerJob, type LifLayerResult } from './feedforward.js';
import { jsPlasticity, type PlasticityLoops } from './learning.js';
import type { SnnLoops } from './loops.js';
import { type RelaxationLoops } from './relaxation.js';

/** Widest layer whose product the LIF kernel fuses, and widest output the relaxation kernel handles. */
export const KERNEL_MAX_COLS = 64;

export function wasmLoops(config: SnnConfig): SnnLoops {
  const kernels = new NeuronKernels();
  const lifInKernel = !config.stp.enabled && config.drive === 'analog';
  const oneHidden = config.layers.length === 3 && config.layers[2] <= KERNEL_MAX_COLS;
  const sbp = config.rule === 'sbp';

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
      const run = job.varying
        ? kernels.lifVaryingDrive(job.current, job.state, job.particles, job.params, job.rows, job.steps, job.final, record)
        : kernels.lifConstantDrive(job.current, job.state, job.particles, job.params, job.rows, job.steps, job.final, record);
      return { spikes: run.spikes, stack: run.stack, drive: run.drive };
    },
  };

  const relaxation: RelaxationLoops = {
    relaxAll(net, states, inputDrive, iterations, teacher) {
      if (!oneHidden) return false;
      const [, hidden, output] = states;
      kernels.relaxOneHidden(
        hidden.data, output.data, inputDrive.data, net.weights[1].data, net.biases[1], net.biases[2],
        hidden.rows, iterations, net.config.epsilon, teacher && { target: teacher.target.data, beta: teacher.beta },
      );
      return true;
    },
    hiddenStep(s, below, above, b, epsilon) {
      const cols = b.length;
      for (let r = 0; r < s.length / cols; r++) {
        for (let i = r * cols, j = 0; j < cols; i++, j++) {
          const si = s[i];
          s[i] = si - epsilon * (si - below[i] - above[i] - b[j]);
        }
      }
      kernels.sigmaTilde(s);
    },
  };

  const plasticity: PlasticityLoops = {
    delta(rule, input, update) {
      if (rule.name !== 'sbp') return jsPlasticity.delta(rule, input, update);
      const nPre = input.preFree.cols;
      const nPost = input.postFree.cols;
      const hidden = isHiddenMatrix(input);
      const product = sbpBaseProduct(input); // βB·D
      const pass = kernels.sbpSums(product, nPre, nPost, 1 / (input.beta * input.preFree.rows));
      const { factors, trace } = sbpSpread(pass.sums, input.sbp, hidden ? input.above : undefined);
      pass.finish(factors, hidden, update);
      return update ? { trace } : { delta: { rows: nPre, cols: nPost, data: product }, trace };
    },
  };

  const description = [
    `feedforward: WebAssembly σ̃${lifInKernel ? ' and LIF loop' : `, JS LIF loop (the LIF kernel has no ${config.stp.enabled ? 'STP' : 'spike drive'})`}`,
    oneHidden
      ? 'relaxations: WebAssembly (one hidden layer, products fused)'
      : `relaxations: TF.js products, WebAssembly σ̃ (the fused kernel takes one hidden layer and ≤ ${KERNEL_MAX_COLS} outputs)`,
    sbp ? 'plasticity: WebAssembly SBP passes' : `plasticity: JS (no kernel for ${config.rule})`,
  ];
  return { feedforward, relaxation, plasticity, description };
}
