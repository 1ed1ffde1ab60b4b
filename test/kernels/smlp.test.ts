/**
 * The §3 spiking-MLP WebAssembly kernels (src/kernels/smlp.ts, ./assembly/smlp.ts) against the
 * TF.js autodiff path (models/smlp/smlp.ts, fed the kernel's own input spikes) and the float64
 * reference (test/models/smlp/reference-smlp.ts): gradients of pBP and SBP on nets of 3 to 6
 * layers, with and without the energy term, the SBP variants (X per step or of the last step,
 * Hebbian term on/off, frozen output bias), one real MNIST batch, the fused Adam step, 3-epoch loss
 * curves, determinism, the spike generator and the operation counts.
 *
 * The kernel is the module embedded by `npm run build` (kernels/index.ts); the input spikes are
 * also held to their JS twin (models/smlp/spikes.ts), bit for bit.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelModule } from '../../src/kernels/index.js';
import { SmlpKernel, type SmlpKernelOptions, type SmlpKernelParams, type SmlpRule } from '../../src/kernels/smlp.js';
import { inputSpikes, seedWords } from '../../src/models/smlp/spikes.js';
import { loadMnistDir } from '../../src/node/datasets/index.js';
import { resolveSmlpConfig, type SmlpConfigInput } from '../../src/models/smlp/config.js';
import { adamStep, initSmlpNetwork, type SmlpNetwork } from '../../src/models/smlp/network.js';
import { batchGradientsWithSpikes, evaluateBatchWithSpikes } from '../../src/models/smlp/smlp.js';
import { type Matrix, RandomStream, useBackend } from '../../src/tensor/index.js';
import { expectAllClose } from '../helpers/matchers.js';
import { type Mat, refBackward, refForward, refSbpHidden } from '../models/smlp/reference-smlp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MNIST_DIR = join(root, '..', 'shared', 'data', 'mnist');

let module: WebAssembly.Module;

beforeAll(async () => {
  await useBackend('wasm');
  module = kernelModule('smlp');
});

// ------------------------------------------------------------------ helpers

const SEED = [0x12345678, 0x9abcdef0, 0x0badf00d, 0xdeadbeef];

/** A net as smlp.test.ts's setup: weights ×3 and biases 0.4 + 0.3 sin, so that every layer spikes. */
function tinyNet(layers: number[], extra: SmlpConfigInput = {}, timeSteps = 5, seed = 3): SmlpNetwork {
  const config = resolveSmlpConfig({ layers, timeSteps, ...extra }, layers);
  const net = initSmlpNetwork(config, RandomStream.fromSeed(seed));
  net.weights.forEach((w) => w.data.forEach((v, i) => (w.data[i] = 3 * v)));
  net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = 0.4 + 0.3 * Math.sin(7 * k + j))));
  return net;
}

/** A kernel for the net's shape and settings, its parameters copied from the net. */
function kernelFor(net: SmlpNetwork, batchSize: number, options: SmlpKernelOptions = {}): SmlpKernel {
  const { layers, timeSteps } = net.config;
  const kernel = SmlpKernel.create(module, { layers, batchSize, timeSteps }, net.config as SmlpKernelParams, options);
  net.weights.forEach((w, k) => kernel.weights[k].set(w.data));
  net.biases.forEach((b, k) => kernel.biases[k].set(b));
  net.feedback.forEach((r, k) => kernel.feedback[k].set(r.data));
  return kernel;
}

function batchData(inputs: number, outputs: number, rows: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = RandomStream.fromSeed(seed);
  const x = Float32Array.from({ length: rows * inputs }, () => rng.uniform());
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) y[r * outputs + rng.integer(outputs)] = 1;
  return { x: { rows, cols: inputs, data: x }, y: { rows, cols: outputs, data: y } };
}

