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
 *
 * Where the WebAssembly SIMD kernels load (src/kernels, the default), the layers run in them
 * (analog drive, without STP: the paper-exact mode), time as the inner loop for every layer; when
 * the layer above is narrow (≤ 64 neurons: the output) the kernel also multiplies each step's
 * activity by W_l as it goes, so the K·B × n stack is never stored; σ̃ of the currents is the
 * kernel's too. For the same currents the kernel's V, g and spike counts are bit-identical to the
 * JS loops' and its σ̃ within 3 float32 ulps (src/kernels/index.ts); the phase as a whole agrees
 * with the JS loops to float32 rounding. `useNeuronKernels('js')` or SELFPROP_NEURON_KERNELS=js
 * runs the JS loops below.
 */
import { type NeuronKernels, neuronKernels } from '../../kernels/index.js';
import { sigmaTilde } from '../../neurons/activation.js';
import { lifStep, type LifParams } from '../../neurons/lif.js';
import { stpStep } from '../../neurons/stp.js';
import { macCounter, type Matrix, matMul, type RandomStream } from '../../tensor/index.js';
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

/**
 * All K steps of a layer whose input current is constant over the batch (the first hidden layer in
 * analog mode, without STP): the LIF step of neurons/lif.ts followed by the blend, with time as the
 * INNER loop, so that each neuron's g, V and particle stay in registers for its K steps instead of
 * being loaded and stored at every step. One neuron's steps form a dependency chain (a division
 * and an exp per step), so four neurons advance together to keep the core busy. `Math.fround`
 * rounds exactly where the step-by-step path stores to Float32Array, so the results are
 * bit-identical to lifStep + blend (a test checks it). Writes σ̃(s) of every step into `stack`
 * (when given) and σ̃ of the last state into `final`; returns the number of spikes.
 * Measured on MNIST (bench): feedforward 64 s per epoch step by step, 50 s one neuron at a time.
 */
export function integrateConstantDrive(
  current: Float32Array,
  state: { v: Float32Array; g: Float32Array },
  particles: Float32Array,
  params: LifParams,
  rows: number,
  steps: number,
  stack: Float32Array | undefined,
  final: Float32Array,
): number {
  const { v, g } = state;
  const { dtMs, vLeak, vTh, vReset, vRev, tauSynMs, gLeak } = params;
  const n = vRev.length;
  const size = rows * n;
  const dtOverTauM = dtMs / params.tauMMs;
  const k = new Float64Array(n); // dt/τ_syn per neuron
  for (let j = 0; j < n; j++) k[j] = dtMs / tauSynMs[j];
  const sigma = (s: number): number => 2 / (1 + Math.exp(-s)) - 1; // σ̃
  let spikes = 0;
  for (let r = 0; r < rows; r++) {
    const row = r * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const i = row + j;
      const [k0, k1, k2, k3] = [k[j], k[j + 1], k[j + 2], k[j + 3]];
      const [l0, l1, l2, l3] = [gLeak[j], gLeak[j + 1], gLeak[j + 2], gLeak[j + 3]];
      const [e0, e1, e2, e3] = [vRev[j], vRev[j + 1], vRev[j + 2], vRev[j + 3]];
      const [c0, c1, c2, c3] = [current[i], current[i + 1], current[i + 2], current[i + 3]];
      const [p0, p1, p2, p3] = [particles[i], particles[i + 1], particles[i + 2], particles[i + 3]];
      let [g0, g1, g2, g3] = [g[i], g[i + 1], g[i + 2], g[i + 3]];
      let [v0, v1, v2, v3] = [v[i], v[i + 1], v[i + 2], v[i + 3]];
      for (let t = 1; t <= steps; t++) {
        const lambda = t / steps;
        const keep = 1 - lambda;
        const n0 = g0 + k0 * (-g0 + l0 + c0);
        const n1 = g1 + k1 * (-g1 + l1 + c1);
        const n2 = g2 + k2 * (-g2 + l2 + c2);
        const n3 = g3 + k3 * (-g3 + l3 + c3);
        let u0 = v0 + dtOverTauM * (-(v0 - vLeak) - (n0 / l0) * (v0 - e0));
        let u1 = v1 + dtOverTauM * (-(v1 - vLeak) - (n1 / l1) * (v1 - e1));
        let u2 = v2 + dtOverTauM * (-(v2 - vLeak) - (n2 / l2) * (v2 - e2));
        let u3 = v3 + dtOverTauM * (-(v3 - vLeak) - (n3 / l3) * (v3 - e3));
        if (u0 > vTh) u0 = vReset;
        if (u1 > vTh) u1 = vReset;
        if (u2 > vTh) u2 = vReset;
        if (u3 > vTh) u3 = vReset;
        g0 = Math.fround(n0);
        g1 = Math.fround(n1);
        g2 = Math.fround(n2);
        g3 = Math.fround(n3);
        const b0 = lambda * Math.fround(u0) + keep * p0;
        const b1 = lambda * Math.fround(u1) + keep * p1;
        const b2 = lambda * Math.fround(u2) + keep * p2;
        const b3 = lambda * Math.fround(u3) + keep * p3;
        spikes += (b0 > vTh ? 1 : 0) + (b1 > vTh ? 1 : 0) + (b2 > vTh ? 1 : 0) + (b3 > vTh ? 1 : 0);
        v0 = Math.fround(b0);
        v1 = Math.fround(b1);
        v2 = Math.fround(b2);
        v3 = Math.fround(b3);
        if (stack) {
          const o = (t - 1) * size + i;
          stack[o] = sigma(b0);
          stack[o + 1] = sigma(b1);
          stack[o + 2] = sigma(b2);
          stack[o + 3] = sigma(b3);
        }
      }
      g[i] = g0;
      g[i + 1] = g1;
      g[i + 2] = g2;
      g[i + 3] = g3;
      v[i] = v0;
      v[i + 1] = v1;
      v[i + 2] = v2;
      v[i + 3] = v3;
    }
    for (; j < n; j++) {
      const i = row + j;
      let gi = g[i];
      let vi = v[i];
      for (let t = 1; t <= steps; t++) {
        const lambda = t / steps;
        const gNew = gi + k[j] * (-gi + gLeak[j] + current[i]);
        let vNew = vi + dtOverTauM * (-(vi - vLeak) - (gNew / gLeak[j]) * (vi - vRev[j]));
        if (vNew > vTh) vNew = vReset;
        gi = Math.fround(gNew);
        const blended = lambda * Math.fround(vNew) + (1 - lambda) * particles[i];
        if (blended > vTh) spikes++;
        vi = Math.fround(blended);
        if (stack) stack[(t - 1) * size + i] = sigma(blended);
      }
      g[i] = gi;
      v[i] = vi;
    }
  }
  for (let i = 0; i < size; i++) final[i] = sigmaTilde(v[i]);
  return spikes;
}

