/**
 * LIF helper threads for real (src/node/threads): worker_threads running the built lif-worker.js
 * (`npm install` / `npm ci` build it; skipped when dist/ is missing). A call through a helper equals
 * the same call here; a helper's error comes back as an error; `train --threads 2` writes the
 * weights and metrics of `--threads 1`; bad --threads values are refused before anything is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLifCall, type LifCall } from '../../src/kernels/lif-threads.js';
import { NeuronKernels } from '../../src/kernels/neurons.js';
import { lifThreads } from '../../src/node/threads/worker-threads.js';
import { RandomStream } from '../../src/tensor/index.js';
import { mixedLifParams } from '../helpers/lif-params.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const cli = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const worker = join(REPO_ROOT, 'dist', 'src', 'node', 'threads', 'lif-worker.js');
const built = existsSync(worker);
const dir = mkdtempSync(join(tmpdir(), 'selfprop-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });

function call(rows: number, n: number): LifCall {
  const rng = RandomStream.fromSeed(rows + n);
  const random = (length: number, lo: number, hi: number) => Float32Array.from({ length }, () => rng.uniformIn(lo, hi));
  return {
    varying: false, current: random(rows * n, 0, 6), v: random(rows * n, -0.5, 0.6), g: random(rows * n, 0, 6), particles: random(rows * n, -0.9, 0.9),
    params: mixedLifParams(n), rows, steps: 40, stack: false, next: { weights: random(n * 10, -0.3, 0.3), cols: 10 }, fast: false,
  };
}

describe.skipIf(!built)('LIF helper threads (built worker)', () => {
  it('two helpers answer their calls at once, each with the bits of the same call on this thread', async () => {
    const threads = await lifThreads(3, worker);
    try {
      expect(threads.helpers).toBe(2);
      const calls = [call(6, 500), call(5, 37)];
      calls.forEach((c, i) => threads.post(i, { ...c, v: c.v.slice(), g: c.g.slice() }));
      const answers = calls.map((_, i) => threads.collect(i));
      const kernels = new NeuronKernels();
      calls.forEach((c, i) => {
        const here = runLifCall(kernels, { ...c, v: c.v.slice(), g: c.g.slice() });
        expect(answers[i].spikes).toBe(here.spikes);
        expect(answers[i].macs).toBe(here.macs);
        for (const key of ['v', 'g', 'final', 'drive'] as const) expect(Array.from(answers[i][key] as Float32Array)).toEqual(Array.from(here[key] as Float32Array));
      });
    } finally {
      await threads.close();
    }
  });

  it("a helper's error comes back from collect, and the helper takes the next call", async () => {
    const threads = await lifThreads(2, worker);
    try {
      const bad = call(4, 20);
      threads.post(0, { ...bad, v: bad.v.subarray(0, 10) });
      expect(() => threads.collect(0)).toThrow(/LIF helper thread 0: lif kernel: v has 10 values, 80 expected/);
      threads.post(0, bad);
      expect(threads.collect(0).final).toHaveLength(80);
      expect(() => threads.collect(0)).toThrow(/was given nothing to do/);
    } finally {
      await threads.close();
    }
  });

  it('a missing worker script is a clear error', async () => {
    await expect(lifThreads(2, join(dir, 'nowhere.js'))).rejects.toThrow(/script .*nowhere\.js is missing/);
  });

  it('train --threads 2 writes the weights and metrics of --threads 1 (SNN, 400 embedded MNIST images, 2 epochs)', () => {
    const common = ['train', '--task', 'mnist', '--model', 'snn', '--train-limit', '400', '--test-limit', '100', '--epochs', '2'];
    const one = run([...common, '--out', 'one']);
    expect(one.status, one.stderr).toBe(0);
    const two = run([...common, '--threads', '2', '--out', 'two']);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/row slices on 2 threads/);
    expect(readFileSync(join(dir, 'two', 'weights.json'), 'utf8')).toBe(readFileSync(join(dir, 'one', 'weights.json'), 'utf8'));
    const metrics = (name: string) => readFileSync(join(dir, name, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => {
      const { seconds, trainSeconds, testSeconds, peakRssMiB, ...rest } = JSON.parse(line);
      return rest;
    });
    expect(metrics('two')).toEqual(metrics('one'));
  });

  it('--threads is refused for a family without threaded loops, and below 1, before anything is written', () => {
    const ann = run(['train', '--task', 'mnist', '--model', 'ann', '--threads', '2', '--out', 'ann']);
    expect(ann.status).toBe(2);
    expect(ann.stderr).toMatch(/--threads 2: only the snn model has threaded loops/);
    const zero = run(['train', '--task', 'mnist', '--threads', '0', '--out', 'zero']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/--threads 0: at least 1/);
    expect(existsSync(join(dir, 'ann')) || existsSync(join(dir, 'zero'))).toBe(false);
  });
});
