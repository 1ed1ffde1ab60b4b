/**
 * The training loop, over data in memory: batches in dataset order (or shuffled), a model's
 * training batch each, evaluation on the held-out rows after every epoch, one record of metrics
 * per epoch, and a stop with a clear error as soon as anything turns NaN/Inf. The loop never
 * prints and never writes: progress goes to the hooks, and persistence (checkpoints, logs,
 * weights on disk: selfprop/node's `trainRun`) to `onEpochEnd`.
 *
 * `runSplit` is the one batch loop: training, evaluation, `selfprop eval` and the bench all run
 * batches through it.
 */
import type { LifThreads } from '../kernels/lif-threads.js';
import { datasetRows, holdOutValidation, type Dataset, type TaskData } from '../data/dataset.js';
import { ConfigError, DataFormatError, DivergenceError } from '../errors.js';
import { getFamily } from '../models/registry.js';
import type { BatchOutcome, Model, ModelParameters, Split, SplitRows } from '../models/model.js';
import { getTask } from '../tasks/registry.js';
import type { Task } from '../tasks/task.js';
import { allFinite, macCounter, type Matrix, RandomStream, useBackend } from '../tensor/index.js';
import { familyConfig, modelLayers, validationRowsFor, type RunConfig } from './run-config.js';

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
  /** Peak resident memory of the process so far, MiB (where the host can tell). */
  peakRssMiB?: number;
  [extra: string]: number | number[] | undefined;
}

export interface ProgressInfo {
  phase: Split;
  epoch: number;
  batch: number;
  batches: number;
  /** Rows done in this pass so far (this batch included). */
  samples: number;
  /** The task's primary score over the rows done so far. */
  runningScore: number;
  /** This batch's measures (SNN: energy, cost, hidden activity; S-MLP: loss), means over its rows. */
  measures: Readonly<Record<string, number>>;
}

export interface StartInfo {
  readonly model: Model;
  readonly startEpoch: number;
  readonly epochs: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly testRows: number;
  readonly resumed: boolean;
}

export interface TrainingHooks {
  onStart?(info: StartInfo): void;
  /** After every batch; a returned promise is awaited (a page's worker yields or pauses here). */
  onBatch?(info: ProgressInfo): void | Promise<void>;
  onEpoch?(metrics: EpochMetrics): void;
}

/** Where a run continues from (a decoded checkpoint). */
export interface ResumePoint {
  /** Epochs finished. */
  readonly epoch: number;
  readonly model: Model;
  readonly rngState: readonly number[];
  readonly history: readonly EpochMetrics[];
}

/** The state at the end of an epoch, for persistence. */
export interface EpochEnd {
  readonly epoch: number;
  readonly model: Model;
  readonly rng: RandomStream;
  readonly history: readonly EpochMetrics[];
  readonly rows: SplitRows;
}

export interface TrainingOptions {
  hooks?: TrainingHooks;
  /** Initial weights and biases, replacing the drawn ones (a run's `initWeights`, loaded). */
  initial?: ModelParameters;
  /** Continue a run (its model, stream and history). */
  resumeFrom?: ResumePoint;
  /** Called at the end of every epoch, after its metrics (awaited): where a host persists the run. */
  onEpochEnd?(end: EpochEnd): void | Promise<void>;
  /** The process's peak resident memory in MiB, where the host can tell. */
  memoryMiB?: () => number;
  /**
   * Stop after this many training batches over the run (a page's quick look, a smoke test). The
   * epoch it stops in is evaluated as usual; its metrics' `trainSamples` are the rows trained.
   */
  maxBatches?: number;
  /**
   * Train on the TF.js backend the host has already selected (a page's WebGL or WebGPU, which the
   * config's `backend` cannot name) instead of switching to the config's.
   */
  keepBackend?: boolean;
  /** Helper threads for the model's hot loops (the host makes them: selfprop/node's `lifThreads`); results are the same bits. */
  threads?: LifThreads;
}

export interface TrainingResult {
  model: Model;
  history: EpochMetrics[];
}

/** The splits a run trains and evaluates on: the validation rows held out, each split checked non-empty. */
export function runData(config: RunConfig, loaded: TaskData): TaskData {
  const data = holdOutValidation(loaded, validationRowsFor(config, loaded.train.count));
  const splits: [string, Dataset | undefined][] = [['training', data.train], ['validation', data.validation], [loaded.evalKind === 'test' ? 'test' : 'held-out', data.test]];
  for (const [name, d] of splits) {
    if (d && d.count === 0) throw new DataFormatError(d.description, `the ${name} set holds 0 rows: nothing to ${name === 'training' ? 'train on' : 'evaluate'}`);
  }
  const layers = modelLayers(config);
  if (data.train.inputSize !== layers[0] || data.train.targetSize !== layers[layers.length - 1]) {
    throw new ConfigError(
      `${config.model}.layers [${layers.join(',')}] do not fit the data: its rows have ${data.train.inputSize} inputs and ${data.train.targetSize} targets`,
    );
  }
  return data;
}

