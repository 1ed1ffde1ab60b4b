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
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return false; // NaN or ±Inf
  }
  return true;
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