/** σ̃(z + b) in place, b broadcast over rows (σ̃ by the kernels when given). */
function squashWithBias(z: Float32Array, bias: Float32Array, kernels: NeuronKernels | undefined): Float32Array {
  const n = bias.length;
  if (kernels) {
    for (let i = 0; i < z.length; i += n) {
      for (let j = 0; j < n; j++) z[i + j] += bias[j];
    }
    return kernels.sigmaTilde(z);
  }
  for (let i = 0; i < z.length; i += n) {
    for (let j = 0; j < n; j++) z[i + j] = sigmaTilde(z[i + j] + bias[j]);
  }
  return z;
}

/** Widest next layer whose drive the LIF kernel computes itself (wider: the stack, then one matMul). */
const FUSED_PRODUCT_MAX_COLS = 64;

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
  const kernels = neuronKernels();

  // Activity of the layer below at every step (K·rows × n): σ̃(s) in analog mode, 0/1 spikes in spike mode.
  let below: Matrix | undefined;
  // ... or already its product with the weights (K·rows × n_l), when the kernel computed it.
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
    const currents = constantDrive
      ? squashWithBias(inputDrive.data.slice(), biases[k], kernels)
      : squashWithBias(belowTimesWeights ?? matMul(below as Matrix, weights[k - 1]).data, biases[k], kernels);
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
    const final = new Float32Array(size);
    let spikeCount = 0;
    belowTimesWeights = undefined;

    let stack: Float32Array | undefined;
    if (kernels && !stp && !spikeDriven) {
      const fuse = keepStack && layers[k + 1] <= FUSED_PRODUCT_MAX_COLS;
      const next = fuse ? { weights: weights[k].data, cols: layers[k + 1] } : undefined;
      const record = { stack: keepStack && !fuse, next };
      const run = constantDrive
        ? kernels.lifConstantDrive(currents, lifState, particles, params, rows, steps, final, record)
        : kernels.lifVaryingDrive(currents, lifState, particles, params, rows, steps, final, record);
      spikeCount = run.spikes;
      // a view into the kernel's memory: the next layer's matMul reads it before any other kernel call
      stack = run.stack;
      if (run.drive) {
        belowTimesWeights = run.drive;
        macCounter.add(steps * size * layers[k + 1]); // what matMul(stack, W) would have counted
      }
    } else if (constantDrive && !stp) {
      stack = keepStack ? new Float32Array(steps * size) : undefined;
      spikeCount = integrateConstantDrive(currents, lifState, particles, params, rows, steps, stack, final);
    } else {
      stack = keepStack ? new Float32Array(steps * size) : undefined;
      for (let t = 1; t <= steps; t++) {
        const lambda = t / steps;
        let current = constantDrive ? currents : currents.subarray((t - 1) * size, t * size);
        if (stp) {
          stpStep(current, stp, config.stp, size);
          current = stp.j;
        }
        lifStep(current, lifState, params, rows);
        if (stack) {
          spikeCount += spikeDriven
            ? blendRecordingSpikes(v, particles, lambda, vTh, stack, (t - 1) * size)
            : blendRecordingActivity(v, particles, lambda, vTh, stack, (t - 1) * size);
        } else {
          spikeCount += blend(v, particles, lambda, vTh);
        }
      }
      for (let i = 0; i < size; i++) final[i] = sigmaTilde(v[i]);
    }
    states.push({ rows, cols: n, data: final });
    spikes.push(spikeCount);
    below = stack && { rows: steps * rows, cols: n, data: stack };
  }
  return { states, spikes };
}
