/**
 * The §2 energy-based ANN's parameters: one zod schema whose defaults are the paper's values
 * (docs/algorithms.md §2) where the paper gives them, and documented choices where it does not.
 *
 * - sleepIterations N_s = 20, wakeIterations N_w = 4: §2 only gives the experiment grid
 *   {1, 6, 11, 16, 21}; 20 / 4 are the equilibrium-propagation reference's (Scellier & Bengio 2017,
 *   `n_it_neg` / `n_it_pos` of its one-hidden-layer MNIST net), on which the §2 code is built.
 * - beta β₀: 0.2 (MNIST, DvsGesture), 1 (NETtalk): task-dependent like the layers.
 * - learningRates α_k (one per weight matrix; the bias of layer k+1 uses α_k, as the reference):
 *   3 layers [0.1, 0.05] (the paper); 4 layers [0.4, 0.1, 0.01] and 5 layers
 *   [0.128, 0.032, 0.008, 0.002] (Scellier & Bengio 2017's 2- and 3-hidden-layer nets); 6 layers
 *   [0.128, 0.032, 0.008, 0.002, 0.0005], our continuation of the 5-layer ÷4 progression. Those
 *   rates were tuned for ε = 0.5, β₀ = 1 and N_s = 150–500; measured with them on MNIST
 *   784-500-500-10 (10,000 training images), every energy stayed at chance, also the standard one
 *   with the reference's own ε 0.5, β₀ 1, N_s 150, N_w 6: deeper nets need a tuning §2 does not give.
 * - sbpEnergy: which SBP energy E_θ the dynamics use when sbp is on. "literal" is §2 as written
 *   (the default); "output-quadratic" is a corrected reading (the literal E_θ plus the output
 *   layer's own quadratic term), see energy.ts.
 * - betaSign: "random" (§2: ±β₀ drawn per training batch); "positive"/"negative" fix it (tests,
 *   ablations).
 */
import { z } from 'zod';
import { ConfigError, zodProblem } from '../../errors.js';

/** The SBP energies E_θ that `sbpEnergy` selects (energy.ts gives each one's coefficients). */
export const SBP_ENERGIES = ['literal', 'output-quadratic'] as const;
export type SbpEnergyName = (typeof SBP_ENERGIES)[number];

const positive = z.number().positive().finite();

export const annSchema = z
  .object({
    /** Layer sizes, input first, 3 to 6 layers; default: the task's (MNIST 784,500,10; NETtalk 189,500,26). */
    layers: z.array(z.number().int().positive()).min(3).max(6).optional(),
    /** SBP on: the dynamics and the update use the SBP energy E_θ; off: the standard energy E. */
    sbp: z.boolean().default(true),
    /** Which E_θ (only used when sbp is on): §2 as written, or a corrected reading (energy.ts). */
    sbpEnergy: z.enum(SBP_ENERGIES).default('literal'),
    /** θ, the weight of the SBP term. */
    theta: z.number().min(0).finite().default(0.5),
    /** ε, the step of s ← clip(s − ε ∂E/∂s, 0, 1). */
    epsilon: positive.default(1),
    /** β₀ of the nudged phase; default: the task's (MNIST 0.2, NETtalk 1, DvsGesture 0.2). */
    beta: positive.optional(),
    /** Sign of β per training batch: random ±β₀ (§2), or fixed. */
    betaSign: z.enum(['random', 'positive', 'negative']).default('random'),
    /** α per weight matrix (length = layers − 1); the bias of layer k+1 uses α_k. Default: see above. */
    learningRates: z.array(z.number().min(0).finite()).optional(),
    /** N_s: free ("sleep") relaxation iterations. */
    sleepIterations: z.number().int().min(1).default(20),
    /** N_w: nudged ("wake") relaxation iterations. */
    wakeIterations: z.number().int().min(1).default(4),
  })
  .strict();

export type AnnConfigInput = z.input<typeof annSchema>;
export type AnnConfig = Omit<z.output<typeof annSchema>, 'layers' | 'learningRates' | 'beta'> & {
  readonly layers: number[];
  readonly learningRates: number[];
  readonly beta: number;
};

/** The paper's energy-ANN batch size per task (MNIST 20, NETtalk 1, DvsGesture 1). */
export const ANN_BATCH_SIZES: Readonly<Record<string, number>> = { mnist: 20, nettalk: 1, dvsgesture: 1 };

/** The paper's β₀ per task (§2). */
export const ANN_BETAS: Readonly<Record<string, number>> = { mnist: 0.2, nettalk: 1, dvsgesture: 0.2 };

/** Default α per weight matrix for a net of `layerCount` layers (see the module comment). */
export function defaultAnnLearningRates(layerCount: number): number[] {
  switch (layerCount) {
    case 3:
      return [0.1, 0.05];
    case 4:
      return [0.4, 0.1, 0.01];
    case 5:
      return [0.128, 0.032, 0.008, 0.002];
    case 6:
      return [0.128, 0.032, 0.008, 0.002, 0.0005];
    default:
      throw new ConfigError(`ann: 3 to 6 layers expected, got ${layerCount}`);
  }
}

/** Validate and fill in the task-dependent defaults (layers, β₀, learning rates). */
export function resolveAnnConfig(input: unknown, defaults: { layers: readonly number[]; beta: number }, source = 'config'): AnnConfig {
  const parsed = annSchema.safeParse(input ?? {});
  if (!parsed.success) throw zodProblem(parsed.error, source, 'ann');
  const layers = parsed.data.layers ?? [...defaults.layers];
  if (layers.length < 3 || layers.length > 6) throw new ConfigError(`${source}: the energy ANN needs 3 to 6 layers, got ${layers.length}`);
  const learningRates = parsed.data.learningRates ?? defaultAnnLearningRates(layers.length);
  if (learningRates.length !== layers.length - 1) {
    throw new ConfigError(
      `${source}: ann.learningRates needs one rate per weight matrix (${layers.length - 1} for layers [${layers.join(',')}]), got ${learningRates.length}`,
    );
  }
  return { ...parsed.data, layers, learningRates, beta: parsed.data.beta ?? defaults.beta };
}
