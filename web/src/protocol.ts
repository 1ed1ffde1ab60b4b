/**
 * The messages between the page and its training workers, and the shapes they carry. Everything
 * here is structured-clone data (typed arrays, plain objects): no functions, no classes.
 */
import type { RunConfig } from 'selfprop';

/** The dense-math engine of a run: TF.js's WASM backend (the default), its CPU backend, or a GPU one the page registered. */
export const ENGINES = ['wasm', 'cpu', 'webgl', 'webgpu'] as const;
export type Engine = (typeof ENGINES)[number];

/** What the worker found it can run; for each engine `null` = available, a string = why not. */
export interface Capabilities {
  readonly wasmSimd: boolean;
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** null: the core's WebAssembly kernels compiled; otherwise why not. */
  readonly kernels: string | null;
  readonly engines: Readonly<Record<Engine, string | null>>;
  /** The TF.js WASM binary and threads in use, e.g. "tfjs-backend-wasm-simd.wasm, 1 thread". */
  readonly wasmVariant: string;
}

/** A family option as the page shows it (the core's FamilyOption, keyed by its CLI flag name). */
export interface OptionInfo {
  /** The URL key: the CLI flag without dashes and argument, e.g. "spread-fraction". */
  readonly key: string;
  readonly flags: string;
  readonly description: string;
  readonly parse: 'string' | 'integer' | 'number' | 'numbers' | 'on-off' | 'flag';
  readonly choices?: readonly string[];
  readonly path: readonly string[];
}

export interface FamilyInfo {
  readonly name: 'snn' | 'smlp' | 'ann';
  readonly title: string;
  readonly options: readonly OptionInfo[];
}

/** What the page builds its controls from: the families, their options and the schema's defaults. */
export interface Catalog {
  readonly families: readonly FamilyInfo[];
  readonly rules: readonly { readonly name: string; readonly title: string }[];
  /** The resolved default config of every (task, model), keyed "mnist/snn". */
  readonly defaults: Readonly<Record<string, RunConfig>>;
  readonly tasks: readonly { readonly name: 'mnist' | 'nettalk'; readonly title: string; readonly primaryName: string }[];
}

/** Where a worker's data comes from. */
export type DataChoice =
  | { readonly kind: 'embedded'; readonly bytes: Uint8Array; readonly url: string }
  | { readonly kind: 'mnist'; readonly files: Readonly<Record<string, Uint8Array>> }
  | { readonly kind: 'nettalk'; readonly files: Readonly<Record<string, Uint8Array>>; readonly split: 'paper' | 'full' };

export interface DataSummary {
  readonly task: 'mnist' | 'nettalk';
  readonly train: { readonly description: string; readonly rows: number };
  readonly heldOut: { readonly description: string; readonly rows: number };
  /** "test": an official test set; "validation": rows held out of a training set. */
  readonly evalKind: 'test' | 'validation';
  /** What to call the held-out score: "held-out accuracy" or "test accuracy". */
  readonly heldOutName: string;
}

export interface StartRequest {
  /** The run config input (resolveRunConfig fills in the schema's defaults). */
  readonly input: Record<string, unknown>;
  readonly engine: Engine;
  /** Stop after this many training batches (over epochs); default: all epochs. */
  readonly maxBatches?: number;
  /** Initial weights as .npy files by name (W1.npy …, b2.npy …). */
  readonly initialWeights?: Readonly<Record<string, Uint8Array>>;
  /** Compute the views (raster, fields, spread factors) when asked; off for the bench. */
  readonly views: boolean;
}

export interface ViewRequest {
  readonly fields?: boolean;
  /** Fields as the change since the run started (W₁ − W₁ at the start) instead of W₁ itself. */
  readonly fieldsChange?: boolean;
  readonly raster?: number; // held-out row
  readonly factors?: boolean;
}

export type ToWorker =
  | { readonly type: 'init'; readonly wasmPaths: string; readonly threads: number }
  | { readonly type: 'load'; readonly id: number; readonly data: DataChoice }
  | { readonly type: 'resolve'; readonly id: number; readonly input: Record<string, unknown> }
  | { readonly type: 'start'; readonly request: StartRequest }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  | { readonly type: 'views'; readonly want: ViewRequest }
  | { readonly type: 'weights'; readonly id: number };

/** One training batch as plotted. */
export interface BatchPoint {
  /** 1-based over the whole run. */
  readonly batch: number;
  readonly epoch: number;
  /** Training samples seen so far in the run. */
  readonly samples: number;
  /** Training accuracy (task score) of the last `window` samples. */
  readonly accuracy: number;
  /** The batch's measures (SNN: energy E, cost C, hidden activity; ANN: E, C; spiking MLP: loss …). */
  readonly measures: Readonly<Record<string, number>>;
}

