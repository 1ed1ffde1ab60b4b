/**
 * `npm run bench`: training throughput of the paper's 784-500-10 SBP network on MNIST, one thread.
 *
 * Runs a fixed number of training batches (default 120 = 6,000 images) and extrapolates to a
 * 60,000-image epoch (said so in the output), with a per-phase time breakdown, the MACs executed
 * per sample and the GFLOP/s the matrix products achieved. The same batches are then run with the
 * feedforward phase off (§1.6), and paper-exact on the JS neuron loops instead of the WebAssembly
 * kernels (src/kernels), in the same process, for the ratios.
 *
 *   npm run bench -- [--data DIR] [--batches N] [--batch-size B] [--backend wasm|cpu] [--kernels wasm|js] [--json]
 *
 * --kernels: the neuron loops of the main runs (default: the kernels where they load).
 * --batch-size: rows per batch (default 50, the paper's; `--batches` counts batches of this size).
 *
 * Data: --data DIR (the four IDX files); else ../shared/data/mnist beside the repository when it is
 * there (development); else the embedded default (MNIST training images 0–9999).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KernelsSetting } from '../src/models/family.js';
import type { SnnModel } from '../src/models/snn/model.js';
import { PhaseTimer } from '../src/models/snn/snn.js';
import { loadEmbeddedMnist, loadMnistDir } from '../src/node/datasets/index.js';
import { getTask } from '../src/tasks/registry.js';
import { macCounter, matMul, RandomStream, useBackend, type BackendName } from '../src/tensor/index.js';
import { createModel, identity, runSplit } from '../src/train/loop.js';
import { resolveRunConfig } from '../src/train/run-config.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    batches: { type: 'string', default: '120' },
    'batch-size': { type: 'string', default: '50' },
    backend: { type: 'string', default: 'wasm' },
    kernels: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const sharedMnist = resolve(here, '../../../shared/data/mnist');
const dataDir = values.data ?? (existsSync(sharedMnist) ? sharedMnist : undefined);
const batches = Number(values.batches);
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batches) || batches < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
  console.error('selfprop bench: --batches and --batch-size take positive integers');
  process.exit(2);
}
const epochImages = 60_000;

await useBackend(values.backend as BackendName);
const kernels = (values.kernels ?? 'wasm') as KernelsSetting;
const data = dataDir ? loadMnistDir(dataDir, { trainLimit: batches * batchSize, testLimit: 1 }) : loadEmbeddedMnist({ trainLimit: batches * batchSize });

interface Timing {
  seconds: number;
  /** CPU seconds of this (single-threaded) process: close to wall time on an idle machine, and much
   *  less disturbed than wall time when other work shares the cores. */
  cpuSeconds: number;
  macs: number;
  phases: Record<string, number>;
}

/** `batches` training batches through the trainer's batch loop, timed per phase. */
async function run(feedforward: boolean, loops: KernelsSetting): Promise<Timing> {
  const config = resolveRunConfig({ model: 'snn', snn: { rule: 'sbp', feedforward }, batchSize, kernels: loops, backend: values.backend });
  const rng = RandomStream.fromSeed(1);
  const model = createModel(config, rng, { train: data.train.count, validation: 0, test: data.test.count }) as SnnModel;
  const timer = new PhaseTimer();
  model.timer = timer;
  const macsBefore = macCounter.total;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await runSplit(model, getTask('mnist'), data.train, { split: 'train', epochIndex: 0, order: identity(data.train.count), rng, batchSize, maxBatches: batches });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, macs: macCounter.total - macsBefore, phases: { ...timer.seconds } };
}

/** GFLOP/s of the dominant product alone (50×784 · 784×500), for reference. */
function productRate(): number {
  const a = { rows: 50, cols: 784, data: new Float32Array(50 * 784).fill(0.5) };
  const b = { rows: 784, cols: 500, data: new Float32Array(784 * 500).fill(0.01) };
  for (let i = 0; i < 20; i++) matMul(a, b);
  const started = performance.now();
  const reps = 200;
  for (let i = 0; i < reps; i++) matMul(a, b);
  return (2 * 50 * 784 * 500 * reps) / ((performance.now() - started) / 1000) / 1e9;
}