/** The kernel's input spikes as bernoulliSpikes' per-step arrays. */
function spikeSteps(kernel: SmlpKernel, x: Float32Array, rows: number, seed: ArrayLike<number>): Float32Array[] {
  const all = kernel.inputSpikes(x, rows, seed);
  const size = rows * kernel.layers[0];
  return Array.from({ length: kernel.timeSteps }, (_, t) => all.subarray(t * size, (t + 1) * size));
}

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** Every gradient within rel·(its largest entry) of the reference's (and exactly 0 where the reference is). */
function expectGradientsClose(got: Float32Array[], want: Float32Array[], rel: number): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const scale = maxAbs(w);
    if (scale === 0) expect(maxAbs(got[i]), `gradient ${i} should be zero`).toBe(0);
    else expectAllClose(got[i], w, rel * scale);
  });
}

function loadMnist(count: number): { x: Float32Array; y: Float32Array; labels: Uint8Array } {
  const { train } = loadMnistDir(MNIST_DIR, { trainLimit: count, testLimit: 1 });
  return { x: train.inputs, y: train.targets, labels: train.labels as Uint8Array };
}

const mnist = existsSync(MNIST_DIR) ? loadMnist(2000) : undefined;

// ------------------------------------------------------------------ gradients against autodiff

describe('gradients equal TF.js autodiff fed the same input spikes', () => {
  const NETS = [
    [6, 5, 3],
    [6, 5, 4, 3],
    [7, 6, 5, 4, 3],
    [9, 8, 7, 6, 5, 3],
  ];
  const VARIANTS: [string, SmlpRule, SmlpConfigInput][] = [
    ['pBP', 'pbp', {}],
    ['pBP + energy', 'pbp', { energy: true }],
    ['SBP, X per step, Hebbian 1e-2', 'sbp', {}],
    ['SBP, X per step, Hebbian ×100', 'sbp', { hebbianWeight: 1 }],
    ['SBP, X per step, no Hebbian', 'sbp', { hebbianWeight: 0 }],
    ['SBP, last-step X, Hebbian ×100', 'sbp', { sbpInput: 'last-step', hebbianWeight: 1 }],
    ['SBP, last-step X, no Hebbian', 'sbp', { sbpInput: 'last-step', hebbianWeight: 0 }],
    ['SBP + energy, frozen output bias', 'sbp', { energy: true, freezeOutputBiasInSbp: true }],
  ];
  // weight gradients of layers ≤ 16 wide by scattering (the default), or all by gathering
  const PATHS: [string, SmlpKernelOptions][] = [
    ['scatter ≤ 16', {}],
    ['gather', { scatterMaxColumns: 0 }],
  ];
  for (const layers of NETS) {
    for (const [name, rule, extra] of VARIANTS) {
      for (const [path, options] of PATHS) {
      it(`${layers.join('-')}: ${name} (${path})`, () => {
        const net = tinyNet(layers, extra);
        const rows = 4;
        const { x, y } = batchData(layers[0], layers[layers.length - 1], rows, 13);
        const kernel = kernelFor(net, 6, options); // rows < batchSize: a short last batch
        const ref = batchGradientsWithSpikes(net, spikeSteps(kernel, x.data, rows, SEED), y, rule);
        const got = kernel.gradients(x.data, y.data, rows, rule, SEED);
        expect(got.spikes).toEqual(ref.outcome.spikes);
        expect(got.spikes.every((s) => s > 0)).toBe(true); // every layer spikes: the case is not trivial
        expect(got.loss).toBeCloseTo(ref.outcome.measures.loss, 6);
        expectAllClose(got.output, ref.outcome.output.data, 1e-6);
        expectGradientsClose(got.grads, ref.grads, 2e-5);
        const L = layers.length;
        if (rule === 'sbp') {
          for (let l = 1; l <= L - 2; l++) expect(maxAbs(got.grads[L - 1 + l - 1])).toBe(0); // hidden biases
          expect(maxAbs(got.grads[2 * L - 3]) === 0).toBe(extra.freezeOutputBiasInSbp === true);
          expect(maxAbs(got.grads[0])).toBeGreaterThan(0);
        }
      });
      }
    }
  }

  // wider layers (tiles of 7 vectors and their remainders, an output wider than 16: gathered), the
  // NETtalk shape with multi-hot targets, and K = 1, 2 (no Hebbian steps)
  for (const [layers, K, rows, rule, extra] of [
    [[189, 500, 26], 20, 5, 'pbp', {}],
    [[189, 500, 26], 20, 5, 'sbp', {}],
    [[60, 37, 29, 18], 7, 3, 'pbp', { energy: true }],
    [[60, 37, 29, 18], 7, 3, 'sbp', { hebbianWeight: 1 }],
    [[60, 37, 29, 18], 7, 3, 'sbp', { sbpInput: 'last-step', hebbianWeight: 1 }],
    [[9, 8, 5, 3], 1, 4, 'pbp', {}],
    [[9, 8, 5, 3], 1, 4, 'sbp', {}],
    [[9, 8, 5, 3], 2, 4, 'sbp', { hebbianWeight: 1 }],
  ] as [number[], number, number, SmlpRule, SmlpConfigInput][]) {
    it(`${layers.join('-')}, K = ${K}, ${rows} rows: ${rule} ${JSON.stringify(extra)}`, () => {
      const net = tinyNet(layers, extra, K, 5);
      const rng = RandomStream.fromSeed(16);
      const nOut = layers[layers.length - 1];
      const x = Float32Array.from({ length: rows * layers[0] }, () => (rng.uniform() < 0.3 ? rng.uniform() : 0));
      const y = Float32Array.from({ length: rows * nOut }, () => (rng.uniform() < 0.3 ? 1 : 0));
      const kernel = kernelFor(net, rows);
      const ref = batchGradientsWithSpikes(net, spikeSteps(kernel, x, rows, SEED), { rows, cols: nOut, data: y }, rule);
      const got = kernel.gradients(x, y, rows, rule, SEED);
      expect(got.spikes).toEqual(ref.outcome.spikes);
      expect(got.spikes.every((s) => s > 0)).toBe(true);
      expect(got.loss).toBeCloseTo(ref.outcome.measures.loss, 6);
      expectGradientsClose(got.grads, ref.grads, 2e-5);
    });
  }

  it('evaluateBatch: outputs, loss and spikes of the autodiff forward', () => {
    const net = tinyNet([6, 5, 4, 3], { energy: true });
    const { x, y } = batchData(6, 3, 4, 14);
    const kernel = kernelFor(net, 4);
    const ref = evaluateBatchWithSpikes(net, spikeSteps(kernel, x.data, 4, SEED), y);
    const got = kernel.evaluateBatch(x.data, y.data, 4, SEED);
    expectAllClose(got.output, ref.output.data, 1e-6);
    expect(got.loss).toBeCloseTo(ref.measures.loss, 6);
    expect(got.spikes).toEqual(ref.spikes);
    expect(got.ops.backward).toBe(0);
  });
});

