/**
 * Tsodyks–Markram short-term plasticity, §1.4. Per layer and per step the LIF input I is replaced
 * by the facilitated/depressed current J (no dt factor, as in the reference):
 *
 *   u ← u + (−u/τ_f + U · I ⊙ (1 − u))
 *   x ← x + ((1 − x)/τ_d − u ⊙ x ⊙ I)
 *   J ← J + (−J/τ_s + A · u ⊙ x ⊙ I)
 *
 * Each line uses the values just updated above it. State arrays are updated in place; after the
 * call `state.j` holds the current that drives the LIF.
 */
export interface StpParams {
  readonly U: number;
  readonly tauF: number;
  readonly tauD: number;
  readonly tauS: number;
  readonly A: number;
}

export interface StpState {
  readonly u: Float32Array;
  readonly x: Float32Array;
  readonly j: Float32Array;
}

export interface StpInitial {
  readonly u0: number;
  readonly x0: number;
  readonly j0: number;
}

export function stpInitialState(size: number, init: StpInitial): StpState {
  return {
    u: new Float32Array(size).fill(init.u0),
    x: new Float32Array(size).fill(init.x0),
    j: new Float32Array(size).fill(init.j0),
  };
}

/** One STP step over `count` entries, driven by input I. */
export function stpStep(input: Float32Array, state: StpState, params: StpParams, count: number): void {
  const { u, x, j } = state;
  const { U, tauF, tauD, tauS, A } = params;
  for (let i = 0; i < count; i++) {
    const I = input[i];
    const uNew = u[i] + (-u[i] / tauF + U * I * (1 - u[i]));
    const xNew = x[i] + ((1 - x[i]) / tauD - uNew * x[i] * I);
    j[i] = j[i] + (-j[i] / tauS + A * uNew * xNew * I);
    u[i] = uNew;
    x[i] = xNew;
  }
}
