/**
 * src/tensor: the matrix products (values, transposes, uploaded operands, shape errors, the MACs
 * they count), the seeded random streams (determinism, state round trip, ranges, permutations),
 * the matrix helpers, the counted autodiff product's backward count, and backend selection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  allFinite,
  backwardMacCounter,
  copyMatrix,
  countedMatMul,
  currentBackend,
  difference,
  macCounter,
  matMul,
  ops,
  RandomStream,
  scaleInPlace,
  upload,
  useBackend,
  type BackendName,
  type Matrix,
} from '../../src/tensor/index.js';
import { expectAllClose } from '../helpers/matchers.js';

const random = (rng: RandomStream, rows: number, cols: number): Matrix => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.uniformIn(-1, 1)) });
const transpose = (m: Matrix): Matrix => {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data: out };
};
/** a·b in float64. */
const reference = (a: Matrix, b: Matrix): Float64Array => {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) for (let k = 0; k < a.cols; k++) out[i * b.cols + j] += a.data[i * a.cols + k] * b.data[k * b.cols + j];
  return out;
};

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  describe(`matMul on the ${backend} backend`, () => {
    beforeAll(() => useBackend(backend));
    afterAll(() => useBackend('wasm'));

    it('equals the float64 product, with either operand transposed or uploaded, and counts rows × inner × cols MACs', () => {
      const rng = RandomStream.fromSeed(1);
      const a = random(rng, 5, 7);
      const b = random(rng, 7, 3);
      const expected = reference(a, b);
      const before = macCounter.total;
      expectAllClose(matMul(a, b).data, expected, 1e-5);
      expect(macCounter.total - before).toBe(5 * 7 * 3);
      expectAllClose(matMul(transpose(a), b, { transposeA: true }).data, expected, 1e-5);
      expectAllClose(matMul(a, transpose(b), { transposeB: true }).data, expected, 1e-5);
      const ob = upload(b);
      const obT = upload(transpose(b), true);
      try {
        expectAllClose(matMul(a, ob).data, expected, 1e-5);
        expectAllClose(matMul(a, obT).data, expected, 1e-5);
      } finally {
        ob.dispose();
        obT.dispose();
      }
      expect(macCounter.total - before).toBe(5 * 5 * 7 * 3);
    });

    it('an inner-size mismatch is a RangeError naming both shapes; empty products are zeros and cost nothing', () => {
      const rng = RandomStream.fromSeed(2);
      expect(() => matMul(random(rng, 2, 3), random(rng, 4, 2))).toThrow(/inner sizes differ \(2×3 · 4×2\)/);
      const before = macCounter.total;
      const empty = matMul({ rows: 0, cols: 3, data: new Float32Array(0) }, random(rng, 3, 2));
      expect([empty.rows, empty.cols, empty.data.length]).toEqual([0, 2, 0]);
      expect(matMul(random(rng, 2, 0), { rows: 0, cols: 4, data: new Float32Array(0) }).data).toEqual(new Float32Array(8));
      expect(macCounter.total).toBe(before);
    });
  });
}

describe('RandomStream', () => {
  it('the same seed gives the same sequence; another seed another one', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, (() => { const r = RandomStream.fromSeed(seed); return () => r.uniform(); })());
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('its state round-trips: a stream restored from state() continues exactly', () => {
    const a = RandomStream.fromSeed(3);
    for (let i = 0; i < 17; i++) a.uniform();
    const b = RandomStream.fromState(a.state());
    expect(Array.from({ length: 50 }, () => b.uniform())).toEqual(Array.from({ length: 50 }, () => a.uniform()));
  });

  it('uniform lies in [0, 1), uniformIn in [low, high), integer in [0, n); the mean is about ½', () => {
    const r = RandomStream.fromSeed(4);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const v = r.uniformIn(-2, 3);
      expect(v >= -2 && v < 3).toBe(true);
      const k = r.integer(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01);
  });

  it('permutation is a permutation of 0 … n−1, deterministic for a seed', () => {
    const p = RandomStream.fromSeed(5).permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(RandomStream.fromSeed(5).permutation(100))).toEqual(Array.from(p));
  });
});

describe('matrix helpers', () => {
  it('allFinite, copyMatrix, difference, scaleInPlace', () => {
    expect(allFinite(Float32Array.from([0, -1, 3e38]))).toBe(true);
    for (const bad of [NaN, Infinity, -Infinity]) expect(allFinite(Float32Array.from([1, bad]))).toBe(false);
    // every position of the unrolled loop and of its tail, among extreme finite values and -0
    expect(allFinite(new Float32Array(0))).toBe(true);
    for (let n = 1; n <= 11; n++) {
      const finite = Float32Array.from({ length: n }, (_, i) => [3.4e38, -3.4e38, -0, 1e-45][i % 4]);
      expect(allFinite(finite)).toBe(true);
      for (let at = 0; at < n; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const data = finite.slice();
          data[at] = bad;
          expect(allFinite(data), `${n} values, ${bad} at ${at}`).toBe(false);
        }
      }
    }
    const m = { rows: 1, cols: 3, data: Float32Array.from([1, 2, 3]) };
    const c = copyMatrix(m);
    c.data[0] = 9;
    expect(m.data[0]).toBe(1);
    expect(Array.from(difference(c, m).data)).toEqual([8, 0, 0]);
    expect(Array.from(scaleInPlace(m, 2).data)).toEqual([2, 4, 6]);
  });
});

describe('countedMatMul (the §3 model’s differentiable product)', () => {
  beforeAll(() => useBackend('wasm'));

  it('its backward counts ∂L/∂b always and ∂L/∂a only when asked for (inputGrad)', () => {
    const rng = RandomStream.fromSeed(6);
    const [r, n, c] = [4, 6, 3];
    for (const inputGrad of [true, false]) {
      const a = ops.tensor2d(random(rng, r, n).data, r, n);
      const b = ops.tensor2d(random(rng, n, c).data, n, c);
      const before = backwardMacCounter.total;
      const { grads } = ops.valueAndGrads((x, w) => ops.sum(countedMatMul(x as never, w as never, { inputGrad })))([a, b]);
      expect(backwardMacCounter.total - before).toBe(n * r * c + (inputGrad ? r * c * n : 0));
      ops.dispose([a, b, ...grads]);
    }
  });
});

describe('backends', () => {
  it('switches between wasm and cpu and refuses an unknown one with a ConfigError', async () => {
    await useBackend('cpu');
    expect(currentBackend()).toBe('cpu');
    await useBackend('wasm');
    expect(currentBackend()).toBe('wasm');
    await expect(useBackend('gpu' as BackendName)).rejects.toThrow(ConfigError);
  });
});
