/**
 * The §3 spiking-MLP neuron as pure step functions over numbers (the tensor version in
 * models/smlp/neurons.ts follows them exactly).
 *
 *   I     = sigmoid(x·W + b) − 0.1                       (input current)
 *   v     ← decay · v ⊙ (1 − spike) + I                  (leak, reset by the previous spike)
 *   spike = H(v − θ)            H(u) = 1 if u > 0 else 0  (θ = 0.5)
 *   ∂spike/∂v ≈ 1 if |v − θ| < w else 0                  (rectangular surrogate, w = 0.3)
 */

export interface SurrogateNeuronParams {
  readonly decay: number;
  readonly threshold: number;
  /** Half-width w of the rectangular surrogate window. */
  readonly window: number;
}

/** H(v − θ): 1 when v exceeds the threshold strictly, else 0. */
export function heavisideSpike(v: number, threshold: number): number {
  return v - threshold > 0 ? 1 : 0;
}

/** The surrogate derivative of the spike with respect to v: the rectangle |v − θ| < w. */
export function rectangularSurrogate(v: number, threshold: number, window: number): number {
  return Math.abs(v - threshold) < window ? 1 : 0;
}

/** The input current I = sigmoid(z) − 0.1 of a pre-activation z = x·W + b. */
export function inputCurrent(z: number): number {
  return 1 / (1 + Math.exp(-z)) - 0.1;
}

/** One time step of one neuron: v ← decay·v·(1 − spike) + I; spike = H(v − θ). */
export function surrogateNeuronStep(current: number, v: number, spike: number, params: SurrogateNeuronParams): { v: number; spike: number } {
  const next = params.decay * v * (1 - spike) + current;
  return { v: next, spike: heavisideSpike(next, params.threshold) };
}
