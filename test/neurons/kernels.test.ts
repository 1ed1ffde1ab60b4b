/**
 * The WebAssembly SIMD kernels (src/kernels) against the definition they implement: the LIF loops
 * with a constant or a changing current against neurons/lif.ts's lifStep + blendStep, step by step
 * (models/snn/feedforward.ts lifLayerSteps: bit-identical V, g and spike counts; σ̃ within a few
 * float32 ulps), the fused product with the next weights, σ̃ and e^x − 1 over every range they are
 * used on, determinism, and how the kernels load. `npm run build` embeds them (npm ci runs it).
 */
import { describe, expect, it } from 'vitest';
import { compileKernels, kernelModule, kernelsUnavailable } from '../../src/kernels/index.js';
import { NeuronKernels } from '../../src/kernels/neurons.js';
import { lifLayerSteps } from '../../src/models/snn/feedforward.js';
import type { LifParams } from '../../src/neurons/lif.js';
import { RandomStream } from '../../src/tensor/index.js';
import { mixedLifParams } from '../helpers/lif-params.js';
import { expectAllClose } from '../helpers/matchers.js';

const loaded = new NeuronKernels();
const kernels = () => loaded;
const NO_STP = { U: 0.45, tauF: 10, tauD: 2, tauS: 2, A: 1 };

/** The definition: K steps of lifStep + blendStep (a constant current, or one per step). */
function definition(current: Float32Array, varying: boolean, state: { v: Float32Array; g: Float32Array }, particles: Float32Array, params: LifParams, rows: number, steps: number, record: 'activity' | 'none' = 'activity') {
  const final = new Float32Array(state.v.length);
  const run = lifLayerSteps({ current, varying, state, particles, stpParams: NO_STP, params, rows, steps, record, final });
  return { spikes: run.spikes, stack: run.stack ?? new Float32Array(0), final };
}

/** Distance in float32 ulps (ordered integer representation). */
const bits = new Int32Array(1);
const asFloat = new Float32Array(bits.buffer);
function ordinal(x: number): number {
  asFloat[0] = x;
  const b = bits[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}
function maxUlps(actual: ArrayLike<number>, expected: (i: number) => number): { ulps: number; at: number } {
  let ulps = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(ordinal(actual[i]) - ordinal(Math.fround(expected(i))));
    if (!(d <= ulps)) {
      ulps = d;
      at = i;
    }
  }
  return { ulps, at };
}
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function lifCase(seed: number, rows: number, n: number) {
  const rng = RandomStream.fromSeed(seed);
  const size = rows * n;
  const params = mixedLifParams(n);
  const random = (lo: number, hi: number) => Float32Array.from({ length: size }, () => rng.uniformIn(lo, hi));
  return { params, current: random(-1, 1), particles: random(-0.9, 0.9), v: random(-0.5, 0.1), g: random(0, 6), size };
}

