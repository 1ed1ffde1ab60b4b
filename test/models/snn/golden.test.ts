/**
 * Golden values: the engine's batches against an independent float64 implementation of §1.2–§1.3
 * (test/helpers/reference-snn.ts) on tiny networks, for every rule, over consecutive batches so
 * that the carried state (V, g, particles) is checked too; on both paths of the neuron loops, the
 * WebAssembly kernels (the default) and the JS loops.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelsSetting } from '../../../src/models/family.js';
import { resolveSnnConfig } from '../../../src/models/snn/config.js';
import { snnLoops } from '../../../src/models/snn/loops.js';
import { initNetwork, type SnnNetwork } from '../../../src/models/snn/network.js';
import { RULE_NAMES, type RuleName } from '../../../src/plasticity/registry.js';
import { evaluateBatch, trainBatch } from '../../../src/models/snn/snn.js';
import { initState } from '../../../src/models/snn/state.js';
import { type Matrix, RandomStream, useBackend } from '../../../src/tensor/index.js';
import { expectAllClose } from '../../helpers/matchers.js';
import { type Mat, type RefNet, type RefParams, refTrainBatch } from '../../helpers/reference-snn.js';

const toMat = (m: Matrix): Mat => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const matrix = (rows: Mat): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) });

function setup(layers: number[], rule: RuleName, batch: number, mode: KernelsSetting, feedforward = true, extra: Record<string, unknown> = {}) {
  const config = resolveSnnConfig({ layers, rule, feedforward, lif: { tMs: 1, dtMs: 0.1 }, ...extra }, layers);
  const rng = RandomStream.fromSeed(7);
  const net: SnnNetwork = initNetwork(config, rng);
  // non-zero biases so that every bias term is exercised
  net.biases.forEach((b, k) => b.forEach((_, j) => (b[j] = k === 0 ? 0 : 0.05 * (j + 1) * (k % 2 ? 1 : -1))));
  const state = initState(config, batch);
  const ref: RefNet = {
    W: net.weights.map(toMat),
    b: net.biases.map((b) => Array.from(b)),
    V: layers.map((n) => Array.from({ length: batch }, () => new Array(n).fill(0))),
    g: layers.map((n) => Array.from({ length: batch }, () => new Array(n).fill(0))),
    p: layers.map((n) => Array.from({ length: batch }, () => new Array(n).fill(0))),
    stp: config.stp.enabled
      ? layers.map((n) => ({
          u: Array.from({ length: batch }, () => new Array(n).fill(config.stp.u0)),
          x: Array.from({ length: batch }, () => new Array(n).fill(config.stp.x0)),
          j: Array.from({ length: batch }, () => new Array(n).fill(config.stp.j0)),
        }))
      : undefined,
  };
  const P: RefParams = {
    dt: 0.1, T: 1, vE: 0.2, vLeak: 0, vTh: 0.05, vReset: -0.5, tauM: 10, tauSyn: 2, gLeak: 5,
    nFree: 20, nNudge: 5, eps: 0.5, beta: 0.5, alpha: config.learningRates, rule,
    r: 0.1, f: 0.2, lPre: 1, lPost: 0.5, lBp: 1,
    stp: config.stp.enabled ? config.stp : undefined,
    dale: config.dale.enabled
      ? { inhibitory: net.inhibitory.map((flags) => Array.from(flags, (f) => f === 1)), vI: config.lif.vI, tauSynI: config.lif.tauSynIMs, gLeakI: config.lif.gLeakI, shrink: config.dale.shrink }
      : undefined,
  };
  return { config, net, state, ref, P, rng, loops: snnLoops(config, mode) };
}

function batchData(inputs: number, outputs: number, rows: number, seed: number): { x: Mat; y: Mat } {
  const r = RandomStream.fromSeed(seed);
  const x = Array.from({ length: rows }, () => Array.from({ length: inputs }, () => r.uniform()));
  const y = Array.from({ length: rows }, (_, i) => Array.from({ length: outputs }, (_, j) => (j === (i + seed) % outputs ? 1 : 0)));
  return { x, y };
}

beforeAll(async () => {
  await useBackend('wasm');
});

for (const mode of ['wasm', 'js'] as const) describe(`§1 batch against the float64 reference (loops: ${mode})`, () => {
  for (const rule of RULE_NAMES) {
    it(`3-2-2, rule ${rule}: three batches, weights, biases and particles agree`, () => {
      const { net, state, ref, P, rng, loops } = setup([3, 2, 2], rule, 2, mode);
      for (let b = 0; b < 3; b++) {
        const { x, y } = batchData(3, 2, 2, b + 1);
        const outcome = trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
        const { free } = refTrainBatch(ref, x, y, P);
        expectAllClose(outcome.output.data, free[2].flat(), 1e-5);
        const hidden = free[1].flat();
        expect(outcome.measures.hiddenActivity).toBeCloseTo(hidden.reduce((a, v) => a + Math.abs(v), 0) / hidden.length, 5);
        net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
        net.biases.forEach((bias, k) => expectAllClose(bias, ref.b[k], 1e-5));
        for (let k = 1; k < 3; k++) {
          expectAllClose(state.layers[k].particles, ref.p[k].flat(), 1e-5);
          expectAllClose(state.layers[k].v, ref.V[k].flat(), 1e-5);
          expectAllClose(state.layers[k].g, ref.g[k].flat(), 1e-5);
        }
      }
    });
  }

  it('5 layers (3-4-3-4-2) with SBP: the back-propagated factors and the layer order agree', () => {
    const { net, state, ref, P, rng, loops } = setup([3, 4, 3, 4, 2], 'sbp', 3, mode);
    for (let b = 0; b < 2; b++) {
      const { x, y } = batchData(3, 2, 3, b + 5);
      trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
      refTrainBatch(ref, x, y, P);
      net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
      for (let k = 1; k < 5; k++) expectAllClose(state.layers[k].particles, ref.p[k].flat(), 1e-5);
    }
  });

  it('2 layers (3-2), the shallowest network: input straight to the output', () => {
    const { net, state, ref, P, rng, loops } = setup([3, 2], 'sbp', 2, mode);
    for (let b = 0; b < 2; b++) {
      const { x, y } = batchData(3, 2, 2, b + 11);
      trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
      refTrainBatch(ref, x, y, P);
      expectAllClose(net.weights[0].data, ref.W[0].flat(), 1e-5);
      expectAllClose(state.layers[1].particles, ref.p[1].flat(), 1e-5);
    }
  });

  it('with the feedforward phase off, relaxation starts from the particles (§1.6)', () => {
    const { net, state, ref, P, rng, loops } = setup([3, 2, 2], 'sbp', 2, mode, false);
    for (let b = 0; b < 2; b++) {
      const { x, y } = batchData(3, 2, 2, b + 9);
      trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
      refTrainBatch(ref, x, y, P, false);
      net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
    }
  });

  it("short-term plasticity (§1.4) inside the network: J drives the LIF, its state carries over (3-4-3)", () => {
    const { net, state, ref, P, rng, loops, config } = setup([3, 4, 3], 'sbp', 2, mode, true, { stp: { enabled: true } });
    const stpState = state.layers[1].stp as NonNullable<(typeof state.layers)[1]['stp']>;
    for (let b = 0; b < 3; b++) {
      const { x, y } = batchData(3, 3, 2, b + 21);
      const small = x.map((r) => r.map((v) => 0.3 * v)); // currents kept where STP as specified stays finite
      trainBatch(net, state, matrix(small), matrix(y), rng, 0, loops);
      refTrainBatch(ref, small, y, P);
      net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
      for (let k = 1; k < 3; k++) expectAllClose(state.layers[k].v, ref.V[k].flat(), 1e-5);
      expectAllClose(stpState.j, (ref.stp as NonNullable<typeof ref.stp>)[1].j.flat(), 1e-5);
    }
    // STP changed the dynamics: the same network without it ends elsewhere
    const plain = setup([3, 4, 3], 'sbp', 2, mode);
    for (let b = 0; b < 3; b++) {
      const { x, y } = batchData(3, 3, 2, b + 21);
      trainBatch(plain.net, plain.state, matrix(x.map((r) => r.map((v) => 0.3 * v))), matrix(y), plain.rng, 0, plain.loops);
    }
    expect(Array.from(plain.state.layers[1].v)).not.toEqual(Array.from(state.layers[1].v));
    expect(config.stp.enabled).toBe(true);
  });

  for (const rule of ['sbp', 'stdp-symmetric'] as const) {
    it(`Dale's law (§1.4) inside the network, rule ${rule}: inhibitory neurons' own LIF constants, sign-keeping updates (3-4-3-2)`, () => {
      const { net, state, ref, P, rng, loops } = setup([3, 4, 3, 2], rule, 2, mode, true, { dale: { enabled: true }, lif: { tMs: 1, dtMs: 0.1, vI: 0.1, tauSynIMs: 3, gLeakI: 4 } });
      P.dale = { ...(P.dale as NonNullable<RefParams['dale']>), vI: 0.1, tauSynI: 3, gLeakI: 4 };
      expect(net.inhibitory[1].some((f) => f === 1) && net.inhibitory[1].some((f) => f === 0)).toBe(true);
      for (let b = 0; b < 3; b++) {
        const { x, y } = batchData(3, 2, 2, b + 31);
        trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
        refTrainBatch(ref, x, y, P);
        net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
        for (let k = 1; k < 4; k++) expectAllClose(state.layers[k].v, ref.V[k].flat(), 1e-5);
      }
      // no sign crossed the presynaptic neuron's side in the matrices §1.4 constrains (not leaving the input)
      net.weights.forEach((w, k) => {
        if (k === 0) return;
        for (let i = 0; i < w.rows; i++) for (let j = 0; j < w.cols; j++) expect(net.inhibitory[k][i] === 1 ? w.data[i * w.cols + j] <= 0 : w.data[i * w.cols + j] >= 0).toBe(true);
      });
    });
  }

  if (mode === 'wasm') {
    for (const rule of RULE_NAMES) {
      it(`the fast LIF path (lif.precision "fast"), 3-2-2, rule ${rule}: three batches agree with the reference to 1e-5`, () => {
        const { net, state, ref, P, rng, loops } = setup([3, 2, 2], rule, 2, mode, true, { lif: { tMs: 1, dtMs: 0.1, precision: 'fast' } });
        for (let b = 0; b < 3; b++) {
          const { x, y } = batchData(3, 2, 2, b + 1);
          const outcome = trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
          const { free } = refTrainBatch(ref, x, y, P);
          expectAllClose(outcome.output.data, free[2].flat(), 1e-5);
          net.weights.forEach((w, k) => expectAllClose(w.data, ref.W[k].flat(), 1e-5));
          for (let k = 1; k < 3; k++) expectAllClose(state.layers[k].v, ref.V[k].flat(), 1e-5);
        }
      });
    }
  }

  it('evaluation changes no weight but carries the state (paper-exact)', () => {
    const { net, state, rng, loops } = setup([3, 2, 2], 'sbp', 2, mode);
    const before = net.weights.map((w) => w.data.slice());
    const { x, y } = batchData(3, 2, 2, 3);
    evaluateBatch(net, state, matrix(x), matrix(y), rng, loops);
    net.weights.forEach((w, k) => expect(Array.from(w.data)).toEqual(Array.from(before[k])));
    expect(state.layers[1].particles.some((v) => v !== 0)).toBe(true);
  });

  it('a smaller last batch uses the first rows of the state only', () => {
    const { net, state, rng, loops } = setup([3, 2, 2], 'sbp', 4, mode);
    const { x, y } = batchData(3, 2, 2, 4);
    trainBatch(net, state, matrix(x), matrix(y), rng, 0, loops);
    expect(Array.from(state.layers[1].particles.subarray(4))).toEqual([0, 0, 0, 0]);
  });
});
