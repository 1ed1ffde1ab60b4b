/**
 * Phase (a) of a batch, §1.2: K = T/dt LIF steps. At step t (λ = t/K), for each layer l ≥ 2:
 *
 *   I   = σ̃(s_{l−1} W_{l−1} + b_l)        (J of STP instead, when on, §1.4)
 *   LIF step (neurons/lif.ts lifStep)
 *   s_l = λ·V + (1−λ)·p_l                  (blend with the particles: neurons/lif.ts blendStep)
 *   spike_l = s_l > V_th                   (counted)
 *   V = s_l;  s_l = σ̃(s_l)
 *
 * Nothing flows back down during this phase, so it is computed layer by layer: all K steps of
 * layer l, then ONE product of the stacked K·B rows of its activity with W_l gives layer l+1's
 * drive at every step. That is the same arithmetic as the step-by-step loop and the same MACs,
 * in one matrix product instead of K. For the first hidden layer the analog input x is constant,
 * so its drive x·W_1 is computed once per batch (and reused by the relaxations).
 *
 * Spike-driven mode (§1.6, `drive: "spikes"`): the input is Bernoulli-encoded at every step
 * (a pixel of intensity x spikes with probability x) and each layer is driven by the spikes of
 * the layer below, I = σ̃(spike_{l−1} W_{l−1} + b_l). The relaxations still use analog states.
 *
 * The K steps of a layer and σ̃ of its currents are the `FeedforwardLoops` of the model (chosen
 * once when it is built, loops.ts): the JS loops below, the definition, or the WebAssembly
 * kernels (loops-wasm.ts), which may also multiply each step's activity by the next layer's
 * weights as they go when that layer is narrow.
 */
import { sigmaTilde } from '../../neurons/activation.js';
import { blendStep, lifStep, type LifParams } from '../../neurons/lif.js';
import { stpStep, type StpParams, type StpState } from '../../neurons/stp.js';
import { type Matrix, matMul, type RandomStream } from '../../tensor/index.js';
import type { SnnConfig } from './config.js';
import type { SnnNetwork } from './network.js';
import type { SnnState } from './state.js';

export interface FeedforwardResult {
  /** s after phase (a), per layer (index 0 = the input x itself). */
  readonly states: Matrix[];
  /** Spikes emitted during the phase, per layer (index 0: input spikes in spike mode, else 0). */
  readonly spikes: number[];
}

/** The K steps of one layer, as the phase hands them to an implementation. */
export interface LifLayerJob {
  /** rows × n (constant over the steps) or K·rows × n (`varying`, step-major). */
  readonly current: Float32Array;
  readonly varying: boolean;
  readonly state: { readonly v: Float32Array; readonly g: Float32Array };
  readonly particles: Float32Array;
  /** STP state of the layer (views, rows × n), when STP is on. */
  readonly stp?: StpState;
  readonly stpParams: StpParams;
  readonly params: LifParams;
  readonly rows: number;
  readonly steps: number;
  /** What the layer above needs of every step: σ̃(s) ('activity'), the spikes, or nothing. */
  readonly record: 'activity' | 'spikes' | 'none';
  /** The next layer's weights (n × cols), when there is a layer above: an implementation may fuse the product. */
  readonly next?: { readonly weights: Float32Array; readonly cols: number };
  /** Receives σ̃ of the last V (rows × n). */
  readonly final: Float32Array;
}

export interface LifLayerResult {
  readonly spikes: number;
  /** Every step's record, K·rows × n (unless the product was fused). */
  readonly stack?: Float32Array;
  /** Or the record times the next weights, K·rows × cols (fused). */
  readonly drive?: Float32Array;
}

export interface FeedforwardLoops {
  /** σ̃(z + b) in place, b broadcast over rows. */
  squash(z: Float32Array, bias: Float32Array): Float32Array;
  /** All K steps of one layer: v and g updated in place. */
  lifLayer(job: LifLayerJob): LifLayerResult;
}

/** Number of LIF steps K = T/dt. */
export function stepCount(config: SnnConfig): number {
  return Math.round(config.lif.tMs / config.lif.dtMs);
}

/** Per-neuron LIF parameters of layer k (inhibitory neurons take V_I, τ_syn_I, g_leak_I). */
export function lifParamsOf(net: SnnNetwork, k: number): LifParams {
  const { lif } = net.config;
  const inhibitory = net.inhibitory[k];
  const n = inhibitory.length;
  const vRev = new Float32Array(n);
  const tauSynMs = new Float32Array(n);
  const gLeak = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const inh = inhibitory[j] === 1;
    vRev[j] = inh ? lif.vI : lif.vE;
    tauSynMs[j] = inh ? lif.tauSynIMs : lif.tauSynEMs;
    gLeak[j] = inh ? lif.gLeakI : lif.gLeakE;
  }
  return { dtMs: lif.dtMs, tauMMs: lif.tauMMs, vLeak: lif.vLeak, vTh: lif.vTh, vReset: lif.vReset, vRev, tauSynMs, gLeak };
}

