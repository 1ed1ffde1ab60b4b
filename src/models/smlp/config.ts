/**
 * The §3 spiking MLP's parameters: one zod schema whose defaults are the paper's values
 * (docs/algorithms.md §3) and the decisions of §3.1.
 */
import { z } from 'zod';
import { ConfigError, zodProblem } from '../../errors.js';

const positive = z.number().positive().finite();

export const smlpSchema = z
  .object({
    /** Layer sizes, input first, 3 to 6 layers; default: the task's (MNIST 784,500,10; NETtalk 189,500,26). */
    layers: z.array(z.number().int().positive()).min(3).max(6).optional(),
    /** Membrane decay of v ← decay·v·(1 − spike) + I. */
    decay: z.number().min(0).max(1).default(0.2),
    threshold: z.number().finite().default(0.5),
    /** Half-width of the rectangular surrogate |v − θ| < window. */
    surrogateWindow: positive.default(0.3),
    /** K time steps per sample. */
    timeSteps: z.number().int().positive().default(20),
    /** Adam learning rate, multiplied by lrDecayFactor every lrDecayEpochs epochs. */
    learningRate: positive.default(1e-3),
    lrDecayEpochs: z.number().int().positive().default(50),
    lrDecayFactor: positive.default(0.1),
    adamBeta1: z.number().min(0).lt(1).default(0.9),
    adamBeta2: z.number().min(0).lt(1).default(0.999),
    adamEpsilon: positive.default(1e-8),
    /** p: fraction of training batches whose hidden layers learn by SBP (0 = pure pBP, 1 = pure SBP). */
    sbpFraction: z.number().min(0).max(1).default(0),
    /** Weight of the Hebbian term 1e-2·H·diag(sp) of the SBP hidden update (0 skips its products). */
    hebbianWeight: z.number().min(0).finite().default(1e-2),
    /** X of the SBP update: the layer input of every time step (default) or of the last step only (the reference). */
    sbpInput: z.enum(['per-step', 'last-step']).default('per-step'),
    /** In SBP batches, also freeze the output biases (the reference zeroes every bias gradient). */
    freezeOutputBiasInSbp: z.boolean().default(false),
    /** Optional energy regulariser: loss += energyWeight · mean hidden firing rate. */
    energy: z.boolean().default(false),
    energyWeight: z.number().min(0).finite().default(0.1),
  })
  .strict();

export type SmlpConfigInput = z.input<typeof smlpSchema>;
export type SmlpConfig = Omit<z.output<typeof smlpSchema>, 'layers'> & { readonly layers: number[] };

/** The paper's spiking-MLP batch size per task (MNIST 100, NETtalk 5); other tasks keep their own. */
export const SMLP_BATCH_SIZES: Readonly<Record<string, number>> = { mnist: 100, nettalk: 5 };

/** Validate and fill in the layer sizes. */
export function resolveSmlpConfig(input: unknown, defaultLayers: readonly number[], source = 'config'): SmlpConfig {
  const parsed = smlpSchema.safeParse(input ?? {});
  if (!parsed.success) throw zodProblem(parsed.error, source, 'smlp');
  const layers = parsed.data.layers ?? [...defaultLayers];
  if (layers.length < 3 || layers.length > 6) throw new ConfigError(`${source}: the spiking MLP needs 3 to 6 layers, got ${layers.length}`);
  return { ...parsed.data, layers };
}
