/**
 * Training throughput of the §2 energy ANN on MNIST (784-500-10, batch 20) or NETtalk (189-500-26,
 * batch 1), the paper's defaults (SBP on, literal E_θ, N_s 20, N_w 4), one thread, on the
 * implementations of its loops in the same process: the WebAssembly kernels (sparse presynaptic
 * paths, the default), the same kernels' dense loops, and the reference (TF.js products, JS loops).
 *
 *   node dist/bench/ann.js [--task mnist|nettalk] [--data DIR] [--train N] [--eval N] [--block N]
 *                          [--paths wasm,dense,js] [--backend wasm|cpu] [--json]
 *   (or `npm run bench -- ann …` through a dispatcher that imports `benchAnn`)
 *
 * What it measures. Each path is its own model built from the same seed, trained on the first
 * `--train` rows of the training split (default MNIST 4,000, NETtalk 2,000) and evaluated on the
 * first `--eval` rows of the evaluation split (default MNIST 2,000, NETtalk 500), through the
 * trainer's batch loop (runSplit: its finite checks and scoring included). The paths are
 * interleaved in blocks of `--block` rows (default MNIST 500, NETtalk 250) so that other load on
 * the machine spreads over all of them; wall and CPU seconds are summed per path, with the
 * seconds spent inside the model apart. Seconds per epoch are EXTRAPOLATED from those rows to a
 * whole epoch: MNIST 50,000 training rows plus 10,000 validation and 10,000 test rows evaluated
 * (§2's protocol); NETtalk 5,033 training and 500 test rows. Executed MACs per sample are what the
 * MAC counter saw (the sparse path skips zero presynaptic entries); the dense-equivalent is what
 * dense products would execute (= the reference's count). GFLOP/s = 2 × executed MACs / seconds
 * inside the model. The kernels' per-stage seconds come from AnnKernels' stage timer.
 *
 * Data: --data DIR; else ../shared/data/<task> beside the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Dataset } from '../src/data/dataset.js';
import { annDenseMacs } from '../src/kernels/ann.js';
import type { RunConfigOf } from '../src/train/run-config.js';
import { AnnModel } from '../src/models/ann/model.js';
import type { BatchContext, BatchOutcome, Model } from '../src/models/model.js';
import { loadMnistDir, loadNettalk } from '../src/node/datasets/index.js';
import { getTask } from '../src/tasks/registry.js';
import { macCounter, type Matrix, RandomStream, useBackend, type BackendName } from '../src/tensor/index.js';
import { identity, runData, runSplit } from '../src/train/loop.js';
import { resolveRunConfig } from '../src/train/run-config.js';

export type AnnBenchPath = 'wasm' | 'dense' | 'js';

const PATH_TITLES: Record<AnnBenchPath, string> = {
  wasm: 'WebAssembly kernels, sparse presynaptic paths',
  dense: 'WebAssembly kernels, dense loops',
  js: 'reference: TF.js products, JS loops',
};

export interface AnnBenchPathResult {
  readonly path: AnnBenchPath;
  readonly title: string;
  readonly implementation: readonly string[];
  /** Extrapolated to one epoch (see `extrapolated`). */
  readonly secondsPerEpoch: number;
  readonly cpuSecondsPerEpoch: number;
  /** The part of secondsPerEpoch spent inside the model (the rest: the trainer's batch loop). */
  readonly modelSecondsPerEpoch: number;
  readonly trainSamplesPerSecond: number;
  readonly evalSamplesPerSecond: number;
  readonly trainMacsPerSample: number;
  readonly trainDenseMacsPerSample: number;
  readonly evalMacsPerSample: number;
  readonly evalDenseMacsPerSample: number;
  /** 2 × executed MACs / seconds inside the model (training and evaluation together). */
  readonly gflops: number;
  /** The kernels' stages, seconds per epoch (WebAssembly paths only). */
  readonly stageSecondsPerEpoch?: Record<string, number>;
}

export interface AnnBenchResult {
  readonly task: 'mnist' | 'nettalk';
  readonly network: string;
  readonly backend: string;
  readonly data: string;
  readonly measuredTrainSamples: number;
  readonly measuredEvalSamples: number;
  readonly extrapolated: string;
  readonly paths: AnnBenchPathResult[];
  /** Peak resident memory of this process (all paths' models and the data together), MiB. */
  readonly peakRssMiB: number;
}

interface Tally {
  wall: number;
  cpu: number;
  model: number;
  macs: number;
  dense: number;
  samples: number;
}

const tally = (): Tally => ({ wall: 0, cpu: 0, model: 0, macs: 0, dense: 0, samples: 0 });