// ------------------------------------------------------------------ the float64 reference

describe('against the float64 reference (reference-smlp.ts)', () => {
  const toMat = (data: ArrayLike<number>, rows: number, cols: number): Mat => Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  const P = { decay: 0.2, threshold: 0.5, window: 0.3 };

  function reference(layers: number[], extra: SmlpConfigInput) {
    const net = tinyNet(layers, extra, 6);
    const rows = 5;
    const { x, y } = batchData(layers[0], layers[layers.length - 1], rows, 15);
    const kernel = kernelFor(net, rows);
    const input = spikeSteps(kernel, x.data, rows, SEED).map((s) => toMat(s, rows, layers[0]));
    const W = net.weights.map((w) => toMat(w.data, w.rows, w.cols));
    const b = net.biases.slice(1).map((v) => Array.from(v));
    const ym = toMat(y.data, rows, y.cols);
    const f = refForward(W, b, input, ym, P);
    return { net, kernel, x, y, rows, f, ym, g: refBackward(W, f, ym, P) };
  }

  it('pBP: loss, outputs and every gradient (4 layers)', () => {
    const { kernel, x, y, rows, f, g } = reference([6, 5, 4, 3], {});
    const got = kernel.gradients(x.data, y.data, rows, 'pbp', SEED);
    expect(got.loss).toBeCloseTo(f.loss, 6);
    expectAllClose(got.output, f.out.flat(), 1e-6);
    g.gW.forEach((w, k) => expectAllClose(got.grads[k], w.flat(), 1e-6 * Math.max(1, maxAbs(w.flat()))));
    g.gb.forEach((w, k) => expectAllClose(got.grads[3 + k], w, 1e-6 * Math.max(1, maxAbs(w))));
    expect(maxAbs(g.gW[0].flat())).toBeGreaterThan(0);
  });

  for (const [name, lastStep] of [['X per step', false], ['X of the last step', true]] as const) {
    it(`SBP hidden update equals §3's formula in the spec's layout (5 layers, ${name}, Hebbian ×100)`, () => {
      const layers = [7, 6, 5, 4, 3];
      const { net, kernel, x, y, rows, f, ym, g } = reference(layers, { hebbianWeight: 1, sbpInput: lastStep ? 'last-step' : 'per-step' });
      const got = kernel.gradients(x.data, y.data, rows, 'sbp', SEED);
      const R = net.feedback.map((r) => toMat(r.data, r.rows, r.cols));
      const out = layers.length - 2;
      const hidden = refSbpHidden(f, g.gWStep[out], R, ym, 1, lastStep);
      hidden.forEach((h, k) => {
        const scale = maxAbs(h.flat());
        expect(scale).toBeGreaterThan(0);
        expectAllClose(got.grads[k], h.flat(), 1e-5 * scale);
      });
      expectAllClose(got.grads[out], g.gW[out].flat(), 1e-6); // output weights: the true gradient
      expectAllClose(got.grads[2 * out + 1], g.gb[out], 1e-6); // output bias keeps learning
    });
  }
});

