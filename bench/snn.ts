/**
 * The SNN bench (`npm run bench -- [snn] …`): training throughput of the paper's §1 network, one
 * thread, through the trainer's batch loop (`runSplit`) with a PhaseTimer on the model.
 *
 *   npm run bench -- [snn] [--task mnist|nettalk] [--data DIR] [--batches N] [--batch-size B]
 *                          [--rounds R] [--no-js] [--backend wasm|cpu] [--json]
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
 *
 * Data: --data DIR; else ../shared/data/<task> beside the repository when it is there (development);
 * else, for MNIST, the embedded default (training images 0–9999). NETtalk has no embedded data.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TaskData } from '../src/data/dataset.js';
import { skippedMacs } from '../src/kernels/neurons.js';
import type { KernelsSetting } from '../src/models/family.js';
import type { SnnModel } from '../src/models/snn/model.js';
import { PhaseTimer } from '../src/models/snn/snn.js';
import { loadEmbeddedMnist, loadMnistDir, loadTaskData } from '../src/node/datasets/index.js';
import { getTask } from '../src/tasks/registry.js';
import { macCounter, RandomStream, useBackend, type BackendName } from '../src/tensor/index.js';
import { createModel, identity, runSplit } from '../src/train/loop.js';
import { resolveRunConfig } from '../src/train/run-config.js';
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
    },
  });
  const task = values.task as 'mnist' | 'nettalk';
  if (task !== 'mnist' && task !== 'nettalk') fail('--task takes mnist or nettalk');
  const batchSize = Number(values['batch-size'] ?? (task === 'mnist' ? 50 : 1));
  const batches = Number(values.batches ?? (task === 'mnist' ? 120 : 1000));
  const rounds = Number(values.rounds);
  for (const [name, v] of [['--batches', batches], ['--batch-size', batchSize], ['--rounds', rounds]] as const) {
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

  /** `batches` training batches through the trainer's batch loop, timed per phase. */
  async function measure(label: string, loops: KernelsSetting, precision: Precision, feedforward = true): Promise<Timing> {
    const config = resolveRunConfig({ task, model: 'snn', snn: { rule: 'sbp', feedforward, lif: { precision } }, batchSize, kernels: loops, backend: values.backend });
    const rng = RandomStream.fromSeed(1);
    const model = createModel(config, rng, { train: data.train.count, validation: 0, test: data.test.count }) as SnnModel;
    const timer = new PhaseTimer(cpuClock);
    model.timer = timer;
    const macsBefore = macCounter.total;
    const skippedBefore = skippedMacs.total;
    const cpuBefore = cpuClock();
    const started = performance.now();
    await runSplit(model, getTask(task), data.train, { split: 'train', epochIndex: 0, order: identity(data.train.count), rng, batchSize, maxBatches: batches });
    const seconds = (performance.now() - started) / 1000;
    const macs = macCounter.total - macsBefore;
    return {
      label, seconds, cpuSeconds: cpuClock() - cpuBefore, macs, denseMacs: macs + skippedMacs.total - skippedBefore,
      phases: { ...timer.seconds }, cpuPhases: { ...timer.cpuSeconds }, implementation: model.implementation,
    };
  }

  const exact: Timing[] = [];
  const fast: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    exact.push(await measure('exact', 'wasm', 'exact'));
    fast.push(await measure('fast', 'wasm', 'fast'));
  }
  const best = (runs: Timing[]) => runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
  const main = best(exact);
  const quick = best(fast);
  const js = values['no-js'] ? undefined : await measure('js', 'js', 'exact');
  const off = await measure('feedforward off', 'wasm', 'exact', false);

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
  console.log(`selfprop bench — SNN ${result.network}, ${task}, backend ${result.backend}, one thread`);
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
  console.log(`peak RSS ${f(result.peakRssMiB, 0)} MiB`);
}

function loadMnistFor(dir: string | undefined, rows: number): TaskData {
  return dir ? loadMnistDir(dir, { trainLimit: rows, testLimit: 1 }) : loadEmbeddedMnist({ trainLimit: rows });
}

function fail(message: string): never {
  console.error(`selfprop bench snn: ${message}`);
  process.exit(2);
}
