/**
 * `npm run bench -- smlp`: training throughput of the §3 spiking MLP on MNIST (784-500-10, batch
 * 100, K = 20, Adam 1e-3), one thread, through the trainer's batch loop (`runSplit`), in one
 * process: p = 0, 0.9 and 1 on the WebAssembly kernels (`kernels: "wasm"`) — SBP as §3 specifies
 * it (the layer input X of every step, the Hebbian term), with the reference code's last-step X,
 * and with last-step X and no Hebbian term — and p = 0 on TF.js automatic differentiation
 * (`kernels: "js"`, the reference). Every run starts from the same initial
 * weights and trains on the same images; after untimed warm-up batches (V8 tiers the kernels up),
 * the timed batches are extrapolated to a 60,000-image epoch (said so in the output).
 *
 * Printed per run (with --json, one JSON object per line): model, sbpFraction, variant ("pBP",
 * "SBP as specified", "last-step X", "last-step X, no Hebbian"), path ("kernels" or "autodiff"), secondsPerEpoch, cpuSecondsPerEpoch, samplesPerSecond, opsPerSample (forward and
 * backward operations executed), backwardOpsPerSample, denseMacsPerSample (what dense products of
 * the same shapes cost, forward and backward), backwardDenseMacsPerSample, peakRssMiB, and on the
 * kernels kernelShares: the share of the timed seconds spent in each kernel entry (inputSpikes is
 * the generation of the input spikes from the run's stream).
 *
 *   npm run bench -- smlp [--data DIR] [--images N] [--warmup B] [--autodiff-images N] [--anchor DIR [--python EXE]] [--json]
 *
 * --anchor DIR: a directory holding the same §3 model in plain PyTorch (`snn_lif.py --style s3`,
 * one thread, 6,000 training images, one epoch, printing `RESULT … train_wall=…`); it is run right
 * after the p = 0 kernel run and the ratio of the two is printed (`anchor`, `speedupOverAnchor`).
 * --python: the interpreter that has torch (default python3; Debian's python3-torch belongs to the
 * system python3, and it wants an optimised BLAS such as libopenblas0-pthread to be fast).
 *
 * Data: --data DIR (the four IDX files); else ../shared/data/mnist beside the repository when it is
 * there (development); else the embedded default (MNIST training images 0–9999).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TaskData } from '../src/data/dataset.js';
import type { KernelsSetting } from '../src/models/family.js';
import { loadEmbeddedMnist, loadMnistDir } from '../src/node/datasets/index.js';
import { SmlpModel } from '../src/models/smlp/index.js';
import { getTask } from '../src/tasks/registry.js';
import { backwardMacCounter, macCounter, RandomStream, useBackend } from '../src/tensor/index.js';
import { createModel, identity, runSplit } from '../src/train/loop.js';
import { resolveRunConfig } from '../src/train/run-config.js';

/** How an SBP batch computes its hidden-layer update (§3). */
const VARIANTS = {
  pBP: {},
  'SBP as specified': { sbpInput: 'per-step' },
  'last-step X': { sbpInput: 'last-step' },
  'last-step X, no Hebbian': { sbpInput: 'last-step', hebbianWeight: 0 },
} as const;
type Variant = keyof typeof VARIANTS;

export interface SmlpBenchResult {
  readonly model: 'smlp';
  readonly sbpFraction: number;
  readonly variant: Variant;
  readonly path: 'kernels' | 'autodiff';
  readonly measuredSamples: number;
  readonly extrapolated: string;
  readonly secondsPerEpoch: number;
  readonly cpuSecondsPerEpoch: number;
  readonly samplesPerSecond: number;
  readonly opsPerSample: number;
  readonly backwardOpsPerSample: number;
  readonly denseMacsPerSample: number;
  readonly backwardDenseMacsPerSample: number;
  readonly peakRssMiB: number;
  /** Kernels only: the share of the timed wall seconds spent in each kernel entry (input spike generation, forward, …). */
  readonly kernelShares?: Readonly<Record<string, number>>;
}

