/**
 * A model family as one descriptor: everything the run config, the training loop, the CLI and the
 * reports need to know about it, in one place. Adding a family = its folder with a `family.ts`
 * descriptor + one line in registry.ts.
 */
import type { z } from 'zod';
import type { Task } from '../tasks/task.js';
import type { RandomStream } from '../tensor/index.js';
import type { Model, ModelParameters, SplitRows } from './model.js';

/** Which implementation runs a model's hot loops: the WebAssembly kernels, or the JS reference. */
export const KERNEL_SETTINGS = ['wasm', 'js'] as const;
export type KernelsSetting = (typeof KERNEL_SETTINGS)[number];

/** What building a model needs besides its config. */
export interface ModelBuild {
  /** The run's stream: initial values are always drawn from it (so it continues the same way with loaded weights). */
  readonly rng: RandomStream;
  readonly batchSize: number;
  /** Rows of each split (sizes per-example state, §2). */
  readonly rows: SplitRows;
  readonly kernels: KernelsSetting;
  /** Replaces the drawn initial weights and biases (same shapes). */
  readonly initial?: ModelParameters;
}

/** A command-line option of a family, mapped onto a field of its config section. */
export interface FamilyOption {
  /** Commander's flag syntax, e.g. "--rule <name>". */
  readonly flags: string;
  readonly description: string;
  /** How the text is read. */
  readonly parse: 'string' | 'integer' | 'number' | 'numbers' | 'on-off' | 'flag';
  readonly choices?: readonly string[];
  /** Where the value goes in the family's config section, e.g. ["sbp", "fraction"]. */
  readonly path: readonly string[];
  /** Said when the flag is given to another family, e.g. "the SNN's spread fraction is --spread-fraction". */
  readonly elsewhere?: string;
}

/** One epoch's logged values, as the family's epoch-line formatter reads them. */
export type EpochValues = Readonly<Record<string, number | readonly number[] | undefined>>;

export interface ModelFamily<Config = unknown> {
  /** The family's name everywhere: the config's `model`, its config section, the CLI's --model. */
  readonly name: string;
  /** For humans, e.g. "the §1 spiking network". */
  readonly title: string;
  /** The family's section of a run config (defaults = the paper's values). */
  readonly schema: z.ZodType;
  /** Validate the family's section and fill in the task's defaults; errors name the field. */
  resolve(section: unknown, task: Task, source: string): Config;
  /** Why the family cannot run on `task`, or undefined. */
  unsupported(task: Task): string | undefined;
  /** The paper's rows per batch on a task. */
  defaultBatchSize(task: Task): number;
  /** Training rows held out as validation by the family's protocol (§2: the last 10,000 MNIST images). */
  defaultValidationRows(task: Task, trainRows: number): number;
  layers(config: Config): readonly number[];
  create(config: Config, build: ModelBuild): Model;
  /** A phrase for the run log, e.g. "rule sbp". */
  describe(config: Config): string;
  /** The part of a default run directory's name after task and family, e.g. "sbp", "p0.5". */
  runName(config: Config): string;
  /** Options only this family takes (an option several families take is declared by each). */
  readonly options: readonly FamilyOption[];
  /** The family's measures in an epoch line, e.g. ["E -1.234", "C 0.0456"]. */
  epochParts(values: EpochValues): string[];
  /** Spiking families: which neuron of which layer spiked at which step, for one input sample (figures). */
  spikeRaster?(model: Model, sample: Float32Array): RasterSpike[];
}

/** One spike of a raster. */
export interface RasterSpike {
  /** 1 = the first hidden layer. */
  readonly layer: number;
  readonly neuron: number;
  /** 1 … K. */
  readonly step: number;
}
