/**
 * The §2 energy ANN's loops on the WebAssembly kernels (models/ann/loops-wasm.ts over
 * src/kernels/ann.ts) against the reference (phases.ts: TF.js products, JS loops):
 * - tiny nets of 3 to 6 layers, every energy form: states after the free and the nudged
 *   relaxations, the measures, and the parameters after several batches, to float32 rounding;
 * - real MNIST batches (784-500-10, batch 20) and NETtalk windows (189-500-26, batch 1): no farther
 *   from the independent float64 reference (test/helpers/reference-energy.ts) than the reference
 *   path is, and within float32 drift of the reference path over many batches;
 * - the sparse presynaptic paths against the dense loops that sum in the same order, bit for bit
 *   (states, measures, weights, biases) on real MNIST and NETtalk batches, and their MAC counts;
 * - the kernel's float64 energy against energy.ts's energyPerRow over the kernel's own products,
 *   bit for bit; inputs outside [0, 1]; batches of changing sizes on one instance; determinism.
 * The float64 golden tests of phases.test.ts run on both implementations too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AnnKernels, annDenseMacs } from '../../../src/kernels/ann.js';
import { resolveAnnConfig, type AnnConfig, type AnnConfigInput } from '../../../src/models/ann/config.js';
import { energyPerRow, layerGradientCoefficients, rhoMatrix, type EnergyKind } from '../../../src/models/ann/energy.js';
import { JS_ANN_LOOPS, type AnnLoops } from '../../../src/models/ann/loops.js';
import { wasmAnnLoops } from '../../../src/models/ann/loops-wasm.js';
import { initAnnNetwork, type AnnNetwork } from '../../../src/models/ann/network.js';
import type { BatchResult } from '../../../src/models/ann/phases.js';
import { loadMnistDir, loadNettalk } from '../../../src/node/datasets/index.js';
import { copyMatrix, liveTensors, macCounter, type Matrix, RandomStream, useBackend } from '../../../src/tensor/index.js';
import { expectAllClose } from '../../helpers/matchers.js';
import { type Mat, type RefNet, refIteration, refUpdate, terms } from '../../helpers/reference-energy.js';
import { sharedPath } from '../../helpers/shared-data.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const KINDS: EnergyKind[] = ['standard', 'literal', 'output-quadratic'];
const kindInput = (kind: EnergyKind): AnnConfigInput => (kind === 'standard' ? { sbp: false } : { sbp: true, sbpEnergy: kind });
const bits = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array | Float64Array, b: Float32Array | Float64Array) => bits(a).equals(bits(b));
const cloneNet = (net: AnnNetwork): AnnNetwork => ({ ...net, weights: net.weights.map(copyMatrix), biases: net.biases.map((b) => b.slice()) });
const matrix = (rows: number, cols: number, f: (i: number) => number): Matrix => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, (_, i) => f(i)) });

function configOf(layers: number[], extra: AnnConfigInput = {}, beta = 0.2): AnnConfig {
  return resolveAnnConfig({ layers, ...extra }, { layers, beta });
}

/** A random batch with many exact zeros (inputs and states), as the real data have. */
function randomBatch(layers: number[], rows: number, rng: RandomStream) {
  const zeroOr = (p: number) => () => (rng.uniform() < p ? 0 : rng.uniform());
  return {
    x: matrix(rows, layers[0], zeroOr(0.5)),
    y: matrix(rows, layers[layers.length - 1], () => (rng.uniform() < 0.3 ? 1 : 0)),
    initial: layers.slice(1).map((n) => matrix(rows, n, zeroOr(0.4))),
  };
}

