/**
 * The epoch/batch loop of the §1 network: batches in dataset order (or shuffled), the four phases
 * per batch, evaluation on the held-out rows after every epoch, one JSON line of metrics per epoch,
 * an atomic checkpoint per epoch, and a stop with a clear error as soon as anything turns NaN/Inf.
 * The library never prints: progress goes to the hooks.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdOutValidation, type Dataset, type TaskData } from '../data/dataset.js';
import { ConfigError, DivergenceError, SelfpropError } from '../errors.js';
import type { BatchOutcome, Model, Split, SplitRows } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { getTask } from '../tasks/registry.js';
import { allFinite, macCounter, type Matrix, RandomStream, useBackend } from '../tensor/index.js';
import { writeFileAtomic } from './atomic.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { validationRowsFor, type RunConfig } from './run-config.js';
import { saveWeightsJson, saveWeightsNpy } from './weights-file.js';

export interface EpochMetrics {
  epoch: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** SNN: the Hopfield energy E and cost C (§1.5), means over rows (other models: their measures). */
  trainEnergy?: number;
  trainCost?: number;
  testEnergy?: number;
  testCost?: number;
  /** SNN: mean |s⁰| of the hidden neurons (σ̃ is nearly linear while it is small). */
  trainHiddenActivity?: number;
  testHiddenActivity?: number;
  /** Wall seconds of the epoch: training plus evaluation. */
  seconds: number;
  trainSeconds: number;
  testSeconds: number;
  /** Multiply-accumulates executed in the epoch (training plus evaluation). */
  macs: number;
  trainMacsPerSample: number;
  /** The §4 operations per sample of this network and rule. */
  paperOpsPerSample: number;
  /** Spikes per sample in phase (a), per layer (training). */
  spikesPerSample: number[];
  trainSamples: number;
  testSamples: number;
  /** Peak resident memory of the process so far, MiB. */
  peakRssMiB: number;
  [extra: string]: number | number[] | undefined;
}

export interface ProgressInfo {
  phase: Split;
  epoch: number;
  batch: number;
  batches: number;
  samples: number;
  runningScore: number;
}

export interface TrainingHooks {
  onStart?(info: { startEpoch: number; epochs: number; trainRows: number; validationRows: number; testRows: number; resumed: boolean }): void;
  onBatch?(info: ProgressInfo): void;
  onEpoch?(metrics: EpochMetrics): void;
}

export interface TrainingOptions {
  /** Where config.json, metrics.jsonl, checkpoint.json and the weights go; nothing written when absent. */
  outDir?: string;
  /** Continue from OUT/checkpoint.json. */
  resume?: boolean;
  hooks?: TrainingHooks;
}

export interface TrainingResult {
  model: Model;
  history: EpochMetrics[];
}

interface PhaseTotals {
  score: number;
  measures: Record<string, number>;
  spikes: number[];
  extra: Record<string, number>;
  seconds: number;
  macs: number;
}

/**
 * Train `config` on `data`. When the run holds out validation rows (`validationRows`, §2), the last
 * rows of `data.train` are evaluated every epoch beside the test rows, as `validationAccuracy`.
 */
