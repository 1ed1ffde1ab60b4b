/**
 * The sparse presynaptic paths and the float32 LIF path of the WebAssembly kernels (src/kernels):
 *   - x·W₁ and the ΔW products from the nonzero inputs only, bit for bit against the kernel's own
 *     dense loop (the same sums in the same order, every term) and against TF.js's matMul, on real
 *     MNIST batches (the embedded digits) and NETtalk windows (shared data, when present), with the
 *     executed and skipped MACs counted;
 *   - SBP's and the STDP rules' ΔW and update on the kernels from the active rows only, bit for bit
 *     against plasticity/sbp.ts and plasticity/stdp.ts + the JS update;
 *   - the fast LIF loop (lif.precision "fast") held to the exact one within stated bounds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NeuronKernels, skippedMacs, type Dense } from '../../src/kernels/neurons.js';
import { lifLayerSteps } from '../../src/models/snn/feedforward.js';
import { addScaled } from '../../src/models/snn/learning.js';
import { loadEmbeddedMnist, loadNettalk } from '../../src/node/datasets/index.js';
import { isHiddenMatrix, sbpSpread, selfBackpropagation } from '../../src/plasticity/sbp.js';
import { differentialStdp, symmetricStdp } from '../../src/plasticity/stdp.js';
import type { RuleInput } from '../../src/plasticity/rule.js';
import { macCounter, matMul, RandomStream, useBackend } from '../../src/tensor/index.js';
import { SHARED_NETTALK_DIR } from '../data/nettalk/shared-dir.js';
import { mixedLifParams } from '../helpers/lif-params.js';
import { expectAllClose } from '../helpers/matchers.js';

const kernels = new NeuronKernels();
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const random = (rng: RandomStream, rows: number, cols: number, lo: number, hi: number): Dense => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.uniformIn(lo, hi)) });
const initWeights = (rng: RandomStream, rows: number, cols: number): Dense => {
  const scale = Math.sqrt(6 / (rows + cols));
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.uniformIn(-1, 1) * scale) };
};
const nonzeros = (a: Float32Array) => a.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);

/** Real MNIST batches of 50 (the embedded digits), their pixels in [0, 1]. */
const mnist = loadEmbeddedMnist({ trainLimit: 200 }).train;
const mnistBatch = (b: number): Dense => ({ rows: 50, cols: 784, data: mnist.inputs.slice(b * 50 * 784, (b + 1) * 50 * 784) });

beforeAll(async () => {
  await useBackend('wasm');
});

/** x·W (and xᵀ·δ) three ways: the sparse kernel, the dense kernel loop, TF.js. */
function productThreeWays(a: Dense, b: Dense, transposeA: boolean) {
  const macs0 = macCounter.total;
  const skipped0 = skippedMacs.total;
  const sparse = kernels.product(a, b, { transposeA });
  const executed = macCounter.total - macs0;
  const skipped = skippedMacs.total - skipped0;
  const dense = kernels.product(a, b, { transposeA, sparse: false });
  const tf = matMul(a, b, { transposeA });
  return { sparse, dense, tf, executed, skipped };
}