interface Compared {
  free: number;
  nudged: number;
  weights: number;
  biases: number;
  energy: number;
  cost: number;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function compare(a: BatchResult, b: BatchResult, netA: AnnNetwork, netB: AnnNetwork): Compared {
  const states = (s: Matrix[] | undefined, t: Matrix[] | undefined) => (s && t ? Math.max(...s.slice(1).map((m, k) => maxDiff(m.data, t[k + 1].data))) : 0);
  return {
    free: states(a.free, b.free),
    nudged: states(a.nudged, b.nudged),
    weights: Math.max(...netA.weights.map((w, k) => maxDiff(w.data, netB.weights[k].data))),
    biases: Math.max(...netA.biases.map((v, k) => maxDiff(v, netB.biases[k]))),
    energy: Math.abs(a.energy - b.energy),
    cost: Math.abs(a.cost - b.cost),
  };
}

/** Train `batches` batches on both loops from copies of one network; the differences after each. */
function trainBoth(config: AnnConfig, one: AnnLoops, other: AnnLoops, batches: { x: Matrix; y: Matrix; initial: Matrix[] }[], seed = 3, setupNet?: (net: AnnNetwork) => void) {
  const netA = initAnnNetwork(config, RandomStream.fromSeed(seed));
  setupNet?.(netA);
  const netB = cloneNet(netA);
  return batches.map((b, i) => {
    const beta = i % 2 ? config.beta : -config.beta;
    const ra = one.trainBatch(netA, b.x, b.y, b.initial, beta);
    const rb = other.trainBatch(netB, b.x, b.y, b.initial, beta);
    return { diff: compare(ra, rb, netA, netB), ra, rb, netA, netB };
  });
}

const expectWithin = (d: Compared, tol: number, what: string) => {
  for (const [name, v] of Object.entries(d)) expect(v, `${what}: ${name}`).toBeLessThanOrEqual(tol);
};

describe('the kernels against the reference on tiny nets (float32 rounding)', () => {
  const nets = [[7, 5, 3], [9, 6, 5, 3], [11, 8, 6, 5, 3], [12, 9, 7, 6, 5, 4]];
  for (const layers of nets) {
    for (const kind of KINDS) {
      // 4+ layers of E_θ (literal, and output-quadratic, which inherits its middle coefficients
      // 1 + θ) overshoot at every step, doubling the rounding errors (docs §2): 5e-4 there
      const tol = kind !== 'standard' && layers.length > 3 ? 5e-4 : 2e-5;
      it(`${layers.join('-')} ${kind}: states after both relaxations, measures and parameters over 4 batches within ${tol}`, () => {
        const config = configOf(layers, { ...kindInput(kind), sleepIterations: 6, wakeIterations: 3 });
        const rng = RandomStream.fromSeed(11);
        const batches = Array.from({ length: 4 }, () => randomBatch(layers, 5, rng));
        const runs = trainBoth(config, JS_ANN_LOOPS, wasmAnnLoops(config), batches, 3, (net) => {
          net.weights.forEach((w) => w.data.forEach((v, i) => (w.data[i] = 2 * v)));
          net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = k === 0 ? 0 : 0.1 * ((j % 3) - 1))));
        });
        runs.forEach((r, i) => expectWithin(r.diff, tol, `batch ${i + 1}`));
        // the states are not trivially equal: they moved from the initial ones
        expect(maxDiff(runs[0].ra.free[1].data, batches[0].initial[0].data)).toBeGreaterThan(0.01);
        // and an evaluation batch on the trained parameters
        const last = runs[runs.length - 1];
        const e = batches[0];
        expectWithin(compare(JS_ANN_LOOPS.evaluateBatch(last.netA, e.x, e.y, e.initial), wasmAnnLoops(config).evaluateBatch(last.netB, e.x, e.y, e.initial), last.netA, last.netB), tol, 'evaluation');
      });
    }
  }

  it('inputs outside [0, 1] and initial states outside it go through ρ as in the reference', () => {
    const layers = [6, 5, 3];
    const config = configOf(layers, { sleepIterations: 4, wakeIterations: 2 });
    const rng = RandomStream.fromSeed(5);
    const b = randomBatch(layers, 3, rng);
    b.x.data.forEach((v, i) => (b.x.data[i] = i % 4 === 0 ? -0.5 : i % 4 === 1 ? 1.7 : v));
    const [run] = trainBoth(config, JS_ANN_LOOPS, wasmAnnLoops(config), [b]);
    expectWithin(run.diff, 1e-5, 'ρ(x)');
    expect(Array.from(run.rb.free[0].data)).toEqual(Array.from(rhoMatrix(b.x).data));
    expect(run.rb.free[0]).not.toBe(b.x);
    // in range, the input matrix itself stands for ρ(x), as in the reference
    const inside = randomBatch(layers, 3, rng);
    expect(wasmAnnLoops(config).evaluateBatch(run.netB, inside.x, inside.y, inside.initial).free[0]).toBe(inside.x);
  });

  it('one instance runs batches of changing sizes (its buffers grow); results as a fresh instance', () => {
    const layers = [10, 7, 4];
    const config = configOf(layers, { sleepIterations: 3, wakeIterations: 2 });
    const shared = wasmAnnLoops(config);
    const rng = RandomStream.fromSeed(8);
    const net = initAnnNetwork(config, RandomStream.fromSeed(1));
    for (const rows of [2, 7, 1, 7, 3]) {
      const b = randomBatch(layers, rows, rng);
      const copy = cloneNet(net);
      const a = shared.trainBatch(net, b.x, b.y, b.initial, 0.2);
      const c = wasmAnnLoops(config).trainBatch(copy, b.x, b.y, b.initial, 0.2);
      a.free.slice(1).forEach((m, k) => expect(sameBits(m.data, c.free[k + 1].data)).toBe(true));
      net.weights.forEach((w, k) => expect(sameBits(w.data, copy.weights[k].data)).toBe(true));
      expect(a.energy).toBe(c.energy);
    }
  });

  it('is deterministic and leaves no tensors behind (no TF.js call)', () => {
    const layers = [9, 6, 5, 3];
    const config = configOf(layers, { sleepIterations: 5, wakeIterations: 2 });
    const rng = RandomStream.fromSeed(4);
    const batches = Array.from({ length: 3 }, () => randomBatch(layers, 4, rng));
    const tensors = liveTensors();
    const runs = [0, 1].map(() => {
      const net = initAnnNetwork(config, RandomStream.fromSeed(2));
      const loops = wasmAnnLoops(config);
      const results = batches.map((b, i) => loops.trainBatch(net, b.x, b.y, b.initial, i % 2 ? 0.2 : -0.2));
      return { net, results };
    });
    expect(liveTensors()).toBe(tensors);
    runs[0].net.weights.forEach((w, k) => expect(sameBits(w.data, runs[1].net.weights[k].data)).toBe(true));
    runs[0].net.biases.forEach((b, k) => expect(sameBits(b, runs[1].net.biases[k])).toBe(true));
    runs[0].results.forEach((r, i) => {
      r.nudged!.slice(1).forEach((m, k) => expect(sameBits(m.data, runs[1].results[i].nudged![k + 1].data)).toBe(true));
      expect(r.energy).toBe(runs[1].results[i].energy);
    });
  });

  it("the kernel's float64 energy is energyPerRow over its own states and products, bit for bit", () => {
    for (const kind of KINDS) {
      const layers = [13, 9, 6, 4];
      const config = configOf(layers, kindInput(kind));
      const net = initAnnNetwork(config, RandomStream.fromSeed(6));
      net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = k === 0 ? 0 : 0.05 * ((j % 5) - 2))));
      const b = randomBatch(layers, 5, RandomStream.fromSeed(7));
      const kernels = new AnnKernels(layers);
      const out = kernels.run(
        { weights: net.weights.map((w) => w.data), biases: net.biases, x: b.x.data, rows: 5, initial: b.initial.map((m) => m.data), products: true },
        {
          epsilon: 1, sleepIterations: 4, wakeIterations: 1, interaction: net.form.interaction, quadratic: net.form.quadratic, bias: net.form.bias, learningRates: config.learningRates,
          coefficients: layers.map((_, k) => (k === 0 ? undefined : layerGradientCoefficients(net.form, k))),
        },
      );
      const states = [b.x, ...out.free.map((data, k) => ({ rows: 5, cols: layers[k + 1], data }))];
      const up = out.up!.map((data, k) => ({ rows: 5, cols: layers[k + 1], data }));
      expect(sameBits(out.energies, energyPerRow(net.form, net.biases, states, up))).toBe(true);
    }
  });
});

