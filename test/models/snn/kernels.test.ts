/**
 * The §1 phases on the WebAssembly kernels (src/kernels, the default) against the same phases on
 * the JS loops (the reference, `kernels: "js"`): the feedforward phase (exact and fast LIF) and the
 * relaxations of networks of every depth and width (float32 rounding apart), x·W₁ and the energy's
 * products and SBP's ΔW and update (bit for bit), and determinism of whole batches.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSnnConfig, type SnnConfig } from '../../../src/models/snn/config.js';
import { feedforwardPhase } from '../../../src/models/snn/feedforward.js';
import { updateWeights } from '../../../src/models/snn/learning.js';
import { snnLoops, type SnnLoops } from '../../../src/models/snn/loops.js';
import { initNetwork } from '../../../src/models/snn/network.js';
import { relax } from '../../../src/models/snn/relaxation.js';
import { trainBatch } from '../../../src/models/snn/snn.js';
import { initState } from '../../../src/models/snn/state.js';
import { loadEmbeddedMnist } from '../../../src/node/datasets/index.js';
import { copyMatrix, type Matrix, matMul, RandomStream, useBackend } from '../../../src/tensor/index.js';
import { expectAllClose } from '../../helpers/matchers.js';

const random = (rng: RandomStream, rows: number, cols: number, lo: number, hi: number): Matrix => ({
  rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.uniformIn(lo, hi)),
});
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Run `f` on the JS loops, then on the kernels, from the same starting point. */
function bothPaths<T>(config: SnnConfig, f: (loops: SnnLoops) => T): { js: T; wasm: T } {
  const js = f(snnLoops(config, 'js'));
  return { js, wasm: f(snnLoops(config, 'wasm')) };
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('feedforward phase on the kernels', () => {
  for (const layers of [[20, 13, 3], [12, 9, 70], [6, 5, 4, 3]]) {
    // (the LIF loop itself is bit-identical, test/neurons/kernels.test.ts; here the currents already
    // differ by the ulps of σ̃, so the states differ by float32 rounding)
    it(`${layers.join('-')}: states, V, g agree with the JS loops to 1e-5, spike counts to 0.1 %`, () => {
      const config = resolveSnnConfig({ layers, rule: 'sbp' }, layers);
      const net = initNetwork(config, RandomStream.fromSeed(3));
      const rng = RandomStream.fromSeed(4);
      const x = random(rng, 4, layers[0], 0, 1);
      const { js, wasm } = bothPaths(config, (loops) => {
        const state = initState(config, 4);
        // a carried state from an earlier batch: non-zero V, g and particles
        state.layers.forEach((l, k) => {
          if (k === 0) return;
          const r = RandomStream.fromSeed(10 + k);
          l.v.forEach((_, i) => (l.v[i] = r.uniformIn(-0.5, 0.1)));
          l.g.forEach((_, i) => (l.g[i] = r.uniformIn(0, 6)));
          l.particles.forEach((_, i) => (l.particles[i] = r.uniformIn(-0.9, 0.9)));
        });
        const result = feedforwardPhase(net, state, x, matMul(x, net.weights[0]), RandomStream.fromSeed(5), loops.feedforward);
        return { result, state };
      });
      expect(js.result.spikes[1]).toBeGreaterThan(0);
      for (let k = 1; k < layers.length; k++) {
        expectAllClose(wasm.result.states[k].data, js.result.states[k].data, 1e-5);
        expectAllClose(wasm.state.layers[k].v, js.state.layers[k].v, 1e-5);
        expectAllClose(wasm.state.layers[k].g, js.state.layers[k].g, 1e-5);
        expect(Math.abs(wasm.result.spikes[k] - js.result.spikes[k])).toBeLessThanOrEqual(Math.ceil(1e-3 * js.result.spikes[k]));
      }
    });
  }
});

describe('relaxations on the kernels (any depth and width)', () => {
  const cases: [number[], number][] = [
    [[9, 13, 3], 5], [[784, 500, 10], 3], [[4, 33, 64], 2], [[189, 500, 26], 1],
    [[9, 13, 100], 3], [[5, 3], 4], [[6, 5, 4, 3], 3], [[8, 7, 6, 5, 4, 3], 2], [[20, 70, 90, 11], 2],
  ];
  for (const [layers, rows] of cases) {
    it(`${layers.join('-')}, ${rows} rows: free (20) and nudged (5) relaxations agree with the JS loops to 2e-6`, () => {
      const config = resolveSnnConfig({ layers: [...layers], rule: 'sbp' }, [...layers]);
      const net = initNetwork(config, RandomStream.fromSeed(6));
      net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = k === 0 ? 0 : 0.03 * ((j % 5) - 2))));
      const rng = RandomStream.fromSeed(7);
      const x = random(rng, rows, layers[0], 0, 1);
      const last = layers.length - 1;
      const start = layers.map((n, k) => (k === 0 ? x : random(rng, rows, n, k === last ? 0 : -0.8, k === last ? 0.6 : 0.8)));
      const y = random(rng, rows, layers[last], 0, 1);
      const drive = matMul(x, net.weights[0]);
      const { js, wasm } = bothPaths(config, (loops) => {
        const free = start.map(copyMatrix);
        relax(net, free, drive, config.freeIterations, loops.relaxation);
        const nudged = free.map(copyMatrix);
        relax(net, nudged, drive, config.nudgeIterations, loops.relaxation, { target: y, beta: config.beta });
        return { free, nudged };
      });
      for (let k = 1; k < layers.length; k++) {
        expectAllClose(wasm.free[k].data, js.free[k].data, 2e-6);
        expectAllClose(wasm.nudged[k].data, js.nudged[k].data, 2e-6);
      }
      expect(same(wasm.free[0].data, x.data)).toBe(true);
    });
  }
});

