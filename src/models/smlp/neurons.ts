/**
 * §3 neuron layer on tensors (the pure scalar step is neurons/surrogate.ts):
 *
 *   I_t     = sigmoid(a_t·W + b) − 0.1
 *   v_t     = decay · v_{t−1} ⊙ (1 − s_{t−1}) + I_t
 *   s_t     = H(v_t − θ),   ∂s_t/∂v_t := 1[|v_t − θ| < w]   (custom gradient)
 *
 * The gradient flows through the reset term (1 − s_{t−1}) as well, as in the reference.
 */
import { countedMatMul, ops, type CountedMatMulOptions, type GradSaveFunc, type Tensor, type Tensor1D, type Tensor2D } from '../../tensor/index.js';

/** The spike nonlinearity: forward Heaviside H(v − θ), backward the rectangle |v − θ| < w. */
export function makeSpikeFunction(threshold: number, window: number): (v: Tensor2D) => Tensor2D {
  const spike = ops.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [v, save] = args as [Tensor, GradSaveFunc];
    save([v]);
    return {
      value: ops.cast(ops.greater(v, ops.scalar(threshold)), 'float32'),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const inside = ops.cast(ops.less(ops.abs(ops.sub(saved[0], ops.scalar(threshold))), ops.scalar(window)), 'float32');
        return [ops.mul(dy, inside)];
      },
    };
  });
  return (v) => spike(v) as Tensor2D;
}

export interface LayerState {
  v: Tensor2D;
  spike: Tensor2D;
}

/** One time step of one layer: the new membrane and spikes. */
export function layerStep(
  input: Tensor2D,
  weight: Tensor2D,
  bias: Tensor1D,
  state: LayerState,
  decay: number,
  spikeFn: (v: Tensor2D) => Tensor2D,
  product: CountedMatMulOptions,
): LayerState {
  const current = ops.sub(ops.sigmoid(ops.add(countedMatMul(input, weight, product), bias)), ops.scalar(0.1));
  const leak = ops.mul(ops.mul(state.v, ops.scalar(decay)), ops.sub(ops.scalar(1), state.spike));
  const v = ops.add(leak, current) as Tensor2D;
  return { v, spike: spikeFn(v) };
}
