/**
 * One worker's training session, host-agnostic: the page's Web Worker runs it (worker.ts), and so
 * does the Node side of the browser test (test/web/playground.ts), so that both measure the same
 * code. It loads data through the core's loaders, resolves the config with the core's schema, and
 * makes a run one call of the core's `train()`: on the TF.js backend the host selected
 * (`keepBackend`, so a page's WebGL or WebGPU stays), up to the page's batch limit (`maxBatches`),
 * from loaded weights (`initial`). Its hooks post the run's description (`onStart`), every epoch's
 * record (`onEpoch`), and after every batch (`onBatch`) progress, views, and a turn of the host's
 * message loop (pause and resume wait there; Reset throws out of it, which ends `train()`).
 *
 * Time and MACs: a finished epoch's are its EpochMetrics', which leave out what the hooks spend
 * (pauses, views, messages). The epoch under way (the live status, a stopped run's last epoch) is
 * accounted the same way here: the stretches from the end of one hook to the start of the next,
 * MACs the `macCounter.total` deltas over them.
 */
import {
  currentBackend,
  datasetRows,
  decodeWeightsNpy,
  encodeWeightsNpy,
  getTask,
  isHiddenMatrix,
  macCounter,
  memorySource,
  MODEL_FAMILIES,
  modelLayers,
  PhaseTimer,
  PLASTICITY_RULES,
  recordSpikeRaster,
  resolveRunConfig,
  sbpBaseChange,
  sbpSpread,
  sbpSumsOf,
  SnnModel,
  train,
  useBackend,
  type BackendOptions,
  type Dataset,
  type EpochMetrics,
  type LifThreads,
  type Matrix,
  type Model,
  type ProgressInfo,
  type RuleInput,
  type RunConfig,
  type SbpTrace,
  type StartInfo,
  type TaskData,
} from 'selfprop';
import { readEmbeddedMnist } from './embedded.js';
import type {
  BatchPoint,
  Catalog,
  DataChoice,
  DataSummary,
  Engine,
  EpochRecord,
  FactorsView,
  FieldsView,
  FromWorker,
  RasterView,
  RunResult,
  RunStatus,
  StartRequest,
  ViewRequest,
  Views,
} from './protocol.js';

export interface SessionHost {
  post(message: FromWorker, transfer?: Transferable[]): void;
  /** Let the host's message loop run (pause, stop and view requests arrive there). */
  yieldNow(): Promise<void>;
  /** Options of the TF.js WASM backend (where its .wasm files are served, threads). */
  readonly backendOptions?: BackendOptions;
  /** Which TF.js WASM binary the host loads, for the page (e.g. "tfjs-backend-wasm-simd.wasm, 1 thread"). */
  readonly wasmVariant?: string;
  /** Helper threads for the SNN's LIF phase (the page's threads − 1; results are the same bits). */
  readonly lifThreads?: LifThreads;
}

/** Thrown out of a batch hook to end a run (Reset). */
class StopSignal extends Error {}

/** Samples in the window of the plotted training accuracy. */
const ACCURACY_WINDOW = 500;
/** The page gets progress at most this often (ms). */
const POST_EVERY_MS = 100;
/** The hook yields to the message loop at most this often (ms). */
const YIELD_EVERY_MS = 25;

/** The page's controls: every family's options (keyed by their CLI flag) and the schema's defaults. */
export function buildCatalog(): Catalog {
  const families = (Object.keys(MODEL_FAMILIES) as (keyof typeof MODEL_FAMILIES)[]).map((name) => {
    const f = MODEL_FAMILIES[name];
    return {
      name,
      title: f.title,
      options: f.options.map((o) => ({
        key: o.flags.replace(/^--/, '').split(' ')[0],
        flags: o.flags,
        description: o.description,
        parse: o.parse,
        ...(o.choices ? { choices: [...o.choices] } : {}),
        path: [...o.path],
      })),
    };
  });
  const tasks = (['mnist', 'nettalk'] as const).map((name) => ({ name, title: getTask(name).title, primaryName: getTask(name).primaryName }));
  const defaults: Record<string, RunConfig> = {};
  for (const t of tasks) for (const f of families) defaults[`${t.name}/${f.name}`] = resolveRunConfig({ task: t.name, model: f.name });
  const rules = Object.values(PLASTICITY_RULES).map((r) => ({ name: r.name, title: r.title }));
  return { families, rules, defaults, tasks };
}