export interface RunStatus {
  readonly epoch: number;
  readonly epochs: number;
  readonly batchInEpoch: number;
  readonly batchesInEpoch: number;
  readonly batches: number;
  readonly samples: number;
  /** Seconds the training batches took (pauses, views and messages excluded). */
  readonly trainSeconds: number;
  readonly samplesPerSecond: number;
  /** Multiply-accumulates executed by training and evaluation (`macCounter.total` deltas, views excluded). */
  readonly macs: number;
  readonly phase: 'train' | 'validation' | 'test';
}

/** One epoch (or the partial last one of a batch-limited run), as metrics.jsonl holds it. */
export interface EpochRecord {
  readonly epoch: number;
  readonly batches: number;
  readonly partial: boolean;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly validationAccuracy?: number;
  readonly [name: string]: number | boolean | string | number[] | undefined;
}

export interface RunResult {
  /** Held-out (or test) score after the last batch, a fraction. */
  readonly accuracy: number;
  /** "held-out" (rows held out of MNIST training images) or "test" (an official test set). */
  readonly accuracyKind: 'held-out' | 'test';
  readonly heldOutRows: number;
  readonly samplesPerSecond: number;
  readonly trainSeconds: number;
  readonly batches: number;
  readonly samples: number;
  readonly epochs: number;
  readonly macs: number;
  readonly trainMacsPerSample: number;
  /** The TF.js backend that ran (currentBackend()). */
  readonly backend: string;
  readonly wasmVariant?: string;
  /** The run config's kernels setting, and what ran each phase (the model's implementation lines). */
  readonly kernels: string;
  readonly implementation: readonly string[];
  readonly model: string;
  readonly rule?: string;
  readonly seed: number;
  /** §1 network: wall seconds per phase of the training batches (feedforward, relaxations, plasticity, other). */
  readonly phaseSeconds?: Readonly<Record<string, number>>;
}

export interface StartedInfo {
  readonly config: RunConfig;
  readonly backend: string;
  readonly wasmVariant?: string;
  readonly implementation: readonly string[];
  readonly layers: readonly number[];
  readonly paperOpsPerSample: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly heldOutRows: number;
  readonly heldOutName: string;
  readonly primaryName: string;
  readonly initialWeights: string;
  /** Samples in the accuracy window of the progress points. */
  readonly window: number;
}

export interface FieldsView {
  /** Tiles of `width × height` (the inputs of one hidden neuron), `count` of them. */
  readonly width: number;
  readonly height: number;
  readonly count: number;
  readonly hidden: number;
  /** True: the tiles are W₁ − W₁ at the start of the run. */
  readonly change: boolean;
  readonly data: Float32Array;
}

export interface RasterView {
  readonly row: number;
  readonly label?: number;
  readonly input: Float32Array;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly layers: readonly number[];
  readonly steps: number;
  /** Triples (layer, neuron, step); layer 1 = the first hidden layer. */
  readonly spikes: Int32Array;
}

export interface FactorsView {
  readonly batch: number;
  readonly matrices: readonly {
    readonly name: string;
    readonly pre: number;
    readonly post: number;
    readonly components: readonly { readonly name: string; readonly per: 'pre' | 'post'; readonly values: Float32Array }[];
  }[];
}

export interface Views {
  readonly fields?: FieldsView;
  readonly raster?: RasterView;
  readonly factors?: FactorsView;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly capabilities: Capabilities; readonly catalog: Catalog }
  | { readonly type: 'loaded'; readonly id: number; readonly summary: DataSummary }
  | { readonly type: 'resolved'; readonly id: number; readonly config: RunConfig }
  | { readonly type: 'started'; readonly info: StartedInfo }
  | { readonly type: 'progress'; readonly points: readonly BatchPoint[]; readonly status: RunStatus }
  | { readonly type: 'epoch'; readonly record: EpochRecord }
  | { readonly type: 'views'; readonly views: Views }
  | { readonly type: 'paused' }
  | { readonly type: 'resumed' }
  | { readonly type: 'done'; readonly result: RunResult; readonly stopped: boolean }
  | { readonly type: 'weights'; readonly id: number; readonly files: Readonly<Record<string, Uint8Array>> }
  | { readonly type: 'error'; readonly scope: 'init' | 'load' | 'resolve' | 'run' | 'weights'; readonly id?: number; readonly message: string };
