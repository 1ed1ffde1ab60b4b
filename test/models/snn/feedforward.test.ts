/**
 * The fast path of the feedforward phase (time as the inner loop, four neurons at a time) must be
 * bit-identical to the step-by-step LIF step + blend it replaces.
 */
import { describe, expect, it } from 'vitest';
import { integrateConstantDrive } from '../../../src/models/snn/feedforward.js';
import { lifStep } from '../../../src/neurons/lif.js';
import { RandomStream } from '../../../src/tensor/index.js';
import { mixedLifParams } from '../../helpers/lif-params.js';

describe('integrateConstantDrive', () => {
  it('equals lifStep followed by the blend, bit for bit (7 neurons: 4-wide and tail, inhibitory mixed in)', () => {
    const rng = RandomStream.fromSeed(5);
    const n = 7;
    const rows = 3;
    const steps = 10;
    const size = rows * n;
    const params = mixedLifParams(n);
    const random = (lo: number, hi: number) => Float32Array.from({ length: size }, () => rng.uniformIn(lo, hi));
    const current = random(-1, 1);
    const particles = random(-0.3, 0.1);
    const v0 = random(-0.2, 0.06);
    const g0 = random(0, 6);

    // step by step, storing to Float32Array after each part, as the general path does
    const a = { v: v0.slice(), g: g0.slice() };
    const stackA = new Float32Array(steps * size);
    let spikesA = 0;
    for (let t = 1; t <= steps; t++) {
      const lambda = t / steps;
      lifStep(current, a, params, rows);
      for (let i = 0; i < size; i++) {
        const s = lambda * a.v[i] + (1 - lambda) * particles[i];
        if (s > params.vTh) spikesA++;
        a.v[i] = s;
        stackA[(t - 1) * size + i] = 2 / (1 + Math.exp(-s)) - 1;
      }
    }

    const b = { v: v0.slice(), g: g0.slice() };
    const stackB = new Float32Array(steps * size);
    const final = new Float32Array(size);
    const spikesB = integrateConstantDrive(current, b, particles, params, rows, steps, stackB, final);

    expect(spikesB).toBe(spikesA);
    expect(spikesA).toBeGreaterThan(0);
    expect(Buffer.from(b.v.buffer).equals(Buffer.from(a.v.buffer))).toBe(true);
    expect(Buffer.from(b.g.buffer).equals(Buffer.from(a.g.buffer))).toBe(true);
    expect(Buffer.from(stackB.buffer).equals(Buffer.from(stackA.buffer))).toBe(true);
    expect(Array.from(final)).toEqual(Array.from(a.v, (s) => Math.fround(2 / (1 + Math.exp(-s)) - 1)));
  });
});
