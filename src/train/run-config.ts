/**
 * The configuration of a training run: one schema (zod) for the config file, the CLI and the API,
 * defaults = the paper's values. `resolveRunConfig` fills the task-dependent defaults (network
 * sizes, batch size) and is what every run writes to OUT/config.json.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { resolveSnnConfig } from '../models/snn/network.js';
import { snnSchema, type SnnConfig } from '../models/snn/config.js';
import { resolveSmlpConfig, smlpSchema, SMLP_BATCH_SIZES, type SmlpConfig } from '../models/smlp/config.js';
import { energySchema, ENERGY_BATCH_SIZES, ENERGY_BETAS, resolveEnergyConfig, type EnergyConfig } from '../models/energy/config.js';
import { BACKENDS, type BackendName } from '../tensor/index.js';
import { getTask, TASK_NAMES, type TaskName } from '../tasks/registry.js';

export const MODEL_NAMES = ['snn', 'smlp', 'ann'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const runSchema = z
  .object({
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
    batchSize: z.number().int().positive().optional(),
    /** Shuffle the training rows every epoch (the paper takes them in order, §1.6). */
    shuffle: z.boolean().default(false),
    backend: z.enum(BACKENDS).default('wasm'),
    /** Initial weights: a weights JSON file or a directory of W<k>.npy (and optional b<k>.npy). */
    initWeights: z.string().min(1).optional(),
    snn: snnSchema.default(() => snnSchema.parse({})),
    /** The §3 spiking MLP (used when model = 'smlp'); layers default to the task's. */
    smlp: smlpSchema.default(() => smlpSchema.parse({})),
    /** The §2 energy-based ANN (used when model = 'ann'); layers and β₀ default to the task's. */
    ann: energySchema.default(() => energySchema.parse({})),
  })
  .strict();

export type RunConfigInput = z.input<typeof runSchema>;

export interface RunConfig {
  readonly task: TaskName;
  readonly model: ModelName;
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
  readonly initWeights?: string;
  readonly snn: SnnConfig;
  readonly smlp: SmlpConfig;
  readonly ann: EnergyConfig;
}

/** Validate and fill in the defaults; errors name the offending field. */
export function resolveRunConfig(input: unknown, source = 'config'): RunConfig {
  const parsed = runSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(root)';
    throw new ConfigError(`${source}: invalid value at "${where}": ${issue.message}`);
  }
  const c = parsed.data;
  const task = getTask(c.task);
  if (c.model === 'ann' && c.task === 'dvsgesture') {
    throw new ConfigError(
      `${source}: the energy ANN (model "ann") on DvsGesture takes all 100 frames of a gesture concatenated (102,400 inputs, §2/§5), ` +
        'but the dvsgesture task provides one 1,024-input frame per row; this combination is not supported',
    );
  }
  return {
    ...c,
    batchSize: c.batchSize ?? defaultBatchSize(c.model, c.task),
    snn: resolveSnnConfig(c.snn, task.defaultLayers),
    smlp: resolveSmlpConfig(c.smlp, task.defaultLayers),
    ann: resolveEnergyConfig(c.ann, { layers: task.defaultLayers, beta: ENERGY_BETAS[c.task] ?? 0.2 }),
  };
}

/** The paper's batch size for a model on a task. */
export function defaultBatchSize(model: ModelName, task: TaskName): number {
  const perModel = model === 'smlp' ? SMLP_BATCH_SIZES : model === 'ann' ? ENERGY_BATCH_SIZES : undefined;
  return perModel?.[task] ?? getTask(task).defaultBatchSize;
}

/** The validation rows of a run whose training data has `trainRows` rows (see `validationRows`). */
export function validationRowsFor(config: Pick<RunConfig, 'model' | 'task' | 'validationRows'>, trainRows: number): number {
  if (config.validationRows !== undefined) return config.validationRows;
  return config.model === 'ann' && config.task === 'mnist' ? Math.floor(trainRows / 6) : 0;
}

/** The layer sizes of the run's model. */
export function modelLayers(config: RunConfig): number[] {
  return config.model === 'smlp' ? config.smlp.layers : config.model === 'ann' ? config.ann.layers : config.snn.layers;
}