const EPOCH = 60_000;
const BATCH = 100;

/** One run: `warmup` untimed batches, then `images` timed ones, from the same initial weights. */
async function measure(data: TaskData, p: number, variant: Variant, kernels: KernelsSetting, warmup: number, images: number): Promise<SmlpBenchResult> {
  const config = resolveRunConfig({ model: 'smlp', kernels, smlp: { sbpFraction: p, ...VARIANTS[variant] } });
  const rng = RandomStream.fromSeed(1);
  const model = createModel(config, rng, { train: data.train.count, validation: 0, test: data.test.count });
  const task = getTask('mnist');
  const order = identity(data.train.count);
  // warm-up and timed batches train on the first rows (the order does not change the speed)
  const pass = (batches: number) => runSplit(model, task, data.train, { split: 'train', epochIndex: 0, order, rng, batchSize: BATCH, maxBatches: batches });
  if (warmup > 0) await pass(warmup);
  // dense-equivalent MACs: the models report them per sample as `backwardMacs` (and the forward is K·Σ n_l n_{l+1})
  const kernel = model instanceof SmlpModel ? model.kernel : undefined;
  if (kernel) {
    kernel.profile = true;
    kernel.resetTiming();
  }
  const macs = macCounter.total;
  const backward = backwardMacCounter.total;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const timed = await pass(Math.ceil(images / BATCH));
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = process.cpuUsage(cpu);
  const samples = Math.ceil(images / BATCH) * BATCH;
  const forwardDense = 20 * (784 * 500 + 500 * 10);
  const backwardDense = timed.measures.backwardMacs;
  const { calls: _calls, ...entries } = kernel?.timing ?? { calls: 0 };
  const kernelShares = kernel ? Object.fromEntries(Object.entries(entries).map(([k, ms]) => [k, ms / 1000 / seconds])) : undefined;
  return {
    model: 'smlp',
    sbpFraction: p,
    variant,
    path: kernels === 'wasm' ? 'kernels' : 'autodiff',
    measuredSamples: samples,
    extrapolated: `seconds per epoch extrapolated from ${samples} images to ${EPOCH}`,
    secondsPerEpoch: (seconds * EPOCH) / samples,
    cpuSecondsPerEpoch: (((cpuUsed.user + cpuUsed.system) / 1e6) * EPOCH) / samples,
    samplesPerSecond: samples / seconds,
    opsPerSample: (macCounter.total - macs) / samples,
    backwardOpsPerSample: (backwardMacCounter.total - backward) / samples,
    denseMacsPerSample: forwardDense + backwardDense,
    backwardDenseMacsPerSample: backwardDense,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    kernelShares,
  };
}

