/**
 * The §2 energy ANN as a model: persistent per-example state per split, β's sign from the run's
 * stream, the run config (defaults, task-dependent β₀, DvsGesture refused), the implementation
 * chosen from `kernels`, determinism, resume equivalence through the trainer (all three splits)
 * and no tensor leak on both implementations (the WebAssembly kernels and the TF.js + JS
 * reference), real learning on digits for SBP off and on, and the CLI's flags and refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import type { Dataset, TaskData } from '../../../src/data/dataset.js';
import { loadEmbeddedMnist } from '../../../src/node/datasets/index.js';
import { trainRun } from '../../../src/node/train-run.js';
import { annFamily } from '../../../src/models/ann/family.js';
import { AnnModel } from '../../../src/models/ann/model.js';
import { annLoops, JS_ANN_LOOPS, wasmAnnUnsupported } from '../../../src/models/ann/loops.js';
import { zeroStates } from '../../../src/models/ann/phases.js';
import { NO_ROWS, type BatchContext, type SplitRows, type Split } from '../../../src/models/model.js';
import { liveTensors, type Matrix, RandomStream, useBackend } from '../../../src/tensor/index.js';
import { resolveRunConfig, type RunConfigInput, type RunConfigOf } from '../../../src/train/run-config.js';
import { train } from '../../../src/train/loop.js';
import { expectAllClose } from '../../helpers/matchers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { toyData } from '../../helpers/toy-data.js';

const tempDir = tempDirs('ann');
beforeAll(async () => {
  await useBackend('wasm');
});

const data: TaskData = { train: toyData(48, 1), test: toyData(20, 2), evalKind: 'test' };

const config = (extra: RunConfigInput = {}, ann: Record<string, unknown> = {}) =>
  resolveRunConfig({ task: 'mnist', model: 'ann', epochs: 2, batchSize: 4, seed: 3, ...extra, ann: { layers: [16, 8, 2], ...ann } }) as RunConfigOf<'ann'>;
const model = (c: RunConfigOf<'ann'>, rng: RandomStream, rows: SplitRows = NO_ROWS) => new AnnModel(c.ann, { rng, rows, kernels: c.kernels, batchSize: c.batchSize });
const annOf = (input: RunConfigInput) => (resolveRunConfig(input) as RunConfigOf<'ann'>).ann;

const rowsOf = (...r: number[]) => Int32Array.from(r);
const ctx = (split: Split, rows: Int32Array, rng = RandomStream.fromSeed(1)): BatchContext => ({ rng, epochIndex: 0, rows, split });
const slice = (d: Dataset, rows: Int32Array): { x: Matrix; y: Matrix } => ({
  x: { rows: rows.length, cols: d.inputSize, data: Float32Array.from(Array.from(rows).flatMap((r) => Array.from(d.inputs.subarray(r * d.inputSize, (r + 1) * d.inputSize)))) },
  y: { rows: rows.length, cols: d.targetSize, data: Float32Array.from(Array.from(rows).flatMap((r) => Array.from(d.targets.subarray(r * d.targetSize, (r + 1) * d.targetSize)))) },
});
const rowState = (m: AnnModel, split: Split, layer: number, row: number) => {
  const n = m.layers[layer];
  return Array.from(m.states.arrays[split][layer - 1].subarray(row * n, (row + 1) * n));
};
const bits = (a: Float32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('run config for --model ann', () => {
  it('defaults are the paper values, β₀ and batch size by task', () => {
    const c = resolveRunConfig({ model: 'ann' }) as RunConfigOf<'ann'>;
    expect(c.batchSize).toBe(20);
    expect(c.ann).toMatchObject({ layers: [784, 500, 10], sbp: true, sbpEnergy: 'literal', theta: 0.5, epsilon: 1, beta: 0.2, learningRates: [0.1, 0.05], sleepIterations: 20, wakeIterations: 4, betaSign: 'random' });
    const n = resolveRunConfig({ model: 'ann', task: 'nettalk' }) as RunConfigOf<'ann'>;
    expect(n.batchSize).toBe(1);
    expect(n.ann).toMatchObject({ layers: [189, 500, 26], beta: 1 });
    expect(annOf({ model: 'ann', ann: { layers: [784, 500, 500, 10] } }).learningRates).toEqual([0.4, 0.1, 0.01]);
    expect(annOf({ model: 'ann', ann: { layers: [784, 500, 500, 500, 10] } }).learningRates).toEqual([0.128, 0.032, 0.008, 0.002]);
    expect(annOf({ model: 'ann', ann: { layers: [784, 9, 9, 9, 9, 10] } }).learningRates).toHaveLength(5);
  });

  it('invalid values name the field; DvsGesture is refused with a reason', () => {
    expect(() => resolveRunConfig({ model: 'ann', ann: { layers: [784, 10] } })).toThrow(/ann.*layers/);
    expect(() => resolveRunConfig({ model: 'ann', ann: { learningRates: [0.1] } })).toThrow(/learningRates needs one rate per weight matrix/);
    expect(() => resolveRunConfig({ model: 'ann', ann: { theta: -1 } })).toThrow(/ann.*theta/);
    expect(() => resolveRunConfig({ model: 'ann', ann: { sbpEnergy: 'other' } })).toThrow(/sbpEnergy/);
    expect(() => resolveRunConfig({ model: 'ann', task: 'dvsgesture' })).toThrow(/100 frames.*102,400 inputs/);
    expect(() => resolveRunConfig({ model: 'snn', task: 'dvsgesture' })).not.toThrow();
  });

  it('§4 operations: 2 Σ n_k n_{k+1}', () => {
    const m = model(config({}, { layers: [784, 500, 10] }), RandomStream.fromSeed(1));
    expect(m.paperOpsPerSample()).toBe(2 * (784 * 500 + 500 * 10));
  });
});

describe('persistent per-example state', () => {
  it('each example keeps its own state, per split; a test pass leaves training states alone', () => {
    const rows = { train: 6, validation: 4, test: 5 };
    const m = model(config(), RandomStream.fromSeed(2), rows);
    const d = data.train;
    const a = rowsOf(0, 3);
    const { x, y } = slice(d, a);
    m.trainBatch(x, y, ctx('train', a));
    expect(rowState(m, 'train', 1, 0)).not.toEqual(rowState(m, 'train', 1, 3));
    for (const r of [1, 2, 4, 5]) expect(rowState(m, 'train', 1, r).every((v) => v === 0)).toBe(true);
    expect(m.states.arrays.validation.every((s) => s.every((v) => v === 0))).toBe(true);

    const trainBefore = m.states.arrays.train.map((s) => s.slice());
    const weightsBefore = m.parameters.weights.map((w) => w.data.slice());
    const t = rowsOf(1, 2);
    const out = m.evaluateBatch(slice(data.test, t).x, slice(data.test, t).y, ctx('test', t));
    m.states.arrays.train.forEach((s, k) => expect(bits(s).equals(bits(trainBefore[k]))).toBe(true));
    m.parameters.weights.forEach((w, k) => expect(bits(w.data).equals(bits(weightsBefore[k]))).toBe(true));
    expect(rowState(m, 'test', 2, 1)).toEqual(Array.from(out.output.data.subarray(0, 2)));
    expect(rowState(m, 'test', 2, 0).every((v) => v === 0)).toBe(true);
    expect(m.states.arrays.validation.every((s) => s.every((v) => v === 0))).toBe(true);

    // a second pass over a row starts from its stored state, not from zeros
    const stored = m.states.arrays.test.map((s, k) => ({ rows: 1, cols: m.layers[k + 1], data: s.slice(2 * m.layers[k + 1], 3 * m.layers[k + 1]) }));
    const one = rowsOf(2);
    const expected = m.loops.evaluateBatch(m.network, slice(data.test, one).x, slice(data.test, one).y, stored);
    const again = m.evaluateBatch(slice(data.test, one).x, slice(data.test, one).y, ctx('test', one));
    expect(Array.from(again.output.data)).toEqual(Array.from(expected.free[2].data));
    expect(stored[0].data.some((v) => v !== 0)).toBe(true);
  });

  it('a row beyond the allocated state starts from zeros and is not stored', () => {
    const m = model(config(), RandomStream.fromSeed(2), { train: 2, validation: 0, test: 2 });
    const r = rowsOf(7);
    const { x, y } = slice(data.test, rowsOf(1));
    const fromZeros = m.loops.evaluateBatch(m.network, x, y, zeroStates(m.layers, 1));
    const out = m.evaluateBatch(x, y, ctx('test', r));
    expect(Array.from(out.output.data)).toEqual(Array.from(fromZeros.free[2].data));
    expect(m.states.arrays.test.every((s) => s.every((v) => v === 0))).toBe(true);
    expect(() => m.trainBatch(x, y, ctx('validation', r))).not.toThrow();
  });

  it('the sign of β comes from the run stream: random ±β₀, or fixed', () => {
    const m = model(config(), RandomStream.fromSeed(2));
    const rng = RandomStream.fromSeed(9);
    const draws = Array.from({ length: 40 }, () => m.drawBeta(rng));
    expect(new Set(draws)).toEqual(new Set([0.2, -0.2]));
    const rng2 = RandomStream.fromSeed(9);
    expect(Array.from({ length: 40 }, () => m.drawBeta(rng2))).toEqual(draws);
    expect(model(config({}, { betaSign: 'positive' }), RandomStream.fromSeed(2)).drawBeta(rng)).toBe(0.2);
    expect(model(config({}, { betaSign: 'negative' }), RandomStream.fromSeed(2)).drawBeta(rng)).toBe(-0.2);
  });
});

describe('the implementation is chosen from `kernels` when the model is built', () => {
  it('"wasm" runs the kernels (sparse input path), "js" the reference; each says so', () => {
    const wasm = model(config(), RandomStream.fromSeed(2));
    expect(wasm.implementation.join('\n')).toMatch(/relaxations: WebAssembly SIMD.*3 layers/);
    expect(wasm.implementation.join('\n')).toMatch(/nonzero inputs only \(sparse presynaptic path\)/);
    const js = model(config({ kernels: 'js' }), RandomStream.fromSeed(2));
    expect(js.implementation).toEqual(['relaxations, energy and update: TF.js products, JS loops (the reference)']);
    expect(js.loops).toBe(JS_ANN_LOOPS);
  });

  it('a configuration the kernels cannot hold runs the reference, and the line says why', () => {
    expect(wasmAnnUnsupported({ layers: [784, 500, 10] }, 20)).toBeUndefined();
    expect(wasmAnnUnsupported({ layers: [40_000, 40_000, 10] }, 1)).toMatch(/GiB of kernel memory/);
    const c = annOf({ model: 'ann', ann: { layers: [40_000, 40_000, 10] } });
    const loops = annLoops(c, 'wasm', 1);
    expect(loops.trainBatch).toBe(JS_ANN_LOOPS.trainBatch);
    expect(loops.description[0]).toMatch(/the WebAssembly kernels do not run this configuration \(layers \[40000,40000,10\].*GiB/);
  });

  // (E_θ of 4 layers, literal or output-quadratic, is left out: its middle layers' coefficient
  // 1 + θ makes each step overshoot and double the rounding errors, docs §2; loops.test.ts
  // compares it batch by batch)
  for (const [layers, ann, tol] of [
    [[16, 8, 2], { sbp: false }, 1e-5],
    [[16, 8, 2], { sbp: true }, 1e-5],
    [[16, 8, 2], { sbp: true, sbpEnergy: 'output-quadratic' }, 1e-5],
    [[16, 8, 6, 2], { sbp: false }, 1e-4],
  ] as const) {
    it(`both implementations train the same model to float32 rounding (2 epochs, ${layers.join('-')}, ${JSON.stringify(ann)})`, async () => {
      const c = (kernels: 'wasm' | 'js') => config({ shuffle: true, kernels }, { layers, ...ann });
      const [wasm, js] = [await train(c('wasm'), data), await train(c('js'), data)];
      const a = wasm.model.stateArrays();
      js.model.stateArrays().forEach((arr, k) => expectAllClose(a[k].data, arr.data, tol));
    });
  }
});

for (const kernels of ['wasm', 'js'] as const) {
describe(`training through the trainer (kernels "${kernels}")`, () => {
  const cfg = (extra: RunConfigInput = {}, ann: Record<string, unknown> = {}) => config({ kernels, ...extra }, ann);
  it('is deterministic: same seed, bit-identical weights and states; another seed differs', async () => {
    const a = await train(cfg({ shuffle: true }), data);
    const b = await train(cfg({ shuffle: true }), data);
    a.model.stateArrays().forEach((arr, k) => expect(bits(arr.data).equals(bits(b.model.stateArrays()[k].data))).toBe(true));
    const c = await train(cfg({ shuffle: true, seed: 4 }), data);
    expect(bits(c.model.parameters.weights[0].data).equals(bits(a.model.parameters.weights[0].data))).toBe(false);
  });

  for (const layers of [[16, 8, 2], [16, 8, 6, 2]]) {
  it(`resume reaches bit-identical weights, biases and persistent states of all three splits (${layers.join('-')})`, async () => {
    const extra = { shuffle: true, validationRows: 8 };
    const whole = await train(cfg({ ...extra, epochs: 3 }, { layers }), data);
    expect(whole.model.implementation[0]).toMatch(kernels === 'wasm' ? /WebAssembly/ : /the reference/);
    const out = tempDir();
    await trainRun(cfg({ ...extra, epochs: 1 }, { layers }), data, { out: out });
    const resumed = await trainRun(cfg({ ...extra, epochs: 3 }, { layers }), data, { out: out, resume: true });
    const arrays = whole.model.stateArrays();
    const L = layers.length - 1;
    expect(arrays.length).toBe(L + (L + 1) + 3 * L);
    resumed.model.stateArrays().forEach((arr, k) => expect(bits(arr.data).equals(bits(arrays[k].data))).toBe(true));
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(lines[0]).toHaveProperty('validationAccuracy');
    expect(lines[0]).toHaveProperty('trainEnergy');
    expect(lines[0]).toHaveProperty('testCost');
    expect(lines[0].validationSamples).toBe(8);
    // the three splits' states were all used
    const model = resumed.model as AnnModel;
    for (const split of ['train', 'validation', 'test'] as const) expect(model.states.arrays[split][0].some((v) => v !== 0)).toBe(true);
  });
  }

  it('leaks no tensors across batches', async () => {
    await train(cfg({ epochs: 1 }), data);
    const after1 = liveTensors();
    await train(cfg({ epochs: 2 }), data);
    expect(liveTensors()).toBe(after1);
  });
});
}

describe('learning', () => {
  for (const ann of [{ sbp: false }, { sbp: true }, { sbp: true, sbpEnergy: 'output-quadratic' }]) {
    it(`learns digits (embedded MNIST subset, 784-64-10), ${JSON.stringify(ann)}`, async () => {
      const digits = loadEmbeddedMnist({ trainLimit: 1200, testLimit: 300 });
      const c = resolveRunConfig({ task: 'mnist', model: 'ann', epochs: 3, seed: 1, ann: { layers: [784, 64, 10], ...ann } });
      const { history } = await train(c, digits);
      expect(history[2].validationAccuracy).toBeGreaterThan(0.45); // chance: 0.1
      expect(history[2].testAccuracy).toBeGreaterThan(0.45);
      expect(history[2].trainCost as number).toBeLessThan(history[0].trainCost as number);
    });
  }
});

describe('selfprop train --model ann', () => {
  let err: string[];
  let out: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  const refused = async (args: string[], pattern: RegExp, code = 2) => {
    err = [];
    expect(await runCli(['train', ...args, '--out', join(tempDir(), 'x')])).toBe(code);
    expect(err.join('')).toMatch(pattern);
    expect(err.join('')).not.toMatch(/\n\s+at /);
  };

  it('refuses the other families’ flags, ann flags elsewhere, DvsGesture, and bad values', async () => {
    await refused(['--model', 'ann', '--rule', 'sbp'], /--rule applies to the §1 spiking network \(--model snn\), not to --model ann/);
    await refused(['--model', 'ann', '--feedforward', 'off'], /--feedforward applies to the §1 spiking network.*--model ann/);
    await refused(['--model', 'ann', '--sbp-fraction', '0.5'], /--sbp-fraction applies to the §3 spiking MLP/);
    await refused(['--model', 'ann', '--lr', '0.01'], /--lr applies to the §3 spiking MLP.*--learning-rates/);
    await refused(['--model', 'snn', '--sbp', 'on'], /--sbp applies to the §2 energy-based ANN/);
    await refused(['--model', 'smlp', '--sleep', '5'], /--sleep applies to the §2 energy-based ANN/);
    await refused(['--wake', '5'], /--wake applies to the §2 energy-based ANN/);
    await refused(['--model', 'ann', '--task', 'dvsgesture'], /102,400 inputs/);
    await refused(['--model', 'ann', '--theta', '-1'], /ann.*theta/);
    await refused(['--model', 'ann', '--layers', '784,10'], /ann/);
    expect(await runCli(['train', '--model', 'ann', '--sbp', 'maybe'])).not.toBe(0);
  });

  it('default output directory names the SBP setting', () => {
    expect(annFamily.runName(annOf({ model: 'ann' }))).toBe('sbp-on');
    expect(annFamily.runName(annOf({ model: 'ann', task: 'nettalk', ann: { sbp: false } }))).toBe('sbp-off');
  });

  it('trains a tiny run with the flags and prints validation and test accuracy', async () => {
    const run = join(tempDir(), 'run');
    const args = ['train', '--model', 'ann', '--sbp', 'off', '--sleep', '5', '--wake', '2', '--beta', '0.5', '--epsilon', '0.5', '--theta', '0.3', '--layers', '784,20,10', '--learning-rates', '0.2,0.1', '--train-limit', '120', '--test-limit', '40', '--epochs', '1', '--out', run];
    expect(await runCli(args)).toBe(0);
    const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(cfg.model).toBe('ann');
    expect(cfg.ann).toMatchObject({ sbp: false, sleepIterations: 5, wakeIterations: 2, beta: 0.5, epsilon: 0.5, theta: 0.3, layers: [784, 20, 10], learningRates: [0.2, 0.1] });
    expect(out.join('\n')).toMatch(/validation: the last 20 training rows/);
    expect(out.join('\n')).toMatch(/epoch 1\/1 \| train .* \| validation .* \| held-out .* \| E /);
    out = [];
    expect(await runCli(['eval', '--model-file', join(run, 'checkpoint.safetensors'), '--test-limit', '60', '--json'])).toBe(0);
    expect(JSON.parse(out.join('')).samples).toBe(60);
  });
});