// ------------------------------------------------------------------ one real MNIST batch

describe.skipIf(!mnist)('one real MNIST batch: 784-500-10, batch 100, K = 20', () => {
  for (const rule of ['pbp', 'sbp'] as const) {
    it(`${rule}: kernel gradients equal autodiff's`, () => {
      const layers = [784, 500, 10];
      const config = resolveSmlpConfig({ layers }, layers);
      const net = initSmlpNetwork(config, RandomStream.fromSeed(1));
      const kernel = kernelFor(net, 100);
      const x = mnist!.x.subarray(0, 100 * 784);
      const y = mnist!.y.subarray(0, 100 * 10);
      const ref = batchGradientsWithSpikes(net, spikeSteps(kernel, x, 100, SEED), { rows: 100, cols: 10, data: y }, rule);
      const got = kernel.gradients(x, y, 100, rule, SEED);
      // a membrane within float32 rounding of θ could flip a spike between the paths: allow a few
      got.spikes.forEach((s, l) => expect(Math.abs(s - ref.outcome.spikes![l])).toBeLessThanOrEqual(2));
      expect(got.spikes[0] / (20 * 100 * 784)).toBeGreaterThan(0.1); // MNIST: ~13 % of the input spikes
      expect(got.loss).toBeCloseTo(ref.outcome.measures.loss, 5);
      expectGradientsClose(got.grads, ref.grads, 1e-4);
      // the dense-equivalent backward MACs are exactly smlp.ts's count
      expect(got.ops.backwardDense).toBe(ref.outcome.measures.backwardMacs * 100);
    });
  }
});

// ------------------------------------------------------------------ Adam

