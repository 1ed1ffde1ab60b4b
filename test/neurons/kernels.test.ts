/**
 * The WebAssembly SIMD kernels (src/kernels) against the JS loops they replace: the LIF loops with
 * a constant or a changing current (bit-identical V, g and spike counts; σ̃ within a few float32
 * ulps), the fused product
 * with the next weights, σ̃ and e^x − 1 over every range they are used on, determinism and the
 * selection of the path. `npm run build` makes the kernels (npm ci runs it); they must load here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createNeuronKernels, neuronKernelMode, neuronKernels, useNeuronKernels } from '../../src/kernels/index.js';
import { integrateConstantDrive } from '../../src/models/snn/feedforward.js';
import { lifStep } from '../../src/neurons/lif.js';
import { RandomStream } from '../../src/tensor/index.js';
import { mixedLifParams } from '../helpers/lif-params.js';
import { expectAllClose } from '../helpers/matchers.js';

const loaded = createNeuronKernels();
const kernels = () => {
  if (!loaded) throw new Error('the WebAssembly kernels did not load: run `npm run build`');
  return loaded;
};

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

describe('kernel LIF loop (constant drive) against integrateConstantDrive', () => {
  for (const [rows, n, steps] of [[3, 7, 10], [2, 1, 5], [4, 500, 100], [3, 13, 1]] as const) {
    it(`${rows}×${n} neurons, ${steps} steps: V, g, spikes bit-identical; σ̃ of every step within 3 float32 ulps`, () => {
      const c = lifCase(rows * 1000 + n, rows, n);
      const a = { v: c.v.slice(), g: c.g.slice() };
      const stackA = new Float32Array(steps * c.size);
      const finalA = new Float32Array(c.size);
      const spikesA = integrateConstantDrive(c.current, a, c.particles, c.params, rows, steps, stackA, finalA);

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
      // the step-by-step loop of feedforwardPhase
      const a = { v: c.v.slice(), g: c.g.slice() };
      const stackA = new Float32Array(steps * c.size);
      let spikesA = 0;
      for (let t = 1; t <= steps; t++) {
        const lambda = t / steps;
        lifStep(currents.subarray((t - 1) * c.size, t * c.size), a, c.params, rows);
        for (let i = 0; i < c.size; i++) {
          const s = lambda * a.v[i] + (1 - lambda) * c.particles[i];
          if (s > c.params.vTh) spikesA++;
          a.v[i] = s;
          stackA[(t - 1) * c.size + i] = 2 / (1 + Math.exp(-s)) - 1;
        }
      }
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
    const spikes = integrateConstantDrive(c.current, { v: c.v.slice(), g: c.g.slice() }, c.particles, c.params, 3, 10, undefined, new Float32Array(c.size));
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
    const fresh = createNeuronKernels();
    const s = { v: c.v.slice(), g: c.g.slice() };
    const final = new Float32Array(c.size);
    fresh?.lifConstantDrive(c.current, s, c.particles, c.params, 4, 30, final, { stack: true });
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

describe('selecting the path', () => {
  afterAll(() => useNeuronKernels('wasm'));

  it('the kernels are the default where they load (unless SELFPROP_NEURON_KERNELS says otherwise); "js" selects the JS loops', () => {
    expect(neuronKernelMode()).toBe(process.env.SELFPROP_NEURON_KERNELS === 'js' ? 'js' : 'wasm');
    useNeuronKernels('wasm');
    expect(neuronKernels()).toBeDefined();
    useNeuronKernels('js');
    expect(neuronKernelMode()).toBe('js');
    expect(neuronKernels()).toBeUndefined();
    useNeuronKernels('wasm');
    expect(neuronKernels()).toBeDefined();
  });

  it('rejects an unknown mode', () => {
    expect(() => useNeuronKernels('gpu' as 'js')).toThrow(/'wasm' or 'js'/);
  });
});
