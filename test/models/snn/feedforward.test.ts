/**
 * The definition of a feedforward step (§1.2a) as the JS loops run it — neurons/lif.ts's lifStep
 * then blendStep, through models/snn/feedforward.ts's lifLayerSteps — against the equations
 * written out here, bit for bit, in both recording modes (σ̃ of the blend for an analog layer
 * above, 0/1 spikes for a spike-driven one), with and without STP.
 */
import { describe, expect, it } from 'vitest';
import { lifLayerSteps } from '../../../src/models/snn/feedforward.js';
import { stpInitialState } from '../../../src/neurons/stp.js';
import { RandomStream } from '../../../src/tensor/index.js';
import { mixedLifParams } from '../../helpers/lif-params.js';

const STP = { U: 0.45, tauF: 10, tauD: 2, tauS: 2, A: 1 };
const bitsEqual = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('lifLayerSteps: K steps of lifStep + blendStep', () => {
  for (const [record, stp] of [['activity', false], ['spikes', false], ['activity', true]] as const) {
    it(`equals the equations written out (record ${record}${stp ? ', STP on' : ''}), 7 neurons with inhibitory ones mixed in`, () => {
      const rng = RandomStream.fromSeed(5);
      const n = 7;
      const rows = 3;
      const steps = 10;
      const size = rows * n;
      const params = mixedLifParams(n);
      const random = (lo: number, hi: number) => Float32Array.from({ length: size }, () => rng.uniformIn(lo, hi));
      const current = random(-0.4, 0.4);
      const particles = random(-0.3, 0.1);
      const v0 = random(-0.2, 0.06);
      const g0 = random(0, 6);

      // §1.2a by hand: (STP,) g, V, reset, blend, spike, V = s, the record; Float32Array after each part
      const v = v0.slice();
      const g = g0.slice();
      const u = new Float32Array(size).fill(0.1);
      const x = new Float32Array(size).fill(1);
      const j = new Float32Array(size).fill(0.1);
      const stackA = new Float32Array(steps * size);
      let spikesA = 0;
      for (let t = 1; t <= steps; t++) {
        const lambda = t / steps;
        for (let i = 0; i < size; i++) {
          const c = i % n;
          let I = current[i];
          if (stp) {
            const uNew = u[i] + (-u[i] / STP.tauF + STP.U * I * (1 - u[i]));
            const xNew = x[i] + ((1 - x[i]) / STP.tauD - uNew * x[i] * I);
            j[i] = j[i] + (-j[i] / STP.tauS + STP.A * uNew * xNew * I);
            u[i] = uNew;
            x[i] = xNew;
            I = j[i];
          }
          const gNew = g[i] + (params.dtMs / params.tauSynMs[c]) * (-g[i] + params.gLeak[c] + I);
          let vNew = v[i] + (params.dtMs / params.tauMMs) * (-(v[i] - params.vLeak) - (gNew / params.gLeak[c]) * (v[i] - params.vRev[c]));
          if (vNew > params.vTh) vNew = params.vReset;
          g[i] = gNew;
          v[i] = vNew;
          const s = lambda * v[i] + (1 - lambda) * particles[i];
          if (s > params.vTh) spikesA++;
          v[i] = s;
          stackA[(t - 1) * size + i] = record === 'activity' ? 2 / (1 + Math.exp(-s)) - 1 : s > params.vTh ? 1 : 0;
        }
      }

      const state = { v: v0.slice(), g: g0.slice() };
      const final = new Float32Array(size);
      const run = lifLayerSteps({ current, varying: false, state, particles, stp: stp ? stpInitialState(size, { u0: 0.1, x0: 1, j0: 0.1 }) : undefined, stpParams: STP, params, rows, steps, record, final });

      expect(run.spikes).toBe(spikesA);
      expect(spikesA).toBeGreaterThan(0);
      expect(bitsEqual(state.v, v)).toBe(true);
      expect(bitsEqual(state.g, g)).toBe(true);
      expect(bitsEqual(run.stack as Float32Array, stackA)).toBe(true);
      expect(Array.from(final)).toEqual(Array.from(v, (s) => Math.fround(2 / (1 + Math.exp(-s)) - 1)));
    });
  }
});