/** A tile shape for a layer of `n` inputs: MNIST 28 × 28, NETtalk 27 symbols × 7 positions, else near-square. */
export function tileShape(n: number): { width: number; height: number } {
  if (n === 784) return { width: 28, height: 28 };
  if (n === 189) return { width: 27, height: 7 };
  const width = Math.ceil(Math.sqrt(n));
  return { width, height: Math.ceil(n / width) };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const copyMatrix = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: m.data.slice() });

/** Seconds and MACs of a stretch of the run; `macs` of training and evaluation, `trainMacs` of training only. */
interface Totals {
  trainSeconds: number;
  samples: number;
  trainMacs: number;
  macs: number;
}
const noTotals = (): Totals => ({ trainSeconds: 0, samples: 0, trainMacs: 0, macs: 0 });

interface ActiveRun {
  readonly config: RunConfig;
  readonly model: Model;
  /** The held-out rows (the raster's digit). */
  readonly test: Dataset;
  readonly views: boolean;
  /** The TF.js backend the run trains on. */
  readonly backend: string;
  /** Training batches of a whole epoch. */
  readonly batchesPerEpoch: number;
  /** The §1 network's per-phase seconds (set as its `timer`). */
  readonly phases?: PhaseTimer;
  /** Training batches done over the run. */
  batches: number;
  /** The finished epochs' totals (their EpochMetrics), and the epoch under way's (between hooks). */
  done: Totals;
  current: Totals;
  epochs: number;
  lastTestScore?: number;
  phase: 'train' | 'validation' | 'test';
  epoch: number;
  batchInEpoch: number;
  /** performance.now() and macCounter.total at the start of the current compute stretch. */
  stretchStart: number;
  macsAtStretch: number;
  lastYield: number;
  lastPost: number;
  points: BatchPoint[];
  /** This epoch's correct rows and samples at the previous training batch. */
  prevCorrect: number;
  prevSamples: number;
  window: { correct: number; rows: number }[];
  /** The last training batch's free and nudged states (SNN), for the spread factors. */
  lastStates?: { free: Matrix[]; nudged: Matrix[] };
  /** W₁ when the run started (for the fields' change). */
  readonly initialW1: Float32Array;
}

/** The run's totals so far: the finished epochs' and the one under way. */
function totalsOf(run: ActiveRun): Totals {
  const { done: d, current: c } = run;
  return { trainSeconds: d.trainSeconds + c.trainSeconds, samples: d.samples + c.samples, trainMacs: d.trainMacs + c.trainMacs, macs: d.macs + c.macs };
}

export class Session {
  private data?: TaskData;
  private summary?: DataSummary;
  private active?: ActiveRun;
  /** A start() is between its call and train()'s first hook (loading the backend, resolving the data). */
  private starting = false;
  /** The last run's model (weights and views after it ended). */
  private last?: ActiveRun;
  private paused = false;
  private stopRequested = false;
  private wake?: () => void;
  private wanted: ViewRequest = {};
  /** The page's last choice of fields (W₁ or its change), for the views at the end of a run. */
  private fieldsChange = false;

  constructor(private readonly host: SessionHost) {}

  get running(): boolean {
    return this.active !== undefined;
  }

  /** Load a data choice through the core's loaders; the summary says what the rows are. */
  async load(choice: DataChoice): Promise<DataSummary> {
    if (this.active) throw new Error('a run is in progress: reset it before loading other data');
    let data: TaskData;
    let task: 'mnist' | 'nettalk';
    if (choice.kind === 'embedded') {
      data = readEmbeddedMnist(choice.bytes, choice.url);
      task = 'mnist';
    } else {
      task = choice.kind;
      const source = memorySource('chosen files', choice.files);
      data = await getTask(task).load(source, choice.kind === 'nettalk' ? { split: choice.split } : {});
    }
    const primary = getTask(task).primaryName;
    this.data = data;
    this.summary = {
      task,
      train: { description: data.train.description, rows: data.train.count },
      heldOut: { description: data.test.description, rows: data.test.count },
      evalKind: data.evalKind,
      heldOutName: `${data.evalKind === 'test' ? 'test' : 'held-out'} ${primary}`,
    };
    return this.summary;
  }