export const rowsOf = (data: TaskData): SplitRows => ({ train: data.train.count, validation: data.validation?.count ?? 0, test: data.test.count });

/**
 * A fresh model for a run: initial values drawn from `rng` (always, so the stream continues the
 * same way). Its per-batch state is sized for the largest batch the run makes: the batch size, or
 * fewer when no split has that many rows (a batch larger than the data is the whole split).
 */
export function createModel(config: RunConfig, rng: RandomStream, rows: SplitRows, initial?: ModelParameters): Model {
  return getFamily(config.model).create(familyConfig(config), { rng, batchSize: batchRows(config.batchSize, rows), rows, kernels: config.kernels, initial });
}

/** The rows of a run's largest batch: the batch size, or the largest split when none is that large. */
export function batchRows(batchSize: number, rows: SplitRows): number {
  const largest = Math.max(rows.train, rows.validation, rows.test);
  return largest > 0 ? Math.min(batchSize, largest) : batchSize;
}

/**
 * Train `config` on `data`. When the run holds out validation rows (`validationRows`, §2), the last
 * rows of `data.train` are evaluated every epoch beside the test rows, as `validationAccuracy`.
 */
export async function train(config: RunConfig, loaded: TaskData, options: TrainingOptions = {}): Promise<TrainingResult> {
  if (!options.keepBackend) await useBackend(config.backend);
  const data = runData(config, loaded);
  const rows = rowsOf(data);
  const hooks = options.hooks ?? {};
  if (config.initWeights && !options.initial && !options.resumeFrom) {
    throw new ConfigError(`initWeights "${config.initWeights}" names a file: load it (selfprop/node's trainRun does) and pass it as options.initial`);
  }
  const resume = options.resumeFrom;
  const rng = resume ? RandomStream.fromState(resume.rngState) : RandomStream.fromSeed(config.seed);
  const model = resume ? resume.model : createModel(config, rng, rows, options.initial);
  if (options.threads && options.threads.helpers > 0) {
    if (!model.useThreads) throw new ConfigError(`threads: the ${config.model} model runs on one thread (only the snn model's LIF phase has threaded kernels)`);
    model.useThreads(options.threads);
  }
  const history: EpochMetrics[] = resume ? [...resume.history] : [];
  const startEpoch = resume?.epoch ?? 0;
  const task = getTask(config.task);
  const opsPerSample = model.paperOpsPerSample();
  hooks.onStart?.({ model, startEpoch, epochs: config.epochs, trainRows: rows.train, validationRows: rows.validation, testRows: rows.test, resumed: resume !== undefined });

  const pass = (split: Split, epoch: number, dataset: Dataset, order: Int32Array, maxBatches?: number) =>
    runSplit(model, task, dataset, { split, epochIndex: epoch, order, rng, batchSize: config.batchSize, maxBatches, onBatch: hooks.onBatch });

  let batchesLeft = options.maxBatches ?? Infinity;
  for (let epoch = startEpoch; epoch < config.epochs && batchesLeft > 0; epoch++) {
    const order = config.shuffle ? rng.permutation(data.train.count) : identity(data.train.count);
    const trainTotals = await pass('train', epoch, data.train, order, batchesLeft);
    batchesLeft -= trainTotals.batches;
    const validationTotals = data.validation && (await pass('validation', epoch, data.validation, identity(data.validation.count)));
    const testTotals = await pass('test', epoch, data.test, identity(data.test.count));
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
      trainMacsPerSample: trainTotals.macs / trainTotals.rows,
      paperOpsPerSample: opsPerSample,
      spikesPerSample: trainTotals.spikes,
      trainSamples: trainTotals.rows,
      testSamples: data.test.count,
      ...(options.memoryMiB ? { peakRssMiB: options.memoryMiB() } : {}),
      ...prefixed('train', trainTotals.extra),
      ...prefixed('test', testTotals.extra),
      ...validationMetrics,
    };
    checkStateFinite(model, epoch);
    history.push(metrics);
    await options.onEpochEnd?.({ epoch: epoch + 1, model, rng, history, rows });
    hooks.onEpoch?.(metrics);
  }
  return { model, history };
}

/** What one pass of `runSplit` over a dataset gives. */
export interface SplitTotals {
  /** The task's primary score over all rows. */
  readonly score: number;
  /** The model's measures, means over rows. */
  readonly measures: Record<string, number>;
  /** Spikes per row, per layer. */
  readonly spikes: number[];
  /** The task's further scores. */
  readonly extra: Record<string, number>;
  /** Every row's output, rows × targets, in batch order. */
  readonly outputs: Float32Array;
  /** Rows and batches run (fewer than the dataset's under `maxBatches`). */
  readonly rows: number;
  readonly batches: number;
  /** Wall seconds and multiply-accumulates of the batches, without what the onBatch hook spends. */
  readonly seconds: number;
  readonly macs: number;
}