/** Run the bench; `args` are the command-line arguments after the bench's name. */
export async function benchAnn(args: readonly string[] = []): Promise<AnnBenchResult> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      task: { type: 'string', default: 'mnist' },
      data: { type: 'string' },
      train: { type: 'string' },
      eval: { type: 'string' },
      block: { type: 'string' },
      paths: { type: 'string', default: 'wasm,dense,js' },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const task = values.task as 'mnist' | 'nettalk';
  if (task !== 'mnist' && task !== 'nettalk') throw new Error(`bench ann: --task mnist or nettalk, got ${values.task}`);
  const paths = values.paths.split(',').map((p) => p.trim()) as AnnBenchPath[];
  for (const p of paths) if (!(p in PATH_TITLES)) throw new Error(`bench ann: unknown path "${p}" (wasm, dense, js)`);
  const mnist = task === 'mnist';
  const count = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench ann: --${name} takes a positive integer`);
    return n;
  };
  const trainSamples = count(values.train, mnist ? 4000 : 2000, 'train');
  const evalSamples = count(values.eval, mnist ? 2000 : 500, 'eval');
  const block = count(values.block, mnist ? 500 : 250, 'block');

  const here = dirname(fileURLToPath(import.meta.url));
  const dir = values.data ?? [resolve(here, '../../../shared/data', task), resolve(here, '../../shared/data', task)].find((d) => existsSync(d));
  if (!dir) throw new Error(`bench ann: no ${task} data: pass --data DIR`);

  await useBackend(values.backend as BackendName);
  const config = resolveRunConfig({ task, model: 'ann', backend: values.backend }) as RunConfigOf<'ann'>;
  const loaded = mnist ? loadMnistDir(dir) : loadNettalk(dir, { mode: 'paper' }).data;
  const data = runData(config, loaded);
  const evalSet = data.validation ?? data.test;
  const epochTrain = data.train.count;
  const epochEval = (data.validation?.count ?? 0) + data.test.count;
  const taskDef = getTask(task);
  const B = config.batchSize;
  const layers = config.ann.layers;
  const iterations = config.ann.sleepIterations + config.ann.wakeIterations;
  const rows = { train: data.train.count, validation: data.validation?.count ?? 0, test: data.test.count };

  const models = paths.map((path) => {
    const model = new AnnModel(config.ann, { rng: RandomStream.fromSeed(1), rows, kernels: path === 'js' ? 'js' : 'wasm', batchSize: B, wasm: { sparse: path !== 'dense' } });
    const kernels = (model.loops as { kernels?: { stages?: Record<string, number> } }).kernels;
    if (kernels) kernels.stages = {};
    // the time inside the model
    const inModel = { seconds: 0 };
    type Batch = (x: Matrix, y: Matrix, context: BatchContext) => BatchOutcome;
    const timed = (f: Batch): Batch => (x, y, context) => {
      const t = performance.now();
      try {
        return f(x, y, context);
      } finally {
        inModel.seconds += (performance.now() - t) / 1000;
      }
    };
    const wrapped = Object.create(model) as Model; // the model, with its two batch calls timed
    wrapped.trainBatch = timed((x, y, c) => model.trainBatch(x, y, c));
    wrapped.evaluateBatch = timed((x, y, c) => model.evaluateBatch(x, y, c));
    return { path, model, wrapped, inModel, kernels, rng: RandomStream.fromSeed(2), train: tally(), eval: tally() };
  });

  const order = { train: identity(data.train.count), eval: identity(evalSet.count) };
  const pass = async (m: (typeof models)[number], split: 'train' | 'eval', start: number, n: number, t?: Tally) => {
    const dataset: Dataset = split === 'train' ? data.train : evalSet;
    const before = { macs: macCounter.total, model: m.inModel.seconds, cpu: process.cpuUsage(), wall: performance.now() };
    await runSplit(m.wrapped, taskDef, dataset, {
      split: split === 'train' ? 'train' : data.validation ? 'validation' : 'test',
      epochIndex: 0,
      order: order[split].subarray(start, start + n),
      rng: m.rng,
      batchSize: B,
      maxBatches: Math.ceil(n / B),
    });
    if (!t) return;
    const cpu = process.cpuUsage(before.cpu);
    t.wall += (performance.now() - before.wall) / 1000;
    t.cpu += (cpu.user + cpu.system) / 1e6;
    t.model += m.inModel.seconds - before.model;
    t.macs += macCounter.total - before.macs;
    t.samples += n;
    t.dense += Math.ceil(n / B) * annDenseMacs(layers, B, split === 'train' ? iterations : config.ann.sleepIterations, split === 'train');
  };

  // warm-up (untimed): a few batches each, so that V8 tiers the kernels and the JS loops up
  const warm = Math.min(5 * B, trainSamples);
  for (const m of models) {
    await pass(m, 'train', 0, warm);
    await pass(m, 'eval', 0, Math.min(5 * B, evalSamples));
    if (m.kernels) m.kernels.stages = {};
  }
  // interleaved blocks, training then evaluation
  const trainEnd = Math.min(data.train.count, warm + trainSamples);
  for (let start = warm; start < trainEnd; start += block) {
    const n = Math.min(block, trainEnd - start);
    for (const m of models) await pass(m, 'train', start, n, m.train);
  }
  const evalEnd = Math.min(evalSet.count, evalSamples);
  for (let start = 0; start < evalEnd; start += block) {
    const n = Math.min(block, evalEnd - start);
    for (const m of models) await pass(m, 'eval', start, n, m.eval);
  }

  const per = (t: Tally, v: number) => v / t.samples;
  const results: AnnBenchPathResult[] = models.map((m) => {
    const epoch = (f: (t: Tally) => number) => per(m.train, f(m.train)) * epochTrain + per(m.eval, f(m.eval)) * epochEval;
    const stages = m.kernels?.stages;
    const measured = m.train.model + m.eval.model;
    return {
      path: m.path,
      title: PATH_TITLES[m.path],
      implementation: m.model.implementation,
      secondsPerEpoch: epoch((t) => t.wall),
      cpuSecondsPerEpoch: epoch((t) => t.cpu),
      modelSecondsPerEpoch: epoch((t) => t.model),
      trainSamplesPerSecond: m.train.samples / m.train.wall,
      evalSamplesPerSecond: m.eval.samples / m.eval.wall,
      trainMacsPerSample: per(m.train, m.train.macs),
      trainDenseMacsPerSample: per(m.train, m.train.dense),
      evalMacsPerSample: per(m.eval, m.eval.macs),
      evalDenseMacsPerSample: per(m.eval, m.eval.dense),
      gflops: (2 * (m.train.macs + m.eval.macs)) / measured / 1e9,
      // the stages were timed over the measured training and evaluation rows together: scaled by
      // the epoch's seconds inside the model over the measured ones
      stageSecondsPerEpoch: stages && Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, (v * epoch((t) => t.model)) / measured])),
    };
  });
  return {
    task,
    network: `${layers.join('-')}, batch ${B}, ${config.ann.sbp ? `SBP on (${config.ann.sbpEnergy} E_θ)` : 'SBP off'}, N_s ${config.ann.sleepIterations}, N_w ${config.ann.wakeIterations}`,
    backend: values.backend,
    data: `${data.train.description}; evaluation: ${evalSet.description}`,
    measuredTrainSamples: models[0].train.samples,
    measuredEvalSamples: models[0].eval.samples,
    extrapolated: `seconds per epoch extrapolated from ${models[0].train.samples} training and ${models[0].eval.samples} evaluation rows per path to ${epochTrain} training and ${epochEval} evaluation rows (${mnist ? 'validation 10,000 + test 10,000' : 'test 500'})`,
    paths: results,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** The report, for humans. */
export function formatAnnBench(r: AnnBenchResult): string {
  const f = (v: number, d = 1) => v.toFixed(d);
  const lines = [
    `selfprop bench ann — ${r.task}: ${r.network}, backend ${r.backend}, one thread`,
    `data: ${r.data}`,
    r.extrapolated,
  ];
  for (const p of r.paths) {
    lines.push(
      `${p.title}: ${f(p.secondsPerEpoch)} s/epoch (CPU ${f(p.cpuSecondsPerEpoch)}, inside the model ${f(p.modelSecondsPerEpoch)}) | train ${f(p.trainSamplesPerSecond, 0)} samples/s, eval ${f(p.evalSamplesPerSecond, 0)} samples/s | MACs/sample train ${f(p.trainMacsPerSample / 1e3)} k (dense ${f(p.trainDenseMacsPerSample / 1e3)} k), eval ${f(p.evalMacsPerSample / 1e3)} k (dense ${f(p.evalDenseMacsPerSample / 1e3)} k) | ${f(p.gflops, 2)} GFLOP/s`,
    );
    if (p.stageSecondsPerEpoch) lines.push(`  stages (s/epoch): ${Object.entries(p.stageSecondsPerEpoch).map(([k, v]) => `${k} ${f(v, 2)}`).join(', ')}`);
  }
  const js = r.paths.find((p) => p.path === 'js');
  const wasm = r.paths.find((p) => p.path === 'wasm');
  if (js && wasm) lines.push(`kernels vs reference: ${f(js.secondsPerEpoch / wasm.secondsPerEpoch, 2)}× per epoch, ${f(js.modelSecondsPerEpoch / wasm.modelSecondsPerEpoch, 2)}× inside the model`);
  lines.push(`peak RSS of this process (every path's model): ${f(r.peakRssMiB, 0)} MiB`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const result = await benchAnn(args);
  console.log(args.includes('--json') ? JSON.stringify(result) : formatAnnBench(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`selfprop bench ann: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
