/**
 * The training loop end to end on a small MNIST-shaped task the test builds itself: determinism,
 * resume equivalence, atomic outputs, divergence handling, no tensor leak, cpu/wasm agreement.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskData } from '../../src/data/dataset.js';
import { DivergenceError } from '../../src/errors.js';
import { loadEmbeddedMnist } from '../../src/node/datasets/index.js';
import { RunDirectory } from '../../src/node/run-directory.js';
import { readNpy } from '../../src/node/weights-files.js';
import { liveTensors, useBackend } from '../../src/tensor/index.js';
import { train } from '../../src/train/loop.js';
import { resolveRunConfig, type RunConfigInput, type RunConfigOf } from '../../src/train/run-config.js';
import { expectAllClose } from '../helpers/matchers.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { toyData } from '../helpers/toy-data.js';
import { trainRun } from '../../src/node/train-run.js';

const tempDir = tempDirs('train');

const data: TaskData = { train: toyData(40, 1), test: toyData(20, 2), evalKind: 'test' };

const config = (extra: RunConfigInput = {}) =>
  resolveRunConfig({ task: 'mnist', epochs: 2, batchSize: 10, seed: 3, snn: { layers: [16, 8, 2], lif: { tMs: 1 } }, ...extra });

describe('training loop', () => {
  it('learns real digits (embedded MNIST subset) and writes config, metrics, checkpoint and weights', async () => {
    const out = tempDir();
    const digits = loadEmbeddedMnist({ trainLimit: 1000, testLimit: 300 });
    const small = resolveRunConfig({ task: 'mnist', epochs: 3, seed: 3, snn: { layers: [784, 100, 10], lif: { tMs: 1 } } });
    const result = await trainRun(small, digits, { out: out });
    expect(result.history[2].testAccuracy).toBeGreaterThan(0.7);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    for (const key of ['epoch', 'trainAccuracy', 'testAccuracy', 'seconds', 'macs']) expect(lines[0]).toHaveProperty(key);
    expect(lines[0].macs).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).snn.rule).toBe('sbp');
    const w1 = readNpy(join(out, 'weights', 'W1.npy'));
    expect(w1.shape).toEqual([784, 100]);
    expect(Array.from(w1.data)).toEqual(Array.from(result.model.parameters.weights[0].data));
    expect(new RunDirectory(out).readCheckpoint().epoch).toBe(3);
  });

  it('is deterministic: same seed and config, bit-identical weights', async () => {
    const a = await train(config({ shuffle: true }), data);
    const b = await train(config({ shuffle: true }), data);
    a.model.parameters.weights.forEach((w, k) => expect(Buffer.from(w.data.buffer).equals(Buffer.from(b.model.parameters.weights[k].data.buffer))).toBe(true));
    const c = await train(config({ shuffle: true, seed: 4 }), data);
    expect(Buffer.from(c.model.parameters.weights[0].data.buffer).equals(Buffer.from(a.model.parameters.weights[0].data.buffer))).toBe(false);
  });

  it('resume reaches bit-identical weights to an uninterrupted run (spike-driven, noisy, shuffled)', async () => {
    const options = { shuffle: true, snn: { layers: [16, 8, 2], lif: { tMs: 1 }, drive: 'spikes', noise: 'norm' } } as RunConfigInput;
    const whole = await train(config({ ...options, epochs: 3 }), data);
    const out = tempDir();
    await trainRun(config({ ...options, epochs: 1 }), data, { out: out });
    const resumed = await trainRun(config({ ...options, epochs: 3 }), data, { out: out, resume: true });
    whole.model.parameters.weights.forEach((w, k) => expect(Array.from(resumed.model.parameters.weights[k].data)).toEqual(Array.from(w.data)));
    whole.model.parameters.biases.forEach((b, k) => expect(Array.from(resumed.model.parameters.biases[k])).toEqual(Array.from(b)));
    const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2, 3]);
  });

  it('maxBatches stops mid-epoch; onBatch carries the batch measures and its time is not the batches\'', async () => {
    const seen: { phase: string; measures: Record<string, number> }[] = [];
    const hooked = await train(config({ epochs: 3 }), data, {
      maxBatches: 6,
      hooks: {
        onBatch: async (info) => {
          seen.push({ phase: info.phase, measures: { ...info.measures } });
          await new Promise((resolve) => setTimeout(resolve, 100));
        },
      },
    });
    // 40 rows in batches of 10: 4 full batches in epoch 1, then 2 batches of epoch 2, then stop.
    expect(hooked.history.map((m) => m.trainSamples)).toEqual([40, 20]);
    expect(seen.filter((s) => s.phase === 'train')).toHaveLength(6);
    expect(seen.filter((s) => s.phase === 'test')).toHaveLength(4);
    for (const s of seen) expect(Object.keys(s.measures).sort()).toEqual(['cost', 'energy', 'hiddenActivity']);
    // Epoch 1's hooks waited 4 × 100 ms; its batches (16-8-2, 1 ms of simulated time) take far less.
    expect(hooked.history[0].trainSeconds).toBeLessThan(0.3);
    // The batches are the same with or without the hook: bit-identical weights.
    const plain = await train(config({ epochs: 3 }), data, { maxBatches: 6 });
    plain.model.parameters.weights.forEach((w, k) => expect(Array.from(hooked.model.parameters.weights[k].data)).toEqual(Array.from(w.data)));
  });

  it('refuses to resume with a different config', async () => {
    const out = tempDir();
    await trainRun(config({ epochs: 1 }), data, { out: out });
    await expect(trainRun(config({ epochs: 2, seed: 99 }), data, { out: out, resume: true })).rejects.toThrow(/--resume: "seed" 99 contradicts the run's 3/);
  });

  it('a diverging run stops naming epoch and batch, and the last good checkpoint stays intact', async () => {
    const out = tempDir();
    await trainRun(config({ epochs: 1 }), data, { out: out });
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    const poisoned: TaskData = { ...data, train: { ...data.train, inputs: data.train.inputs.map((v, i) => (i === 16 * 25 ? NaN : v)) } };
    const err = await trainRun(config({ epochs: 2 }), poisoned, { out: out, resume: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/epoch 2, train batch 3/);
    expect(readFileSync(join(out, 'checkpoint.safetensors')).equals(before)).toBe(true);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('leaks no tensors across batches', async () => {
    await useBackend('wasm');
    await train(config({ epochs: 1 }), data);
    const after1 = liveTensors();
    await train(config({ epochs: 2 }), data);
    expect(liveTensors()).toBe(after1);
  });

  it('cpu and wasm backends agree', async () => {
    const wasm = await train(config({ backend: 'wasm' }), data);
    const cpu = await train(config({ backend: 'cpu' }), data);
    wasm.model.parameters.weights.forEach((w, k) => expectAllClose(cpu.model.parameters.weights[k].data, w.data, 1e-4));
    await useBackend('wasm');
  });

  it('loads initial weights from .npy files and from JSON', async () => {
    const out = tempDir();
    const first = await trainRun(config({ epochs: 1 }), data, { out: out });
    const fromNpy = await trainRun(config({ epochs: 1, initWeights: join(out, 'weights') }), data, { out: join(out, 'npy') });
    const fromJson = await trainRun(config({ epochs: 1, initWeights: join(out, 'weights.json') }), data, { out: join(out, 'json') });
    expect(Array.from(fromNpy.model.parameters.weights[0].data)).toEqual(Array.from(fromJson.model.parameters.weights[0].data));
    expect(Array.from(fromNpy.model.parameters.weights[0].data)).not.toEqual(Array.from(first.model.parameters.weights[0].data));
    writeFileSync(join(out, 'bad.json'), JSON.stringify({ weights: [{ shape: [3, 8], data: new Array(24).fill(0) }] }));
    await expect(trainRun(config({ epochs: 1, initWeights: join(out, 'bad.json') }), data, { out: join(out, 'bad') })).rejects.toThrow(/bad\.json: 1 weight matrices, the network \[16,8,2\] needs 2/);
    const twoBad = { weights: [{ shape: [3, 8], data: new Array(24).fill(0) }, { shape: [8, 2], data: new Array(16).fill(0) }] };
    writeFileSync(join(out, 'bad2.json'), JSON.stringify(twoBad));
    await expect(trainRun(config({ epochs: 1, initWeights: join(out, 'bad2.json') }), data, { out: join(out, 'bad2') })).rejects.toThrow(/bad2\.json: W1 is 3×8, the network \[16,8,2\] needs 16×8/);
  });
});

describe('run config', () => {
  it('defaults are the paper values', () => {
    const c = resolveRunConfig({}) as RunConfigOf<'snn'>;
    expect(c.batchSize).toBe(50);
    expect(c.snn.layers).toEqual([784, 500, 10]);
    expect(c.snn.learningRates).toEqual([0.1, 0.05]);
    expect(c.snn).toMatchObject({ freeIterations: 20, nudgeIterations: 5, epsilon: 0.5, beta: 0.5, feedforward: true, drive: 'analog' });
    expect(c.snn.lif).toMatchObject({ vE: 0.2, vTh: 0.05, vReset: -0.5, tauMMs: 10, tauSynEMs: 2, gLeakE: 5, dtMs: 0.1, tMs: 10 });
    expect(c.snn.sbp).toEqual({ range: 0.1, fraction: 0.2, lambdaPre: 1, lambdaPost: 0.5, lambdaBp: 1 });
  });

  it('invalid values get a message naming the field', () => {
    expect(() => resolveRunConfig({ snn: { rule: 'hebb' } })).toThrow(/snn\.rule/);
    expect(() => resolveRunConfig({ snn: { epsilon: -1 } })).toThrow(/snn\.epsilon/);
    expect(() => resolveRunConfig({ epochs: 0 })).toThrow(/epochs/);
    expect(() => resolveRunConfig({ snn: { layers: [784, 10], learningRates: [0.1, 0.2] } })).toThrow(/learningRates needs one rate per weight matrix/);
    expect(() => resolveRunConfig({ snn: { layers: [1, 2, 3, 4, 5, 6, 7] } })).toThrow(/snn\.layers/);
    expect(() => resolveRunConfig({ task: 'cifar' })).toThrow(/task/);
    expect(() => resolveRunConfig({ snn: { lif: { tMs: 1, dtMs: 0.3 } } })).toThrow(/whole number of steps/);
    expect(() => resolveRunConfig({ bogus: 1 })).toThrow(/bogus|Unrecognized/);
  });

  it('deeper nets get a learning rate per matrix', () => {
    expect((resolveRunConfig({ snn: { layers: [784, 300, 200, 100, 10] } }) as RunConfigOf<'snn'>).snn.learningRates).toEqual([0.1, 0.1, 0.1, 0.05]);
  });
});
