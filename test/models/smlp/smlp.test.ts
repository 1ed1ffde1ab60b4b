/**
 * §3 spiking MLP: surrogate spike, golden forward and pBP gradients against an independent float64
 * implementation, the SBP hidden update against §3's formula, the p = 0 / p = 1 MAC accounting,
 * determinism, resume through train(), no tensor leak, and a CLI run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { resolveSmlpConfig, type SmlpConfigInput } from '../../../src/models/smlp/config.js';
import { SmlpModel } from '../../../src/models/smlp/model.js';
import { initSmlpNetwork, type SmlpNetwork } from '../../../src/models/smlp/network.js';
import { makeSpikeFunction } from '../../../src/models/smlp/neurons.js';
import { batchGradients, evaluateBatch, spikeSteps } from '../../../src/models/smlp/smlp.js';
import { seedWords } from '../../../src/models/smlp/spikes.js';
import { heavisideSpike, rectangularSurrogate } from '../../../src/neurons/surrogate.js';
import { getTask } from '../../../src/tasks/registry.js';
import { backwardMacCounter, download, liveTensors, type Matrix, ops, RandomStream, useBackend } from '../../../src/tensor/index.js';
import { loadEmbeddedMnist } from '../../../src/node/datasets/index.js';
import { resolveRunConfig, type RunConfigOf } from '../../../src/train/run-config.js';
import { expectAllClose } from '../../helpers/matchers.js';
import { type Mat, refBackward, refForward, refSbpHidden } from './reference-smlp.js';
import { trainRun } from '../../../src/node/train-run.js';

const toMat = (m: Matrix): Mat => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const P = { decay: 0.2, threshold: 0.5, window: 0.3 };

beforeAll(async () => {
  await useBackend('wasm');
});

function setup(layers: number[], extra: SmlpConfigInput = {}, seed = 3) {
  const config = resolveSmlpConfig({ layers, timeSteps: 5, ...extra }, layers);
  const net = initSmlpNetwork(config, RandomStream.fromSeed(seed));
  // larger weights and biases than the init, so that spikes happen in a few steps
  net.weights.forEach((w) => w.data.forEach((v, i) => (w.data[i] = 3 * v)));
  net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = 0.4 + 0.3 * Math.sin(7 * k + j))));
  return { config, net };
}

function batchData(inputs: number, outputs: number, rows: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = RandomStream.fromSeed(seed);
  const x = Float32Array.from({ length: rows * inputs }, () => rng.uniform());
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) y[r * outputs + rng.integer(outputs)] = 1;
  return { x: { rows, cols: inputs, data: x }, y: { rows, cols: outputs, data: y } };
}

/** The seed words of a batch's input spikes, from a stream of this seed. */
const seeds = (seed: number) => seedWords(RandomStream.fromSeed(seed));

/** The float64 reference of a batch, with the engine's input spikes (the same seed words). */
function reference(net: SmlpNetwork, x: Matrix, y: Matrix, seed: number) {
  const spikes = spikeSteps(x, net.config.timeSteps, seeds(seed));
  const input = spikes.map((s) => toMat({ rows: x.rows, cols: x.cols, data: s }));
  const W = net.weights.map(toMat);
  const b = net.biases.slice(1).map((v) => Array.from(v));
  const ym = toMat(y);
  const f = refForward(W, b, input, ym, P);
  return { f, W, ym, g: refBackward(W, f, ym, P) };
}