const on = await run(true, kernels);
const off = await run(false, kernels);
// baseline: paper-exact on the other implementation of the loops
const otherKernels: KernelsSetting = kernels === 'wasm' ? 'js' : 'wasm';
const other: Timing | undefined = await run(true, otherKernels).catch(() => undefined); // undefined: the kernels do not load here
const samples = batches * batchSize;
const secondsPerEpoch = (on.seconds * epochImages) / samples;
const result = {
  network: `784-500-10 SBP, batch ${batchSize}, paper-exact (feedforward on)`,
  backend: values.backend,
  neuronKernels: kernels,
  data: data.train.description,
  measuredSamples: samples,
  extrapolated: `seconds per epoch extrapolated from ${samples} images to ${epochImages}`,
  secondsPerEpoch,
  cpuSecondsPerEpoch: (on.cpuSeconds * epochImages) / samples,
  samplesPerSecond: samples / on.seconds,
  macsPerSample: on.macs / samples,
  gflops: (2 * on.macs) / on.seconds / 1e9,
  phaseSecondsPerEpoch: Object.fromEntries(Object.entries(on.phases).map(([k, v]) => [k, (v * epochImages) / samples])),
  feedforwardOff: {
    secondsPerEpoch: (off.seconds * epochImages) / samples,
    cpuSecondsPerEpoch: (off.cpuSeconds * epochImages) / samples,
    samplesPerSecond: samples / off.seconds,
    macsPerSample: off.macs / samples,
    speedup: on.seconds / off.seconds,
  },
  otherNeuronLoops: other && {
    neuronKernels: otherKernels,
    secondsPerEpoch: (other.seconds * epochImages) / samples,
    cpuSecondsPerEpoch: (other.cpuSeconds * epochImages) / samples,
    phaseSecondsPerEpoch: Object.fromEntries(Object.entries(other.phases).map(([k, v]) => [k, (v * epochImages) / samples])),
    speedup: other.seconds / on.seconds,
  },
  productGflops: productRate(),
};

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  const f = (v: number, d = 1) => v.toFixed(d);
  console.log(`selfprop bench — ${result.network}, backend ${result.backend}, neuron loops ${kernels === 'wasm' ? 'WebAssembly kernels' : 'JS'}, one thread`);
  console.log(`data: ${result.data}; ${result.extrapolated}`);
  console.log(`seconds/epoch ${f(secondsPerEpoch)} (CPU ${f(result.cpuSecondsPerEpoch)}) | ${f(result.samplesPerSecond, 0)} samples/s | ${(result.macsPerSample / 1e6).toFixed(2)} M MACs/sample | ${f(result.gflops, 2)} GFLOP/s overall`);
  console.log(`  per phase (s/epoch): ${Object.entries(result.phaseSecondsPerEpoch).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
  console.log(`  feedforward off (§1.6): ${f(result.feedforwardOff.secondsPerEpoch)} s/epoch (CPU ${f(result.feedforwardOff.cpuSecondsPerEpoch)}), ${(result.feedforwardOff.macsPerSample / 1e6).toFixed(2)} M MACs/sample, ${f(result.feedforwardOff.speedup, 2)}× faster`);
  const o = result.otherNeuronLoops;
  if (o) {
    console.log(`  paper-exact on the ${o.neuronKernels === 'js' ? 'JS neuron loops' : 'WebAssembly kernels'}: ${f(o.secondsPerEpoch)} s/epoch (CPU ${f(o.cpuSecondsPerEpoch)}); this run ${f(o.speedup, 2)}× ${o.speedup >= 1 ? 'faster' : 'slower'}`);
    console.log(`    per phase (s/epoch): ${Object.entries(o.phaseSecondsPerEpoch).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
  }
  console.log(`  the 50×784·784×500 product alone: ${f(result.productGflops, 1)} GFLOP/s`);
}