describe('fused Adam', () => {
  it('trainBatch = gradients + adamStep (network.ts), bit for bit, over mixed pBP/SBP batches', () => {
    const net = tinyNet([6, 5, 4, 3], { energy: true });
    const kernel = kernelFor(net, 4);
    const reference = tinyNet([6, 5, 4, 3], { energy: true }); // adamStep's own arrays
    const rules: SmlpRule[] = ['pbp', 'sbp', 'pbp', 'pbp', 'sbp'];
    rules.forEach((rule, i) => {
      const { x, y } = batchData(6, 3, 4, 30 + i);
      const seed = [i, 1, 2, 3];
      const grads = kernel.gradients(x.data, y.data, 4, rule, seed).grads.map((g) => g.slice());
      adamStep(reference, grads, 1e-2);
      kernel.trainBatch(x.data, y.data, 4, rule, 1e-2, seed);
    });
    reference.weights.forEach((w, k) => expect(Array.from(kernel.weights[k])).toEqual(Array.from(w.data)));
    reference.biases.forEach((b, k) => expect(Array.from(kernel.biases[k])).toEqual(Array.from(b)));
    reference.adam.m.forEach((m, i) => expect(Array.from(kernel.adam.m[i])).toEqual(Array.from(m)));
    reference.adam.v.forEach((v, i) => expect(Array.from(kernel.adam.v[i])).toEqual(Array.from(v)));
    expect(kernel.adam.step[0]).toBe(5);
    expect(reference.adam.step[0]).toBe(5);
    // the weights moved; SBP batches moved the hidden biases by momentum only
    expect(Array.from(kernel.weights[0])).not.toEqual(Array.from(net.weights[0].data));
  });

  it('views stay valid: the memory never grows after creation', () => {
    const net = tinyNet([6, 5, 3]);
    const kernel = kernelFor(net, 4);
    const before = kernel.memoryBytes;
    const w = kernel.weights[0];
    for (let i = 0; i < 5; i++) {
      const { x, y } = batchData(6, 3, 1 + (i % 4), 40 + i);
      kernel.trainBatch(x.data, y.data, 1 + (i % 4), i % 2 ? 'sbp' : 'pbp', 1e-3, [i, 0, 0, 0]);
      kernel.evaluateBatch(x.data, y.data, 1 + (i % 4), [i, 0, 0, 0]);
      kernel.inputSpikes(x.data, 1 + (i % 4), [i, 0, 0, 0]);
    }
    expect(w.byteLength).toBe(6 * 5 * 4); // not detached
    expect(w.buffer.byteLength).toBe(before);
    expect(kernel.memoryBytes).toBe(before);
  });

  it('rejects bad shapes and rows', () => {
    expect(() => SmlpKernel.create(module, { layers: [4, 3], batchSize: 2, timeSteps: 2 })).toThrow(/3 to 6 layers/);
    const kernel = SmlpKernel.create(module, { layers: [4, 3, 2], batchSize: 2, timeSteps: 2 });
    expect(() => kernel.evaluateBatch(new Float32Array(12), new Float32Array(6), 3, SEED)).toThrow(/rows/);
    expect(() => kernel.evaluateBatch(new Float32Array(4), new Float32Array(4), 2, SEED)).toThrow(/x has/);
    expect(() => kernel.evaluateBatch(new Float32Array(8), new Float32Array(4), 2, [1, 2])).toThrow(/seed words/);
    expect(() => kernel.gradients(new Float32Array(8), new Float32Array(4), 2, 'bp' as SmlpRule, SEED)).toThrow(/rule/);
  });
});

// ------------------------------------------------------------------ loss curves