describe('sparse presynaptic products against the dense loop and TF.js', () => {
  for (const b of [0, 1, 2, 3]) {
    it(`x·W₁ of MNIST batch ${b + 1} (50 × 784 · 784 × 500): sparse = dense = TF.js bit for bit; MACs counted as executed`, () => {
      const x = mnistBatch(b);
      const w = initWeights(RandomStream.fromSeed(b), 784, 500);
      const { sparse, dense, tf, executed, skipped } = productThreeWays(x, w, false);
      expect(same(sparse.data, dense.data)).toBe(true);
      expect(same(dense.data, tf.data)).toBe(true);
      const nz = nonzeros(x.data);
      expect(nz / x.data.length).toBeLessThan(0.3); // most pixels are exactly 0
      expect(executed).toBe(nz * 500);
      expect(executed + skipped).toBe(50 * 784 * 500);
    });
  }

  it('ΔW₁ products xᵀ·δ of MNIST batches (784 × 50 · 50 × 500, and an output-width 10): sparse = dense = TF.js', () => {
    const rng = RandomStream.fromSeed(5);
    for (const b of [0, 2]) {
      const x = mnistBatch(b);
      for (const cols of [500, 10, 13]) {
        const delta = random(rng, 50, cols, -0.05, 0.05);
        const { sparse, dense, tf, executed } = productThreeWays(x, delta, true);
        expect(same(sparse.data, dense.data)).toBe(true);
        expect(same(dense.data, tf.data)).toBe(true);
        expect(executed).toBe(nonzeros(x.data) * cols);
      }
    }
  });

  it('odd shapes, negative zeros and NaN inputs: sparse = dense = TF.js (column tails of 1 to 31)', () => {
    const rng = RandomStream.fromSeed(6);
    for (const [m, k, n] of [[1, 1, 1], [3, 7, 5], [2, 9, 33], [4, 16, 62], [5, 3, 127], [1, 189, 500]] as const) {
      const a = random(rng, m, k, -1, 1);
      a.data.forEach((_, i) => (i % 3 === 0 ? (a.data[i] = 0) : i % 7 === 0 ? (a.data[i] = -0) : undefined));
      if (m * k > 8) a.data[5] = Number.NaN;
      const b = random(rng, k, n, -1, 1);
      const { sparse, dense, tf } = productThreeWays(a, b, false);
      expect(same(sparse.data, dense.data), `${m}×${k}·${k}×${n}`).toBe(true);
      expect(same(dense.data, tf.data), `${m}×${k}·${k}×${n} vs TF.js`).toBe(true);
    }
  });

  describe.skipIf(!SHARED_NETTALK_DIR)('NETtalk windows (shared data)', () => {
    it('batch-1 x·W₁ (1 × 189 · 189 × 500) and xᵀ·δ of 200 windows: sparse = dense = TF.js, 7 active inputs each', () => {
      const data = loadNettalk(SHARED_NETTALK_DIR as string, { mode: 'paper' }).data.train;
      const w = initWeights(RandomStream.fromSeed(7), 189, 500);
      const rng = RandomStream.fromSeed(8);
      for (let r = 0; r < 200; r++) {
        const x: Dense = { rows: 1, cols: 189, data: data.inputs.slice(r * 189, (r + 1) * 189) };
        expect(nonzeros(x.data)).toBe(7);
        const drive = productThreeWays(x, w, false);
        expect(same(drive.sparse.data, drive.dense.data) && same(drive.dense.data, drive.tf.data)).toBe(true);
        expect(drive.executed).toBe(7 * 500);
        const delta = productThreeWays(x, random(rng, 1, 500, -0.1, 0.1), true);
        expect(same(delta.sparse.data, delta.dense.data) && same(delta.dense.data, delta.tf.data)).toBe(true);
      }
    });
  });
});

/** A rule input for the matrix from the input (MNIST batch b) to 500 hidden neurons. */
function inputMatrixCase(b: number, feedsOutput: boolean): RuleInput {
  const rng = RandomStream.fromSeed(20 + b);
  const x = mnistBatch(b);
  const postFree = random(rng, 50, 500, -0.6, 0.6);
  const postNudged = { ...postFree, data: postFree.data.map((v, i) => (i % 11 === 0 ? v : v + rng.uniformIn(-0.02, 0.02))) };
  const above = feedsOutput ? undefined : { ltpRowSums: Float64Array.from({ length: 500 }, () => rng.uniformIn(0, 1e-3)), ltdRowSums: Float64Array.from({ length: 500 }, () => rng.uniformIn(-1e-3, 0)) };
  return { preFree: x, preNudged: x, postFree, postNudged, beta: 0.5, feedsOutput, above, sbp: { range: 0.1, fraction: 0.2, lambdaPre: 1, lambdaPost: 0.5, lambdaBp: 1 } };
}

