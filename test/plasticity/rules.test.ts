/** §1.3 rules: golden values against the float64 reference, and properties. */
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseInhibitory, clipToDale, daleUpdate } from '../../src/plasticity/dale.js';
import { applyUpdateNoise, poissonPmf } from '../../src/plasticity/noise.js';
import type { RuleInput } from '../../src/plasticity/rule.js';
import { normalizeBySum, sbpBaseChange, selfBackpropagation } from '../../src/plasticity/sbp.js';
import { differentialStdp, symmetricStdp } from '../../src/plasticity/stdp.js';
import { type Matrix, RandomStream, useBackend } from '../../src/tensor/index.js';
import { expectAllClose } from '../helpers/matchers.js';
import { type Mat, map2, mul, refSbp, scale, T } from '../helpers/reference-snn.js';

const params = { range: 0.1, fraction: 0.2, lambdaPre: 1, lambdaPost: 0.5, lambdaBp: 1 };
const m = (rows: Mat): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) });

function randomInput(seed: number, feedsOutput: boolean): { input: RuleInput; s: Mat[] } {
  const r = RandomStream.fromSeed(seed);
  const mat = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.uniformIn(-0.5, 1)));
  const s = [mat(3, 4), mat(3, 4), mat(3, 2), mat(3, 2)];
  return {
    s,
    input: { preFree: m(s[0]), preNudged: m(s[1]), postFree: m(s[2]), postNudged: m(s[3]), beta: 0.5, feedsOutput, sbp: params },
  };
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('STDP rules', () => {
  it('differential and symmetric STDP equal their formulas', () => {
    const { input, s } = randomInput(1, true);
    const c = 1 / (0.5 * 3);
    const diff = scale(map2(mul(T(s[1]), s[2]), mul(T(s[0]), s[2]), (a, b) => a - b), c);
    const sym = scale(map2(mul(T(s[1]), s[3]), mul(T(s[0]), s[2]), (a, b) => a - b), c);
    expectAllClose(differentialStdp(input).delta.data, diff.flat(), 1e-6);
    expectAllClose(symmetricStdp(input).delta.data, sym.flat(), 1e-6);
  });

  it('differential STDP leaves a clamped layer’s outgoing weights unchanged (s⁺ = s⁰ → ΔW = 0)', () => {
    const { input } = randomInput(2, false);
    const clamped = { ...input, preNudged: input.preFree };
    expect(differentialStdp(clamped).delta.data.every((v) => v === 0)).toBe(true);
  });
});