export async function train(config: RunConfig, loaded: TaskData, options: TrainingOptions = {}): Promise<TrainingResult> {
  await useBackend(config.backend);
  const data = holdOutValidation(loaded, validationRowsFor(config, loaded.train.count));
  const splitRows: SplitRows = { train: data.train.count, validation: data.validation?.count ?? 0, test: data.test.count };
  const { outDir, hooks = {} } = options;
  const checkpointPath = outDir && join(outDir, 'checkpoint.json');
  const metricsPath = outDir && join(outDir, 'metrics.jsonl');

  let model: Model;
  let rng: RandomStream;
  let startEpoch = 0;
  let history: EpochMetrics[] = [];
  const resumed = Boolean(options.resume && checkpointPath && existsSync(checkpointPath));
  if (options.resume && !resumed) {
    throw new SelfpropError(`--resume: no checkpoint at ${checkpointPath ?? '(no output directory)'}`);
  }
  if (resumed && checkpointPath && metricsPath) {
    const ckpt = loadCheckpoint(checkpointPath, splitRows);
    const differing = differingField(ckpt.config, config);
    if (differing) {
      throw new ConfigError(`--resume: ${checkpointPath} was made with a different "${differing}"; resume with the run's own config (only epochs may change)`);
    }
    model = ckpt.model;
    rng = RandomStream.fromState(ckpt.rngState);
    startEpoch = ckpt.epoch;
    history = readHistory(metricsPath).filter((m) => m.epoch <= startEpoch);
    writeFileAtomic(metricsPath, history.map((m) => JSON.stringify(m) + '\n').join(''));
  } else {
    rng = RandomStream.fromSeed(config.seed);
    model = createModel(config, rng, true, splitRows);
    if (outDir && metricsPath) {
      mkdirSync(outDir, { recursive: true });
      writeFileAtomic(join(outDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      writeFileAtomic(metricsPath, '');
    }
  }

  const task = getTask(config.task);
  const opsPerSample = model.paperOpsPerSample();
  hooks.onStart?.({ startEpoch, epochs: config.epochs, trainRows: data.train.count, validationRows: splitRows.validation, testRows: data.test.count, resumed });

  for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
    const order = config.shuffle ? rng.permutation(data.train.count) : identity(data.train.count);
    const trainTotals = runPhase('train', epoch, data.train, order);
    const validationTotals = data.validation && runPhase('validation', epoch, data.validation, identity(data.validation.count));
    const testTotals = runPhase('test', epoch, data.test, identity(data.test.count));
    const validationMetrics = validationTotals
      ? {
          validationAccuracy: validationTotals.score,
          ...prefixed('validation', validationTotals.measures),
          ...prefixed('validation', validationTotals.extra),
          validationSeconds: validationTotals.seconds,
          validationSamples: data.validation?.count,
        }
      : {};
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      trainAccuracy: trainTotals.score,
      testAccuracy: testTotals.score,
      ...prefixed('train', trainTotals.measures),
      ...prefixed('test', testTotals.measures),
      seconds: trainTotals.seconds + testTotals.seconds + (validationTotals?.seconds ?? 0),
      trainSeconds: trainTotals.seconds,
      testSeconds: testTotals.seconds,
      macs: trainTotals.macs + testTotals.macs + (validationTotals?.macs ?? 0),
      trainMacsPerSample: trainTotals.macs / Math.max(1, data.train.count),
      paperOpsPerSample: opsPerSample,
      spikesPerSample: trainTotals.spikes,
      trainSamples: data.train.count,
      testSamples: data.test.count,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      ...prefixed('train', trainTotals.extra),
      ...prefixed('test', testTotals.extra),
      ...validationMetrics,
    };
    history.push(metrics);
    if (checkpointPath && metricsPath) {
      saveCheckpoint(checkpointPath, { epoch: epoch + 1, config, model, rngState: rng.state(), rows: splitRows });
      appendFileSync(metricsPath, JSON.stringify(metrics) + '\n');
    }
    hooks.onEpoch?.(metrics);
  }
  if (outDir) {
    saveWeightsJson(join(outDir, 'weights.json'), [...model.layers], model.parameters);
    saveWeightsNpy(join(outDir, 'weights'), model.parameters);
  }
  return { model, history };

  function runPhase(phase: Split, epoch: number, dataset: Dataset, order: Int32Array): PhaseTotals {
    const rowsPerBatch = config.batchSize;
    const batches = Math.ceil(dataset.count / rowsPerBatch);
    const outputs = new Float32Array(dataset.count * dataset.targetSize);
    const x = new Float32Array(rowsPerBatch * dataset.inputSize);
    const y = new Float32Array(rowsPerBatch * dataset.targetSize);
    const spikes = model.layers.map(() => 0);
    const measures: Record<string, number> = {};
    let correctSoFar = 0;
    const macsBefore = macCounter.total;
    const started = performance.now();
    for (let batch = 0; batch < batches; batch++) {
      const start = batch * rowsPerBatch;
      const rows = Math.min(rowsPerBatch, dataset.count - start);
      const indices = order.subarray(start, start + rows);
      const xb = gather(dataset.inputs, dataset.inputSize, indices, x);
      const yb = gather(dataset.targets, dataset.targetSize, indices, y);
      const context = { rng, epochIndex: epoch, rows: indices, split: phase };
      const outcome: BatchOutcome = phase === 'train' ? model.trainBatch(xb, yb, context) : model.evaluateBatch(xb, yb, context);
      checkFinite(phase, epoch, batch, outcome, phase === 'test' && batch === batches - 1);
      outputs.set(outcome.output.data, start * dataset.targetSize);
      for (const [name, value] of Object.entries(outcome.measures)) measures[name] = (measures[name] ?? 0) + value * rows;
      outcome.spikes?.forEach((s, k) => (spikes[k] += s));
      correctSoFar += task.score(outcome.output.data, dataset, indices).primary * rows;
      hooks.onBatch?.({ phase, epoch: epoch + 1, batch: batch + 1, batches, samples: start + rows, runningScore: correctSoFar / (start + rows) });
    }
    const scores = task.score(outputs, dataset, order);
    const n = Math.max(1, dataset.count);
    return {
      score: scores.primary,
      measures: Object.fromEntries(Object.entries(measures).map(([name, total]) => [name, total / n])),
      spikes: spikes.map((s) => s / n),
      extra: scores.extra,
      seconds: (performance.now() - started) / 1000,
      macs: macCounter.total - macsBefore,
    };
  }

  /**
   * After every batch: the outputs, measures and parameters (cheap); the persistent state (which for
   * the §2 model holds every example's state) only at the epoch's end, before the checkpoint.
   */
  function checkFinite(phase: string, epoch: number, batch: number, outcome: BatchOutcome, everything = false): void {
    const measuresFinite = Object.values(outcome.measures).every((v) => Number.isFinite(v));
    const { weights, biases } = model.parameters;
    const bad = !allFinite(outcome.output.data) || !measuresFinite
      ? 'the outputs'
      : weights.some((w) => !allFinite(w.data)) || biases.some((b) => !allFinite(b))
        ? 'the weights'
        : everything && model.checkpointArrays().some((a) => a instanceof Float32Array && !allFinite(a))
          ? 'the neuron states'
          : undefined;
    if (bad) {
      const kept = checkpointPath && existsSync(checkpointPath) ? `; the last good checkpoint (${checkpointPath}) is intact` : '';
      throw new DivergenceError(`training diverged: NaN/Inf in ${bad} at epoch ${epoch + 1}, ${phase} batch ${batch + 1}${kept}`);
    }
  }
}

/** The first top-level field (other than epochs) in which two configs differ. */
export function differingField(a: RunConfig, b: RunConfig): string | undefined {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (key === 'epochs') continue;
    const av = canonicalJson((a as unknown as Record<string, unknown>)[key]);
    const bv = canonicalJson((b as unknown as Record<string, unknown>)[key]);
    if (av !== bv) return key;
  }
  return undefined;
}

/** JSON with object keys sorted, so that equal configs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Copy the rows `indices` of a row-major matrix into `buffer`; a Matrix view of them. */
function gather(source: Float32Array, cols: number, indices: Int32Array, buffer: Float32Array): Matrix {
  for (let r = 0; r < indices.length; r++) {
    const from = indices[r] * cols;
    buffer.set(source.subarray(from, from + cols), r * cols);
  }
  return { rows: indices.length, cols, data: buffer.subarray(0, indices.length * cols) };
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k[0].toUpperCase() + k.slice(1), v]));
}

/** The epochs logged in a run's metrics.jsonl (empty when there is none). */
export function readHistory(path: string): EpochMetrics[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as EpochMetrics);
}
