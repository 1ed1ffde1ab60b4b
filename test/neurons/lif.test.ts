import { describe, expect, it } from 'vitest';
import { sigmaTilde } from '../../src/neurons/activation.js';
import { lifStep, type LifParams } from '../../src/neurons/lif.js';
import { stpInitialState, stpStep } from '../../src/neurons/stp.js';

const params = (n: number): LifParams => ({
  dtMs: 0.1, tauMMs: 10, vLeak: 0, vTh: 0.05, vReset: -0.5,
  vRev: new Float32Array(n).fill(0.2), tauSynMs: new Float32Array(n).fill(2), gLeak: new Float32Array(n).fill(5),
});

describe('LIF step (§1.2a)', () => {
  it('golden values worked out by hand', () => {
    // g' = 0 + (0.1/2)(−0 + 5 + 1) = 0.3 ; V' = 0 + (0.1/10)(−0 − (0.3/5)(0 − 0.2)) = 0.00012
    const state = { v: new Float32Array([0]), g: new Float32Array([0]) };
    lifStep(new Float32Array([1]), state, params(1), 1);
    expect(state.g[0]).toBeCloseTo(0.3, 7);
    expect(state.v[0]).toBeCloseTo(0.00012, 9);
  });

  it('resets to V_reset when V crosses V_th', () => {
    // V = 0.06 > V_th after the step (the leak only pulls it a little): reset to −0.5
    const state = { v: new Float32Array([0.0605]), g: new Float32Array([0]) };
    lifStep(new Float32Array([0]), state, params(1), 1);
    expect(state.v[0]).toBe(-0.5);
  });

  it('inhibitory neurons use their own reversal potential', () => {
    const p = params(2);
    p.vRev[1] = 0.1;
    const state = { v: new Float32Array([0, 0]), g: new Float32Array([0, 0]) };
    lifStep(new Float32Array([1, 1]), state, p, 1);
    expect(state.v[1]).toBeCloseTo(0.01 * 0.06 * 0.1, 9);
  });
});

describe('σ̃ and STP (§1.1, §1.4)', () => {
  it('σ̃(z) = tanh(z/2)', () => {
    for (const z of [-5, -0.3, 0, 0.7, 12]) expect(sigmaTilde(z)).toBeCloseTo(Math.tanh(z / 2), 12);
  });

  it('one STP step from (u, x, J) = (0.1, 1, 0.1) with I = 1, by hand', () => {
    const s = stpInitialState(1, { u0: 0.1, x0: 1, j0: 0.1 });
    stpStep(new Float32Array([1]), s, { U: 0.45, tauF: 10, tauD: 2, tauS: 2, A: 1 }, 1);
    const u = 0.1 + (-0.1 / 10 + 0.45 * 0.9); // 0.495
    const x = 1 + (0 - u * 1 * 1); // 0.505
    const j = 0.1 + (-0.1 / 2 + u * x); // 0.299975
    expect(s.u[0]).toBeCloseTo(u, 6);
    expect(s.x[0]).toBeCloseTo(x, 6);
    expect(s.j[0]).toBeCloseTo(j, 6);
  });
});
