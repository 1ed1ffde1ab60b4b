/**
 * The LIF phase cut into row slices (kernels/lif-threads.ts) against one call over every row: the
 * same bits for V, g, σ̃ of the last V, the stack, the fused drive and the spike count, for widths
 * that are and are not multiples of four, both loops, a constant and a changing current; and a
 * whole training run with a helper gives the same weights as without. The helper here is a second
 * kernel instance on this thread: what a helper thread runs (runLifCall), without the transport
 * (test/node/lif-threads.test.ts runs real worker threads through the built CLI).
 */
import { describe, expect, it } from 'vitest';
import { lifOnThreads, rowSlices, runLifCall, type LifCall, type LifCallResult, type LifThreads } from '../../src/kernels/lif-threads.js';
import { NeuronKernels } from '../../src/kernels/neurons.js';
import { loadEmbeddedMnist } from '../../src/node/datasets/index.js';
import { macCounter, RandomStream } from '../../src/tensor/index.js';
import { train } from '../../src/train/loop.js';
import { resolveRunConfig } from '../../src/train/run-config.js';
import { mixedLifParams } from '../helpers/lif-params.js';

/** `helpers` helpers, each a kernel instance of its own, run when collected. */
function inProcessThreads(helpers: number): LifThreads & { calls: number } {
  const kernels = Array.from({ length: helpers }, () => new NeuronKernels());
  const posted: (LifCall | undefined)[] = [];
  return {
    helpers,
    calls: 0,
    post(i, call) {
      posted[i] = call;
      this.calls++;
    },
    collect(i): LifCallResult {
      const call = posted[i];
      if (!call) throw new Error(`nothing posted to ${i}`);
      posted[i] = undefined;
      const result = runLifCall(kernels[i], call);
      macCounter.add(-result.macs); // a helper thread counts into a counter of its own, which lifOnThreads adds
      return result;
    },
  };
}

