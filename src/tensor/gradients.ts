/**
 * Gradients of the TF.js kernels that the spiking MLP differentiates through (§3).
 *
 * `@tensorflow/tfjs-core` alone registers no gradients: the umbrella `@tensorflow/tfjs` does, and
 * tfjs-core's own `register_all_gradients` is an ES module with extension-less imports that plain
 * Node cannot load. So the few we need are written here (the same formulas as TF.js) and registered
 * once, each only if none is registered yet:
 *   Add/Sub:   ∂a = reduce(dy), ∂b = ±reduce(dy)          (reduce = sum over broadcast axes)
 *   Multiply:  ∂a = reduce(dy·b), ∂b = reduce(dy·a)
 *   RealDiv:   ∂a = reduce(dy/b), ∂b = reduce(−dy·a/b²)
 *   Sigmoid:   ∂x = dy·y·(1 − y)      Square: ∂x = 2·x·dy
 *   Sum/Mean:  ∂x = broadcast(dy) (Mean: / number of reduced elements)
 */
import * as tf from '@tensorflow/tfjs-core';

type Grad = Record<string, () => tf.Tensor>;

/** Sum dy over the axes along which `shape` was broadcast to dy's shape, then reshape to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

/** The axes a reduction ran over (all of them when none was given). */
function reducedAxes(axis: number | number[] | null | undefined, shape: number[]): number[] {
  return axis == null ? shape.map((_, i) => i) : tf.util.parseAxisParam(axis, shape);
}

/** dy (the reduced result) broadcast back to the input's shape. */
function expandReduced(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined): tf.Tensor {
  const axes = reducedAxes(axis, x.shape);
  const kept = tf.backend_util.expandShapeToKeepDim(dy.shape, axes);
  return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape, 'float32'));
}

const configs: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved): Grad => ({ a: () => unbroadcast(dy as tf.Tensor, saved[0].shape), b: () => unbroadcast(dy as tf.Tensor, saved[1].shape) }),
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved): Grad => ({ a: () => unbroadcast(dy as tf.Tensor, saved[0].shape), b: () => tf.neg(unbroadcast(dy as tf.Tensor, saved[1].shape)) }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved): Grad => {
      const [a, b] = saved;
      return { a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(b, 'float32')), a.shape), b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(a, 'float32')), b.shape) };
    },
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved): Grad => {
      const [a, b] = saved;
      return {
        a: () => unbroadcast(tf.div(dy as tf.Tensor, b), a.shape),
        b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy as tf.Tensor, a), tf.square(b))), b.shape),
      };
    },
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, saved): Grad => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(saved[0], tf.sub(tf.scalar(1), saved[0]))) }),
  },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, saved): Grad => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.cast(saved[0], 'float32'), tf.scalar(2))) }),
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs): Grad => ({ x: () => expandReduced(dy as tf.Tensor, saved[0], (attrs as unknown as tf.SumAttrs).axis) }),
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs): Grad => {
      const x = saved[0];
      const axes = reducedAxes((attrs as unknown as tf.MeanAttrs).axis, x.shape);
      const count = axes.reduce((n, axis) => n * x.shape[axis], 1);
      return { x: () => tf.div(expandReduced(dy as tf.Tensor, x, axes), tf.scalar(count)) };
    },
  },
];

let registered = false;

/** Register the gradients above (idempotent; existing registrations are left alone). */
export function registerGradients(): void {
  if (registered) return;
  for (const config of configs) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  registered = true;
}