describe('kernel LIF loop against the definition (lifStep + blendStep)', () => {
  for (const [rows, n, steps] of [[3, 7, 10], [2, 1, 5], [4, 500, 100], [3, 13, 1]] as const) {
    it(`${rows}×${n} neurons, ${steps} steps: V, g, spikes bit-identical; σ̃ of every step within 3 float32 ulps`, () => {
      const c = lifCase(rows * 1000 + n, rows, n);
      const a = { v: c.v.slice(), g: c.g.slice() };
      const { spikes: spikesA, stack: stackA, final: finalA } = definition(c.current, false, a, c.particles, c.params, rows, steps);

      const b = { v: c.v.slice(), g: c.g.slice() };
      const finalB = new Float32Array(c.size);
      const run = kernels().lifConstantDrive(c.current, b, c.particles, c.params, rows, steps, finalB, { stack: true });

      expect(run.spikes).toBe(spikesA);
      expect(same(b.v, a.v)).toBe(true);
      expect(same(b.g, a.g)).toBe(true);
      const stackB = run.stack as Float32Array;
      expect(stackB.length).toBe(stackA.length);
      // the JS loop takes Math.exp of the float64 blend; the kernel σ̃ of the float32 one
      expect(maxUlps(stackB, (i) => stackA[i]).ulps).toBeLessThanOrEqual(3);
      expectAllClose(stackB, stackA, 2e-7);
      expect(maxUlps(finalB, (i) => finalA[i]).ulps).toBeLessThanOrEqual(3);
    });
  }

  for (const [rows, n, steps] of [[3, 7, 10], [5, 10, 100], [2, 33, 4]] as const) {
    it(`a current that changes every step (${rows}×${n}, ${steps} steps): bit-identical to lifStep + the blend, σ̃ within 3 ulps`, () => {
      const c = lifCase(rows * 100 + n, rows, n);
      const rng = RandomStream.fromSeed(n);
      const currents = Float32Array.from({ length: steps * c.size }, () => rng.uniformIn(-1, 1));
      const a = { v: c.v.slice(), g: c.g.slice() };
      const { spikes: spikesA, stack: stackA } = definition(currents, true, a, c.particles, c.params, rows, steps);
      const b = { v: c.v.slice(), g: c.g.slice() };
      const run = kernels().lifVaryingDrive(currents, b, c.particles, c.params, rows, steps, new Float32Array(c.size), { stack: true });
      expect(run.spikes).toBe(spikesA);
      expect(spikesA).toBeGreaterThan(0);
      expect(same(b.v, a.v) && same(b.g, a.g)).toBe(true);
      expect(maxUlps(run.stack as Float32Array, (i) => stackA[i]).ulps).toBeLessThanOrEqual(3);
    });
  }

  it('spikes happen in these cases (the comparison is not vacuous)', () => {
    const c = lifCase(5, 3, 7);
    const { spikes } = definition(c.current, false, { v: c.v.slice(), g: c.g.slice() }, c.particles, c.params, 3, 10, 'none');
    expect(spikes).toBeGreaterThan(0);
  });

  it('without a stack only V, g, the spikes and the final σ̃ are computed, the same ones', () => {
    const c = lifCase(8, 2, 9);
    const a = { v: c.v.slice(), g: c.g.slice() };
    const withStack = kernels().lifConstantDrive(c.current, a, c.particles, c.params, 2, 20, new Float32Array(c.size), { stack: true });
    const b = { v: c.v.slice(), g: c.g.slice() };
    const without = kernels().lifConstantDrive(c.current, b, c.particles, c.params, 2, 20, new Float32Array(c.size));
    expect(without.stack).toBeUndefined();
    expect(without.spikes).toBe(withStack.spikes);
    expect(same(a.v, b.v) && same(a.g, b.g)).toBe(true);
  });

  for (const [n, cols] of [[500, 10], [7, 3], [21, 26]] as const) {
    it(`the fused product with the next weights (${n} → ${cols}) equals stack · W up to float32 summation (≤ 1e-5)`, () => {
      const rows = 3;
      const steps = 12;
      const c = lifCase(n + cols, rows, n);
      const rng = RandomStream.fromSeed(99);
      const weights = Float32Array.from({ length: n * cols }, () => rng.uniformIn(-0.3, 0.3));
      const a = { v: c.v.slice(), g: c.g.slice() };
      const stack = (kernels().lifConstantDrive(c.current, a, c.particles, c.params, rows, steps, new Float32Array(c.size), { stack: true }).stack as Float32Array).slice();
      const b = { v: c.v.slice(), g: c.g.slice() };
      const run = kernels().lifConstantDrive(c.current, b, c.particles, c.params, rows, steps, new Float32Array(c.size), { next: { weights, cols } });
      expect(same(a.v, b.v)).toBe(true);
      const expected = new Float64Array(steps * rows * cols);
      for (let i = 0; i < steps * rows; i++) {
        for (let k = 0; k < cols; k++) {
          let sum = 0;
          for (let j = 0; j < n; j++) sum += stack[i * n + j] * weights[j * cols + k];
          expected[i * cols + k] = sum;
        }
      }
      expect(run.stack).toBeUndefined();
      expectAllClose(run.drive as Float32Array, expected, 1e-5);
    });
  }

  it('is deterministic: the same inputs give the same bits, also from a fresh instance', () => {
    const c = lifCase(3, 4, 500);
    const once = () => {
      const s = { v: c.v.slice(), g: c.g.slice() };
      const final = new Float32Array(c.size);
      const run = kernels().lifConstantDrive(c.current, s, c.particles, c.params, 4, 30, final, { stack: true });
      return [s.v, s.g, final, (run.stack as Float32Array).slice()];
    };
    const first = once();
    const second = once();
    const fresh = new NeuronKernels();
    const s = { v: c.v.slice(), g: c.g.slice() };
    const final = new Float32Array(c.size);
    fresh.lifConstantDrive(c.current, s, c.particles, c.params, 4, 30, final, { stack: true });
    first.forEach((x, i) => expect(same(x, second[i])).toBe(true));
    expect(same(final, first[2]) && same(s.v, first[0])).toBe(true);
  });

  it('rejects arrays of the wrong size', () => {
    const c = lifCase(1, 2, 5);
    expect(() => kernels().lifConstantDrive(c.current.subarray(1), { v: c.v, g: c.g }, c.particles, c.params, 2, 3, new Float32Array(c.size))).toThrow(/current/);
  });
});

