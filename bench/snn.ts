/**
 * The SNN bench (`npm run bench -- [snn] …`): training throughput of the paper's §1 network, one
 * thread, through the trainer's batch loop (`runSplit`) with a PhaseTimer on the model.
 *
 *   npm run bench -- [snn] [--task mnist|nettalk] [--data DIR] [--batches N] [--batch-size B]
 *                          [--rounds R] [--no-js] [--threads N] [--backend wasm|cpu] [--json]
 *   npm run bench -- snn --compare-precision [--batches 200]     (bench/snn-precision.ts)
 *
 * Runs, in one process: R interleaved rounds of the paper-exact network on the WebAssembly kernels
 * with `lif.precision` "exact" (the default; its numbers are the headline, `secondsPerEpoch`) and
 * "fast", then the same batches on the JS loops (`kernels: "js"`, the reference) and with the
 * feedforward phase off (§1.6), for the ratios. Each run starts from the same initial weights and
 * takes the same `--batches` batches (MNIST default 120 × 50 = 6,000 images; NETtalk 1,000 windows of
 * batch 1), extrapolated to an epoch (MNIST 60,000 images; NETtalk its training windows), and says so.
 * Per run: wall and CPU seconds per phase (CPU seconds of this process are much less disturbed by
 * other work on the machine: prefer them), samples/s, the MACs executed (`macCounter`) and their
 * dense equivalent (executed + those the sparse kernels skipped), GFLOP/s (2 × executed MACs per CPU
 * second), and the process's peak RSS. The best (least CPU) round of each precision is reported.
 * The first hidden layer's K steps of one real batch (the 20th) are also timed alone, three ways,
 * on the exact loop: the LIF loop only; with σ̃ of every step written to a stack; with σ̃ of every
 * step multiplied at once by the output weights (what training runs): where the feedforward phase
 * goes (`feedforwardParts`, CPU seconds per epoch, best of 5); with --threads, also half of that
 * layer alone and while a helper runs the other half (wall ms): what two busy threads cost each other.
 * With --threads N (N > 1) each round also runs the exact network with its LIF phase on N threads
 * (`train --threads`): its wall seconds against one thread's (CPU seconds count every thread of the
 * process, so the wall clock is the figure here; the best round by wall seconds), and whether its
 * weights after the batches are the same bits.
 *
 * Data: --data DIR; else ../shared/data/<task> beside the repository when it is there (development);
 * else, for MNIST, the embedded default (training images 0–9999). NETtalk has no embedded data.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TaskData } from '../src/data/dataset.js';
import { NeuronKernels, skippedMacs } from '../src/kernels/neurons.js';
import type { KernelsSetting } from '../src/models/family.js';
import type { FeedforwardLoops, LifLayerJob } from '../src/models/snn/feedforward.js';
import type { SnnModel } from '../src/models/snn/model.js';
import { PhaseTimer } from '../src/models/snn/snn.js';
import { loadEmbeddedMnist, loadMnistDir, loadTaskData } from '../src/node/datasets/index.js';
import { getTask } from '../src/tasks/registry.js';
import { macCounter, RandomStream, useBackend, type BackendName } from '../src/tensor/index.js';
import { createModel, identity, runSplit } from '../src/train/loop.js';
import { resolveRunConfig } from '../src/train/run-config.js';
import { runLifCall, type LifThreads } from '../src/kernels/lif-threads.js';
import { lifThreads } from '../src/node/threads/worker-threads.js';
import { comparePrecision } from './snn-precision.js';

type Precision = 'exact' | 'fast';

interface Timing {
  readonly label: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly macs: number;
  readonly denseMacs: number;
  readonly phases: Record<string, number>;
  readonly cpuPhases: Record<string, number>;
  readonly implementation: readonly string[];
}

const cpuClock = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      task: { type: 'string', default: 'mnist' },
      data: { type: 'string' },
      batches: { type: 'string' },
      'batch-size': { type: 'string' },
      rounds: { type: 'string', default: '2' },
      'no-js': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
      'compare-precision': { type: 'boolean', default: false },
      threads: { type: 'string', default: '1' },
    },
  });
  const task = values.task as 'mnist' | 'nettalk';
  if (task !== 'mnist' && task !== 'nettalk') fail('--task takes mnist or nettalk');
  const batchSize = Number(values['batch-size'] ?? (task === 'mnist' ? 50 : 1));
  const batches = Number(values.batches ?? (task === 'mnist' ? 120 : 1000));
  const rounds = Number(values.rounds);
  const threadCount = Number(values.threads);
  for (const [name, v] of [['--batches', batches], ['--batch-size', batchSize], ['--rounds', rounds], ['--threads', threadCount]] as const) {
    if (!Number.isInteger(v) || v < 1) fail(`${name} takes a positive integer`);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const shared = resolve(here, `../../../shared/data/${task}`);
  const dataDir = values.data ?? (existsSync(shared) ? shared : undefined);
  await useBackend(values.backend as BackendName);

  let data: TaskData;
  let epochSamples: number;
  if (task === 'mnist') {
    data = dataDir ? loadMnistDir(dataDir, { trainLimit: batches * batchSize, testLimit: 1 }) : loadEmbeddedMnist({ trainLimit: batches * batchSize });
    epochSamples = 60_000;
  } else {
    if (!dataDir) fail('NETtalk has no embedded data: pass --data DIR (nettalk.data, nettalk.list)');
    data = await loadTaskData({ task: 'nettalk', data: dataDir, split: 'paper', trainLimit: undefined, testLimit: 1 });
    epochSamples = data.train.count;
  }
  if (values['compare-precision']) {
    if (task !== 'mnist') fail('--compare-precision runs on MNIST');
    const cmp = comparePrecision(task === 'mnist' && values.batches === undefined ? loadMnistFor(dataDir, 200 * batchSize) : data, values.batches === undefined ? 200 : batches, batchSize);
    console.log(values.json ? JSON.stringify(cmp) : JSON.stringify(cmp, null, 2));
    return;
  }
  const samples = Math.min(batches * batchSize, data.train.count);
  const perEpoch = epochSamples / samples;

  const helpers = threadCount > 1 ? await lifThreads(threadCount) : undefined;
  const finalWeights = new Map<string, Float32Array[]>();

  /** `batches` training batches through the trainer's batch loop, timed per phase. */
  async function measure(label: string, loops: KernelsSetting, precision: Precision, feedforward = true, threads?: LifThreads): Promise<Timing> {
    const config = resolveRunConfig({ task, model: 'snn', snn: { rule: 'sbp', feedforward, lif: { precision } }, batchSize, kernels: loops, backend: values.backend });
    const rng = RandomStream.fromSeed(1);
    const model = createModel(config, rng, { train: data.train.count, validation: 0, test: data.test.count }) as SnnModel;
    if (threads) model.useThreads(threads);
    const timer = new PhaseTimer(cpuClock);
    model.timer = timer;
    const macsBefore = macCounter.total;
    const skippedBefore = skippedMacs.total;
    const cpuBefore = cpuClock();
    const started = performance.now();
    await runSplit(model, getTask(task), data.train, { split: 'train', epochIndex: 0, order: identity(data.train.count), rng, batchSize, maxBatches: batches });
    const seconds = (performance.now() - started) / 1000;
    const macs = macCounter.total - macsBefore;
    finalWeights.set(label, model.parameters.weights.map((w) => w.data.slice()));
    return {
      label, seconds, cpuSeconds: cpuClock() - cpuBefore, macs, denseMacs: macs + skippedMacs.total - skippedBefore,
      phases: { ...timer.seconds }, cpuPhases: { ...timer.cpuSeconds }, implementation: model.implementation,
    };
  }

  const exact: Timing[] = [];
  const fast: Timing[] = [];
  const threaded: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    exact.push(await measure('exact', 'wasm', 'exact'));
    fast.push(await measure('fast', 'wasm', 'fast'));
    if (helpers) threaded.push(await measure('threads', 'wasm', 'exact', true, helpers));
  }
  const best = (runs: Timing[]) => runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
  const bestWall = (runs: Timing[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const main = best(exact);
  const quick = best(fast);
  const sameBits = (a: Float32Array[] | undefined, b: Float32Array[] | undefined) =>
    a !== undefined && b !== undefined && a.length === b.length && a.every((w, k) => w.length === b[k].length && w.every((x, i) => Object.is(x, b[k][i])));
  const js = values['no-js'] ? undefined : await measure('js', 'js', 'exact');
  const parts = await feedforwardParts();
  await helpers?.close();
  const off = await measure('feedforward off', 'wasm', 'exact', false);

  /**
   * The first hidden layer of the 20th training batch (or the last, if fewer), captured from a
   * model's feedforward loop, then its K steps timed alone on a fresh kernel instance: best CPU
   * seconds of 5 interleaved rounds for each record mode. Undefined on NETtalk (one row: nothing to learn from a
   * single row's timing that the phases do not show).
   */
  async function feedforwardParts(): Promise<{ rows: number; n: number; cols: number; steps: number; lif: number; stack: number; fused: number; contention?: { alone: number; together: number } } | undefined> {
    if (batchSize < 2) return undefined;
    const config = resolveRunConfig({ task, model: 'snn', snn: { rule: 'sbp' }, batchSize, kernels: 'wasm', backend: values.backend });
    const model = createModel(config, RandomStream.fromSeed(1), { train: data.train.count, validation: 0, test: data.test.count }) as SnnModel;
    const loops = model.loops.feedforward as { lifLayer: FeedforwardLoops['lifLayer'] };
    const lifLayer = loops.lifLayer;
    let job: LifLayerJob | undefined;
    let seen = 0;
    loops.lifLayer = (j) => {
      if (!j.varying && j.next && ++seen <= 20) job = { ...j, current: j.current.slice(), state: { v: j.state.v.slice(), g: j.state.g.slice() }, particles: j.particles.slice() };
      return lifLayer(j);
    };
    await runSplit(model, getTask(task), data.train, { split: 'train', epochIndex: 0, order: identity(data.train.count), rng: RandomStream.fromSeed(1), batchSize, maxBatches: Math.min(20, batches) });
    if (!job?.next) return undefined;
    const { rows, steps, params, next } = job;
    const n = params.vRev.length;
    const kernels = new NeuronKernels();
    const modes = [{}, { stack: true }, { next }];
    const best = modes.map(() => Infinity);
    // a call of each first (memory grown, code warm), then 5 rounds, the modes interleaved
    for (let k = 0; k <= 5; k++) {
      modes.forEach((record, m) => {
        const state = { v: job!.state.v.slice(), g: job!.state.g.slice() };
        const started = cpuClock();
        kernels.lifConstantDrive(job!.current, state, job!.particles, params, rows, steps, new Float32Array(rows * n), record);
        if (k > 0) best[m] = Math.min(best[m], cpuClock() - started);
      });
    }
    // with helpers: half the rows here alone, then half here and half on a helper at once (how
    // much two busy threads slow each other on this machine: the ceiling of the speed-up)
    let contention: { alone: number; together: number } | undefined;
    if (helpers) {
      const half = Math.floor(rows / 2);
      const slice = { varying: false, current: job.current.slice(0, half * n), v: job.state.v.slice(0, half * n), g: job.state.g.slice(0, half * n), particles: job.particles.slice(0, half * n), params, rows: half, steps, stack: false, next, fast: false };
      let alone = Infinity;
      let together = Infinity;
      for (let k = 0; k <= 5; k++) {
        let started = performance.now();
        runLifCall(kernels, slice);
        if (k > 0) alone = Math.min(alone, performance.now() - started);
        started = performance.now();
        helpers.post(0, slice);
        runLifCall(kernels, slice);
        helpers.collect(0);
        if (k > 0) together = Math.min(together, performance.now() - started);
      }
      contention = { alone: alone / 1000, together: together / 1000 };
    }
    return { rows, n, cols: next.cols, steps, lif: best[0], stack: best[1], fused: best[2], contention };
  }

  const epoch = (v: number) => v * perEpoch;
  const summary = (t: Timing) => ({
    secondsPerEpoch: epoch(t.seconds),
    cpuSecondsPerEpoch: epoch(t.cpuSeconds),
    samplesPerSecond: samples / t.seconds,
    cpuSamplesPerSecond: samples / t.cpuSeconds,
    macsPerSample: t.macs / samples,
    denseMacsPerSample: t.denseMacs / samples,
    gflops: (2 * t.macs) / t.cpuSeconds / 1e9,
    phaseSecondsPerEpoch: Object.fromEntries(Object.entries(t.phases).map(([k, v]) => [k, epoch(v)])),
    phaseCpuSecondsPerEpoch: Object.fromEntries(Object.entries(t.cpuPhases).map(([k, v]) => [k, epoch(v)])),
  });
  const layers = task === 'mnist' ? '784-500-10' : '189-500-26';
  const result = {
    network: `${layers} SBP, batch ${batchSize}, paper-exact (feedforward on)`,
    task,
    backend: values.backend,
    data: data.train.description,
    measuredSamples: samples,
    epochSamples,
    extrapolated: `seconds per epoch extrapolated from ${samples} samples to ${epochSamples}`,
    implementation: main.implementation,
    ...summary(main),
    fast: { ...summary(quick), implementation: quick.implementation, speedupOverExact: main.cpuSeconds / quick.cpuSeconds },
    jsLoops: js && { ...summary(js), ratioToExact: js.cpuSeconds / main.cpuSeconds, ratioToFast: js.cpuSeconds / quick.cpuSeconds },
    feedforwardOff: { ...summary(off), speedup: main.cpuSeconds / off.cpuSeconds },
    feedforwardParts: parts && {
      layer: `${parts.rows} rows × ${parts.n} neurons, ${parts.steps} steps, → ${parts.cols}`,
      lifOnlyCpuSecondsPerEpoch: epoch(parts.lif) * (samples / parts.rows),
      lifAndSigmaToStackCpuSecondsPerEpoch: epoch(parts.stack) * (samples / parts.rows),
      lifSigmaAndProductCpuSecondsPerEpoch: epoch(parts.fused) * (samples / parts.rows),
      productMacsPerEpoch: parts.steps * parts.n * parts.cols * epochSamples,
      halfBatchSecondsAloneAndWithHelper: parts.contention,
    },
    threads: helpers && {
      threads: threadCount,
      ...summary(bestWall(threaded)),
      wallSpeedupOverOneThread: bestWall(exact).seconds / bestWall(threaded).seconds,
      sameWeightsAsOneThread: sameBits(finalWeights.get('threads'), finalWeights.get('exact')),
      implementation: bestWall(threaded).implementation,
      wallSecondsPerEpoch: { oneThread: exact.map((t) => epoch(t.seconds)), threaded: threaded.map((t) => epoch(t.seconds)) },
    },
    rounds: { exactCpuSecondsPerEpoch: exact.map((t) => epoch(t.cpuSeconds)), fastCpuSecondsPerEpoch: fast.map((t) => epoch(t.cpuSeconds)) },
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };

  if (values.json) {
    console.log(JSON.stringify(result));
    return;
  }
  const f = (v: number, d = 1) => v.toFixed(d);
  const phases = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k} ${f(v, 2)}`).join(', ');
  const line = (name: string, s: ReturnType<typeof summary>) => {
    console.log(`${name}: ${f(s.secondsPerEpoch)} s/epoch (CPU ${f(s.cpuSecondsPerEpoch)}) | ${f(s.cpuSamplesPerSecond, 0)} samples/CPU-s | ${f(s.macsPerSample / 1e6, 2)} M MACs/sample executed (dense ${f(s.denseMacsPerSample / 1e6, 2)} M) | ${f(s.gflops, 2)} GFLOP/s`);
    console.log(`    per phase, CPU s/epoch: ${phases(s.phaseCpuSecondsPerEpoch)}`);
  };
  console.log(`selfprop bench — SNN ${result.network}, ${task}, backend ${result.backend}, one thread${helpers ? ` (and the exact network on ${threadCount})` : ''}`);
  console.log(`data: ${result.data}; ${result.extrapolated}; best of ${rounds} interleaved rounds`);
  for (const d of main.implementation) console.log(`  ${d}`);
  line('exact (lif.precision exact)', summary(main));
  line('fast  (lif.precision fast) ', result.fast);
  console.log(`    fast / exact: ${f(result.fast.speedupOverExact, 2)}× faster`);
  if (result.jsLoops) {
    line('JS loops (the reference)   ', result.jsLoops);
    console.log(`    JS loops / exact: ${f(result.jsLoops.ratioToExact, 2)}×, JS loops / fast: ${f(result.jsLoops.ratioToFast, 2)}×`);
  }
  line('feedforward off (§1.6)     ', result.feedforwardOff);
  if (result.feedforwardParts) {
    const p = result.feedforwardParts;
    console.log(`hidden layer alone (${p.layer}), CPU s/epoch: LIF loop ${f(p.lifOnlyCpuSecondsPerEpoch, 2)} | + σ̃ of every step into a stack ${f(p.lifAndSigmaToStackCpuSecondsPerEpoch, 2)} | + σ̃ times the output weights, fused (as trained) ${f(p.lifSigmaAndProductCpuSecondsPerEpoch, 2)} (${(p.productMacsPerEpoch / 1e9).toFixed(1)} G MACs per epoch in that product)`);
  }
  if (result.threads) {
    const t = result.threads;
    const c = result.feedforwardParts?.halfBatchSecondsAloneAndWithHelper;
    if (c) console.log(`two threads at once: half the batch's hidden layer takes ${f(c.alone * 1000, 2)} ms alone, ${f(c.together * 1000, 2)} ms while a helper runs the other half (${f(c.together / c.alone, 2)}×: what two busy threads cost each other here)`);
    console.log(`exact on ${t.threads} threads (LIF phase): ${f(t.secondsPerEpoch)} s/epoch wall against ${f(epoch(bestWall(exact).seconds))} on one thread (best rounds by wall clock): ${f(t.wallSpeedupOverOneThread, 2)}× | weights after the batches ${t.sameWeightsAsOneThread ? 'the same bits as one thread' : 'DIFFER from one thread'}`);
  }
  console.log(`peak RSS ${f(result.peakRssMiB, 0)} MiB`);
}

function loadMnistFor(dir: string | undefined, rows: number): TaskData {
  return dir ? loadMnistDir(dir, { trainLimit: rows, testLimit: 1 }) : loadEmbeddedMnist({ trainLimit: rows });
}

function fail(message: string): never {
  console.error(`selfprop bench snn: ${message}`);
  process.exit(2);
}
