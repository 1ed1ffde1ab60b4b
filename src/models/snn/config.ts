/**
 * The §1 network's parameters: one zod schema whose defaults are the paper's values
 * (docs/algorithms.md §1.1–§1.4, `main_snn_server_tasks_models.m`). The CLI and the API both validate
 * through it, and every run writes the resolved object next to its results.
 */
import { z } from 'zod';
import { ConfigError, zodProblem } from '../../errors.js';
import { RULE_NAMES } from '../../plasticity/registry.js';

const positive = z.number().positive().finite();
const finite = z.number().finite();

export const lifSchema = z
  .object({
    dtMs: positive.default(0.1),
    tMs: positive.default(10),
    vE: finite.default(0.2),
    vI: finite.default(0.1),
    vLeak: finite.default(0),
    vTh: finite.default(0.05),
    vReset: finite.default(-0.5),
    tauMMs: positive.default(10),
    tauSynEMs: positive.default(2),
    tauSynIMs: positive.default(2),
    gLeakE: positive.default(5),
    gLeakI: positive.default(5),
    /**
     * The arithmetic of the WebAssembly LIF loop (phase (a)): "exact" (default) computes V, g and the
     * blend in float64 in the JS loops' order, bit-identical to them; "fast" in float32 on four
     * lanes with 1/g_leak and a fast σ̃ (src/kernels/neurons.ts says what it changes). The JS loops
     * (kernels "js") are the float64 reference either way.
     */
    precision: z.enum(['exact', 'fast']).default('exact'),
  })
  .strict();

export const sbpSchema = z
  .object({
    /** r: propagation range (cancels out in N(), kept for fidelity). */
    range: positive.default(0.1),
    /** f: fraction of the spread; 0 turns SBP into its base change D. */
    fraction: z.number().min(0).finite().default(0.2),
    lambdaPre: z.number().min(0).finite().default(1),
    lambdaPost: z.number().min(0).finite().default(0.5),
    lambdaBp: z.number().min(0).finite().default(1),
  })
  .strict();

export const stpSchema = z
  .object({
    enabled: z.boolean().default(false),
    U: positive.default(0.45),
    tauF: positive.default(10),
    tauD: positive.default(2),
    tauS: positive.default(2),
    A: finite.default(1),
    u0: finite.default(0.1),
    x0: finite.default(1),
    j0: finite.default(0.1),
  })
  .strict();

export const daleSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Fraction of each layer's neurons that are inhibitory. */
    inhibitoryFraction: z.number().min(0).max(1).default(0.5),
    /** An update that would put a weight on the wrong side of 0 shrinks it by this fraction. */
    shrink: z.number().min(0).max(1).default(0.1),
  })
  .strict();

export const snnSchema = z
  .object({
    /** Layer sizes, input first; 2 to 6 layers. Default: the task's paper architecture. */
    layers: z.array(z.number().int().positive()).min(2).max(6).optional(),
    rule: z.enum(RULE_NAMES).default('sbp'),
    /** α per weight matrix (length = layers − 1). Default [0.1, 0.05]; deeper: 0.1 … 0.1, 0.05. */
    learningRates: z.array(z.number().min(0).finite()).optional(),
    freeIterations: z.number().int().min(1).default(20),
    nudgeIterations: z.number().int().min(1).default(5),
    epsilon: positive.default(0.5),
    beta: positive.default(0.5),
    lif: lifSchema.default(() => lifSchema.parse({})),
    sbp: sbpSchema.default(() => sbpSchema.parse({})),
    stp: stpSchema.default(() => stpSchema.parse({})),
    dale: daleSchema.default(() => daleSchema.parse({})),
    noise: z.enum(['none', 'norm', 'poisson']).default('none'),
    /** Phase (a) on (paper-exact) or skipped (§1.6: relaxation starts from the particles). */
    feedforward: z.boolean().default(true),
    /** "analog": layers driven by the analog state (paper-exact); "spikes": Bernoulli input, spike-driven (§1.6). */
    drive: z.enum(['analog', 'spikes']).default('analog'),
    /** Reset V, g, particles (and STP) at every batch instead of carrying them over (§1.6). */
    resetEachBatch: z.boolean().default(false),
  })
  .strict();

export type SnnConfigInput = z.input<typeof snnSchema>;
export type SnnConfigParsed = z.output<typeof snnSchema>;

/** A fully resolved network config: sizes and learning rates filled in. */
export type SnnConfig = Omit<SnnConfigParsed, 'layers' | 'learningRates'> & {
  readonly layers: number[];
  readonly learningRates: number[];
};

/** Default learning rates: the paper's [0.1, 0.05] for 3 layers; 0.1 for every hidden matrix, 0.05 for the last. */
export function defaultLearningRates(layerCount: number): number[] {
  return Array.from({ length: layerCount - 1 }, (_, k) => (k === layerCount - 2 ? 0.05 : 0.1));
}

/** Validate an SNN section and fill in the sizes and learning rates (defaults: the task's network). */
export function resolveSnnConfig(input: unknown, defaultLayers: readonly number[], source = 'config'): SnnConfig {
  const parsed = snnSchema.safeParse(input ?? {});
  if (!parsed.success) throw zodProblem(parsed.error, source, 'snn');
  const layers = parsed.data.layers ?? [...defaultLayers];
  if (layers.length < 2 || layers.length > 6) {
    throw new ConfigError(`${source}: the SNN needs 2 to 6 layers, got ${layers.length}`);
  }
  const learningRates = parsed.data.learningRates ?? defaultLearningRates(layers.length);
  if (learningRates.length !== layers.length - 1) {
    throw new ConfigError(
      `${source}: snn.learningRates needs one rate per weight matrix (${layers.length - 1} for layers [${layers.join(',')}]), got ${learningRates.length}`,
    );
  }
  const steps = parsed.data.lif.tMs / parsed.data.lif.dtMs;
  if (Math.abs(steps - Math.round(steps)) > 1e-9) {
    throw new ConfigError(`${source}: snn.lif.tMs / snn.lif.dtMs must be a whole number of steps, got ${steps}`);
  }
  return { ...parsed.data, layers, learningRates };
}