/** Bernoulli spikes of the input at every step: K·B × n. */
function bernoulliInput(x: Matrix, steps: number, rng: RandomStream): Matrix {
  const size = x.data.length;
  const out = new Float32Array(steps * size);
  for (let t = 0; t < steps; t++) {
    const base = t * size;
    for (let i = 0; i < size; i++) out[base + i] = rng.uniform() < x.data[i] ? 1 : 0;
  }
  return { rows: steps * x.rows, cols: x.cols, data: out };
}

/** σ̃(z + b) in place, b broadcast over rows: the JS loop. */
export function squashWithBias(z: Float32Array, bias: Float32Array): Float32Array {
  const n = bias.length;
  for (let i = 0; i < z.length; i += n) {
    for (let j = 0; j < n; j++) z[i + j] = sigmaTilde(z[i + j] + bias[j]);
  }
  return z;
}

/** The K steps of a layer by the definition: (STP,) lifStep, blendStep, step by step. */
export function lifLayerSteps(job: LifLayerJob): LifLayerResult {
  const { rows, steps, state, particles, params, stp } = job;
  const size = rows * params.vRev.length;
  const stack = job.record === 'none' ? undefined : new Float32Array(steps * size);
  const kind = job.record === 'spikes' ? 'spikes' : 'activity';
  let spikes = 0;
  for (let t = 1; t <= steps; t++) {
    let current = job.varying ? job.current.subarray((t - 1) * size, t * size) : job.current;
    if (stp) {
      stpStep(current, stp, job.stpParams, size);
      current = stp.j;
    }
    lifStep(current, state, params, rows);
    spikes += blendStep(state.v, particles, t / steps, params.vTh, stack && { into: stack, offset: (t - 1) * size, kind });
  }
  const { v } = state;
  for (let i = 0; i < size; i++) job.final[i] = sigmaTilde(v[i]);
  return { spikes, stack };
}

/** The JS loops of phase (a): the reference. */
export const jsFeedforward: FeedforwardLoops = { squash: squashWithBias, lifLayer: lifLayerSteps };

export function feedforwardPhase(
  net: SnnNetwork,
  state: SnnState,
  x: Matrix,
  inputDrive: Matrix,
  rng: RandomStream,
  loops: FeedforwardLoops,
): FeedforwardResult {
  const { config, weights, biases } = net;
  const { layers } = config;
  const spikeDriven = config.drive === 'spikes';
  const steps = stepCount(config);
  const rows = x.rows;
  const states: Matrix[] = [x];
  const spikes: number[] = [0];

  // Activity of the layer below at every step (K·rows × n): σ̃(s) in analog mode, 0/1 spikes in spike mode.
  let below: Matrix | undefined;
  // ... or already its product with the weights (K·rows × n_l), when the loops fused it.
  let belowTimesWeights: Float32Array | undefined;
  if (spikeDriven) {
    below = bernoulliInput(x, steps, rng);
    let count = 0;
    for (let i = 0; i < below.data.length; i++) count += below.data[i];
    spikes[0] = count;
  }

  for (let k = 1; k < layers.length; k++) {
    const n = layers[k];
    const size = rows * n;
    const constantDrive = k === 1 && !spikeDriven;
    const current = constantDrive
      ? loops.squash(inputDrive.data.slice(), biases[k])
      : loops.squash(belowTimesWeights ?? matMul(below as Matrix, weights[k - 1]).data, biases[k]);
    const layer = state.layers[k];
    const hasAbove = k < layers.length - 1;
    const final = new Float32Array(size);
    const run = loops.lifLayer({
      current,
      varying: !constantDrive,
      state: { v: layer.v.subarray(0, size), g: layer.g.subarray(0, size) },
      particles: layer.particles.subarray(0, size),
      stp: layer.stp && { u: layer.stp.u.subarray(0, size), x: layer.stp.x.subarray(0, size), j: layer.stp.j.subarray(0, size) },
      stpParams: config.stp,
      params: lifParamsOf(net, k),
      rows,
      steps,
      record: hasAbove ? (spikeDriven ? 'spikes' : 'activity') : 'none',
      next: hasAbove ? { weights: weights[k].data, cols: layers[k + 1] } : undefined,
      final,
    });
    states.push({ rows, cols: n, data: final });
    spikes.push(run.spikes);
    // A stack may be a view into a kernel's memory: the next layer's product reads it before any other kernel call.
    below = run.stack && { rows: steps * rows, cols: n, data: run.stack };
    belowTimesWeights = run.drive;
  }
  return { states, spikes };
}