describe.skipIf(!mnist)('3-epoch loss curves on 2,000 MNIST images (784-500-10, batch 100)', () => {
  for (const rule of ['pbp', 'sbp'] as const) {
    it(`${rule}: kernel and autodiff agree (same trend, within a few %)`, () => {
      const layers = [784, 500, 10];
      const config = resolveSmlpConfig({ layers, sbpFraction: rule === 'pbp' ? 0 : 1 }, layers);
      const net = initSmlpNetwork(config, RandomStream.fromSeed(7));
      const kernel = kernelFor(net, 100);
      const order = RandomStream.fromSeed(8);
      const curves = { kernel: [] as number[], autodiff: [] as number[] };
      const xb = new Float32Array(100 * 784);
      const yb = new Float32Array(100 * 10);
      for (let epoch = 0; epoch < 3; epoch++) {
        const perm = order.permutation(2000);
        let kSum = 0;
        let aSum = 0;
        for (let b = 0; b < 20; b++) {
          for (let r = 0; r < 100; r++) {
            const i = perm[b * 100 + r];
            xb.set(mnist!.x.subarray(i * 784, (i + 1) * 784), r * 784);
            yb.set(mnist!.y.subarray(i * 10, (i + 1) * 10), r * 10);
          }
          const seed = seedWords(order);
          const steps = spikeSteps(kernel, xb, 100, seed);
          const ref = batchGradientsWithSpikes(net, steps, { rows: 100, cols: 10, data: yb }, rule);
          adamStep(net, ref.grads, 1e-3);
          aSum += ref.outcome.measures.loss;
          kSum += kernel.trainBatch(xb, yb, 100, rule, 1e-3, seed).loss;
        }
        curves.kernel.push(kSum / 20);
        curves.autodiff.push(aSum / 20);
      }
      if (process.env.SMLP_DEBUG) console.log(rule, JSON.stringify(curves));
      for (const c of [curves.kernel, curves.autodiff]) {
        expect(c[1]).toBeLessThan(c[0]);
        expect(c[2]).toBeLessThan(c[1]);
      }
      curves.kernel.forEach((k, e) => expect(Math.abs(k - curves.autodiff[e]) / curves.autodiff[e], `epoch ${e + 1}: ${k} vs ${curves.autodiff[e]}`).toBeLessThan(0.03));
    }, 300_000);
  }
});

// ------------------------------------------------------------------ determinism and the generator