/** The PyTorch anchor: one epoch of 6,000 images; its wall seconds scaled to 60,000. */
function runAnchor(dir: string, python: string): { secondsPerEpoch: number; testAccuracy: number } {
  const script = resolve(dir, 'snn_lif.py');
  if (!existsSync(script)) throw new Error(`--anchor ${dir}: no snn_lif.py there`);
  const out = execFileSync(python, [script, '--style', 's3'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const result = /RESULT.*test_acc=([\d.]+).*train_wall=([\d.]+)/.exec(out);
  if (!result) throw new Error(`--anchor: snn_lif.py printed no RESULT line:\n${out}`);
  const accuracy = Number(result[1]);
  return { secondsPerEpoch: (Number(result[2]) * EPOCH) / 6000, testAccuracy: accuracy > 1 ? accuracy / 100 : accuracy };
}

export async function benchSmlp(argv: string[]): Promise<SmlpBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      images: { type: 'string', default: '6000' },
      'autodiff-images': { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '10' },
      anchor: { type: 'string' },
      python: { type: 'string', default: 'python3' },
      json: { type: 'boolean', default: false },
    },
  });
  const images = Number(values.images);
  const autodiffImages = Number(values['autodiff-images']);
  const warmup = Number(values.warmup);
  if (![images, autodiffImages].every((n) => Number.isInteger(n) && n >= BATCH) || !Number.isInteger(warmup) || warmup < 0) {
    throw new Error('selfprop bench smlp: --images and --autodiff-images take integers ≥ 100, --warmup a non-negative integer');
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const shared = resolve(here, '../../../shared/data/mnist');
  const dir = values.data ?? (existsSync(shared) ? shared : undefined);
  const need = Math.max(warmup * BATCH, images);
  const data = dir ? loadMnistDir(dir, { trainLimit: need, testLimit: 1 }) : loadEmbeddedMnist({ trainLimit: Math.min(need, 8000) });
  await useBackend('wasm');
  const results: SmlpBenchResult[] = [];
  const runs: [number, Variant, KernelsSetting, number][] = [
    [0, 'pBP', 'wasm', images],
    ...[0.9, 1].flatMap((p) => (['SBP as specified', 'last-step X', 'last-step X, no Hebbian'] as const).map((v): [number, Variant, KernelsSetting, number] => [p, v, 'wasm', images])),
    [0, 'pBP', 'js', autodiffImages],
  ];
  for (const [p, variant, kernels, n] of runs) {
    const r = await measure(data, p, variant, kernels, kernels === 'js' ? 2 : warmup, n);
    results.push(r);
    if (values.json) console.log(JSON.stringify(r));
    else {
      console.log(
        `smlp p = ${p} (${variant}) on ${r.path}: ${r.secondsPerEpoch.toFixed(1)} s/epoch (CPU ${r.cpuSecondsPerEpoch.toFixed(1)}) | ${r.samplesPerSecond.toFixed(0)} samples/s | ` +
          `executed ${(r.opsPerSample / 1e6).toFixed(3)} M ops/sample (backward ${(r.backwardOpsPerSample / 1e6).toFixed(3)} M) | dense-equivalent ${(r.denseMacsPerSample / 1e6).toFixed(3)} M MACs/sample (backward ${(r.backwardDenseMacsPerSample / 1e6).toFixed(3)} M) | peak ${r.peakRssMiB.toFixed(0)} MiB`,
      );
      if (r.kernelShares) console.log(`  share of the time per kernel entry: ${Object.entries(r.kernelShares).map(([k, f]) => `${k} ${(100 * f).toFixed(1)} %`).join(', ')}`);
    }
  }
  if (!values.json) console.log(`data: ${data.train.description}; ${results[0].extrapolated} (autodiff: from ${results[results.length - 1].measuredSamples})`);
  if (values.anchor) {
    const anchor = runAnchor(values.anchor, values.python);
    const again = await measure(data, 0, 'pBP', 'wasm', warmup, images); // right after the anchor, for a ratio under the same load
    const line = { anchor: 'PyTorch, snn_lif.py --style s3, one thread', anchorSecondsPerEpoch: anchor.secondsPerEpoch, anchorTestAccuracy: anchor.testAccuracy, selfpropSecondsPerEpoch: again.secondsPerEpoch, speedupOverAnchor: anchor.secondsPerEpoch / again.secondsPerEpoch };
    if (values.json) console.log(JSON.stringify(line));
    else console.log(`anchor (PyTorch §3 model, one thread): ${anchor.secondsPerEpoch.toFixed(1)} s/epoch (test ${(100 * anchor.testAccuracy).toFixed(1)} %); selfprop p = 0 on the kernels, run right after: ${again.secondsPerEpoch.toFixed(1)} s/epoch: ${line.speedupOverAnchor.toFixed(2)}× faster`);
  }
  return results;
}

/** The bench dispatcher's entry (bench/index.ts): benchSmlp prints its own lines. */
export async function run(args: string[]): Promise<void> {
  await benchSmlp(args);
}