describe('surrogate spike (§3)', () => {
  it('forward is the Heaviside H(v − θ), the custom gradient exactly the rectangle |v − θ| < 0.3', () => {
    const v = Float32Array.from([-1, 0.19, 0.21, 0.45, 0.5, 0.5001, 0.79, 0.81, 2]);
    const spike = makeSpikeFunction(0.5, 0.3);
    const before = liveTensors();
    ops.tidy(() => {
      const vt = ops.tensor2d(v, 1, v.length);
      const { value, grads } = ops.valueAndGrads((a) => ops.sum(ops.mul(spike(a as never), ops.tensor2d(Float32Array.from(v, (_, i) => i + 1), 1, v.length))))([vt]);
      expect(download(value)[0]).toBe([...v].reduce((acc, vi, i) => acc + heavisideSpike(vi, 0.5) * (i + 1), 0));
      expect(Array.from(download(grads[0]))).toEqual([...v].map((vi, i) => rectangularSurrogate(vi, 0.5, 0.3) * (i + 1)));
    });
    expect(liveTensors()).toBe(before);
  });

  it('the rectangle is the limit of a steep sigmoid’s finite-difference derivative, scaled to the window', () => {
    // d/dv of the smooth step S(v) = [σ(k(v − θ + w)) − σ(k(v − θ − w))]-integral is the rectangle; check by
    // finite differences of its antiderivative A(v) = (softplus(k(v−θ+w)) − softplus(k(v−θ−w)))/k.
    const k = 200;
    const softplus = (u: number) => Math.log1p(Math.exp(-Math.abs(u))) + Math.max(u, 0);
    const A = (v: number) => (softplus(k * (v - 0.5 + 0.3)) - softplus(k * (v - 0.5 - 0.3))) / k;
    for (const v of [-0.5, 0.1, 0.25, 0.5, 0.7, 0.75, 1.2]) {
      const fd = (A(v + 1e-5) - A(v - 1e-5)) / 2e-5;
      expect(Math.abs(fd - rectangularSurrogate(v, 0.5, 0.3))).toBeLessThan(1e-3);
    }
  });
});