// ---- real data ----

const mnistDir = sharedPath('data', 'mnist');
const nettalkDir = sharedPath('data', 'nettalk', 'nettalk.data') && sharedPath('data', 'nettalk');

interface RealTask {
  name: string;
  layers: number[];
  rows: number;
  beta: number;
  batches: number;
  /** Batches of the comparison with the reference path (the rest: sparse = dense only). */
  compared: number;
  load: () => { inputs: Float32Array; targets: Float32Array; inputSize: number; targetSize: number; count: number };
}

const TASKS: (RealTask & { dir: string | undefined })[] = [
  { name: 'MNIST', dir: mnistDir, layers: [784, 500, 10], rows: 20, beta: 0.2, batches: 4, compared: 4, load: () => loadMnistDir(mnistDir!, { trainLimit: 200, testLimit: 1 }).train },
  { name: 'NETtalk', dir: nettalkDir, layers: [189, 500, 26], rows: 1, beta: 1, batches: 40, compared: 12, load: () => loadNettalk(nettalkDir!, { mode: 'paper' }).data.train },
];

for (const task of TASKS) {
  describe.skipIf(!task.dir)(`real ${task.name} batches (${task.layers.join('-')}, batch ${task.rows})`, () => {
    let batches: { x: Matrix; y: Matrix; initial: Matrix[] }[] = [];
    beforeAll(() => {
      const d = task.load();
      const { rows } = task;
      batches = Array.from({ length: task.batches }, (_, i) => ({
        x: { rows, cols: d.inputSize, data: d.inputs.slice(i * rows * d.inputSize, (i + 1) * rows * d.inputSize) },
        y: { rows, cols: d.targetSize, data: d.targets.slice(i * rows * d.targetSize, (i + 1) * rows * d.targetSize) },
        initial: task.layers.slice(1).map((n) => ({ rows, cols: n, data: new Float32Array(rows * n) })),
      }));
    });
    /** Persistent states as in training: each batch after the first starts where an earlier one ended. */
    const chained = (results: BatchResult[], i: number) => (i === 0 ? batches[0].initial : results[i - 1].free.slice(1));

    for (const kind of KINDS) {
      it(`${kind}: one batch from zero states, the kernels no farther from float64 than the reference`, () => {
        const config = configOf(task.layers, kindInput(kind), task.beta);
        const net = initAnnNetwork(config, RandomStream.fromSeed(1));
        const { rows } = task;
        const b = batches[0];
        const T = terms(kind, 3, config.theta);
        const toMat = (m: Matrix): Mat => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
        const ref: RefNet = { W: net.weights.map(toMat), b: net.biases.map((v) => Array.from(v)) };
        const S0 = toMat(b.x).map((x) => [x, ...task.layers.slice(1).map((n) => new Array<number>(n).fill(0))]);
        for (let i = 0; i < config.sleepIterations; i++) refIteration(T, ref, S0, config.epsilon);
        const Sb = S0.map((r) => r.map((l) => [...l]));
        for (let i = 0; i < config.wakeIterations; i++) refIteration(T, ref, Sb, config.epsilon, { y: toMat(b.y), beta: -task.beta });
        const updated = refUpdate(T, ref, S0, Sb, -task.beta, config.learningRates);
        const error = (loops: AnnLoops) => {
          const copy = cloneNet(net);
          const r = loops.trainBatch(copy, b.x, b.y, b.initial, -task.beta);
          const states = (m: Matrix[], S: number[][][]) => Math.max(...m.slice(1).map((l, k) => maxDiff(l.data, S.flatMap((row) => row[k + 1]))));
          return { free: states(r.free, S0), nudged: states(r.nudged!, Sb), weights: Math.max(...copy.weights.map((w, k) => maxDiff(w.data, updated.W[k].flat()))) };
        };
        const js = error(JS_ANN_LOOPS);
        const wasm = error(wasmAnnLoops(config));
        for (const part of ['free', 'nudged', 'weights'] as const) {
          expect(wasm[part], `${part}: kernels ${wasm[part]}, reference ${js[part]}`).toBeLessThanOrEqual(2 * js[part] + 1e-6);
        }
        expect(rows).toBe(task.rows);
      });

      // over many batches the two float32 paths drift apart by rounding, most for the literal E_θ,
      // whose linear output integrates every difference of its drive (docs §2)
      const tol = kind === 'literal' ? 2e-4 : 5e-5;
      it(`${kind}: the kernels against the reference over ${task.compared} batches, states, measures and parameters within ${tol}`, () => {
        const config = configOf(task.layers, kindInput(kind), task.beta);
        const netA = initAnnNetwork(config, RandomStream.fromSeed(1));
        const netB = cloneNet(netA);
        const wasm = wasmAnnLoops(config);
        const ra: BatchResult[] = [];
        const rb: BatchResult[] = [];
        batches.slice(0, task.compared).forEach((b, i) => {
          const beta = i % 2 ? task.beta : -task.beta;
          ra.push(JS_ANN_LOOPS.trainBatch(netA, b.x, b.y, chained(ra, i), beta));
          rb.push(wasm.trainBatch(netB, b.x, b.y, chained(ra, i), beta));
          expectWithin(compare(ra[i], rb[i], netA, netB), tol, `batch ${i + 1}`);
        });
      });
    }

    it('sparse presynaptic paths = the dense loops, bit for bit (states, measures, weights, biases); MACs', () => {
      const config = configOf(task.layers, {}, task.beta);
      const net = { sparse: initAnnNetwork(config, RandomStream.fromSeed(2)), dense: initAnnNetwork(config, RandomStream.fromSeed(2)) };
      const loops = { sparse: wasmAnnLoops(config, { sparse: true }), dense: wasmAnnLoops(config, { sparse: false }) };
      const results = { sparse: [] as BatchResult[], dense: [] as BatchResult[] };
      const macs = { sparse: 0, dense: 0 };
      let zeros = 0;
      batches.forEach((b, i) => {
        const beta = i % 2 ? task.beta : -task.beta;
        for (const path of ['sparse', 'dense'] as const) {
          const before = macCounter.total;
          results[path].push(loops[path].trainBatch(net[path], b.x, b.y, chained(results[path], i), beta));
          macs[path] += macCounter.total - before;
        }
        const [s, d] = [results.sparse[i], results.dense[i]];
        for (let k = 1; k < task.layers.length; k++) {
          expect(sameBits(s.free[k].data, d.free[k].data), `batch ${i + 1} s⁰ layer ${k}`).toBe(true);
          expect(sameBits(s.nudged![k].data, d.nudged![k].data), `batch ${i + 1} s^β layer ${k}`).toBe(true);
        }
        expect(s.energy).toBe(d.energy);
        expect(s.cost).toBe(d.cost);
        net.sparse.weights.forEach((w, k) => expect(sameBits(w.data, net.dense.weights[k].data), `batch ${i + 1} W${k + 1}`).toBe(true));
        net.sparse.biases.forEach((v, k) => expect(sameBits(v, net.dense.biases[k]), `batch ${i + 1} b${k + 1}`).toBe(true));
        zeros += b.x.data.reduce((z, v) => z + (v === 0 ? 1 : 0), 0);
      });
      // the weights did change, and the inputs were mostly zeros (MNIST 81 %, NETtalk 182 of 189)
      expect(maxDiff(net.sparse.weights[0].data, initAnnNetwork(config, RandomStream.fromSeed(2)).weights[0].data)).toBeGreaterThan(0);
      const inputs = batches.length * task.rows * task.layers[0];
      expect(zeros / inputs).toBeGreaterThan(0.7);
      // the dense loops execute exactly the dense products' MACs; the sparse path skips the zeros'
      const iterations = config.sleepIterations + config.wakeIterations;
      expect(macs.dense).toBe(batches.length * annDenseMacs(task.layers, task.rows, iterations, true));
      expect(macs.sparse).toBeLessThan(macs.dense);
      // at least the input products' share of the zero inputs is skipped: 2 n_1 MACs per zero input
      expect(macs.dense - macs.sparse).toBeGreaterThanOrEqual(2 * zeros * task.layers[1]);
    });
  });
}