  resolve(input: Record<string, unknown>): RunConfig {
    return resolveRunConfig(input, 'playground config');
  }

  pause(): void {
    if (!this.active || this.paused) return;
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.host.post({ type: 'resumed' });
    this.wake?.();
  }

  stop(): void {
    if (!this.active) return;
    this.stopRequested = true;
    this.wake?.();
  }

  /** Views wanted: served at the next batch hook, at once when paused or idle. */
  requestViews(want: ViewRequest): void {
    this.wanted = { ...this.wanted, ...want };
    if (want.fieldsChange !== undefined) this.fieldsChange = want.fieldsChange;
    if (!this.active) this.serveViews(this.last);
    else if (this.paused) this.wake?.();
  }

  /** The current (or last) model's weights as .npy files (`encodeWeightsNpy`). */
  weights(): Record<string, Uint8Array> {
    const run = this.active ?? this.last;
    if (!run) throw new Error('no model yet: start a run first');
    return Object.fromEntries(encodeWeightsNpy(run.model.parameters));
  }

  /** One run, to the end of its epochs or batch limit, or until stop(): one call of the core's train(). */
  async start(request: StartRequest): Promise<RunResult> {
    // `active` is set only once train() starts the run: a second start while the backend loads is refused too
    if (this.active || this.starting) throw new Error('a run is already in progress');
    this.starting = true;
    try {
      return await this.run(request);
    } finally {
      this.starting = false;
    }
  }