describe('spiking MLP against the float64 reference', () => {
  it('golden forward pass: outputs and loss', () => {
    const { net } = setup([6, 5, 3]);
    const { x, y } = batchData(6, 3, 4, 11);
    const ref = reference(net, x, y, 21);
    const outcome = evaluateBatch(net, x, y, seeds(21));
    expectAllClose(outcome.output.data, ref.f.out.flat(), 1e-6);
    expect(outcome.measures.loss).toBeCloseTo(ref.f.loss, 6);
    expect(ref.f.out.flat().some((v) => v > 0)).toBe(true); // the case spikes
  });

  it('pBP gradients equal hand-written BPTT with the rectangular surrogate (4 layers)', () => {
    const { net } = setup([6, 5, 4, 3]);
    const { x, y } = batchData(6, 3, 4, 12);
    const ref = reference(net, x, y, 22);
    const { grads } = batchGradients(net, x, y, seeds(22), 'pbp');
    ref.g.gW.forEach((g, k) => expectAllClose(grads[k], g.flat(), 1e-6));
    ref.g.gb.forEach((g, k) => expectAllClose(grads[3 + k], g, 1e-6));
    expect(ref.g.gW[0].flat().some((v) => v !== 0)).toBe(true);
  });

  it('energy regulariser: loss = MSE + 0.1 · mean hidden firing rate; its gradient reaches the hidden layers', () => {
    const { net } = setup([6, 5, 4, 3], { energy: true });
    const { x, y } = batchData(6, 3, 4, 17);
    const ref = reference(net, x, y, 27);
    const K = net.config.timeSteps;
    const rates = [1, 2].map((l) => ref.f.s[l].flat(2).reduce((a, v) => a + v, 0) / (K * 4 * ref.f.s[l][0][0].length));
    const { grads, outcome } = batchGradients(net, x, y, seeds(27), 'pbp');
    expect(outcome.measures.loss).toBeCloseTo(ref.f.loss + (0.1 * (rates[0] + rates[1])) / 2, 6);
    const plain = batchGradients(setup([6, 5, 4, 3]).net, x, y, seeds(27), 'pbp');
    expect(Array.from(grads[0])).not.toEqual(Array.from(plain.grads[0]));
  });

  it('freezeOutputBiasInSbp: the reference zeroes every bias gradient in SBP batches', () => {
    const { net } = setup([6, 5, 3], { freezeOutputBiasInSbp: true });
    const { x, y } = batchData(6, 3, 4, 18);
    const { grads } = batchGradients(net, x, y, seeds(28), 'sbp');
    expect(grads.slice(2).every((g) => g.every((v) => v === 0))).toBe(true);
    expect(grads[1].some((v) => v !== 0)).toBe(true);
  });

  it('backend parity: the cpu backend gives the wasm gradients (pBP and SBP)', async () => {
    const { net } = setup([6, 5, 4, 3]);
    const { x, y } = batchData(6, 3, 4, 19);
    const run = () => (['pbp', 'sbp'] as const).flatMap((rule) => batchGradients(net, x, y, seeds(29), rule).grads);
    const wasm = run();
    await useBackend('cpu');
    try {
      const cpu = run();
      cpu.forEach((g, i) => expectAllClose(g, wasm[i], 1e-6 * Math.max(1e-3, ...Array.from(wasm[i], Math.abs))));
    } finally {
      await useBackend('wasm');
    }
  });

  for (const [name, layers, extra] of [
    ['3 layers, Hebbian term, X per step', [6, 5, 3], {}],
    ['4 layers, Hebbian term ×100, X per step', [6, 5, 4, 3], { hebbianWeight: 1 }],
    ['4 layers, X of the last step only', [6, 5, 4, 3], { sbpInput: 'last-step' }],
  ] as const) {
    it(`SBP hidden update equals §3's formula: ${name}`, () => {
      const { net } = setup([...layers], extra);
      const { x, y } = batchData(6, 3, 4, 13);
      const ref = reference(net, x, y, 23);
      const R = net.feedback.map(toMat);
      const out = layers.length - 2;
      const hidden = refSbpHidden(ref.f, ref.g.gWStep[out], R, ref.ym, net.config.hebbianWeight, net.config.sbpInput === 'last-step');
      const { grads } = batchGradients(net, x, y, seeds(23), 'sbp');
      hidden.forEach((g, k) => {
        const scale = Math.max(...g.flat().map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        expectAllClose(grads[k], g.flat(), 1e-5 * scale);
      });
      expectAllClose(grads[out], ref.g.gW[out].flat(), 1e-6); // output weights: true gradient
      for (let k = 0; k < out; k++) expect(grads[out + 1 + k].every((v) => v === 0)).toBe(true); // hidden biases: none
      expectAllClose(grads[2 * out + 1], ref.g.gb[out], 1e-6); // output bias keeps learning
    });
  }
});

describe('mixing fraction p and MAC accounting (§3.1)', () => {
  const layers = [6, 5, 4, 3];
  const B = 4;
  const K = 5;
  const weightGrad = (l: number[]) => l.slice(0, -1).reduce((acc, n, k) => acc + n * B * l[k + 1], 0);

  it('p = 0 is pure pBP bit for bit; p = 1 skips the products through the output weights (autodiff path)', () => {
    const { x, y } = batchData(6, 3, B, 14);
    const context = (seed: number) => ({ rng: RandomStream.fromSeed(seed), epochIndex: 0, rows: new Int32Array(B), split: 'train' as const });
    const runs = (['pbp', 'sbp'] as const).map((rule) => {
      const p = rule === 'pbp' ? 0 : 1;
      const a = new SmlpModel(resolveSmlpConfig({ layers, timeSteps: K, sbpFraction: p, hebbianWeight: 0 }, layers), { rng: RandomStream.fromSeed(5), kernels: 'js' });
      const b = new SmlpModel(resolveSmlpConfig({ layers, timeSteps: K, sbpFraction: p, hebbianWeight: 0 }, layers), { rng: RandomStream.fromSeed(5), kernels: 'js' });
      const before = backwardMacCounter.total;
      const outA = a.trainBatch(x, y, context(9));
      const macs = backwardMacCounter.total - before;
      const outB = b.trainBatchWith(x, y, context(9), rule);
      a.stateArrays().forEach((arr, i) => expect(arr).toEqual(b.stateArrays()[i]));
      expect(outA.measures.backwardMacs).toBe(outB.measures.backwardMacs);
      expect(outA.measures.backwardMacs * B).toBe(macs);
      return macs;
    });
    // pBP: per step every weight gradient, and ∂/∂input of every product but the first.
    const inputGrads = layers.slice(1, -1).reduce((acc, n, k) => acc + B * layers[k + 2] * n, 0);
    expect(runs[0]).toBe(K * (weightGrad(layers) + inputGrads));
    // SBP: per step the output weight gradient and Xᵀ·(E Rᵀ) per hidden weight; E·Rᵀ once per hidden weight.
    const out = layers.length - 2;
    const spread = layers.slice(1, -1).reduce((acc, n) => acc + B * 3 * n, 0);
    expect(runs[1]).toBe(K * weightGrad(layers) + spread);
    expect(runs[0] - runs[1]).toBe(K * inputGrads - spread);
    expect(out).toBe(2);
  });

  it('the kernel path draws the same rule and reports the same dense-equivalent backward MACs, and counts what it executed', () => {
    const { x, y } = batchData(6, 3, B, 14);
    const context = () => ({ rng: RandomStream.fromSeed(9), epochIndex: 0, rows: new Int32Array(B), split: 'train' as const });
    for (const p of [0, 0.5, 1]) {
      const config = resolveSmlpConfig({ layers, timeSteps: K, sbpFraction: p, hebbianWeight: 0 }, layers);
      const js = new SmlpModel(config, { rng: RandomStream.fromSeed(5), kernels: 'js' }).trainBatch(x, y, context());
      const wasmModel = new SmlpModel(config, { rng: RandomStream.fromSeed(5), kernels: 'wasm', batchSize: B });
      const before = backwardMacCounter.total;
      const wasm = wasmModel.trainBatch(x, y, context());
      expect(wasm.measures.sbpBatch).toBe(js.measures.sbpBatch);
      expect(wasm.measures.backwardMacs).toBe(js.measures.backwardMacs);
      expect(wasm.measures.backwardOps * B).toBe(backwardMacCounter.total - before);
      expect(wasm.measures.backwardOps).toBeLessThanOrEqual(wasm.measures.backwardMacs);
      expectAllClose(wasm.output.data, js.output.data, 1e-6);
    }
  });

  it('backward MACs per sample on the paper’s MNIST net 784-500-10, K = 20 (the numbers quoted in smlp.ts)', () => {
    const { x, y } = batchData(784, 10, 2, 20);
    const perSample = (rule: 'pbp' | 'sbp', extra: SmlpConfigInput) => {
      const net = initSmlpNetwork(resolveSmlpConfig({ layers: [784, 500, 10], ...extra }, [784, 500, 10]), RandomStream.fromSeed(1));
      return batchGradients(net, x, y, seeds(2), rule).outcome.measures.backwardMacs;
    };
    expect(perSample('pbp', {})).toBe(8_040_000);
    expect(perSample('sbp', {})).toBe(9_513_000);
    expect(perSample('sbp', { hebbianWeight: 0 })).toBe(7_945_000);
    expect(perSample('sbp', { hebbianWeight: 0, sbpInput: 'last-step' })).toBe(497_000);
  });

  it('0 < p < 1 draws one uniform per batch; same seed → identical weights and Adam state', () => {
    const { x, y } = batchData(6, 3, B, 15);
    const make = () => new SmlpModel(resolveSmlpConfig({ layers, timeSteps: K, sbpFraction: 0.5 }, layers), { rng: RandomStream.fromSeed(8) });
    const [a, b] = [make(), make()];
    const [ra, rb] = [RandomStream.fromSeed(2), RandomStream.fromSeed(2)];
    const kinds: number[] = [];
    for (let i = 0; i < 6; i++) {
      kinds.push(a.trainBatch(x, y, { rng: ra, epochIndex: 0, rows: new Int32Array(B), split: 'train' as const }).measures.sbpBatch);
      b.trainBatch(x, y, { rng: rb, epochIndex: 0, rows: new Int32Array(B), split: 'train' as const });
    }
    a.stateArrays().forEach((arr, i) => expect(arr).toEqual(b.stateArrays()[i]));
    expect(kinds).toContain(0);
    expect(kinds).toContain(1);
  });

  it('no tensor leaks across batches', () => {
    const { x, y } = batchData(6, 3, B, 16);
    const model = new SmlpModel(resolveSmlpConfig({ layers, timeSteps: K, sbpFraction: 0.5 }, layers), { rng: RandomStream.fromSeed(8) });
    const rng = RandomStream.fromSeed(4);
    const ctx = { rng, epochIndex: 0, rows: new Int32Array(B), split: 'train' as const };
    model.trainBatchWith(x, y, ctx, 'pbp');
    model.trainBatchWith(x, y, ctx, 'sbp');
    model.evaluateBatch(x, y, ctx);
    const live = liveTensors();
    for (let i = 0; i < 3; i++) {
      model.trainBatchWith(x, y, ctx, 'pbp');
      model.trainBatchWith(x, y, ctx, 'sbp');
      model.evaluateBatch(x, y, ctx);
    }
    expect(liveTensors()).toBe(live);
  });

  it('§4 operations: 2 Σ n_k n_{k+1}', () => {
    const model = new SmlpModel(resolveSmlpConfig({ layers: [784, 500, 10] }, [784, 500, 10]), { rng: RandomStream.fromSeed(1) });
    expect(model.paperOpsPerSample()).toBe(2 * (784 * 500 + 500 * 10));
  });
});

describe('integration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfprop-smlp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run config: smlp defaults per task (MNIST 100, NETtalk 5 rows per batch)', () => {
    const mnist = resolveRunConfig({ model: 'smlp' }) as RunConfigOf<'smlp'>;
    expect(mnist.batchSize).toBe(100);
    expect(mnist.smlp.layers).toEqual([784, 500, 10]);
    expect(mnist.smlp).toMatchObject({ decay: 0.2, threshold: 0.5, timeSteps: 20, learningRate: 1e-3, sbpFraction: 0 });
    const nettalk = resolveRunConfig({ model: 'smlp', task: 'nettalk' }) as RunConfigOf<'smlp'>;
    expect(nettalk.batchSize).toBe(5);
    expect(nettalk.smlp.layers).toEqual([189, 500, 26]);
    expect(resolveRunConfig({}).batchSize).toBe(50);
  });

  it('resume: 2 epochs equal 1 epoch + resume 1, bit for bit', async () => {
    const data = loadEmbeddedMnist({ trainLimit: 30, testLimit: 10 });
    const config = (epochs: number) =>
      resolveRunConfig({ model: 'smlp', epochs, trainLimit: 30, testLimit: 10, batchSize: 10, smlp: { layers: [784, 6, 10], timeSteps: 3, sbpFraction: 0.5 } });
    const straight = await trainRun(config(2), data, { out: join(dir, 'straight') });
    await trainRun(config(1), data, { out: join(dir, 'resumed') });
    const resumed = await trainRun(config(2), data, { out: join(dir, 'resumed'), resume: true });
    const a = straight.model.stateArrays();
    resumed.model.stateArrays().forEach((arr, i) => expect(arr).toEqual(a[i]));
    expect(resumed.history.map((m) => m.testAccuracy)).toEqual(straight.history.map((m) => m.testAccuracy));
    expect(typeof straight.history[0].trainLoss).toBe('number');
    expect(typeof straight.history[0].trainBackwardMacs).toBe('number');
  });

  it('CLI: selfprop train --model smlp on the embedded MNIST default', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(dir, 'cli');
    try {
      const code = await runCli(['train', '--model', 'smlp', '--train-limit', '200', '--test-limit', '100', '--layers', '784,30,10', '--epochs', '1', '--sbp-fraction', '0.5', '--out', out]);
      expect(code).toBe(0);
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
      expect(await runCli(['train', '--model', 'smlp', '--rule', 'sbp', '--out', join(dir, 'bad')])).not.toBe(0);
      expect(errors.join('')).toMatch(/--rule/);
      expect(await runCli(['train', '--model', 'snn', '--sbp-fraction', '0.5', '--out', join(dir, 'bad')])).not.toBe(0);
      expect(errors.join('')).toMatch(/--spread-fraction/);
    } finally {
      vi.restoreAllMocks();
    }
    expect(lines.join('\n')).toMatch(/epoch 1\/1 .*loss \d/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'smlp', batchSize: 100, smlp: { layers: [784, 30, 10], sbpFraction: 0.5 } });
  });
});
