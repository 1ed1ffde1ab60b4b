/**
 * The configuration of a training run: one schema (zod) for the config file, the CLI and the API,
 * defaults = the paper's values. A run config holds the fields every run shares and the section
 * of its own model family only (`snn`, `smlp` or `ann`, keyed on `model`); the family's descriptor
 * validates that section and fills in the task-dependent defaults (network sizes, batch size, β).
 * `resolveRunConfig` gives what every run writes to OUT/config.json.
 */
import { z } from 'zod';
import { ConfigError, zodProblem } from '../errors.js';
import type { AnnConfig } from '../models/ann/config.js';
import { KERNEL_SETTINGS, type KernelsSetting } from '../models/family.js';
import { getFamily, MODEL_NAMES, type ModelName } from '../models/registry.js';
import type { SmlpConfig } from '../models/smlp/config.js';
import type { SnnConfig } from '../models/snn/config.js';
import { getTask, TASK_NAMES, type TaskName } from '../tasks/registry.js';
import type { Task } from '../tasks/task.js';
import { BACKENDS, type BackendName } from '../tensor/index.js';

export { MODEL_NAMES, type ModelName };

/** The fields every run shares, whatever its model family. */
export const commonSchema = z.object({
  task: z.enum(TASK_NAMES).default('mnist'),
  /** snn = the §1 spiking network; smlp = the §3 spiking MLP (pBP + SBP); ann = the §2 energy-based ANN. */
  model: z.enum(MODEL_NAMES).default('snn'),
  /** Dataset directory; absent = the task's embedded default (MNIST only). */
  data: z.string().min(1).optional(),
  /** NETtalk: "paper" = the paper's 5,033/500 window split; "full" = the whole corpus split by word. */
  split: z.enum(['paper', 'full']).default('paper'),
  trainLimit: z.number().int().positive().optional(),
  /**
   * Rows held out of the end of the training data and evaluated every epoch (validationAccuracy).
   * Default: the model family's protocol (§2 energy ANN on MNIST: the last sixth, i.e. the last
   * 10,000 of the 60,000 training images; otherwise none).
   */
  validationRows: z.number().int().nonnegative().optional(),
  testLimit: z.number().int().positive().optional(),
  epochs: z.number().int().positive().default(20),
  seed: z.number().int().default(1),
  /** Rows per batch; default: the paper's value for the task and model (SNN: MNIST 50, NETtalk 1; spiking MLP: MNIST 100, NETtalk 5; energy ANN: MNIST 20, NETtalk 1). */
  batchSize: z.number().int().positive().max(100_000).optional(),
  /** Shuffle the training rows every epoch (the paper takes them in order, §1.6). */
  shuffle: z.boolean().default(false),
  backend: z.enum(BACKENDS).default('wasm'),
  /** The hot loops: the WebAssembly kernels where they apply ("wasm"), or the JS reference everywhere ("js"). */
  kernels: z.enum(KERNEL_SETTINGS).default('wasm'),
  /** Initial weights: a weights JSON file or a directory of W<k>.npy (and optional b<k>.npy). */
  initWeights: z.string().min(1).optional(),
});

export type RunConfigInput = z.input<typeof commonSchema> & { snn?: unknown; smlp?: unknown; ann?: unknown };

interface CommonConfig {
  readonly task: TaskName;
  readonly data?: string;
  readonly split: 'paper' | 'full';
  readonly trainLimit?: number;
  readonly validationRows?: number;
  readonly testLimit?: number;
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly backend: BackendName;
  readonly kernels: KernelsSetting;
  readonly initWeights?: string;
}

/** A resolved run config: the shared fields and the model family's own section. */
export type RunConfig =
  | (CommonConfig & { readonly model: 'snn'; readonly snn: SnnConfig })
  | (CommonConfig & { readonly model: 'smlp'; readonly smlp: SmlpConfig })
  | (CommonConfig & { readonly model: 'ann'; readonly ann: AnnConfig });

/** The run config of one family, e.g. RunConfigOf<'ann'> has `ann`. */
export type RunConfigOf<M extends ModelName> = Extract<RunConfig, { readonly model: M }>;

export interface ResolveOptions {
  /**
   * The config was written by selfprop itself (a run's config.json), possibly by a version that
   * stored every family's section: other families' sections are dropped instead of refused.
   */
  readonly stored?: boolean;
}

/** Validate and fill in the defaults; errors name the offending field (and `source`). */
export function resolveRunConfig(input: unknown, source = 'config', options: ResolveOptions = {}): RunConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(`${source}: a run config is a JSON object, found ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const { snn, smlp, ann, ...rest } = input as Record<string, unknown>;
  const sections: Record<string, unknown> = { snn, smlp, ann };
  const parsed = commonSchema.strict().safeParse(rest);
  if (!parsed.success) throw zodProblem(parsed.error, source);
  const c = parsed.data;
  const family = getFamily(c.model);
  for (const [name, section] of Object.entries(sections)) {
    if (name !== c.model && section !== undefined && !options.stored) {
      throw new ConfigError(`${source}: the "${name}" section belongs to --model ${name}, but this run's model is "${c.model}" (a config holds its own model's section only)`);
    }
  }
  const task = getTask(c.task);
  const why = family.unsupported(task);
  if (why) throw new ConfigError(`${source}: ${why}`);
  return {
    ...c,
    batchSize: c.batchSize ?? family.defaultBatchSize(task),
    [c.model]: family.resolve(sections[c.model], task, source),
  } as RunConfig;
}

/** The model family's own section of a run config. */
export function familyConfig(config: RunConfig): unknown {
  switch (config.model) {
    case 'snn':
      return config.snn;
    case 'smlp':
      return config.smlp;
    case 'ann':
      return config.ann;
  }
}

/** The validation rows of a run whose training data has `trainRows` rows (see `validationRows`). */
export function validationRowsFor(config: RunConfig, trainRows: number): number {
  if (config.validationRows !== undefined) return config.validationRows;
  return getFamily(config.model).defaultValidationRows(getTask(config.task), trainRows);
}

/** The layer sizes of the run's model. */
export function modelLayers(config: RunConfig): readonly number[] {
  return getFamily(config.model).layers(familyConfig(config));
}

/**
 * Checks that the run's network fits its task: input size = the task's inputs, output size = its
 * targets. Run before any data is loaded.
 */
export function checkNetworkFitsTask(config: RunConfig, source = 'config'): void {
  const task: Task = getTask(config.task);
  const layers = modelLayers(config);
  const field = `${config.model}.layers`;
  if (layers[0] !== task.inputSize) {
    throw new ConfigError(`${source}: ${field} [${layers.join(',')}] starts with ${layers[0]} inputs, but ${task.title} rows have ${task.inputSize}`);
  }
  if (layers[layers.length - 1] !== task.outputSize) {
    throw new ConfigError(`${source}: ${field} [${layers.join(',')}] ends with ${layers[layers.length - 1]} outputs, but ${task.title} has ${task.outputSize} targets`);
  }
}