describe('ΔW₁ on the kernels from the active input rows only', () => {
  for (const feedsOutput of [false, true]) {
    it(`SBP (${feedsOutput ? 'output matrix form' : 'hidden matrix form, P4 and P5'}) on MNIST batches: ΔW and W + αΔW bit-identical to plasticity/sbp.ts; zero rows untouched`, () => {
      for (const b of [0, 1]) {
        const input = inputMatrixCase(b, feedsOutput);
        const hidden = isHiddenMatrix(input);
        expect(hidden).toBe(!feedsOutput);
        const reference = selfBackpropagation(input);
        const scale = 1 / (input.beta * 50);
        // ΔW itself
        const pass = kernels.sbpBegin(input.preFree, input.postFree, input.postNudged, scale);
        const { factors } = sbpSpread(pass.sums, input.sbp, hidden ? input.above : undefined);
        const delta = pass.finish(factors, hidden) as Float32Array;
        expect(same(delta, reference.delta.data)).toBe(true);
        // the active rows: the pixels nonzero in some image of the batch
        let union = 0;
        for (let i = 0; i < 784; i++) if (input.preFree.data.some((_, at) => at % 784 === i && input.preFree.data[at] !== 0)) union++;
        expect(pass.activeRows).toBe(union);
        expect(union).toBeLessThan(700);
        // the update
        const w0 = initWeights(RandomStream.fromSeed(30 + b), 784, 500).data;
        const expected = w0.slice();
        addScaled({ weights: expected, alpha: 0.1 }, reference.delta.data);
        const w = w0.slice();
        const again = kernels.sbpBegin(input.preFree, input.postFree, input.postNudged, scale);
        again.finish(sbpSpread(again.sums, input.sbp, hidden ? input.above : undefined).factors, hidden, { weights: w, alpha: 0.1 });
        expect(same(w, expected)).toBe(true);
      }
    });
  }

  for (const rule of ['symmetric', 'differential'] as const) {
    it(`${rule} STDP: ΔW and the update bit-identical to plasticity/stdp.ts + the JS update (input matrix and a hidden one)`, () => {
      const rng = RandomStream.fromSeed(40);
      const input = inputMatrixCase(2, true);
      // a hidden presynaptic layer too, whose nudged state differs (differential STDP's factor)
      const preFree = random(rng, 50, 30, -0.8, 0.8);
      preFree.data.forEach((_, i) => (i % 5 === 0 ? (preFree.data[i] = 0) : undefined));
      const hiddenInput: RuleInput = { ...input, preFree, preNudged: { ...preFree, data: preFree.data.map((v, i) => (i % 4 === 0 ? v : v + 0.01)) }, postFree: random(rng, 50, 10, 0, 1), postNudged: random(rng, 50, 10, 0, 1) };
      for (const c of [input, hiddenInput]) {
        const reference = (rule === 'symmetric' ? symmetricStdp : differentialStdp)(c);
        const scale = 1 / (c.beta * c.preFree.rows);
        const { delta, activeRows } = kernels.stdp(rule, c.preFree, c.preNudged, c.postFree, c.postNudged, scale);
        expect(same(delta as Float32Array, reference.delta.data)).toBe(true);
        if (c === input && rule === 'differential') expect(activeRows).toBe(0); // s⁺ = s⁰ for the clamped input: no work
        const w0 = Float32Array.from({ length: reference.delta.data.length }, () => rng.uniformIn(-0.1, 0.1));
        const expected = w0.slice();
        addScaled({ weights: expected, alpha: 0.05 }, reference.delta.data);
        const w = w0.slice();
        kernels.stdp(rule, c.preFree, c.preNudged, c.postFree, c.postNudged, scale, { weights: w, alpha: 0.05 });
        expect(same(w, expected)).toBe(true);
      }
    });
  }
});

describe('the exact LIF loop with the paper\'s uniform constants (one block of constants for all neurons)', () => {
  it('4×500, 100 steps, constant and varying current: V, g and spikes bit-identical to lifStep + the blend', () => {
    const rows = 4;
    const n = 501;
    const steps = 100;
    const size = rows * n;
    const params = { dtMs: 0.1, tauMMs: 10, vLeak: 0, vTh: 0.05, vReset: -0.5, vRev: new Float32Array(n).fill(0.2), tauSynMs: new Float32Array(n).fill(2), gLeak: new Float32Array(n).fill(5) };
    const rng = RandomStream.fromSeed(77);
    const arr = (len: number, lo: number, hi: number) => Float32Array.from({ length: len }, () => rng.uniformIn(lo, hi));
    const particles = arr(size, -0.9, 0.9);
    const v0 = arr(size, -0.5, 0.1);
    const g0 = arr(size, 0, 6);
    for (const varying of [false, true]) {
      const current = arr(varying ? steps * size : size, -1, 1);
      const a = { v: v0.slice(), g: g0.slice() };
      const reference = lifLayerSteps({ current, varying, state: a, particles, stpParams: { U: 0.45, tauF: 10, tauD: 2, tauS: 2, A: 1 }, params, rows, steps, record: 'none', final: new Float32Array(size) });
      const b = { v: v0.slice(), g: g0.slice() };
      const run = varying
        ? kernels.lifVaryingDrive(current, b, particles, params, rows, steps, new Float32Array(size))
        : kernels.lifConstantDrive(current, b, particles, params, rows, steps, new Float32Array(size));
      expect(run.spikes).toBe(reference.spikes);
      expect(reference.spikes).toBeGreaterThan(0);
      expect(same(a.v, b.v) && same(a.g, b.g)).toBe(true);
    }
  });
});