  private async run(request: StartRequest): Promise<RunResult> {
    if (!this.data || !this.summary) throw new Error('no data loaded');
    const engine = request.engine;
    // The run config names wasm or cpu (the schema's backends); the engine that runs is the page's
    // choice, selected here and kept by train() (keepBackend).
    const input = { ...request.input, task: this.summary.task, backend: engine === 'cpu' ? 'cpu' : 'wasm' };
    const config = resolveRunConfig(input, 'playground config');
    await useBackend(engine, engine === 'wasm' ? this.host.backendOptions : {});
    const backend = currentBackend();
    if (backend !== engine) throw new Error(`backend "${engine}" was asked for, but TF.js runs "${backend}"`);
    // train() holds the validation rows out of these (runData) and checks every split.
    const loaded = this.limited(config);
    const files = request.initialWeights;
    const initial = files && Object.keys(files).length > 0 ? decodeWeightsNpy(new Map(Object.entries(files)), modelLayers(config), 'loaded weights') : undefined;
    const initialWeights = initial ? `loaded (${Object.keys(files ?? {}).sort().join(', ')})` : `drawn from seed ${config.seed}`;

    let run = undefined as ActiveRun | undefined;
    this.paused = false;
    this.stopRequested = false;
    let stopped = false;
    try {
      await train(config, loaded, {
        keepBackend: true,
        ...(config.model === 'snn' && this.host.lifThreads ? { threads: this.host.lifThreads } : {}),
        ...(request.maxBatches !== undefined ? { maxBatches: request.maxBatches } : {}),
        ...(initial ? { initial } : {}),
        hooks: {
          onStart: (info) => {
            run = this.begin(config, engine, backend, info, loaded.test, request.views, initialWeights);
          },
          onBatch: (info) => this.afterBatch(run!, info),
          onEpoch: (metrics) => this.endEpoch(run!, metrics),
        },
      });
    } catch (error) {
      if (!(error instanceof StopSignal)) {
        if (run) this.finish(run);
        throw error;
      }
      stopped = true;
    }
    if (!run) throw new Error('train() ended without starting a run');
    this.flush(run, true);
    const totals = totalsOf(run);
    const result: RunResult = {
      accuracy: run.lastTestScore ?? NaN,
      accuracyKind: loaded.evalKind === 'test' ? 'test' : 'held-out',
      heldOutRows: loaded.test.count,
      samplesPerSecond: totals.samples / totals.trainSeconds,
      trainSeconds: totals.trainSeconds,
      batches: run.batches,
      samples: totals.samples,
      epochs: run.epochs,
      macs: totals.macs,
      trainMacsPerSample: totals.trainMacs / totals.samples,
      backend,
      ...(backend === 'wasm' && this.host.wasmVariant ? { wasmVariant: this.host.wasmVariant } : {}),
      kernels: config.kernels,
      implementation: run.model.implementation,
      model: config.model,
      ...(config.model === 'snn' ? { rule: config.snn.rule } : {}),
      seed: config.seed,
      ...(run.phases ? { phaseSeconds: Object.fromEntries(Object.entries(run.phases.seconds).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4])) } : {}),
    };
    this.finish(run);
    if (run.views) {
      this.wanted = { fields: true, fieldsChange: this.wanted.fieldsChange ?? this.fieldsChange, factors: true, raster: this.wanted.raster ?? 0 };
      this.serveViews(run);
    }
    this.host.post({ type: 'done', result, stopped });
    return result;
  }

  /** train()'s onStart: the model it created is the run's; the page gets the run's description. */
  private begin(config: RunConfig, engine: Engine, backend: string, info: StartInfo, test: Dataset, views: boolean, initialWeights: string): ActiveRun {
    const model = info.model;
    const phases = model instanceof SnnModel ? new PhaseTimer() : undefined;
    const run: ActiveRun = {
      config, model, test, views, backend,
      batchesPerEpoch: Math.ceil(info.trainRows / Math.min(config.batchSize, info.trainRows)),
      ...(phases ? { phases } : {}),
      batches: 0, done: noTotals(), current: noTotals(), epochs: 0, phase: 'train', epoch: 0, batchInEpoch: 0,
      stretchStart: 0, macsAtStretch: 0, lastYield: performance.now(), lastPost: 0, points: [], prevCorrect: 0, prevSamples: 0, window: [],
      initialW1: model.parameters.weights[0].data.slice(),
    };
    if (model instanceof SnnModel) {
      // The bench's per-phase wall time (the model laps it inside trainBatch).
      model.timer = phases;
      // Called every training batch with the free and nudged states, before the update: keep a
      // copy (the input rows' buffer is reused by the next batch) for the spread factors.
      model.observe = (free, nudged) => {
        run.lastStates = { free: free.map(copyMatrix), nudged: nudged.map(copyMatrix) };
      };
    }
    this.active = run;
    this.host.post({
      type: 'started',
      info: {
        // the config as resolved (backend wasm or cpu, as the schema has them); a GPU engine shows as `backend`
        config,
        backend,
        ...(backend === 'wasm' && this.host.wasmVariant ? { wasmVariant: this.host.wasmVariant } : {}),
        implementation: model.implementation,
        layers: model.layers,
        paperOpsPerSample: model.paperOpsPerSample(),
        trainRows: info.trainRows,
        validationRows: info.validationRows,
        heldOutRows: info.testRows,
        heldOutName: this.summary!.heldOutName,
        primaryName: getTask(config.task).primaryName,
        initialWeights,
        window: ACCURACY_WINDOW,
      },
    });
    this.beginStretch(run);
    return run;
  }

  /** Rows limits of the config (first N rows), as views of the loaded data. */
  private limited(config: RunConfig): TaskData {
    const data = this.data as TaskData;
    const cut = (d: Dataset, limit: number | undefined) => (limit === undefined || limit >= d.count ? d : datasetRows(d, 0, limit, `${d.description} (first ${limit})`));
    return { ...data, train: cut(data.train, config.trainLimit), test: cut(data.test, config.testLimit) };
  }

  private finish(run: ActiveRun): void {
    this.active = undefined;
    this.last = run;
    this.paused = false;
    this.stopRequested = false;
  }

  private beginStretch(run: ActiveRun): void {
    run.stretchStart = performance.now();
    run.macsAtStretch = macCounter.total;
  }

  /** train()'s onBatch, after every batch of every pass: the stretch's time and MACs, a progress point, then between(). */
  private async afterBatch(run: ActiveRun, info: ProgressInfo): Promise<void> {
    const seconds = (performance.now() - run.stretchStart) / 1000;
    const macs = macCounter.total - run.macsAtStretch;
    run.current.macs += macs;
    run.phase = info.phase;
    run.epoch = info.epoch;
    if (info.phase === 'train') {
      run.current.trainSeconds += seconds;
      run.current.trainMacs += macs;
      if (info.batch === 1) {
        run.prevCorrect = 0;
        run.prevSamples = 0;
      }
      const correct = info.runningScore * info.samples;
      const rows = info.samples - run.prevSamples;
      run.batchInEpoch = info.batch;
      run.batches++;
      run.current.samples += rows;
      run.window.push({ correct: correct - run.prevCorrect, rows });
      run.prevCorrect = correct;
      run.prevSamples = info.samples;
      let inWindow = run.window.reduce((n, w) => n + w.rows, 0);
      while (run.window.length > 1 && inWindow - run.window[0].rows >= ACCURACY_WINDOW) inWindow -= run.window.shift()!.rows;
      const accuracy = run.window.reduce((n, w) => n + w.correct, 0) / inWindow;
      run.points.push({ batch: run.batches, epoch: info.epoch, samples: totalsOf(run).samples, accuracy, measures: { ...info.measures } });
    }
    await this.between(run);
  }

  /** train()'s onEpoch: the epoch's record from its EpochMetrics, whose totals replace the ones counted here. */
  private endEpoch(run: ActiveRun, metrics: EpochMetrics): void {
    run.epochs++;
    run.lastTestScore = metrics.testAccuracy;
    const d = run.done;
    run.done = {
      trainSeconds: d.trainSeconds + metrics.trainSeconds,
      samples: d.samples + metrics.trainSamples,
      trainMacs: d.trainMacs + Math.round(metrics.trainMacsPerSample * metrics.trainSamples),
      macs: d.macs + metrics.macs,
    };
    run.current = noTotals();
    const { epoch, ...measured } = metrics;
    const record: EpochRecord = {
      epoch,
      batches: run.batchInEpoch,
      partial: run.batchInEpoch < run.batchesPerEpoch,
      ...measured,
      samplesPerSecond: metrics.trainSamples / metrics.trainSeconds,
      backend: run.backend,
      kernels: run.config.kernels,
    };
    this.flush(run, true);
    this.host.post({ type: 'epoch', record });
    this.beginStretch(run);
  }

  /** Between two batches: views, progress, the message loop, pause and stop; then a new stretch. */
  private async between(run: ActiveRun): Promise<void> {
    this.serveViews(run);
    this.flush(run, false);
    const now = performance.now();
    if (now - run.lastYield >= YIELD_EVERY_MS) {
      await this.host.yieldNow();
      run.lastYield = performance.now();
    }
    if (this.paused && !this.stopRequested) {
      this.flush(run, true);
      this.host.post({ type: 'paused' });
      while (this.paused && !this.stopRequested) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        this.serveViews(run);
      }
    }
    if (this.stopRequested) throw new StopSignal('stopped');
    this.beginStretch(run);
  }

  private flush(run: ActiveRun, force: boolean): void {
    const now = performance.now();
    if (!force && now - run.lastPost < POST_EVERY_MS) return;
    run.lastPost = now;
    const totals = totalsOf(run);
    const status: RunStatus = {
      epoch: run.epoch,
      epochs: run.config.epochs,
      batchInEpoch: run.batchInEpoch,
      batchesInEpoch: run.batchesPerEpoch,
      batches: run.batches,
      samples: totals.samples,
      trainSeconds: totals.trainSeconds,
      samplesPerSecond: totals.trainSeconds > 0 ? totals.samples / totals.trainSeconds : 0,
      macs: totals.macs,
      phase: run.phase,
    };
    this.host.post({ type: 'progress', points: run.points, status });
    run.points = [];
  }

  private serveViews(run: ActiveRun | undefined): void {
    const want = this.wanted;
    if (!run || !run.views || (!want.fields && want.raster === undefined && !want.factors)) return;
    this.wanted = {};
    const views: Views = {
      ...(want.fields ? { fields: this.fields(run, want.fieldsChange === true) } : {}),
      ...(want.raster !== undefined && run.model instanceof SnnModel ? { raster: this.raster(run, want.raster) } : {}),
      ...(want.factors && run.lastStates && run.model instanceof SnnModel && run.config.model === 'snn' && run.config.snn.rule === 'sbp' ? { factors: this.factors(run) } : {}),
    };
    const transfer: Transferable[] = [];
    if (views.fields) transfer.push(views.fields.data.buffer);
    if (views.raster) transfer.push(views.raster.spikes.buffer, views.raster.input.buffer);
    views.factors?.matrices.forEach((m) => m.components.forEach((c) => transfer.push(c.values.buffer)));
    this.host.post({ type: 'views', views }, transfer);
  }

  /** W₁'s columns (the input synapses of the first hidden neurons) as tiles. */
  private fields(run: ActiveRun, change: boolean): FieldsView {
    const w = run.model.parameters.weights[0];
    const w0 = run.initialW1;
    const count = Math.min(100, w.cols);
    const data = new Float32Array(count * w.rows);
    for (let t = 0; t < count; t++) {
      for (let i = 0; i < w.rows; i++) data[t * w.rows + i] = change ? w.data[i * w.cols + t] - w0[i * w.cols + t] : w.data[i * w.cols + t];
    }
    return { ...tileShape(w.rows), count, hidden: w.cols, change, data };
  }

  /** The §1 network's spike raster for one held-out row (`recordSpikeRaster`). */
  private raster(run: ActiveRun, wantedRow: number): RasterView {
    const net = (run.model as SnnModel).network;
    const d = run.test;
    const row = Math.max(0, Math.min(d.count - 1, Math.floor(wantedRow)));
    const input = d.inputs.slice(row * d.inputSize, (row + 1) * d.inputSize);
    const spikes = recordSpikeRaster(net, input);
    const triples = new Int32Array(spikes.length * 3);
    spikes.forEach((s, i) => triples.set([s.layer, s.neuron, s.step], 3 * i));
    const { width, height } = tileShape(d.inputSize);
    return {
      row,
      ...(d.labels ? { label: d.labels[row] } : {}),
      input,
      inputWidth: width,
      inputHeight: height,
      layers: net.config.layers,
      steps: Math.round(net.config.lif.tMs / net.config.lif.dtMs),
      spikes: triples,
    };
  }

  /**
   * SBP's spread factors of the last training batch, as the rule computes them (§1.3): from the top
   * matrix down, D, its sums, and a₁, a₂ (per presynaptic neuron), c₃ and, for a hidden matrix,
   * c₄, c₅ (per postsynaptic neuron) from the trace of the matrix above.
   */
  private factors(run: ActiveRun): FactorsView {
    const cfg = (run.model as SnnModel).network.config;
    const { free, nudged } = run.lastStates!;
    const matrices: FactorsView['matrices'][number][] = [];
    let above: SbpTrace | undefined;
    for (let m = free.length - 1; m >= 1; m--) {
      const input: RuleInput = {
        preFree: free[m - 1], preNudged: nudged[m - 1], postFree: free[m], postNudged: nudged[m],
        beta: cfg.beta, feedsOutput: m === free.length - 1, above, sbp: cfg.sbp,
      };
      const nPre = input.preFree.cols;
      const nPost = input.postFree.cols;
      const D = sbpBaseChange(input);
      const { factors, trace } = sbpSpread(sbpSumsOf(D, nPre, nPost), cfg.sbp, isHiddenMatrix(input) ? above : undefined);
      above = trace;
      const components: FactorsView['matrices'][number]['components'][number][] = [
        { name: 'a₁', per: 'pre', values: Float32Array.from(factors.a1) },
        { name: 'a₂', per: 'pre', values: Float32Array.from(factors.a2) },
        { name: 'c₃', per: 'post', values: Float32Array.from(factors.c3) },
      ];
      if (factors.c4) components.push({ name: 'c₄', per: 'post', values: Float32Array.from(factors.c4) });
      if (factors.c5) components.push({ name: 'c₅', per: 'post', values: Float32Array.from(factors.c5) });
      matrices.unshift({ name: `W${m}`, pre: nPre, post: nPost, components });
    }
    return { batch: run.batches, matrices };
  }
}
