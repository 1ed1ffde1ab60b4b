/**
 * §2 energies and their hand-derived gradients (src/models/ann/energy.ts), in float64:
 * - the collected coefficients give the same energy and state gradient as the formulas as written,
 *   term by term (test/helpers/reference-energy.ts);
 * - ∂E/∂s, ∂F/∂s_L, ∂E/∂W and ∂E/∂b agree with central finite differences of the energy on
 *   3-2-2 and 3-4-3-2 nets, for the standard energy, the literal E_θ and the output-quadratic reading;
 * - the coefficients of the literal E_θ are what §2 says (no output quadratic term, θ on W_1 for
 *   three layers), and the literal E_θ has the W → −W, b → −b symmetry of the sign-flipped form.
 */
import { describe, expect, it } from 'vitest';
import {
  costPerRow,
  type Dense,
  type EnergyKind,
  energyForm,
  energyPerRow,
  parameterGradientDifference,
  type Product,
  stateGradients,
  upwardProducts,
} from '../../../src/models/ann/energy.js';
import { RandomStream } from '../../../src/tensor/index.js';
import { energyRow, type RefNet, stateGradRow, terms } from '../../helpers/reference-energy.js';

interface M64 extends Dense {
  readonly data: Float64Array;
}

const m64 = (rows: number, cols: number, data?: ArrayLike<number>): M64 => ({ rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) });

/** A plain float64 product: op(a)·op(b). */
const product64: Product<M64> = (a, b, o = {}) => {
  const ar = o.transposeA ? a.cols : a.rows;
  const inner = o.transposeA ? a.rows : a.cols;
  const bc = o.transposeB ? b.rows : b.cols;
  const at = (i: number, k: number) => (o.transposeA ? a.data[k * a.cols + i] : a.data[i * a.cols + k]);
  const bt = (k: number, j: number) => (o.transposeB ? b.data[j * b.cols + k] : b.data[k * b.cols + j]);
  const out = m64(ar, bc);
  for (let i = 0; i < ar; i++) for (let j = 0; j < bc; j++) {
    let s = 0;
    for (let k = 0; k < inner; k++) s += at(i, k) * bt(k, j);
    out.data[i * bc + j] = s;
  }
  return out;
};

const KINDS: EnergyKind[] = ['standard', 'literal', 'output-quadratic'];
const THETA = 0.5;

/** A random net and states strictly inside (0.1, 0.9), away from the clip edges. */
function setup(layers: number[], rows: number, seed: number) {
  const rng = RandomStream.fromSeed(seed);
  const weights = layers.slice(0, -1).map((n, k) => m64(n, layers[k + 1], Array.from({ length: n * layers[k + 1] }, () => rng.uniformIn(-1, 1))));
  const biases = layers.map((n, k) => Float64Array.from({ length: k === 0 ? 0 : n }, () => rng.uniformIn(-0.5, 0.5)));
  const states = layers.map((n) => m64(rows, n, Array.from({ length: rows * n }, () => rng.uniformIn(0.1, 0.9))));
  const target = m64(rows, layers[layers.length - 1], Array.from({ length: rows * layers[layers.length - 1] }, () => (rng.uniform() < 0.5 ? 1 : 0)));
  return { params: { weights, biases }, states, target };
}

const rowOf = (states: M64[], r: number): number[][] => states.map((s) => Array.from(s.data.subarray(r * s.cols, (r + 1) * s.cols)));
const refNet = (p: { weights: M64[]; biases: Float64Array[] }): RefNet => ({
  W: p.weights.map((w) => Array.from({ length: w.rows }, (_, i) => Array.from(w.data.subarray(i * w.cols, (i + 1) * w.cols)))),
  b: p.biases.map((b, k) => (k === 0 ? [] : Array.from(b))),
});

const energies = (kind: EnergyKind, params: { weights: M64[]; biases: Float64Array[] }, states: M64[]) =>
  energyPerRow(energyForm(kind, states.length, THETA), params.biases, states, upwardProducts(params, states, product64));
const sum = (v: Float64Array) => v.reduce((a, b) => a + b, 0);

/** Central difference of f at data[i]. */
function fd(data: Float64Array, i: number, f: () => number, h = 1e-6): number {
  const v = data[i];
  data[i] = v + h;
  const up = f();
  data[i] = v - h;
  const down = f();
  data[i] = v;
  return (up - down) / (2 * h);
}