describe('products outside the phases on the kernels', () => {
  it('x·W₁ of a real MNIST batch and the energy\'s products: bit-identical to the JS path (TF.js)', () => {
    const data = loadEmbeddedMnist({ trainLimit: 50 }).train;
    const layers = [784, 500, 10];
    const config = resolveSnnConfig({ layers, rule: 'sbp' }, layers);
    const net = initNetwork(config, RandomStream.fromSeed(12));
    const x: Matrix = { rows: 50, cols: 784, data: data.inputs.slice(0, 50 * 784) };
    const h = random(RandomStream.fromSeed(13), 50, 500, -1, 1);
    const { js, wasm } = bothPaths(config, (loops) => ({ drive: loops.products.inputDrive(x, net.weights[0]), energy: loops.products.product(h, net.weights[1]) }));
    expect(same(wasm.drive.data, js.drive.data)).toBe(true);
    expect(same(wasm.energy.data, js.energy.data)).toBe(true);
  });
});

describe('the fast LIF path (lif.precision "fast") inside the feedforward phase', () => {
  for (const layers of [[20, 13, 3], [784, 500, 10], [6, 5, 4, 3]]) {
    it(`${layers.join('-')}: states, V, g agree with the JS loops to 5e-5, spike counts to 0.2 %`, () => {
      const config = resolveSnnConfig({ layers, rule: 'sbp', lif: { precision: 'fast' } }, layers);
      const net = initNetwork(config, RandomStream.fromSeed(3));
      const x = random(RandomStream.fromSeed(4), 4, layers[0], 0, 1);
      const { js, wasm } = bothPaths(config, (loops) => {
        const state = initState(config, 4);
        const result = feedforwardPhase(net, state, x, matMul(x, net.weights[0]), RandomStream.fromSeed(5), loops.feedforward);
        return { result, state };
      });
      expect(snnLoops(config, 'wasm').description.join(' ')).toMatch(/fast/);
      for (let k = 1; k < layers.length; k++) {
        expectAllClose(wasm.result.states[k].data, js.result.states[k].data, 5e-5);
        expectAllClose(wasm.state.layers[k].v, js.state.layers[k].v, 5e-5);
        expectAllClose(wasm.state.layers[k].g, js.state.layers[k].g, 5e-5);
        expect(Math.abs(wasm.result.spikes[k] - js.result.spikes[k])).toBeLessThanOrEqual(Math.ceil(2e-3 * js.result.spikes[k]));
      }
    });
  }
});

describe('SBP plasticity on the kernels', () => {
  const cases: { layers: number[]; noise?: 'none' | 'norm'; dale?: boolean }[] = [
    { layers: [30, 21, 7] },
    { layers: [784, 500, 10] },
    { layers: [5, 6, 7, 3], noise: 'norm' },
    { layers: [9, 8, 5], dale: true },
  ];
  for (const { layers, noise = 'none', dale = false } of cases) {
    it(`${layers.join('-')}${noise !== 'none' ? `, noise ${noise}` : ''}${dale ? ", Dale's law" : ''}: ΔW and the weights are bit-identical to plasticity/sbp.ts`, () => {
      const config = resolveSnnConfig({ layers, rule: 'sbp', noise, dale: { enabled: dale } }, layers);
      const net = initNetwork(config, RandomStream.fromSeed(8));
      const rng = RandomStream.fromSeed(9);
      const rows = 6;
      const free = layers.map((n, k) => random(rng, rows, n, k === 0 ? 0 : -1, 1));
      const nudged = free.map((m, k) => (k === 0 ? m : { ...m, data: m.data.map((v, i) => (i % 7 === 0 ? v : v + rng.uniformIn(-0.05, 0.05))) }));
      // exact zeros of D (an unchanged postsynaptic column) and a NaN, the rule's special cases
      for (let r = 0; r < rows; r++) nudged[1].data[r * layers[1]] = free[1].data[r * layers[1]];
      free[0].data[3] = Number.NaN;
      const start = net.weights.map((w) => w.data.slice());
      const { js, wasm } = bothPaths(config, (loops) => {
        net.weights.forEach((w, k) => w.data.set(start[k]));
        const r = RandomStream.fromSeed(10);
        for (let rep = 0; rep < 2; rep++) updateWeights(net, free, nudged, r, 0, loops.plasticity);
        return net.weights.map((w) => w.data.slice());
      });
      wasm.forEach((w, k) => expect(same(w, js[k]), `W${k + 1}`).toBe(true));
      expect(js.some((w, k) => !same(w, start[k]))).toBe(true);
    });
  }
});

describe('determinism on the kernels', () => {
  it('the same seed gives bit-identical weights, state and outputs, run to run', () => {
    const run = () => {
      const layers = [16, 12, 4];
      const config = resolveSnnConfig({ layers, rule: 'sbp' }, layers);
      const rng = RandomStream.fromSeed(11);
      const net = initNetwork(config, rng);
      const state = initState(config, 5);
      const loops = snnLoops(config, 'wasm');
      const outputs: Float32Array[] = [];
      for (let b = 0; b < 3; b++) {
        const data = RandomStream.fromSeed(20 + b);
        const x = random(data, 5, 16, 0, 1);
        const y: Matrix = { rows: 5, cols: 4, data: Float32Array.from({ length: 20 }, (_, i) => (i % 4 === (i >> 2) % 4 ? 1 : 0)) };
        outputs.push(trainBatch(net, state, x, y, rng, 0, loops).output.data);
      }
      return [...net.weights.map((w) => w.data), ...net.biases, ...state.layers.flatMap((l) => [l.v, l.g, l.particles]), ...outputs];
    };
    const a = run();
    const b = run();
    a.forEach((x, i) => expect(same(x, b[i])).toBe(true));
  });
});
