/**
 * A dense row-major Float32 matrix. Weights and neuron states live in these typed arrays; the
 * matrix products go through TF.js (see ops.ts), the neuron dynamics are fused loops over them.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

export function copyMatrix(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** True when every entry is finite. */
export function allFinite(data: Float32Array): boolean {
  // v · 0 is 0 for every finite v and NaN for NaN and ±Inf, so the sum stays 0 exactly while all
  // are finite; four independent sums and no branch in the loop (it runs on every batch's weights).
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n = data.length - (data.length % 4);
  for (let i = 0; i < n; i += 4) {
    a += data[i] * 0;
    b += data[i + 1] * 0;
    c += data[i + 2] * 0;
    d += data[i + 3] * 0;
  }
  for (let i = n; i < data.length; i++) a += data[i] * 0;
  return a + b + c + d === 0;
}

/** a − b as a new matrix (same shapes). */
export function difference(a: Matrix, b: Matrix): Matrix {
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] - b.data[i];
  return { rows: a.rows, cols: a.cols, data: out };
}

/** m ← m · factor, elementwise; returns m. */
export function scaleInPlace(m: Matrix, factor: number): Matrix {
  const d = m.data;
  for (let i = 0; i < d.length; i++) d[i] *= factor;
  return m;
}