describe('SBP', () => {
  it('output matrix: ΔW = P1 + (P2 + P3)/2, against the reference', () => {
    const { input, s } = randomInput(3, true);
    const D = scale(mul(T(s[0]), map2(s[3], s[2], (a, b) => a - b)), 1 / 1.5);
    const ref = refSbp(D, undefined, true, { r: 0.1, f: 0.2, lPre: 1, lPost: 0.5, lBp: 1 } as never);
    expectAllClose(selfBackpropagation(input).delta.data, ref.dW.flat(), 1e-6);
  });

  it('hidden matrix: five components with the trace of the matrix above, against the reference', () => {
    const top = randomInput(4, true);
    const hidden = randomInput(5, false);
    const { trace } = selfBackpropagation(top.input);
    const Dtop = scale(mul(T(top.s[0]), map2(top.s[3], top.s[2], (a, b) => a - b)), 1 / 1.5);
    const P = { r: 0.1, f: 0.2, lPre: 1, lPost: 0.5, lBp: 1 } as never;
    const refTop = refSbp(Dtop, undefined, true, P);
    // the trace of the top matrix must be indexed by ITS presynaptic neurons (4 of them)
    const aboveRef = { ltp: refTop.ltp, ltd: refTop.ltd };
    // reshape hidden so that its postsynaptic layer has 4 neurons: use s of shape (3,·)→(3,4)
    const r = RandomStream.fromSeed(6);
    const mat = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.uniformIn(-0.5, 1)));
    const s = [mat(3, 5), mat(3, 5), hidden.s[0], hidden.s[1]];
    const input: RuleInput = { preFree: m(s[0]), preNudged: m(s[1]), postFree: m(s[2]), postNudged: m(s[3]), beta: 0.5, feedsOutput: false, above: trace, sbp: params };
    const D = scale(mul(T(s[0]), map2(s[3], s[2], (a, b) => a - b)), 1 / 1.5);
    const ref = refSbp(D, aboveRef, false, P);
    expectAllClose(selfBackpropagation(input).delta.data, ref.dW.flat(), 1e-6);
  });

  it('with fraction 0, SBP equals its base change D (output and hidden)', () => {
    for (const feedsOutput of [true, false]) {
      const { input } = randomInput(7, feedsOutput);
      const zero = { ...input, sbp: { ...params, fraction: 0 }, above: feedsOutput ? undefined : selfBackpropagation(randomInput(8, true).input).trace };
      if (!feedsOutput) {
        // the trace must match the postsynaptic size (2): build one of that size
        (zero as { above: unknown }).above = { ltpRowSums: new Float64Array([0.3, 0.1]), ltdRowSums: new Float64Array([-0.2, -0.4]) };
      }
      expectAllClose(selfBackpropagation(zero).delta.data, sbpBaseChange(zero), 0);
    }
  });

  it('N() of a zero vector is the zero vector; otherwise it sums to 1', () => {
    expect(Array.from(normalizeBySum(new Float64Array([0, 0, 0])))).toEqual([0, 0, 0]);
    const n = normalizeBySum(new Float64Array([1, 3]));
    expect(Array.from(n)).toEqual([0.25, 0.75]);
  });

  it('the spread factors stay within [1, 1 + f·λ] and change ΔW only slightly (§1.6)', () => {
    const { input } = randomInput(9, true);
    const sbp = selfBackpropagation(input).delta.data;
    const D = sbpBaseChange(input);
    for (let i = 0; i < D.length; i++) {
      const ratio = D[i] === 0 ? 1 : sbp[i] / D[i];
      expect(ratio).toBeGreaterThanOrEqual(1 - 1e-6);
      expect(ratio).toBeLessThanOrEqual(1.2 + 1e-6);
    }
  });

  it('NaN entries of the components are set to 0 in hidden matrices', () => {
    const { input } = randomInput(10, false);
    const bad = { ...input, postNudged: { ...input.postNudged, data: input.postNudged.data.map((v, i) => (i === 0 ? NaN : v)) } };
    const above = { ltpRowSums: new Float64Array([0.3, 0.1]), ltdRowSums: new Float64Array([-0.2, -0.4]) };
    const out = selfBackpropagation({ ...bad, above }).delta.data;
    // column 0 of D is NaN → its entries are 0, the other column stays finite
    for (let i = 0; i < out.length; i += 2) expect(out[i]).toBe(0);
  });
});

describe("Dale's law and update noise (§1.4)", () => {
  it('never flips the sign a neuron is allowed', () => {
    const rng = RandomStream.fromSeed(3);
    const rows = 20;
    const cols = 6;
    const w: Matrix = { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.uniformIn(-1, 1)) };
    const inhibitory = chooseInhibitory(rows, 0.5, rng);
    expect(inhibitory.reduce((a, b) => a + b, 0)).toBe(10);
    clipToDale(w, inhibitory);
    for (let step = 0; step < 50; step++) {
      const delta = Float32Array.from({ length: rows * cols }, () => rng.uniformIn(-3, 3));
      daleUpdate(w, delta, 0.5, inhibitory, 0.1);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const v = w.data[i * cols + j];
          if (inhibitory[i]) expect(v).toBeLessThanOrEqual(0);
          else expect(v).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it('an update that would cross 0 shrinks the weight by 10 % instead', () => {
    const w: Matrix = { rows: 1, cols: 2, data: new Float32Array([0.5, 0.5]) };
    daleUpdate(w, new Float32Array([-2, 1]), 0.5, new Uint8Array([0]), 0.1);
    expect(w.data[0]).toBeCloseTo(0.45, 6);
    expect(w.data[1]).toBeCloseTo(1.0, 6);
  });

  it('poisson noise scales by 1 + 0.1·pmf(epoch); norm noise stays within [0, 1.01]·ΔW', () => {
    expect(poissonPmf(0, 1)).toBeCloseTo(Math.exp(-1), 12);
    expect(poissonPmf(2, 1)).toBeCloseTo(Math.exp(-1) / 2, 12);
    const d = new Float32Array([1, -2]);
    applyUpdateNoise(d, 'poisson', 1, RandomStream.fromSeed(1));
    expectAllClose(d, [1 + 0.1 * Math.exp(-1), -2 * (1 + 0.1 * Math.exp(-1))], 1e-6);
    const e = new Float32Array(100).fill(1);
    applyUpdateNoise(e, 'norm', 0, RandomStream.fromSeed(1));
    expect(e.every((v) => v >= 0 && v <= 1.01)).toBe(true);
  });
});