describe('the energies as written (§2)', () => {
  it('literal E_θ for 3 layers: no output quadratic term, θ on W_1, hidden biases twice', () => {
    const f = energyForm('literal', 3, THETA);
    expect(f.interaction).toEqual([1, THETA]);
    expect(f.quadratic).toEqual([1, THETA, 0]);
    expect(f.bias).toEqual([1, 2, 1]);
    const deep = energyForm('literal', 5, THETA);
    expect(deep.interaction).toEqual([1, 1 + THETA, 1 + THETA, THETA]);
    expect(deep.quadratic).toEqual([1, 1 + THETA, 1 + THETA, THETA, 0]);
    expect(energyForm('output-quadratic', 3, THETA).quadratic).toEqual([1, THETA, 0.5]);
    expect(energyForm('standard', 3, THETA)).toMatchObject({ interaction: [-1, -1], quadratic: [0.5, 0.5, 0.5], bias: [-1, -1, -1] });
    expect(energyForm('output-quadratic', 5, THETA).quadratic).toEqual([1, 1 + THETA, 1 + THETA, THETA, 0.5]);
  });

  for (const layers of [[3, 2, 2], [3, 4, 3, 2]]) {
    for (const kind of KINDS) {
      it(`${kind} ${layers.join('-')}: collected coefficients = the formula term by term (energy and ∂E/∂s, clipped states too)`, () => {
        const { params, states } = setup(layers, 3, 11);
        // push some states outside [0, 1] so that ρ and ρ' matter
        states[1].data[0] = -0.3;
        states[layers.length - 1].data[1] = 1.4;
        const T = terms(kind, layers.length, THETA);
        const net = refNet(params);
        const e = energies(kind, params, states);
        const g = stateGradients(energyForm(kind, layers.length, THETA), params, states, product64);
        for (let r = 0; r < 3; r++) {
          expect(e[r]).toBeCloseTo(energyRow(T, net, rowOf(states, r)), 12);
          const gr = stateGradRow(T, net, rowOf(states, r));
          for (let k = 1; k < layers.length; k++) {
            const n = layers[k];
            Array.from(g[k].subarray(r * n, (r + 1) * n)).forEach((v, j) => expect(v).toBeCloseTo(gr[k][j], 12));
          }
        }
      });
    }
  }

  it('the literal E_θ has the gauge symmetry E(s; W, b) = E′(s; −W, −b) of the sign-flipped form', () => {
    const { params, states } = setup([3, 4, 2], 2, 6);
    const form = energyForm('literal', 3, THETA);
    const flipped = { ...form, interaction: form.interaction.map((a) => -a), bias: form.bias.map((d) => -d) };
    const neg = { weights: params.weights.map((w) => ({ ...w, data: w.data.map((v) => -v) })), biases: params.biases.map((b) => b.map((v) => -v)) };
    const a = energyPerRow(form, params.biases, states, upwardProducts(params, states, product64));
    const b = energyPerRow(flipped, neg.biases, states, upwardProducts(neg, states, product64));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
  });
});

describe('hand-derived gradients = finite differences of the energy (float64)', () => {
  for (const layers of [[3, 2, 2], [3, 4, 3, 2]]) {
    for (const kind of KINDS) {
      it(`${kind} ${layers.join('-')}: ∂E/∂s, ∂F/∂s_L, ∂E/∂W, ∂E/∂b`, () => {
        const rows = 2;
        const { params, states, target } = setup(layers, rows, 21 + layers.length);
        const form = energyForm(kind, layers.length, THETA);
        const L = layers.length - 1;
        const tol = 1e-7;

        // ∂E/∂s_k (per row: the derivative of that row's energy)
        const g = stateGradients(form, params, states, product64);
        for (let k = 1; k <= L; k++) {
          for (let i = 0; i < states[k].data.length; i++) {
            const r = Math.floor(i / layers[k]);
            expect(Math.abs(g[k][i] - fd(states[k].data, i, () => energies(kind, params, states)[r]))).toBeLessThan(tol);
          }
        }

        // ∂F/∂s_L with F = E + βC, both signs of β
        for (const beta of [0.2, -0.2]) {
          const gF = stateGradients(form, params, states, product64, { target, beta });
          const F = (r: number) => energies(kind, params, states)[r] + beta * costPerRow(states[L], target)[r];
          for (let i = 0; i < states[L].data.length; i++) {
            expect(Math.abs(gF[L][i] - fd(states[L].data, i, () => F(Math.floor(i / layers[L]))))).toBeLessThan(tol);
          }
          for (let k = 1; k < L; k++) expect(Array.from(gF[k])).toEqual(Array.from(g[k]));
        }

        // ∂E/∂W_k and ∂E/∂b_k of the batch-mean energy
        const meanE = () => sum(energies(kind, params, states)) / rows;
        const pg = parameterGradientDifference(form, params, states, undefined, product64);
        params.weights.forEach((w, k) => {
          for (let i = 0; i < w.data.length; i++) expect(Math.abs(pg.weights[k][i] - fd(w.data, i, meanE))).toBeLessThan(tol);
        });
        for (let k = 1; k <= L; k++) {
          const b = params.biases[k];
          for (let j = 0; j < b.length; j++) expect(Math.abs(pg.biases[k][j] - fd(b, j, meanE))).toBeLessThan(tol);
        }

        // the difference form used by the update, with the clamped input shared: mean ∂[E(A) − E(B)]/∂θ
        const other = setup(layers, rows, 99).states.map((s, k) => (k === 0 ? states[0] : s));
        const diff = parameterGradientDifference(form, params, states, other, product64);
        const meanDiff = () => (sum(energies(kind, params, states)) - sum(energies(kind, params, other))) / rows;
        params.weights.forEach((w, k) => {
          for (let i = 0; i < w.data.length; i++) expect(Math.abs(diff.weights[k][i] - fd(w.data, i, meanDiff))).toBeLessThan(tol);
        });
        for (let k = 1; k <= L; k++) {
          const b = params.biases[k];
          for (let j = 0; j < b.length; j++) expect(Math.abs(diff.biases[k][j] - fd(b, j, meanDiff))).toBeLessThan(tol);
        }
      });
    }
  }
});