describe('kernel σ̃ and e^x − 1 (float32) against float64 tanh and expm1', () => {
  const grid = (lo: number, hi: number, count: number) => Float32Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
  const logGrid = (lo: number, hi: number, count: number, sign = 1) =>
    Float32Array.from({ length: count }, (_, i) => sign * Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1)));

  // σ̃(s) = tanh(s/2): blended voltages (|s| ≲ 1), currents and relaxation states (any s)
  for (const [name, xs] of [
    ['[−2, 2], the blended voltages, 1e6 points', grid(-2, 2, 1_000_000)],
    ['[−45, 45], the currents and relaxation states, 1e6 points', grid(-45, 45, 1_000_000)],
    ['tiny positive, 1e-38 … 1, log-spaced', logGrid(1e-38, 1, 200_000)],
    ['tiny negative', logGrid(1e-38, 1, 200_000, -1)],
    ['huge, ±(1 … 1e38)', Float32Array.from([...logGrid(1, 1e38, 10_000), ...logGrid(1, 1e38, 10_000, -1)])],
  ] as const) {
    it(`σ̃ on ${name}: within 2 ulps of tanh(s/2)`, () => {
      const out = kernels().sigmaTilde(xs.slice());
      const { ulps, at } = maxUlps(out, (i) => Math.tanh(xs[i] / 2));
      expect(ulps, `worst at s = ${xs[at]}`).toBeLessThanOrEqual(2);
    });
  }

  it('σ̃ where |s| ≤ 1 (the polynomial: blends, relaxation states): within 1 ulp; mixed vectors 2 ulps; ±0, NaN, ±∞ kept', () => {
    const inner = Float32Array.from([...grid(-1, 1, 1_000_001), ...logGrid(1e-38, 1, 100_000), ...logGrid(1e-38, 1, 100_000, -1)]);
    expect(maxUlps(kernels().sigmaTilde(inner.slice()), (i) => Math.tanh(inner[i] / 2)).ulps).toBeLessThanOrEqual(1);
    // vectors with a lane beyond 1 take the full formula; lengths not a multiple of 4 too
    const mixed = Float32Array.from([...grid(-45, 45, 400_003)]);
    expect(maxUlps(kernels().sigmaTilde(mixed.slice()), (i) => Math.tanh(mixed[i] / 2)).ulps).toBeLessThanOrEqual(2);
    const special = kernels().sigmaTilde(Float32Array.from([0, -0, NaN, 0.5, Infinity, -Infinity, 0.25]));
    expect(Object.is(special[0], 0) && Object.is(special[1], -0) && Number.isNaN(special[2])).toBe(true);
    expect(Array.from(special.subarray(4, 6))).toEqual([1, -1]);
  });

  it('σ̃ of special values: ±0, ±∞, NaN, the clamp and the odd symmetry', () => {
    const out = kernels().sigmaTilde(Float32Array.from([0, -0, Infinity, -Infinity, NaN, 40, -40, 1e30, -1e30, 1.25, -1.25]));
    expect(Object.is(out[0], 0) && Object.is(out[1], -0)).toBe(true);
    expect(Array.from(out.subarray(2, 4))).toEqual([1, -1]);
    expect(Number.isNaN(out[4])).toBe(true);
    expect(Array.from(out.subarray(5, 9))).toEqual([1, -1, 1, -1]);
    expect(out[10]).toBe(-out[9]);
    // the array kernel handles lengths that are not multiples of 4 (the last values one by one)
    for (const length of [1, 2, 3, 5, 6, 7]) {
      const xs = grid(-3, 3, length);
      expect(Array.from(kernels().sigmaTilde(xs.slice()))).toEqual(Array.from(kernels().sigmaTilde(Float32Array.from([...xs, 0, 0, 0, 0])).subarray(0, length)));
    }
  });

  it('σ̃ is within 3 ulps of the JS formula 2/(1 + e^(−s)) − 1 where that one is accurate (|s| ≥ 1e-6)', () => {
    const xs = Float32Array.from([...grid(-30, 30, 200_001)].filter((s) => Math.abs(s) >= 1e-6));
    const out = kernels().sigmaTilde(xs.slice());
    expect(maxUlps(out, (i) => 2 / (1 + Math.exp(-xs[i])) - 1).ulps).toBeLessThanOrEqual(3);
  });

  it('e^x − 1 on [−40, 0] (the range σ̃ uses: −|s| clamped at −40): within 1 ulp of expm1', () => {
    const xs = Float32Array.from([...grid(-40, 0, 1_000_000), ...logGrid(1e-38, 1, 100_000, -1)]);
    const out = kernels().expm1(xs);
    const { ulps, at } = maxUlps(out, (i) => Math.expm1(xs[i]));
    expect(ulps, `worst at x = ${xs[at]}`).toBeLessThanOrEqual(1);
  });
});

describe('loading the kernels', () => {
  it('they load from the bytes embedded in the package (no file is read), compiled once', async () => {
    expect(kernelsUnavailable('neurons')).toBeUndefined();
    expect(kernelModule('neurons')).toBe(kernelModule('neurons'));
    await compileKernels();
    expect(new NeuronKernels()).toBeInstanceOf(NeuronKernels);
  });

  it('each instance has its own memory: a second one does not disturb the first', () => {
    const c = lifCase(4, 2, 6);
    const one = new NeuronKernels();
    const two = new NeuronKernels();
    const s1 = { v: c.v.slice(), g: c.g.slice() };
    const run = one.lifConstantDrive(c.current, s1, c.particles, c.params, 2, 5, new Float32Array(c.size), { stack: true });
    const kept = (run.stack as Float32Array).slice();
    two.lifConstantDrive(c.current, { v: c.v.slice(), g: c.g.slice() }, c.particles, c.params, 2, 9, new Float32Array(c.size), { stack: true });
    expect(same(run.stack as Float32Array, kept)).toBe(true);
  });
});
