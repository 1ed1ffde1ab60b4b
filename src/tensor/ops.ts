/**
 * The matrix products the models use, run by TF.js and counted by the MAC counter.
 *
 * TF.js 4.22 WASM `matMul` with `transposeA` is ~20× slower than a plain product of the same
 * size, so transposes are done explicitly (`tf.transpose`) before the product.
 *
 * A matrix used in many products (a weight matrix during the 25 relaxation iterations of a batch)
 * can be uploaded once as an `Operand`; each product with a plain `Matrix` then only moves that
 * matrix in and the result out. The caller disposes the operand.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Matrix } from './matrix.js';
import { macCounter } from './macs.js';

export interface MatMulOptions {
  /** Use aᵀ instead of a. */
  transposeA?: boolean;
  /** Use bᵀ instead of b. */
  transposeB?: boolean;
}

/** A matrix (or its transpose) held by the tensor engine. */
export interface Operand {
  readonly rows: number;
  readonly cols: number;
  readonly tensor: tf.Tensor2D;
  dispose(): void;
}

/** Upload m (or mᵀ) once for many products. */
export function upload(m: Matrix, transpose = false): Operand {
  const tensor = tf.tidy(() => {
    const t = tf.tensor2d(m.data, [m.rows, m.cols]);
    return transpose ? tf.transpose(t) : t;
  });
  return { rows: tensor.shape[0], cols: tensor.shape[1], tensor, dispose: () => tensor.dispose() };
}

const isOperand = (m: Matrix | Operand): m is Operand => (m as Operand).tensor !== undefined;

/** C = op(a) · op(b), a fresh matrix. Operands are used as they are (no transpose option). */
export function matMul(a: Matrix | Operand, b: Matrix | Operand, options: MatMulOptions = {}): Matrix {
  const transposeA = !isOperand(a) && options.transposeA;
  const transposeB = !isOperand(b) && options.transposeB;
  const aRows = transposeA ? a.cols : a.rows;
  const inner = transposeA ? a.rows : a.cols;
  const bInner = transposeB ? b.cols : b.rows;
  const bCols = transposeB ? b.rows : b.cols;
  if (inner !== bInner) {
    throw new RangeError(`matMul: inner sizes differ (${aRows}×${inner} · ${bInner}×${bCols})`);
  }
  if (aRows === 0 || bCols === 0 || inner === 0) {
    return { rows: aRows, cols: bCols, data: new Float32Array(aRows * bCols) };
  }
  // Explicit ownership instead of tf.tidy: its scope bookkeeping is a large part of the cost of
  // the small products of the relaxations (measured 73 → 34 µs for 50×10 · 10×500).
  const owned: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  let data: Float32Array;
  try {
    let ta = isOperand(a) ? a.tensor : own(tf.tensor2d(a.data, [a.rows, a.cols]));
    let tb = isOperand(b) ? b.tensor : own(tf.tensor2d(b.data, [b.rows, b.cols]));
    if (transposeA) ta = own(tf.transpose(ta));
    if (transposeB) tb = own(tf.transpose(tb));
    data = own(tf.matMul(ta, tb)).dataSync() as Float32Array;
  } finally {
    owned.forEach((t) => t.dispose());
  }
  macCounter.add(aRows * inner * bCols);
  return { rows: aRows, cols: bCols, data };
}
