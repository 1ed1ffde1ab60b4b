/**
 * The two squashing functions of the §1 network.
 *
 *   σ̃(z) = 2/(1 + e^(−z)) − 1   (= tanh(z/2)), used for hidden states and LIF input (§1.1)
 *   relu(z) = max(z, 0),          used for the output layer in the relaxations (§1.2b, c)
 */
export function sigmaTilde(z: number): number {
  return 2 / (1 + Math.exp(-z)) - 1;
}

export function relu(z: number): number {
  return z > 0 ? z : 0;
}

