/**
 * Phase (a) of a batch, §1.2: K = T/dt LIF steps. At step t (λ = t/K), for each layer l ≥ 2:
 *
 *   I   = σ̃(s_{l−1} W_{l−1} + b_l)        (J of STP instead, when on, §1.4)
 *   LIF step (neurons/lif.ts)
 *   s_l = λ·V + (1−λ)·p_l                  (blend with the particles)
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
 */
import { sigmaTilde } from '../../neurons/activation.js';
import { lifStep, type LifParams } from '../../neurons/lif.js';
import { stpStep } from '../../neurons/stp.js';
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

/*
 * The blend of step (a): s = λ·V + (1−λ)·p; spike where s > V_th; V = s. Three monomorphic
 * variants (this loop runs 2.5 M times per MNIST batch): recording σ̃(s) for the layer above,
 * recording the spikes for it, or recording nothing (the top layer). Each returns the spike count.
 */
function blendRecordingActivity(v: Float32Array, p: Float32Array, lambda: number, vTh: number, out: Float32Array, offset: number): number {
  let spikes = 0;
  for (let i = 0; i < v.length; i++) {
    const s = lambda * v[i] + (1 - lambda) * p[i];
    if (s > vTh) spikes++;
    v[i] = s;
    out[offset + i] = 2 / (1 + Math.exp(-s)) - 1; // σ̃(s), inlined
  }
  return spikes;
}

function blendRecordingSpikes(v: Float32Array, p: Float32Array, lambda: number, vTh: number, out: Float32Array, offset: number): number {
  let spikes = 0;
  for (let i = 0; i < v.length; i++) {
    const s = lambda * v[i] + (1 - lambda) * p[i];
    const spike = s > vTh ? 1 : 0;
    spikes += spike;
    v[i] = s;
    out[offset + i] = spike;
  }
  return spikes;
}

function blend(v: Float32Array, p: Float32Array, lambda: number, vTh: number): number {
  let spikes = 0;
  for (let i = 0; i < v.length; i++) {
    const s = lambda * v[i] + (1 - lambda) * p[i];
    if (s > vTh) spikes++;
    v[i] = s;
  }
  return spikes;
}

/** σ̃(z + b) in place, b broadcast over rows. */
function squashWithBias(z: Float32Array, bias: Float32Array): Float32Array {
  const n = bias.length;
  for (let i = 0; i < z.length; i += n) {
    for (let j = 0; j < n; j++) z[i + j] = sigmaTilde(z[i + j] + bias[j]);
  }
  return z;
}

export function feedforwardPhase(
  net: SnnNetwork,
  state: SnnState,
  x: Matrix,
  inputDrive: Matrix,
  rng: RandomStream,
): FeedforwardResult {
  const { config, weights, biases } = net;
  const { layers } = config;
  const { vTh } = config.lif;
  const spikeDriven = config.drive === 'spikes';
  const steps = stepCount(config);
  const rows = x.rows;
  const states: Matrix[] = [x];
  const spikes: number[] = [0];

  // Activity of the layer below at every step (K·rows × n): σ̃(s) in analog mode, 0/1 spikes in spike mode.
  let below: Matrix | undefined;
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
    const currents = constantDrive
      ? squashWithBias(inputDrive.data.slice(), biases[k])
      : squashWithBias(matMul(below as Matrix, weights[k - 1]).data, biases[k]);
    const layer = state.layers[k];
    const lifState = { v: layer.v.subarray(0, size), g: layer.g.subarray(0, size) };
    const { v } = lifState;
    const particles = layer.particles.subarray(0, size);
    const stp = layer.stp && {
      u: layer.stp.u.subarray(0, size),
      x: layer.stp.x.subarray(0, size),
      j: layer.stp.j.subarray(0, size),
    };
    const params = lifParamsOf(net, k);
    const keepStack = k < layers.length - 1;
    const stack = keepStack ? new Float32Array(steps * size) : undefined;
    const final = new Float32Array(size);
    let spikeCount = 0;

    for (let t = 1; t <= steps; t++) {
      const lambda = t / steps;
      let current = constantDrive ? currents : currents.subarray((t - 1) * size, t * size);
      if (stp) {
        stpStep(current, stp, config.stp, size);
        current = stp.j;
      }
      lifStep(current, lifState, params, rows);
      const isLastStep = t === steps;
      if (stack) {
        spikeCount += spikeDriven
          ? blendRecordingSpikes(v, particles, lambda, vTh, stack, (t - 1) * size)
          : blendRecordingActivity(v, particles, lambda, vTh, stack, (t - 1) * size);
      } else {
        spikeCount += blend(v, particles, lambda, vTh);
      }
      if (isLastStep) for (let i = 0; i < size; i++) final[i] = sigmaTilde(v[i]);
    }
    states.push({ rows, cols: n, data: final });
    spikes.push(spikeCount);
    below = stack && { rows: steps * rows, cols: n, data: stack };
  }
  return { states, spikes };
}
