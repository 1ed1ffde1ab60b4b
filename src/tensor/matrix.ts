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

export function filled(rows: number, cols: number, value: number): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols).fill(value) };
}

export function fromArray(rows: number, cols: number, values: ArrayLike<number>): Matrix {
  if (values.length !== rows * cols) {
    throw new RangeError(`matrix ${rows}×${cols} needs ${rows * cols} values, got ${values.length}`);
  }
  return { rows, cols, data: Float32Array.from(values) };
}

export function copyMatrix(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Rows [start, start + count) as a view (no copy). */
export function rowView(m: Matrix, start: number, count: number): Matrix {
  return { rows: count, cols: m.cols, data: m.data.subarray(start * m.cols, (start + count) * m.cols) };
}

/** True when every entry is finite. */
export function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return false; // NaN or ±Inf
  }
  return true;
}