export interface SplitOptions {
  readonly split: Split;
  readonly epochIndex: number;
  /** The dataset rows in the order they are batched. */
  readonly order: Int32Array;
  readonly rng: RandomStream;
  readonly batchSize: number;
  /** Stop after this many batches (the bench); default all. */
  readonly maxBatches?: number;
  /** After every batch; a returned promise is awaited. Its time and products are not the batches'. */
  readonly onBatch?: (info: ProgressInfo) => void | Promise<void>;
}

/**
 * The batch loop: every batch of `dataset` in `order` through the model (training batches for the
 * 'train' split, evaluation otherwise), checking each batch's outputs and the parameters for
 * NaN/Inf, then the task's scores over all rows.
 */
export async function runSplit(model: Model, task: Task, dataset: Dataset, o: SplitOptions): Promise<SplitTotals> {
  if (dataset.count === 0) throw new ConfigError(`${dataset.description}: 0 rows, nothing to ${o.split === 'train' ? 'train on' : 'evaluate'}`);
  const rowsPerBatch = Math.min(o.batchSize, dataset.count);
  const batches = Math.min(Math.ceil(dataset.count / rowsPerBatch), o.maxBatches ?? Infinity);
  const used = Math.min(dataset.count, batches * rowsPerBatch);
  const outputs = new Float32Array(used * dataset.targetSize);
  const x = new Float32Array(rowsPerBatch * dataset.inputSize);
  const y = new Float32Array(rowsPerBatch * dataset.targetSize);
  const spikes = model.layers.map(() => 0);
  const measures: Record<string, number> = {};
  let correctSoFar = 0;
  let hookMs = 0;
  let hookMacs = 0;
  const macsBefore = macCounter.total;
  const started = performance.now();
  for (let batch = 0; batch < batches; batch++) {
    const start = batch * rowsPerBatch;
    const rows = Math.min(rowsPerBatch, used - start);
    const indices = o.order.subarray(start, start + rows);
    const xb = gather(dataset.inputs, dataset.inputSize, indices, x);
    const yb = gather(dataset.targets, dataset.targetSize, indices, y);
    const context = { rng: o.rng, epochIndex: o.epochIndex, rows: indices, split: o.split };
    const outcome: BatchOutcome = o.split === 'train' ? model.trainBatch(xb, yb, context) : model.evaluateBatch(xb, yb, context);
    checkBatchFinite(model, o.split, o.epochIndex, batch, outcome);
    outputs.set(outcome.output.data, start * dataset.targetSize);
    for (const [name, value] of Object.entries(outcome.measures)) measures[name] = (measures[name] ?? 0) + value * rows;
    outcome.spikes?.forEach((s, k) => (spikes[k] += s));
    correctSoFar += task.score(outcome.output.data, dataset, indices).primary * rows;
    if (o.onBatch) {
      const hookStart = performance.now();
      const hookMacsStart = macCounter.total;
      const info = { phase: o.split, epoch: o.epochIndex + 1, batch: batch + 1, batches, samples: start + rows, runningScore: correctSoFar / (start + rows), measures: outcome.measures };
      const waited = o.onBatch(info);
      if (waited) await waited;
      hookMs += performance.now() - hookStart;
      hookMacs += macCounter.total - hookMacsStart;
    }
  }
  const scored = used === dataset.count ? dataset : datasetRows(dataset, 0, used, dataset.description);
  const scores = task.score(outputs, scored, o.order.subarray(0, used));
  return {
    score: scores.primary,
    measures: Object.fromEntries(Object.entries(measures).map(([name, total]) => [name, total / used])),
    spikes: spikes.map((s) => s / used),
    extra: scores.extra,
    outputs,
    rows: used,
    batches,
    seconds: (performance.now() - started - hookMs) / 1000,
    macs: macCounter.total - macsBefore - hookMacs,
  };
}

/** After every batch: the outputs, measures and parameters (cheap). */
function checkBatchFinite(model: Model, split: Split, epoch: number, batch: number, outcome: BatchOutcome): void {
  const measuresFinite = Object.values(outcome.measures).every((v) => Number.isFinite(v));
  const { weights, biases } = model.parameters;
  const bad = !allFinite(outcome.output.data) || !measuresFinite
    ? 'the outputs'
    : weights.some((w) => !allFinite(w.data)) || biases.some((b) => !allFinite(b))
      ? 'the weights'
      : undefined;
  if (bad) throw new DivergenceError(`training diverged: NaN/Inf in ${bad} at epoch ${epoch + 1}, ${split} batch ${batch + 1}`);
}

/** At the end of an epoch, before anything is persisted: every state array (for §2, every example's state). */
function checkStateFinite(model: Model, epoch: number): void {
  const bad = model.stateArrays().find((a) => a.data instanceof Float32Array && !allFinite(a.data));
  if (bad) throw new DivergenceError(`training diverged: NaN/Inf in ${bad.name} at the end of epoch ${epoch + 1}`);
}

export function identity(n: number): Int32Array {
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
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}