const same = (a: Float32Array | undefined, b: Float32Array | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('rowSlices', () => {
  it('covers every row once, in order, starting at multiples of the unit, as equal as the unit allows', () => {
    for (let rows = 1; rows <= 60; rows++) {
      for (const parts of [1, 2, 3, 4, 7]) {
        for (const unit of [1, 2, 4]) {
          const slices = rowSlices(rows, parts, unit);
          expect(slices[0][0]).toBe(0);
          expect(slices[slices.length - 1][1]).toBe(rows);
          expect(slices.length).toBeLessThanOrEqual(Math.min(parts, Math.ceil(rows / unit)));
          for (let i = 0; i < slices.length; i++) {
            expect(slices[i][0] % unit).toBe(0);
            expect(slices[i][1]).toBeGreaterThan(slices[i][0]);
            if (i > 0) expect(slices[i][0]).toBe(slices[i - 1][1]);
          }
          const sizes = slices.slice(0, -1).map(([a, b]) => b - a);
          if (sizes.length > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(unit);
        }
      }
    }
  });
});

describe('a LIF layer on row slices = one call over every row, bit for bit', () => {
  const cases = [
    [50, 500, 10, 100], // the paper's hidden layer and its output
    [50, 10, 0, 100], // the output layer (10 neurons: slices start at even rows)
    [7, 26, 0, 30], // NETtalk's output width, an odd row count
    [5, 13, 3, 20], // a width that is odd
    [9, 7, 0, 10], // an odd width: slices of the exact loop start at multiples of four rows
    [10, 9, 4, 8],
  ] as const;
  for (const [rows, n, cols, steps] of cases) {
    for (const varying of [false, true]) {
      for (const fast of [false, true]) {
        it(`${rows} rows × ${n} neurons${cols ? ` → ${cols}` : ''}, ${steps} steps, ${varying ? 'changing' : 'constant'} current, ${fast ? 'fast' : 'exact'} loop`, () => {
          const rng = RandomStream.fromSeed(rows * 1000 + n * 10 + cols + (varying ? 1 : 0));
          const size = rows * n;
          const random = (length: number, lo: number, hi: number) => Float32Array.from({ length }, () => rng.uniformIn(lo, hi));
          const params = mixedLifParams(n);
          const current = random((varying ? steps : 1) * size, 0, 6);
          const particles = random(size, -0.9, 0.9);
          const v = random(size, -0.5, 0.6);
          const g = random(size, 0, 6);
          const next = cols ? { weights: random(n * cols, -0.3, 0.3), cols } : undefined;
          const whole = runLifCall(new NeuronKernels(), { varying, current, v: v.slice(), g: g.slice(), particles, params, rows, steps, stack: !next, next, fast });
          for (const helpers of [1, 2, 3]) {
            const threads = inProcessThreads(helpers);
            const state = { v: v.slice(), g: g.slice() };
            const final = new Float32Array(size);
            const before = macCounter.total;
            const split = lifOnThreads(new NeuronKernels(), threads, { varying, current, state, particles, params, rows, steps, final, record: { stack: !next, next }, fast });
            expect(threads.calls).toBeGreaterThan(0);
            expect(split.spikes).toBe(whole.spikes);
            expect(same(state.v, whole.v) && same(state.g, whole.g) && same(final, whole.final)).toBe(true);
            if (next) expect(same(split.drive, whole.drive)).toBe(true);
            else expect(same(split.stack, whole.stack)).toBe(true);
            expect(macCounter.total - before).toBe(whole.macs);
          }
          expect(whole.spikes).toBeGreaterThan(0);
        });
      }
    }
  }
});

describe('a failing slice', () => {
  it("is thrown after every helper's answer has been collected, so the helpers take the next call", () => {
    const threads = inProcessThreads(1);
    const n = 8;
    const params = mixedLifParams(n);
    const job = (particles: Float32Array) => ({
      varying: false, current: new Float32Array(4 * n).fill(3), state: { v: new Float32Array(4 * n), g: new Float32Array(4 * n) }, particles,
      params, rows: 4, steps: 5, final: new Float32Array(4 * n), record: {}, fast: false,
    });
    // particles of 4 × 8 − 1 values: this thread's slice (rows 0–1) is fine, the helper's (rows 2–3) is one short
    expect(() => lifOnThreads(new NeuronKernels(), threads, job(new Float32Array(4 * n - 1)))).toThrow(/particles has 15 values, 16 expected/);
    expect(lifOnThreads(new NeuronKernels(), threads, job(new Float32Array(4 * n))).spikes).toBeGreaterThanOrEqual(0);
  });
});

describe('training with LIF helpers', () => {
  it('gives the weights, metrics and spikes of one thread (SNN 784-500-10, 300 embedded MNIST images, 2 epochs)', async () => {
    const config = resolveRunConfig({ task: 'mnist', model: 'snn', epochs: 2, trainLimit: 300, testLimit: 100, seed: 4 }, 'test');
    const data = loadEmbeddedMnist(config);
    const one = await train(config, data);
    const threads = inProcessThreads(1);
    const two = await train(config, data, { threads });
    expect(threads.calls).toBeGreaterThan(0);
    expect(two.model.implementation.join(' ')).toMatch(/row slices on 2 threads/);
    one.model.parameters.weights.forEach((w, k) => expect(same(w.data, two.model.parameters.weights[k].data)).toBe(true));
    const strip = (h: typeof one.history) => h.map(({ seconds, trainSeconds, testSeconds, peakRssMiB, ...rest }) => rest);
    expect(strip(two.history)).toEqual(strip(one.history));
  });

  it('is refused for a family without threaded loops', async () => {
    const config = resolveRunConfig({ task: 'mnist', model: 'ann', epochs: 1, trainLimit: 40, testLimit: 20 }, 'test');
    await expect(train(config, loadEmbeddedMnist(config), { threads: inProcessThreads(1) })).rejects.toThrow(/runs on one thread/);
  });
});
