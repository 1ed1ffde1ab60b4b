/**
 * The TF.js automatic-differentiation pieces the §3 spiking MLP needs, re-exported so that only
 * src/tensor imports TensorFlow.js (DESIGN.md): tensors, `tidy`, the elementwise ops, custom
 * gradients (the surrogate spike), `valueAndGrads`, and a MAC-counted tensor product whose
 * backward pass counts the products it actually executes.
 *
 * Counting (§4 "the multiply-accumulates that the implementation actually executed"):
 *  - forward  C = A·B (A: r×n, B: n×c) adds r·n·c to `macCounter`;
 *  - backward ∂L/∂B = Aᵀ·∂L/∂C adds n·r·c, and ∂L/∂A = ∂L/∂C·Bᵀ (r·c·n) is computed and counted
 *    only when the caller asks for it (`inputGrad`); otherwise a zero tensor (no product) stands in,
 *    so a pass that never needs the gradient with respect to A (the data, or the hidden activity of
 *    an SBP batch) does not execute it. Backward products also go to `backwardMacCounter`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from './gradients.js';
import { MacCounter, macCounter } from './macs.js';

// tfjs-core alone registers no gradients (gradients.ts).
registerGradients();

export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type GradSaveFunc = tf.GradSaveFunc;

/** Backward-pass multiply-accumulates (a subset of `macCounter`'s total). */
export const backwardMacCounter = new MacCounter();

/** The elementwise and bookkeeping operations the spiking MLP uses (all differentiable by TF.js). */
export const ops = {
  tidy: tf.tidy,
  keep: tf.keep,
  dispose: tf.dispose,
  tensor1d: (data: Float32Array) => tf.tensor1d(data, 'float32'),
  tensor2d: (data: Float32Array, rows: number, cols: number) => tf.tensor2d(data, [rows, cols], 'float32'),
  scalar: (v: number) => tf.scalar(v, 'float32'),
  zeros: (rows: number, cols: number) => tf.zeros([rows, cols], 'float32') as tf.Tensor2D,
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  square: tf.square,
  abs: tf.abs,
  sigmoid: tf.sigmoid,
  mean: tf.mean,
  sum: tf.sum,
  greater: tf.greater,
  less: tf.less,
  cast: tf.cast,
  transpose: tf.transpose,
  zerosLike: tf.zerosLike,
  customGrad: tf.customGrad,
  valueAndGrads: tf.valueAndGrads,
};

export interface CountedMatMulOptions {
  /** Compute ∂L/∂a in the backward pass (default true); false = a zero stands in, no product. */
  inputGrad?: boolean;
  /** Called in the backward pass with ∂L/∂b of this product (a hook, like the reference's). */
  onWeightGrad?: (grad: tf.Tensor2D) => void;
}

/** a·b (a: r×n, b: n×c) with forward and backward products counted; differentiable in a and b. */
export function countedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, options: CountedMatMulOptions = {}): tf.Tensor2D {
  const [r, n] = a.shape;
  const c = b.shape[1];
  const inputGrad = options.inputGrad ?? true;
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, w]);
    macCounter.add(r * n * c);
    return {
      value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dw: tf.Tensor2D = tf.matMul(tf.transpose(xs) as tf.Tensor2D, dy as tf.Tensor2D);
        count(n * r * c);
        options.onWeightGrad?.(dw);
        let dx: tf.Tensor;
        if (inputGrad) {
          dx = tf.matMul(dy as tf.Tensor2D, tf.transpose(ws) as tf.Tensor2D);
          count(r * c * n);
        } else {
          dx = tf.zerosLike(xs);
        }
        return [dx, dw];
      },
    };
  });
  return product(a, b) as tf.Tensor2D;
}

/** A plain (non-differentiated) counted product op(a)·b; `backward` also counts it as backward work. */
export function countedProduct(a: tf.Tensor2D, b: tf.Tensor2D, options: { transposeA?: boolean; transposeB?: boolean; backward?: boolean } = {}): tf.Tensor2D {
  // Explicit transposes: TF.js WASM matMul with transpose flags is much slower (ops.ts).
  const aa: tf.Tensor2D = options.transposeA ? tf.transpose(a) : a;
  const bb: tf.Tensor2D = options.transposeB ? tf.transpose(b) : b;
  const [r, n] = aa.shape;
  if (n !== bb.shape[0]) throw new RangeError(`countedProduct: inner sizes differ (${r}×${n} · ${bb.shape[0]}×${bb.shape[1]})`);
  const macs = r * n * bb.shape[1];
  if (options.backward) count(macs);
  else macCounter.add(macs);
  const result: tf.Tensor2D = tf.matMul(aa, bb);
  if (aa !== a) aa.dispose();
  if (bb !== b) bb.dispose();
  return result;
}

function count(macs: number): void {
  macCounter.add(macs);
  backwardMacCounter.add(macs);
}

/** The values of a tensor as a fresh Float32Array (the tensor is not disposed). */
export function download(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}