describe('determinism and the input spike generator', () => {
  it('same seed words → bit-identical weights and Adam state after several mixed batches', () => {
    const run = () => {
      const kernel = kernelFor(tinyNet([7, 6, 5, 3]), 4);
      for (let i = 0; i < 6; i++) {
        const { x, y } = batchData(7, 3, 4, 50 + i);
        kernel.trainBatch(x.data, y.data, 4, i % 3 === 1 ? 'sbp' : 'pbp', 1e-2, [i, 7, 8, 9]);
      }
      return kernel.parameterArrays().concat(kernel.adam.m, kernel.adam.v).map((a) => Array.from(a));
    };
    expect(run()).toEqual(run());
  });

  it('spike rates ≈ x; a zero pixel never spikes, a pixel of 1 always; seeds give other draws', () => {
    const values = [0, 1 / 255, 0.1, 0.25, 0.5, 0.9, 1];
    const n0 = 70; // 10 pixels of each value per row
    const rows = 50;
    const K = 20;
    const kernel = SmlpKernel.create(module, { layers: [n0, 3, 2], batchSize: rows, timeSteps: K });
    const x = Float32Array.from({ length: rows * n0 }, (_, i) => values[(i % n0) % values.length]);
    const spikes = kernel.inputSpikes(x, rows, SEED);
    expect(spikes.length).toBe(K * rows * n0);
    const draws = (K * rows * n0) / values.length;
    values.forEach((v, k) => {
      let count = 0;
      for (let i = 0; i < spikes.length; i++) if ((i % n0) % values.length === k) count += spikes[i];
      const sd = Math.sqrt(draws * v * (1 - v));
      if (v === 0) expect(count).toBe(0);
      else if (v === 1) expect(count).toBe(draws);
      else expect(Math.abs(count - draws * v)).toBeLessThan(5 * sd + 1);
    });
    expect(spikes.every((s) => s === 0 || s === 1)).toBe(true);
    expect(Array.from(kernel.inputSpikes(x, rows, SEED))).toEqual(Array.from(spikes));
    expect(Array.from(kernel.inputSpikes(x, rows, [SEED[0], SEED[1], SEED[2], SEED[3] ^ 1]))).not.toEqual(Array.from(spikes));
  });

  it('the JS twin (models/smlp/spikes.ts) draws the same spikes bit for bit', () => {
    const rng = RandomStream.fromSeed(12);
    for (const [n0, rows, K, density] of [[13, 5, 7, 0.6], [784, 3, 20, 0.19], [1, 4, 3, 1], [9, 2, 1, 0]] as const) {
      const x = Float32Array.from({ length: rows * n0 }, () => (rng.uniform() < density ? rng.uniform() : 0));
      const kernel = SmlpKernel.create(module, { layers: [n0, 3, 2], batchSize: rows, timeSteps: K });
      for (const seed of [SEED, [1, 2, 3, 4], [0, 0, 0, 0], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]]) {
        expect(Array.from(inputSpikes(x, rows, n0, K, seed))).toEqual(Array.from(kernel.inputSpikes(x, rows, seed)));
      }
    }
    if (mnist) {
      const kernel = SmlpKernel.create(module, { layers: [784, 3, 2], batchSize: 100, timeSteps: 20 });
      const x = mnist.x.subarray(0, 100 * 784);
      expect(Array.from(inputSpikes(x, 100, 784, 20, SEED))).toEqual(Array.from(kernel.inputSpikes(x, 100, SEED)));
    }
  });

  it('steps and rows are not correlated (lag-1 and neighbouring-row agreement ≈ chance)', () => {
    const n0 = 200;
    const rows = 40;
    const K = 20;
    const kernel = SmlpKernel.create(module, { layers: [n0, 3, 2], batchSize: rows, timeSteps: K });
    const spikes = kernel.inputSpikes(new Float32Array(rows * n0).fill(0.5), rows, SEED);
    let sameStep = 0;
    let sameRow = 0;
    let pairs = 0;
    for (let t = 1; t < K; t++) {
      for (let r = 1; r < rows; r++) {
        for (let i = 0; i < n0; i++) {
          const s = spikes[(t * rows + r) * n0 + i];
          sameStep += s === spikes[((t - 1) * rows + r) * n0 + i] ? 1 : 0;
          sameRow += s === spikes[(t * rows + r - 1) * n0 + i] ? 1 : 0;
          pairs++;
        }
      }
    }
    const sd = Math.sqrt(pairs * 0.25);
    expect(Math.abs(sameStep - pairs / 2)).toBeLessThan(5 * sd);
    expect(Math.abs(sameRow - pairs / 2)).toBeLessThan(5 * sd);
  });

  it('sigmoid: relative error < 1.5e-7 over [−87, 90] (≤ 2.5 float32 ulps of the exact value)', () => {
    const kernel = SmlpKernel.create(module, { layers: [4, 4, 4], batchSize: 4, timeSteps: 2 });
    const n = 400_001;
    const z = Float32Array.from({ length: n }, (_, i) => -87 + (177 * i) / (n - 1));
    const got = kernel.sigmoid(z);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const exact = 1 / (1 + Math.exp(-z[i]));
      worst = Math.max(worst, Math.abs(got[i] - exact) / exact);
    }
    expect(worst).toBeLessThan(1.5e-7);
    const [low, half, high] = kernel.sigmoid(Float32Array.from([-1000, 0, 1000]));
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(1e-37);
    expect([half, high]).toEqual([0.5, 1]);
  });
});

// ------------------------------------------------------------------ operation counts