describe('the fast float32 LIF loop against the exact one', () => {
  for (const [rows, n, steps, varying] of [[4, 500, 100, false], [3, 7, 30, false], [2, 26, 100, true], [5, 13, 40, true]] as const) {
    it(`${rows}×${n}, ${steps} steps${varying ? ', varying current' : ''}: V, g, σ̃ of every step within 2e-5 of the exact loop, spikes within 0.2 %`, () => {
      const rng = RandomStream.fromSeed(rows * n);
      const size = rows * n;
      const params = mixedLifParams(n);
      const arr = (len: number, lo: number, hi: number) => Float32Array.from({ length: len }, () => rng.uniformIn(lo, hi));
      const current = arr(varying ? steps * size : size, -1, 1);
      const particles = arr(size, -0.9, 0.9);
      const v0 = arr(size, -0.5, 0.1);
      const g0 = arr(size, 0, 6);
      const run = (fast: boolean) => {
        const state = { v: v0.slice(), g: g0.slice() };
        const final = new Float32Array(size);
        const r = varying
          ? kernels.lifVaryingDrive(current, state, particles, params, rows, steps, final, { stack: true }, fast)
          : kernels.lifConstantDrive(current, state, particles, params, rows, steps, final, { stack: true }, fast);
        return { state, final, spikes: r.spikes, stack: (r.stack as Float32Array).slice() };
      };
      const exact = run(false);
      const fast = run(true);
      expect(exact.spikes).toBeGreaterThan(0);
      expect(Math.abs(fast.spikes - exact.spikes)).toBeLessThanOrEqual(Math.max(1, 0.002 * exact.spikes));
      expectAllClose(fast.state.v, exact.state.v, 2e-5);
      expectAllClose(fast.state.g, exact.state.g, 2e-5);
      expectAllClose(fast.final, exact.final, 2e-5);
      expectAllClose(fast.stack, exact.stack, 2e-5);
    });
  }

  it('the fused product sums each output in a fixed order (16 lane sums, paired), bit for bit, exact and fast loops', () => {
    const rows = 2;
    const n = 37;
    const cols = 5;
    const steps = 6;
    const nPad = 48;
    const rng = RandomStream.fromSeed(31);
    const params = mixedLifParams(n);
    const current = Float32Array.from({ length: rows * n }, () => rng.uniformIn(-1, 1));
    const particles = Float32Array.from({ length: rows * n }, () => rng.uniformIn(-0.9, 0.9));
    const weights = Float32Array.from({ length: n * cols }, () => rng.uniformIn(-0.3, 0.3));
    const f = Math.fround;
    for (const fast of [false, true]) {
      const stack = (kernels.lifConstantDrive(current, { v: new Float32Array(rows * n), g: new Float32Array(rows * n) }, particles, params, rows, steps, new Float32Array(rows * n), { stack: true }, fast).stack as Float32Array).slice();
      const fused = kernels.lifConstantDrive(current, { v: new Float32Array(rows * n), g: new Float32Array(rows * n) }, particles, params, rows, steps, new Float32Array(rows * n), { next: { weights, cols } }, fast).drive as Float32Array;
      for (let i = 0; i < steps * rows; i++) {
        for (let c = 0; c < cols; c++) {
          // accumulator q, lane l sums the products j = 16·m + 4q + l over m, in order
          const acc = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
          for (let j = 0; j < nPad; j++) {
            const x = j < n ? stack[i * n + j] : 0;
            const w = j < n ? weights[j * cols + c] : 0;
            const q = (j >> 2) & 3;
            acc[q][j & 3] = f(acc[q][j & 3] + f(x * w));
          }
          const lane = (l: number) => f(f(acc[0][l] + acc[1][l]) + f(acc[2][l] + acc[3][l]));
          const expected = f(f(lane(0) + lane(1)) + f(lane(2) + lane(3)));
          expect(fused[i * cols + c], `${fast ? 'fast' : 'exact'} step-row ${i}, output ${c}`).toBe(expected);
        }
      }
    }
  });

  it('the fused product of the fast loop equals its stack times the next weights (≤ 1e-5), and padding lanes never spike (V_th < 0)', () => {
    const rows = 3;
    const n = 21;
    const cols = 26;
    const steps = 12;
    const rng = RandomStream.fromSeed(3);
    const params = { ...mixedLifParams(n), vTh: -0.4 };
    const current = Float32Array.from({ length: rows * n }, () => rng.uniformIn(-1, 1));
    const particles = Float32Array.from({ length: rows * n }, () => rng.uniformIn(-0.9, 0.9));
    const weights = Float32Array.from({ length: n * cols }, () => rng.uniformIn(-0.3, 0.3));
    const a = { v: new Float32Array(rows * n), g: new Float32Array(rows * n) };
    const withStack = kernels.lifConstantDrive(current, a, particles, params, rows, steps, new Float32Array(rows * n), { stack: true }, true);
    const stack = (withStack.stack as Float32Array).slice();
    const b = { v: new Float32Array(rows * n), g: new Float32Array(rows * n) };
    const fused = kernels.lifConstantDrive(current, b, particles, params, rows, steps, new Float32Array(rows * n), { next: { weights, cols } }, true);
    expect(same(a.v, b.v)).toBe(true);
    expect(fused.spikes).toBe(withStack.spikes);
    expect(withStack.spikes).toBeLessThanOrEqual(rows * n * steps);
    const expected = new Float64Array(steps * rows * cols);
    for (let i = 0; i < steps * rows; i++) for (let c = 0; c < cols; c++) for (let j = 0; j < n; j++) expected[i * cols + c] += stack[i * n + j] * weights[j * cols + c];
    expectAllClose(fused.drive as Float32Array, expected, 1e-5);
  });
});
