/**
 * The matrix products the models use, run by TF.js and counted by the MAC counter.
 *
 * TF.js 4.22 WASM `matMul` with `transposeA` is ~20× slower than a plain product of the same
 * size, so transposes are done explicitly (`tf.transpose`) before the product.
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

/** C = op(a) · op(b), a fresh matrix. */
export function matMul(a: Matrix, b: Matrix, options: MatMulOptions = {}): Matrix {
  const aRows = options.transposeA ? a.cols : a.rows;
  const inner = options.transposeA ? a.rows : a.cols;
  const bInner = options.transposeB ? b.cols : b.rows;
  const bCols = options.transposeB ? b.rows : b.cols;
  if (inner !== bInner) {
    throw new RangeError(`matMul: inner sizes differ (${aRows}×${inner} · ${bInner}×${bCols})`);
  }
  if (aRows === 0 || bCols === 0 || inner === 0) {
    return { rows: aRows, cols: bCols, data: new Float32Array(aRows * bCols) };
  }
  const product = tf.tidy(() => {
    let ta: tf.Tensor2D = tf.tensor2d(a.data, [a.rows, a.cols]);
    let tb: tf.Tensor2D = tf.tensor2d(b.data, [b.rows, b.cols]);
    if (options.transposeA) ta = tf.transpose(ta);
    if (options.transposeB) tb = tf.transpose(tb);
    return tf.matMul(ta, tb);
  });
  // Read outside tidy: tidy would walk a returned typed array element by element.
  const data = product.dataSync() as Float32Array;
  product.dispose();
  macCounter.add(aRows * inner * bCols);
  return { rows: aRows, cols: bCols, data };
}