describe('operation counts', () => {
  /**
   * A hand-made spike pattern: input pixels 0 or 1 (a pixel of 1 spikes at every step, 0 never),
   * zero weights and biases of ±20, so that a hidden neuron with +20 spikes at every step
   * (I = sigmoid(20) − 0.1 ≈ 0.9 > θ) and one with −20 never.
   */
  const layers = [8, 6, 5, 3];
  const rows = 3;
  const K = 4;
  const ones = [3, 0, 4]; // input pixels of 1 per row (at 2i + r mod 2)
  const on = [[0, 2, 5], [1, 3], [0]]; // spiking neurons of layers 1, 2, 3
  function patterned(params: SmlpKernelParams) {
    const kernel = SmlpKernel.create(module, { layers, batchSize: rows, timeSteps: K }, params);
    kernel.biases.slice(1).forEach((b, l) => b.forEach((_, j) => (b[j] = on[l].includes(j) ? 20 : -20)));
    kernel.feedback.forEach((r) => r.fill(0.5));
    const x = new Float32Array(rows * layers[0]);
    ones.forEach((count, r) => {
      for (let i = 0; i < count; i++) x[r * layers[0] + 2 * i + (r % 2)] = 1;
    });
    const y = new Float32Array(rows * 3).fill(0.25);
    return { kernel, x, y };
  }
  const inputSpikes = K * ones.reduce((a, c) => a + c, 0);
  const spikes = [inputSpikes, ...on.map((o) => K * rows * o.length)];
  const forward = spikes[0] * 6 + spikes[1] * 5 + spikes[2] * 3;

  it('forward and pBP backward: active rows × n_post, plus the dense ∂/∂s products above the input', () => {
    const { kernel, x, y } = patterned({});
    const got = kernel.gradients(x, y, rows, 'pbp', SEED);
    expect(got.spikes).toEqual(spikes);
    expect(got.ops.forward).toBe(forward);
    expect(got.ops.forwardDense).toBe(K * rows * (8 * 6 + 6 * 5 + 5 * 3));
    // weight gradients: spikes of layer k × n_{k+1}; ∂L/∂s_k = δ_{k+1} W_kᵀ for k = 1, 2 (dense)
    expect(got.ops.backward).toBe(spikes[0] * 6 + spikes[1] * 5 + spikes[2] * 3 + K * rows * (5 * 6 + 3 * 5));
    expect(got.ops.backwardDense).toBe(K * (8 * rows * 6 + 6 * rows * 5 + 5 * rows * 3) + K * (rows * 5 * 6 + rows * 3 * 5));
  });

  it('SBP, X per step, Hebbian: output gradient, E·Rᵀ, per-step scaling, the segments and the Hebbian rows', () => {
    const { kernel, x, y } = patterned({});
    const got = kernel.gradients(x, y, rows, 'sbp', SEED);
    expect(got.spikes).toEqual(spikes);
    const hebbSteps = 4; // c_t ≠ 0 at t = 0, 1, K−2, K−1 (K = 4)
    // output weights: layer-2 spikes × 3
    let expected = spikes[2] * 3;
    // hidden weight 1 (5 post, a layer below): E·R₁ᵀ, per-step segments (i, t) of layer 1 (3 neurons × K steps),
    // then the Hebbian rows at 4 steps and their event-driven sum (layer-1 spikes at those steps)
    expected += rows * 3 * 5 + (spikes[1] + 3 * K) * 5 + rows * hebbSteps * 5 + (spikes[1] / K) * hebbSteps * 5;
    // hidden weight 0 (6 post): E·R₀ᵀ, P = M⊙sp^t (K·rows rows), the Hebbian rows, then one sum over all input spikes
    expected += rows * 3 * 6 + K * rows * 6 + rows * hebbSteps * 6 + spikes[0] * 6;
    expect(got.ops.backward).toBe(expected);
    expect(got.ops.backwardDense).toBe(K * 5 * rows * 3 + (rows * 3 * 5 + K * 6 * rows * 5 + 4 * 6 * rows * 5) + (rows * 3 * 6 + K * 8 * rows * 6 + 4 * 8 * rows * 6));
  });

  it('SBP, X of the last step, no Hebbian: only the spikes of step K−1 are summed', () => {
    const { kernel, x, y } = patterned({ sbpInput: 'last-step', hebbianWeight: 0 });
    const got = kernel.gradients(x, y, rows, 'sbp', SEED);
    let expected = spikes[2] * 3;
    // weight 1: E·R₁ᵀ, the step-(K−1) rows of layer 1, then the dense |LS|·sp^t (K steps) and LS⊙Σsp
    expected += rows * 3 * 5 + (spikes[1] / K) * 5 + (K + 1) * 6 * 5;
    // weight 0: E·R₀ᵀ, the step-(K−1) input spikes, then the columns scaled by Σ sp
    expected += rows * 3 * 6 + (spikes[0] / K) * 6 + 8 * 6;
    expect(got.ops.backward).toBe(expected);
    expect(got.ops.backwardDense).toBe(K * 5 * rows * 3 + (rows * 3 * 5 + 6 * rows * 5) + (rows * 3 * 6 + 8 * rows * 6));
  });
});
